"""runtime/ is arranged in folders by job with no import cycle between them (issue 10 item 5),
counting imports inside functions too (a lazy import is still a dependency)."""
import ast

from conftest import ROOT

RUNTIME = ROOT / "runtime"


def folder_graph():
    graph = {}
    for py in RUNTIME.rglob("*.py"):
        rel = py.relative_to(RUNTIME).parts
        src = rel[0] if len(rel) > 1 else None
        if src is None:
            continue
        deps = graph.setdefault(src, set())
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for n in names:
                parts = n.split(".")
                if parts[:2] == ["carbonspec", "runtime"] and len(parts) > 2 and parts[2] != src:
                    deps.add(parts[2])
    return graph


def test_no_import_cycle_between_runtime_folders():
    graph = folder_graph()
    state = {}

    def visit(n, stack):
        if state.get(n) == 1:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
        if state.get(n) == 2:
            return
        state[n] = 1
        for d in sorted(graph.get(n, ())):
            visit(d, stack + [n])
        state[n] = 2

    for n in sorted(graph):
        visit(n, [])
    assert {"engine", "dossier", "models", "reports", "certification", "io"} <= set(graph)


def test_folders_import_only_folders_listed_above_them():
    """The order runtime/__init__.py documents."""
    order = ["numerics", "io", "models", "dossier", "engine", "trace", "certification", "versions", "reports", "intercrop",
             "batch", "api"]
    for folder, deps in folder_graph().items():
        for d in deps:
            assert order.index(d) < order.index(folder), f"runtime/{folder} imports runtime/{d}"


def test_every_folder_says_what_it_owns():
    for init in RUNTIME.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, init
