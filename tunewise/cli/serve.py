"""`tunewise serve`: a run (or an experiment's runs) behind the OpenAI API, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import ipaddress
import os

import click
import uvicorn

from tunewise.cli.console import err
from tunewise.core.errors import TunewiseError
from tunewise.serve.app import create_app
from tunewise.serve.catalog import served_runs
from tunewise.store import Store


@click.command()
@click.argument("target")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback needs no token).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--token", envvar="TUNEWISE_TOKEN", help="Bearer token every request must send [env TUNEWISE_TOKEN].")
def serve(target: str, host: str, port: int, token: str | None):
    """Serve TARGET over the OpenAI API: a run id, or an experiment name (its recommended run, then every other
    method's latest completed run, each under the model id EXPERIMENT/METHOD_ID).

    GET /v1/models, POST /v1/chat/completions (the run's own prompt, adapter or soft prompt; streaming,
    logprobs) and POST /v1/completions (raw text, logprobs, echo). Binding anything but loopback needs --token.
    """
    if not _loopback(host) and not token:
        raise TunewiseError(f"--host {host} is reachable from other machines; give --token (or TUNEWISE_TOKEN)")
    served = served_runs(Store(), target, share_base=True)
    for model in served:
        mark = " (recommended)" if model.recommended else ""
        err.print(f"serving {model.model_id}: run #{model.run_id}, {model.method}{mark}", markup=False)
    err.print(f"OpenAI-compatible API on http://{host}:{port}/v1", markup=False)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app = create_app(served, token, loopback=_loopback(host))
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
