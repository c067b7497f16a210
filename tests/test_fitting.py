"""Prompts longer than the context lose demonstrations, then the middle of the input, never the instruction."""

from __future__ import annotations

from tunewise.core.fitting import ELLIPSIS, fit_prompt
from tunewise.core.prompt import PromptProgram


class WordBackend:
    """Counts words as tokens; renders messages as plain lines."""

    name, max_length = "words", 60

    def render(self, messages):
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"

    def count_tokens(self, text):
        return len(text.split())


PROGRAM = PromptProgram(
    instruction="Classify the news article by topic.",
    system="You are a careful editor.",
    demos=[(f"demo article {i} " + "filler " * 8, "sports") for i in range(4)],
)


def test_a_prompt_that_fits_is_left_alone():
    prompt, cut = fit_prompt(WordBackend(), PromptProgram(instruction="Classify."), "short text", reserve=2)
    assert not cut and prompt.endswith("short text\nassistant:")


def test_demonstrations_go_first_and_earliest_first():
    backend = WordBackend()
    prompt, cut = fit_prompt(backend, PROGRAM, "a short article", reserve=2)
    assert cut.demos_dropped >= 1 and cut.input_chars_cut == 0
    assert backend.count_tokens(prompt) <= backend.max_length - 2
    assert "demo article 3" in prompt and "demo article 0" not in prompt  # the latest demos are kept
    assert "Classify the news article by topic." in prompt and "careful editor" in prompt


def test_a_long_input_loses_its_middle_but_keeps_its_head_tail_instruction_and_cue():
    backend = WordBackend()
    article = "HEADLINE " + " ".join(f"word{i}" for i in range(300)) + " Topic:"
    prompt, cut = fit_prompt(backend, PROGRAM, article, reserve=3)
    assert backend.count_tokens(prompt) <= backend.max_length - 3
    assert backend.count_tokens(prompt) >= backend.max_length - 6  # as much of the input as fits is kept
    assert cut.demos_dropped == 4 and cut.input_chars_cut > 0
    assert "Classify the news article by topic." in prompt and prompt.endswith("Topic:\nassistant:")
    assert "HEADLINE" in prompt and ELLIPSIS in prompt


def test_evaluation_fits_every_prompt_and_reports_the_cut(tmp_path, tiny_model_dir):
    """On the real backend: long inputs are shortened before scoring, the backend's own left cut (which would
    remove the instruction) never has to act, and the evaluation says how many prompts were cut."""
    import json

    from tunewise.core.budget import BudgetConfig
    from tunewise.data import load_examples, split_examples
    from tunewise.evaluate import fit_context
    from tunewise.evaluate.evaluate import fitted_prompts
    from tunewise.methods import METHODS
    from tunewise.models import load_base
    from tunewise.models.config import ModelConfig
    from tunewise.tasks import Task
    from tunewise.tasks.config import TaskConfig

    rows = [
        {"text": ("a great film " if i % 2 else "a dull mess ") * (5 + 3 * i), "label": "fresh" if i % 2 else "rotten"}
        for i in range(16)
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    task = Task.from_config(TaskConfig(target="label", input="text", instruction="classify the movie review"))
    splits = split_examples(task.prepare(load_examples(path)), 0.25, 0.25, seed=0, stratify=True)
    base = load_base(ModelConfig(path=str(tiny_model_dir), max_length=64))
    ctx = fit_context(task, splits, seed=0, budget=BudgetConfig())
    method = METHODS.get("few_shot")
    adapted = method.fit(base, task, splits, method.config_class(k=2), ctx)
    result = ctx.evaluate(adapted, splits.test, intervals=False)
    prompts, _ = fitted_prompts(adapted, task, splits.test)
    assert result.cut["prompts"] >= 1 and result.cut["of"] == len(splits.test)
    assert all(base.count_tokens(p) <= 64 - 2 for p in prompts)  # room for the label word and its end
    assert all("classify the movie review" in p for p in prompts)


def test_when_the_nearest_examples_come_first_the_last_ones_are_dropped():
    program = PromptProgram(instruction="Classify.", demos=PROGRAM.demos, demos_first_matter=True)
    prompt, cut = fit_prompt(WordBackend(), program, "a short article", reserve=2)
    assert cut.demos_dropped >= 1 and "demo article 0" in prompt and "demo article 3" not in prompt


def test_a_prompt_that_cannot_fit_even_without_its_input_says_so():
    backend = WordBackend()
    backend.max_length = 8  # the system prompt and instruction alone take more
    prompt, cut = fit_prompt(backend, PROGRAM, "word " * 50 + "Topic:", reserve=2)
    assert cut.overflow and cut.demos_dropped == 4 and ELLIPSIS.strip() in prompt
    assert "word" not in prompt  # the whole input went, tail included, before giving up
