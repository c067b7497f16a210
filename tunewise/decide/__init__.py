"""Turning an experiment's runs into a decision: what each costs, which differences are real, what to ship."""
