"""The packages form a pipeline: none imports a later stage, so there is no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import jetxai

#: Pipeline stages, earliest first. Modules at the top of the package (errors, _io, kinematics,
#: _registry, …) are shared by every stage and import no stage.
STAGES = (
    "catalogue",
    "data",
    "generate",
    "features",
    "models",
    "explain",
    "evaluate",
    "train",
    "report",
    "studies",
    "weaver",
    "export",
    "cli",
)
ROOT = Path(jetxai.__file__).parent


def _stage(module: str) -> int:
    """The stage index of a dotted ``jetxai.…`` module; -1 for the shared top-level modules."""
    if module == "jetxai.__main__":  # ``python -m jetxai``: the command line
        return STAGES.index("cli")
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in STAGES:
        return -1
    return STAGES.index(parts[1])


def _imports(path: Path) -> set[str]:
    """Every jetxai module ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("jetxai")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "jetxai":
                found |= {f"jetxai.{a.name}" for a in node.names}
            elif node.module.startswith("jetxai."):
                found.add(node.module)
    return found


def _module(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join(parts)


def test_every_package_is_a_known_stage() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(STAGES)


def test_no_module_imports_a_later_stage() -> None:
    violations = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module(path)
        for imported in sorted(_imports(path)):
            if _stage(imported) > _stage(module):
                violations.append(f"{module} imports {imported}")
    assert violations == []


def test_the_shared_modules_import_no_stage() -> None:
    shared = [p for p in ROOT.glob("*.py") if p.name != "__main__.py"]
    assert shared
    for path in shared:
        assert all(_stage(m) == -1 for m in _imports(path)), path.name
