"""Imports run one way and never in a circle (issue 29), and the checks that say so can fail.

pyproject.toml's import-linter contracts (``lint-imports``, run by .ci/run and tests/test_checks.py)
name the layers from the doors down to the catalogue and forbid circles between the modules or
packages of any package. ``import_circles`` below is the module-level check import-linter's
contracts leave out: every strongly connected component of the import graph, a package's
``__init__`` included (a child importing its own package, which imports the child back, is a
circle the sibling contract cannot see). Imports inside functions and under TYPE_CHECKING count.

The last tests add a deliberate import to a copy of the package and watch both checks report it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def import_circles(package: str = "server") -> list[list[str]]:
    """Every set of modules that import each other in a circle (Tarjan's strongly connected
    components over grimp's graph, TYPE_CHECKING imports included), sorted."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=False, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    # Iterative: a deep import chain must not hit the recursion limit.
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    circles.append(sorted(component))
            if work:  # back in the caller: it reaches what this node reaches
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(circles)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def _broken(tmp_path: Path, **additions: str) -> Path:
    """A copy of the server package and pyproject.toml, with code appended to some modules
    (keyword: the module's path under server/, dots for slashes, e.g. ``plans.document``)."""
    shutil.copytree(ROOT / "server", tmp_path / "server", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, code in additions.items():
        path = tmp_path.joinpath("server", *module.split(".")).with_suffix(".py")
        path.write_text(path.read_text() + "\n\n" + code + "\n")
    return tmp_path


def _circles_in(tree: Path) -> str:
    """``import_circles()`` of the copy (not the installed tree), as printed."""
    run = subprocess.run([sys.executable, "-c", "import test_imports; print(test_imports.import_circles())"],
                         cwd=tree, env={"PYTHONPATH": f"{tree}{os.pathsep}{ROOT / 'tests'}"},
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_no_module_is_in_an_import_circle() -> None:
    assert import_circles() == []


def test_the_contracts_hold_on_the_tree() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout


def test_an_import_against_the_layers_fails_the_check(tmp_path: Path) -> None:
    """The policy engine (a lower layer) importing the meta tools' registry, inside a function: a
    layer broken and a circle made (the registry reaches the engine through the pipeline)."""
    tree = _broken(tmp_path, **{"policies.engine": "def _upward() -> None:\n    from ..meta import registry  # noqa"})
    run = _lint_imports(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Imports run one way: from the doors down to the catalogue BROKEN" in run.stdout
    assert "server.policies.engine -> server.meta.registry" in run.stdout
    assert "No import circles between the modules or packages of any package BROKEN" in run.stdout
    found = _circles_in(tree)
    assert "server.policies.engine" in found and "server.meta.registry" in found


def test_a_circle_inside_one_package_fails_the_check(tmp_path: Path) -> None:
    """Two sibling modules of one layer importing each other (the plan document and its checks,
    the circle this issue broke), the import under a never-true condition: no layer is broken,
    only the circle checks see it."""
    tree = _broken(tmp_path, **{"plans.document": "if False:\n    from . import checks  # noqa"})
    run = _lint_imports(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Imports run one way: from the doors down to the catalogue KEPT" in run.stdout
    assert "No import circles between the modules or packages of any package BROKEN" in run.stdout
    assert "No cycles are allowed in server.plans" in run.stdout
    assert "['server.plans.checks', 'server.plans.document']" in _circles_in(tree)


def test_a_child_importing_its_own_package_back_is_a_circle(tmp_path: Path) -> None:
    """The circle the sibling contract cannot see (results.py once imported ``server.tools``,
    whose ``__init__`` imports the catalogue, which imported results): the module check sees it."""
    tree = _broken(tmp_path, **{"tools.results": "from .. import tools  # noqa",
                                "tools.catalog": "def _late() -> None:\n    from . import results  # noqa"})
    found = _circles_in(tree)
    assert "'server.tools', " in found and "'server.tools.results'" in found, found


def test_a_package_without_a_place_in_the_layers_fails_the_check(tmp_path: Path) -> None:
    """The layers are exhaustive: a new package under server/ is given its place in pyproject.toml
    before it passes (else nothing would say which way its imports may run)."""
    tree = _broken(tmp_path)
    (tree / "server" / "newcomer").mkdir()
    (tree / "server" / "newcomer" / "__init__.py").write_text('"""A package nobody placed."""\n')
    run = _lint_imports(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Imports run one way: from the doors down to the catalogue BROKEN" in run.stdout
    assert "server.newcomer" in run.stdout
