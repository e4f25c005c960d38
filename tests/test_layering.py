"""The package's import graph, read from the source (every import, those inside functions
too): no circles between modules, and the plate vocabulary never reaches torch."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("alpr", "data_contracts")
# plate text, jurisdictions, formats and confusions: used by every part, light to import
VOCABULARY = ("alpr.vocabulary.plate_text", "alpr.vocabulary.jurisdictions", "alpr.vocabulary.formats", "alpr.vocabulary.confusables")
HEAVY = ("torch", "torchvision")


def modules() -> dict[str, Path]:
    out = {}
    for base in PACKAGES:
        for path in (ROOT / base).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports (``from a.b import c`` gives ``a.b.c``;
    resolving it to a module is :func:`graph`'s work)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(internal edges, external top-level packages) per module."""
    mods = modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for mod, path in mods.items():
        found = imports(path)
        edges[mod] = {r for n in found if (r := resolve(n)) and r != mod}
        external[mod] = {n.split(".")[0] for n in found if resolve(n) is None}
    return edges, external


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                group = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    group.append(w)
                    if w == v:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
    return out


def test_cycle_finder_sees_a_circle_and_a_chain() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    edges, _ = graph()
    assert len(edges) > 100  # the whole package was read
    found = cycles(edges)
    assert not found, "import circles (imports inside functions count too): " + "; ".join(
        " <-> ".join(g) for g in found)


def test_the_plate_vocabulary_never_reaches_torch() -> None:
    edges, external = graph()
    for mod in VOCABULARY:
        seen, todo = {mod}, [mod]
        while todo:
            m = todo.pop()
            heavy = external[m] & set(HEAVY)
            assert not heavy, f"{mod} reaches {', '.join(sorted(heavy))} through {m}"
            todo.extend(edges[m] - seen)
            seen.update(edges[m])


def test_reading_with_onnx_runtime_never_imports_torch(tmp_path) -> None:
    """``alpr read`` (crops and frames) runs on ONNX Runtime from the model folders' cards:
    torch is the training stack's, not a reader's."""
    import subprocess
    import sys

    import cv2
    import numpy as np

    crop = tmp_path / "crop.png"
    cv2.imwrite(str(crop), np.full((48, 120, 3), 200, np.uint8))
    frame = tmp_path / "frame.jpg"
    cv2.imwrite(str(frame), np.full((360, 640, 3), 90, np.uint8))
    code = ("import sys\nfrom alpr.cli import main\n"
            f"a = main(['read', '--crops', {str(crop)!r}])\n"
            f"b = main(['read', {str(frame)!r}])\n"
            "assert (a, b) == (0, 0), (a, b)\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision'))\n"
            "assert not heavy, heavy[:5]\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_every_name_the_notebooks_and_scripts_import_exists() -> None:
    """A module moved or a name renamed must not leave a notebook, a training script or a
    benchmark importing what is no longer there (they run only in their slow tests)."""
    import importlib
    import json

    sources: list[tuple[str, str]] = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        sources.append((nb.name, "\n".join(lines)))
    for folder in ("training", "benchmarks"):
        sources += [(p.name, p.read_text(encoding="utf-8")) for p in (ROOT / folder).glob("*.py")]
    missing = []
    for name, text in sources:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                    and node.module.split(".")[0] in PACKAGES:
                mod = importlib.import_module(node.module)
                missing += [f"{name}: from {node.module} import {a.name}" for a in node.names
                            if not hasattr(mod, a.name) and not (
                                hasattr(mod, "__path__")
                                and importlib.util.find_spec(f"{node.module}.{a.name}"))]
    assert not missing, "; ".join(missing)


def test_tests_mirror_the_package():
    """``tests/<folder>/`` holds the tests of ``alpr/<folder>/`` (plus the cross-cutting
    ``security`` and ``benchmarks``); a test of a folder does not sit loose at the top."""
    packages = {p.name for p in (ROOT / "alpr").iterdir() if (p / "__init__.py").is_file()}
    folders = {p.name for p in (ROOT / "tests").iterdir()
               if p.is_dir() and any(p.glob("test_*.py"))}
    assert folders - packages <= {"security", "benchmarks"}, folders - packages
    loose = [p.name for p in (ROOT / "tests").glob("test_*.py")
             if p.stem.removeprefix("test_").split("_")[0] in packages]
    assert not loose, f"move into tests/<package>/: {loose}"
