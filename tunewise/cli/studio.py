"""`tunewise studio`: the no-code web app, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import click
import uvicorn

from tunewise.cli.console import err
from tunewise.cli.serve import _loopback
from tunewise.core.errors import TunewiseError
from tunewise.store import Store
from tunewise.studio.app import create_app
from tunewise.studio.catalog import model_choices


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback needs no token).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--token", envvar="TUNEWISE_TOKEN", help="Token to sign in with, required off loopback [env TUNEWISE_TOKEN]."
)
@click.option(
    "--model",
    "folders",
    multiple=True,
    metavar="NAME=FOLDER",
    help="Offer a local Hugging Face model folder in the new-experiment form, under NAME (repeatable).",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16), help="Experiments run at once.")
def studio(host: str, port: int, token: str | None, folders: tuple[str, ...], workers: int):
    """Open the studio in a browser at http://HOST:PORT: upload a CSV, JSONL or parquet file, pick the fields,
    see the data check, choose methods and run the comparison, watch it live, read the recommendation, chat
    with the runs side by side and rate their answers blind.

    It uses the same store ($TUNEWISE_HOME) and runner as the CLI: experiments started here show up in
    `tunewise runs`, and the experiment file it shows runs unchanged with `tunewise run`. Each run happens in a
    worker process of its own, so closing the browser (or stopping the studio) does not stop it.

    \b
    tunewise studio
    tunewise studio --model tiny=./my-small-model --port 9000
    tunewise studio --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    if not _loopback(host) and not token:
        raise TunewiseError(f"--host {host} is reachable from other machines; give --token (or TUNEWISE_TOKEN)")
    models = model_choices() | dict(_folder(spec) for spec in folders)
    app = create_app(Store(), token, loopback=_loopback(host), models=models, slots=workers)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    err.print(f"tunewise studio on http://{host}:{port}/ (Ctrl-C stops the studio; runs keep going)", markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _folder(spec: str) -> tuple[str, dict]:
    name, sep, folder = spec.partition("=")
    path = Path(folder).expanduser()
    if not sep or not name.strip():
        raise TunewiseError(f"--model {spec!r}: write NAME=FOLDER, e.g. --model tiny=./my-model")
    if not (path / "config.json").is_file():
        raise TunewiseError(f"--model {spec!r}: {path} holds no config.json; give a Hugging Face model folder")
    return name.strip(), {"path": str(path.resolve())}
