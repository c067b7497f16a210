"""`tunewise serve`: a run (or an experiment's runs) behind the OpenAI API, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click
import uvicorn

from tunewise.cli.console import err
from tunewise.core.errors import TunewiseError
from tunewise.models.config import ModelConfig
from tunewise.models.packaged import MODELS
from tunewise.serve.app import create_app
from tunewise.serve.base_model import served_base
from tunewise.serve.catalog import served_runs
from tunewise.store import Store


@click.command()
@click.argument("target", required=False)
@click.option(
    "--model",
    "base",
    metavar="NAME_OR_FOLDER",
    help="Serve a base model as it is instead of a run: a packaged model or a Hugging Face folder.",
)
@click.option("--max-length", default=2048, show_default=True, type=click.IntRange(64), help="Context for --model.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback needs no token).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--token", envvar="TUNEWISE_TOKEN", help="Bearer token every request must send [env TUNEWISE_TOKEN].")
def serve(target: str | None, base: str | None, max_length: int, host: str, port: int, token: str | None):
    """Serve TARGET over the OpenAI API: a run id, or an experiment name (its recommended run, then every other
    method's latest completed run, each under the model id EXPERIMENT/METHOD_ID). With --model instead, a base
    model as it is (its chat template, no prompt program), under its own name, as vLLM or llama.cpp serve one:
    e.g. the strong model another experiment reaches through `models: {strong: {api: ...}}`.

    GET /v1/models, POST /v1/chat/completions (the run's own prompt, adapter or soft prompt; streaming,
    logprobs) and POST /v1/completions (raw text, logprobs, echo). Binding anything but loopback needs --token.
    """
    if not _loopback(host) and not token:
        raise TunewiseError(f"--host {host} is reachable from other machines; give --token (or TUNEWISE_TOKEN)")
    if (target is None) == (base is None):
        raise TunewiseError("give a run id or experiment name to serve, or --model NAME_OR_FOLDER (one of them)")
    served = [served_base(_model_config(base, max_length))] if base else served_runs(Store(), target, share_base=True)
    for model in served:
        mark = " (recommended)" if model.recommended else ""
        what = "the base model as it is" if base else f"run #{model.run_id}, {model.method}{mark}"
        err.print(f"serving {model.model_id}: {what}", markup=False)
    err.print(f"OpenAI-compatible API on http://{host}:{port}/v1", markup=False)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app = create_app(served, token, loopback=_loopback(host))
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _model_config(base: str, max_length: int) -> ModelConfig:
    """A folder when one exists under that name, else a packaged model (an unknown name lists the packaged ones)."""
    if Path(base).expanduser().is_dir():
        return ModelConfig(path=str(Path(base).expanduser()), max_length=max_length)
    MODELS.get(base)
    return ModelConfig(name=base, max_length=max_length)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
