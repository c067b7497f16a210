"""The layering of ARCHITECTURE.md, kept true: no import cycles, no import from a lower layer up into a higher
one, no function-level imports of our own modules, and every package placed in a layer."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "tunewise"


def layers() -> list[str]:
    """The layer line of ARCHITECTURE.md, bottom first."""
    line = next(line for line in (REPO / "ARCHITECTURE.md").read_text().splitlines() if line.startswith("Layers,"))
    return re.findall(r"`(\w+)`", line)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(our module imported, whether the import statement is at module level) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    known = modules()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("tunewise") and target != name:
                found.append((target, id(node) in top_level))
    return found


def graph() -> dict[str, set[str]]:
    return {name: {target for target, _ in imports(name, path)} for name, path in modules().items()}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # the package's own __init__ belongs to no layer


def test_every_package_belongs_to_a_layer():
    named = set(layers())
    assert len(named) >= 10
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms == named, f"place {sorted(rooms - named)} in ARCHITECTURE.md's layer line; gone: {named - rooms}"
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules at the top of the package belong in a layer: {loose}"


def test_no_import_cycles():
    edges, index, low, stack, on_stack, cycles = graph(), {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def test_no_upward_imports():
    order = {name: rank for rank, name in enumerate(layers())}
    upward = [
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if layer_of(source) and layer_of(target) and order[layer_of(source)] < order[layer_of(target)]
    ]
    assert upward == []


def test_our_modules_are_imported_at_module_level():
    deferred = [
        f"{name} imports {target}" for name, path in modules().items() for target, top in imports(name, path) if not top
    ]
    assert deferred == []


def test_the_checker_sees_a_planted_cycle_and_an_upward_import(tmp_path, monkeypatch):
    """The checks above would pass on a checker that finds nothing: plant both faults and see them caught."""
    fake = tmp_path / "tunewise"
    for package, body in {
        "core": "from tunewise.methods import thing\n",
        "methods": "from tunewise.core import other\n\n\ndef late():\n    from tunewise.core import more\n",
    }.items():
        (fake / package).mkdir(parents=True)
        (fake / package / "__init__.py").write_text(body)
    (fake / "__init__.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "ARCHITECTURE.md").write_text("Layers, bottom to top: `core` < `methods`\n")
    edges = graph()
    assert edges["tunewise.core"] == {"tunewise.methods"} and edges["tunewise.methods"] == {"tunewise.core"}
    try:
        test_no_import_cycles()
    except AssertionError as exc:
        assert "tunewise.core" in str(exc)
    else:
        raise AssertionError("the planted cycle was not found")
    try:
        test_no_upward_imports()
    except AssertionError as exc:
        assert "tunewise.core -> tunewise.methods" in str(exc)
    else:
        raise AssertionError("the planted upward import was not found")
    assert ("tunewise.core", False) in imports("tunewise.methods", fake / "methods" / "__init__.py")
