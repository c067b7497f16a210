"""Reading YAML written by people (the experiment file, ``--set`` values) without hanging, exhausting memory or
crashing: nesting is bounded before the (recursive) composer runs, aliases may not expand the document past
``MAX_NODES`` values or refer to themselves (a nine-level alias bomb is 387 million values), and a mapping may
not repeat a key (the last would silently win). Integers longer than Python converts and lone surrogate escapes
(text that cannot be written as UTF-8) are refused with their line. Tags other than YAML's own are refused by
``safe_load``: nothing is ever constructed from a ``!!python/...`` tag."""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 50  # an experiment file nests four or five levels
MAX_NODES = 100_000  # values once aliases are expanded; the shipped examples have a few hundred
MAX_INT_DIGITS = 1000  # Python refuses past 4300; no setting needs more than a handful
INT_TAG, MERGE_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:merge"
_OPEN = object()


class YamlRefused(Exception):
    """The document parses but is refused; ``problems`` are "line N: ..." messages."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def read_yaml(text: str) -> tuple[yaml.Node | None, Any, list[str]]:
    """The document's node (for line numbers), its data, and the problems that did not stop it from being read
    (repeated keys, lone surrogates), so they are reported with every other problem of the file. Raises
    yaml.YAMLError, or YamlRefused when it cannot be read safely."""
    _check_nesting(text)
    node = yaml.compose(text)
    if node is None:
        return None, None, []
    fatal, problems = _check_graph(node)
    if fatal:
        raise YamlRefused(fatal + problems)
    return node, yaml.safe_load(text), problems


def _check_nesting(text: str) -> None:
    depth = 0
    for event in yaml.parse(text):  # the parser is iterative; the composer recurses once per level
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlRefused([f"line {_line(event)}: nested more than {MAX_DEPTH} levels deep"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_graph(root: yaml.Node) -> tuple[list[str], list[str]]:
    """Walk the node graph once per node (aliases share nodes), iteratively: a chain of aliases can be deeper
    than Python's stack. Sizes and depths are of the document with every alias expanded. Returns the problems
    that stop ``safe_load`` (huge numbers, keys that are lists) and those that do not."""
    state: dict[int, Any] = {}  # id -> _OPEN while its children are walked, then (size, depth)
    fatal: list[str] = []
    problems: list[str] = []
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = _children(node)
        if done:
            size = 1 + sum(state[id(c)][0] for c in children)
            depth = 1 + max((state[id(c)][1] for c in children), default=0)
            _check_size(node, size, depth)
            state[id(node)] = (size, depth)
            continue
        if id(node) in state:
            continue
        state[id(node)] = _OPEN
        _node_problems(node, fatal, problems)
        stack.append((node, True))
        for child in children:
            if state.get(id(child)) is _OPEN:
                raise YamlRefused([f"line {_line(child)}: an alias refers to a node that contains it (recursion)"])
            if id(child) not in state:
                stack.append((child, False))
    return fatal, problems


def _check_size(node: yaml.Node, size: int, depth: int) -> None:
    if size > MAX_NODES:
        raise YamlRefused(
            [f"line {_line(node)}: expands to more than {MAX_NODES:,} values through aliases (*name); write fewer"]
        )
    if depth > MAX_DEPTH:
        raise YamlRefused([f"line {_line(node)}: nested more than {MAX_DEPTH} levels deep once aliases are expanded"])


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _node_problems(node: yaml.Node, fatal: list[str], problems: list[str]) -> None:
    if isinstance(node, yaml.ScalarNode):
        _scalar_problems(node, fatal, problems)
    if not isinstance(node, yaml.MappingNode):
        return
    first = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            fatal.append(f"line {_line(key)}: a key must be plain text, not a list or mapping")
        elif key.tag != MERGE_TAG and (key.tag, key.value) in first:
            problems.append(
                f"line {_line(key)}: key {key.value!r} appears twice in one mapping (first on line "
                f"{first[key.tag, key.value]}); the last would silently win: remove one"
            )
        else:
            first.setdefault((key.tag, key.value), _line(key))


def _scalar_problems(node: yaml.ScalarNode, fatal: list[str], problems: list[str]) -> None:
    value = node.value
    if node.tag == INT_TAG and len(value) > MAX_INT_DIGITS:
        fatal.append(f"line {_line(node)}: a number with {len(value):,} digits; at most {MAX_INT_DIGITS} are read")
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problems.append(
            f"line {_line(node)}: {value[:40]!r} holds a lone surrogate escape (half of a UTF-16 pair), which is "
            "not a character; write the character itself"
        )


def _line(mark_holder) -> int:
    return mark_holder.start_mark.line + 1
