"""Adaptation methods. Each lives in its own sub-package and registers itself on import; this module imports
every sub-package it finds, so adding a method means adding a folder and nothing else."""

import importlib
import pkgutil

from tunewise.core.adapted import Adapted, FitContext
from tunewise.methods.base import METHODS, Method, register

for _module in pkgutil.iter_modules(__path__):
    if _module.ispkg:
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["METHODS", "Adapted", "FitContext", "Method", "register"]
