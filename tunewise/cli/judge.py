"""`tunewise judge`: check an LLM judge against the blind human ratings before trusting it to rank methods."""

from __future__ import annotations

import click
from rich.markup import escape

from tunewise.cli.console import out
from tunewise.cli.ratings import HOW_TO_RATE
from tunewise.decide.judge_check import JudgeCheckResult, check_judge, judge_win_rates
from tunewise.decide.sweeps import sweep_winners
from tunewise.evaluate.judge import Judge, rubric_of
from tunewise.models.load import load_base
from tunewise.report.human import human_table
from tunewise.run.config import ExperimentConfig, config_from_snapshot
from tunewise.run.models import model_config_for
from tunewise.store import Store

DEFAULT_RUBRIC = "helpfulness"  # raters are asked which answer is better, not which matches the reference


@click.command()
@click.argument("experiment")
@click.option(
    "--model",
    "model_name",
    help="The judge: a model named under the experiment's `models:`, a packaged model, a model folder, or 'base' "
    "[default: the experiment's judge.model, else base].",
)
@click.option(
    "--rubric",
    help="correctness, helpfulness, style_match, or your own rubric as a sentence [default: the experiment's "
    f"judge.rubric, else {DEFAULT_RUBRIC}].",
)
@click.option(
    "--examples",
    default=20,
    show_default=True,
    type=click.IntRange(min=0),
    help="Test inputs per pair of methods the judge also compares itself, for its own win rates (0: skip).",
)
def judge(experiment: str, model_name: str | None, rubric: str | None, examples: int):
    """Check an LLM judge against EXPERIMENT's blind human ratings (its name).

    The judge gives its verdict on every pair people rated, asked twice with the answers swapped (a verdict
    counts only when both orders agree; otherwise it is a tie). Its agreement with the raters is Cohen's kappa
    (left / right / tie; 'both bad' counts as a tie) with a 95% bootstrap interval; below 0.4 the judge is too
    unreliable to rank methods. The check is stored, and `tunewise compare` cites it beside the ratings.
    """
    store = Store()
    snapshot = store.experiment_config(experiment)  # an unknown name fails here, with a pointer to the experiments
    rated = store.ratings.of(experiment)
    if not rated:
        raise click.ClickException(f"{experiment!r} has no blind ratings to check a judge against; {HOW_TO_RATE}")
    config = config_from_snapshot(snapshot, experiment)
    rubric_used, model = _rubric(config, rubric), _judge_model(config, model_name)  # both checked before loading
    the_judge = Judge(load_base(model, config.seed), rubric_used)
    result = check_judge(the_judge, rated, _references(store, rated), seed=config.seed)
    win_rates = _win_rates(store, experiment, the_judge, examples) if examples else None
    result.win_rates = win_rates.as_dict() if win_rates else None
    store.judge_checks.add(experiment, result.model, result.rubric, result.as_dict())
    _print(result, win_rates)


def _judge_model(config: ExperimentConfig, name: str | None):
    name = name or (config.judge.model if config.judge else "base")
    if name == "base":
        return config.model
    try:
        return model_config_for(name, config.models)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from None


def _rubric(config: ExperimentConfig, text: str | None):
    try:
        return rubric_of(text or (config.judge.rubric if config.judge else DEFAULT_RUBRIC))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rubric") from None


def _win_rates(store: Store, experiment: str, the_judge: Judge, examples: int):
    """The judge as a rater of every pair of methods (each one's newest completed run, as the leaderboard's)."""
    runs = sweep_winners(store.latest_completed(experiment))
    return judge_win_rates(the_judge, {run.method_id: store.predictions(run.id) for run, _ in runs}, examples)


def _references(store: Store, rated: list) -> dict[int, str]:
    """Test position -> reference answer, read from the rated runs' stored test answers."""
    found: dict[int, str] = {}
    for run_id in sorted({r.left_run for r in rated} | {r.right_run for r in rated}):
        for row in store.predictions(run_id):
            found.setdefault(row.position, row.target)
    return found


def _print(result: JudgeCheckResult, win_rates) -> None:
    how = "each option scored by log-likelihood" if result.mode == "logprobs" else "its reply parsed"
    out.print(
        f"judge {escape(result.model)}, rubric {escape(result.rubric)}: verdicts read with {how}, every pair asked "
        "in both orders",
        soft_wrap=True,
    )
    consistent = f"{result.consistency:.0%}" if result.consistency is not None else "- (no pair differed)"
    out.print(
        f"kappa {result.kappa:.2f} [{result.low:.2f}, {result.high:.2f}] (95% bootstrap) on {result.ratings} ratings; "
        f"raw agreement {result.agreement:.0%}; position consistency {consistent}",
        soft_wrap=True,
    )
    out.print(f"[{'green' if result.trusted else 'bold red'}]{escape(result.summary())}[/]", soft_wrap=True)
    if win_rates:
        title = f"The judge's own preferences on test answers: {win_rates.ratings} comparisons"
        out.print(human_table(win_rates, title=title))
