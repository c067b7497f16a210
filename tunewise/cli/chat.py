"""`tunewise chat RUN`: talk to a run in the terminal (multi-turn; generation runs stream token by token)."""

from __future__ import annotations

import asyncio

import click
from rich.markup import escape

from tunewise.cli.console import out
from tunewise.models.hf import Sampling
from tunewise.serve import answer
from tunewise.serve.batcher import Batcher
from tunewise.serve.catalog import served_runs
from tunewise.serve.schema import ChatRequest, Message
from tunewise.serve.streaming import generated_pieces
from tunewise.store import Store


@click.command()
@click.argument("run_id", type=int)
@click.option("--temperature", default=0.0, show_default=True, help="0: the likeliest answer; above 0: sample.")
def chat(run_id: int, temperature: float):
    """Chat with run RUN_ID through its own prompt program, as `tunewise serve` would answer.

    Type a message and press Enter; an empty line or Ctrl-D ends. A classification run answers with its label
    and every label's log-likelihood; a generation run streams its answer."""
    (served,) = served_runs(Store(), str(run_id))
    out.print(f"[bold]{escape(served.model_id)}[/] (run #{run_id}, {served.method}); outputs are machine-generated")
    history: list[Message] = []
    batcher = Batcher(window=0)
    while True:
        try:
            text = click.prompt("you", default="", show_default=False, prompt_suffix="> ")
        except (EOFError, click.Abort):
            break
        if not text.strip():
            break
        history.append(Message(role="user", content=text))
        reply = asyncio.run(_reply(batcher, served, history, temperature))
        history.append(Message(role="assistant", content=reply))


async def _reply(batcher: Batcher, served, history: list[Message], temperature: float) -> str:
    request = ChatRequest(model=served.model_id, messages=history, temperature=temperature)
    sampling = Sampling(temperature, 1.0, 0)
    prompt = answer.chat_prompt(served, history, answer.reserve(served, None))
    if served.task.is_classification:
        (choice,) = answer.classify(served, [prompt], sampling, 1, None)[0]
        scores = ", ".join(f"{alt['token']} {alt['logprob']:.2f}" for alt in choice.logprobs[0]["top_logprobs"])
        out.print(f"[bold]{escape(choice.text)}[/]  [dim](log-likelihoods: {escape(scores)})[/]")
        return choice.text
    if served.adapted.backend.bills_tokens:  # a model behind an API: its whole answer, nothing to stream
        text = answer.generate(served, [prompt], answer.reserve(served, None), None, sampling)[0].text
        out.print(escape(text))
        return text
    text = ""
    async for piece, _ in generated_pieces(batcher, served, request, prompt, sampling):
        text += piece
        out.print(escape(piece), end="")
    out.print()
    return text
