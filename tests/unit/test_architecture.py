"""The shape of the code: no import cycle anywhere in `app`, and the layers in pyproject.toml kept.

grimp reads every import, including those inside functions, so an import moved into a function to
dodge a cycle is still caught here.
"""

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Every group of modules that import each other, directly or through others (Tarjan's algorithm)."""
    modules = sorted(module for module in graph.modules if module == package or module.startswith(package + "."))
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = lowest[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in order:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], order[imported])
        if lowest[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in order:
            visit(module)
    return cycles


def test_the_cycle_finder_finds_a_cycle_through_several_modules():
    graph = grimp.ImportGraph()
    for importer, imported in [("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a"), ("pkg.c", "pkg.d")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph, "pkg") == [["pkg.a", "pkg.b", "pkg.c"]]


def test_the_cycle_finder_passes_a_graph_without_cycles():
    graph = grimp.ImportGraph()
    for importer, imported in [("pkg.a", "pkg.b"), ("pkg.a", "pkg.c"), ("pkg.b", "pkg.c")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph, "pkg") == []


def test_no_module_of_the_app_is_part_of_an_import_cycle():
    graph = grimp.build_graph("app", include_external_packages=False)
    assert import_cycles(graph, "app") == []


def test_the_layer_contracts_are_kept():
    """`lint-imports` checks the contracts in pyproject.toml: web → services → models → extensions."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout
