"""Imports flow one way (DESIGN.md, "Layout"), and no module imports itself back through others.

    lib <- org <- accounts <- members <- notifications <- visits, study <- dues <- branch_portal <- tooling

Every import of the project's own modules is read from the source, those inside functions too. An
app may import its own modules and those of the layers below it; visits and study never import each
other. No module imports itself back, however long the way round. What the apps share lives on the floor
(lib, then org), never in the project package: branch_portal is the roof (settings, URLs, the
dashboard), and no app imports it.
"""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = {
    "lib": 0,
    "org": 1,
    "accounts": 2,
    "members": 3,
    "notifications": 4,
    "visits": 5,
    "study": 5,
    "dues": 6,
    "branch_portal": 7,
    "tooling": 8,
}


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in LAYERS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            relative = path.relative_to(settings.BASE_DIR).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # `from pkg import module` imports the module; `from module import name`, the module.
            targets = [
                f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names
            ]
        else:
            continue
        found |= {target for target in targets if target in modules and target != name}
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_apps_import_only_the_layers_below_them():
    upward = set()
    for module, targets in graph().items():
        app = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other == app:
                continue
            sideways = LAYERS[other] == LAYERS[app]
            if LAYERS[other] > LAYERS[app] or sideways:
                upward.add((module, target))
    assert upward == set()


def test_no_app_imports_the_project_package():
    """branch_portal is the roof: what the apps share lives on the floor (lib), never up there."""
    roof = {(m, t) for m, targets in graph().items() for t in targets if t.split(".")[0] == "branch_portal"}
    assert {(m, t) for m, t in roof if LAYERS[m.split(".")[0]] < LAYERS["branch_portal"]} == set()


def test_no_import_cycles():
    edges = graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(component)

    for node in edges:
        if node not in index:
            visit(node)
    assert sorted(map(sorted, cycles)) == []
