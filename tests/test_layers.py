"""The package's import layers: each module imports only from its own layer or the layers below it, and the
subpackages form no cycle (function-level imports count too: an import cannot hide in a function).

Layers, lowest first (README, "Layers"): data and spectra; Keras building blocks and the preset registry; the
networks; training and the recipes; inference; export; the paper's tables; the command line.
"""

import ast
import configparser
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAYERS = [
    # 0: data and spectra (no Keras at import): reading files, spectra and grids, band physics, schemes, evaluation,
    # the data sets and the shipped files
    {"io", "spectra", "physics", "schemes", "evaluation", "datasets", "pretrained", "train_options", "console"},
    # 1: Keras building blocks, the TFLite runtime and the presets' registry (cards and TFLite copies)
    {"layers", "losses", "lite", "presets", "composition_layers"},
    # 2: the networks
    {"models"},
    # 3: training and the recipes (the top-level training/ folder, installed as astrokeras.recipes)
    {"training", "recipes"},
    # 4: inference: spectrum -> class -> albedo -> composition; whole surveys
    {"analysis", "analysis_plot", "mineralogy", "catalogue", "survey", "<package>"},
    # 5: export
    {"export"},
    # 6: the paper's tables and the main job
    {"reproduce"},
    # 7: the command line
    {"cli"},
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _modules():
    """``{module name: path}`` of every module of the package and of the recipes."""
    found = {}
    for path in sorted((ROOT / "astrokeras").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted((ROOT / "training").glob("*.py")):
        name = "astrokeras.recipes" + ("" if path.stem == "__init__" else f".{path.stem}")
        found[name] = path
    return found


MODULES = _modules()


def _unit(module: str) -> str:
    parts = module.split(".")
    return "<package>" if len(parts) == 1 else parts[1]


def _imports(path: pathlib.Path) -> set:
    """Every astrokeras module imported anywhere in the file (``if __name__ == "__main__":`` blocks excepted: they
    never run on import)."""
    tree = ast.parse(path.read_text())
    found = set()

    def visit(node):
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test) and "__main__" in ast.unparse(node.test):
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("astrokeras"):
            for alias in node.names:  # ``from astrokeras import datasets`` imports the submodule
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("astrokeras"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


EDGES = {module: _imports(path) for module, path in MODULES.items()}


def test_every_module_belongs_to_a_layer():
    unplaced = sorted({_unit(m) for m in MODULES} - set(RANK))
    assert not unplaced, f"place these in LAYERS (tests/test_layers.py) and in the README's layer list: {unplaced}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_to_the_same_layer_or_below(module):
    upward = [target for target in EDGES[module]
              if _unit(target) != _unit(module) and RANK[_unit(target)] > RANK[_unit(module)]]
    assert not upward, f"{module} (layer {RANK[_unit(module)]}) imports from a higher layer: {upward}"


def test_no_cycle_between_subpackages():
    graph = {}
    for module, targets in EDGES.items():
        graph.setdefault(_unit(module), set()).update(_unit(t) for t in targets if _unit(t) != _unit(module))
    state, path = {}, []

    def visit(unit):
        state[unit] = "open"
        path.append(unit)
        for nxt in sorted(graph.get(unit, ())):
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[unit] = "done"

    for unit in sorted(graph):
        if unit not in state:
            visit(unit)


def test_the_checker_sees_function_level_imports():
    # A mutation check of the checker itself: an upward import hidden in a function is found.
    source = "def f():\n    from astrokeras.reproduce import main_job\n"
    tmp = ROOT / "build" / "layer_probe.py"
    tmp.parent.mkdir(exist_ok=True)
    tmp.write_text(source)
    try:
        assert _imports(tmp) == {"astrokeras.reproduce.main_job"}
    finally:
        tmp.unlink()


def test_every_package_folder_is_installed():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "astrokeras").rglob("__init__.py")}
    assert folders | {"astrokeras.recipes"} == listed
    assert "astrokeras.recipes = training" in config["options"]["package_dir"]
