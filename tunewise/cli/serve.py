"""`tunewise serve`: a run (or an experiment's runs), or a base model as it is, behind the OpenAI API, on 127.0.0.1
unless told otherwise."""

from __future__ import annotations

import ipaddress
import os

import click
import uvicorn

from tunewise.cli.console import err
from tunewise.core.errors import TunewiseError
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
    help="Serve a base model as it is instead of a run: a packaged model (tunewise catalog) or a Hugging Face folder.",
)
@click.option(
    "--max-length",
    type=click.IntRange(64),
    help="With --model: longest prompt + answer in tokens [default: 2048, or the model's own context if shorter].",
)
@click.option("--device", default="auto", show_default=True, help="With --model: auto, cpu, cuda, cuda:N or mps.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback needs no token).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--token", envvar="TUNEWISE_TOKEN", help="Bearer token every request must send [env TUNEWISE_TOKEN].")
def serve(
    target: str | None, base: str | None, max_length: int | None, device: str, host: str, port: int, token: str | None
):
    """Serve TARGET over the OpenAI API: a run id, or an experiment name (its recommended run, then every other
    method's latest completed run, each under the model id EXPERIMENT/METHOD_ID).

    Or, with --model NAME_OR_FOLDER instead of TARGET, a plain base model as it is, the way vLLM or llama.cpp's
    server offer one: a packaged model (e.g. smollm2-135m-instruct) or a Hugging Face folder (safetensors only),
    under the model id NAME (or the folder's name). Chat messages go through the model's own chat template with
    nothing added; answers are 256 tokens at most unless max_tokens says otherwise (at most half the context).
    This is the strong model another experiment reaches through `models: {strong: {api: ...}}`.

    GET /v1/models, POST /v1/chat/completions (a run's own prompt, adapter or soft prompt; streaming, n, stop,
    logprobs) and POST /v1/completions (raw text, logprobs, echo: max_tokens 0 with echo scores a text). Binding
    anything but loopback needs --token.

    \b
    tunewise serve my-experiment
    tunewise serve --model smollm2-135m-instruct --port 8001
    tunewise serve --model ./my-hf-model --max-length 4096 --device cuda
    """
    if (target is None) == (base is None):
        raise TunewiseError("give a run id or experiment name to serve, or --model NAME_OR_FOLDER (one of them)")
    if not base and (max_length is not None or device != "auto"):
        raise TunewiseError("--max-length and --device are for --model; a run is served with its own settings")
    if not _loopback(host) and not token:
        raise TunewiseError(f"--host {host} is reachable from other machines; give --token (or TUNEWISE_TOKEN)")
    served = [served_base(base, max_length, device)] if base else served_runs(Store(), target, share_base=True)
    for model in served:
        mark = " (recommended)" if model.recommended else ""
        what = "the base model as it is" if base else f"run #{model.run_id}, {model.method}{mark}"
        err.print(f"serving {model.model_id}: {what}", markup=False)
    if base:
        err.print(f"context {served[0].adapted.backend.max_length} tokens", markup=False)
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
