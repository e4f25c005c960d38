"""Running the notebooks in ``notebooks/`` headless, papermill-style: the values given are
injected in a cell after the one tagged ``parameters``, then every cell runs in a fresh
kernel (nbclient). The test suite runs each notebook this way with ``smoke=True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def parameters_cell(nb: Any) -> int:
    """Index of the cell tagged ``parameters`` (exactly one is required)."""
    found = [i for i, c in enumerate(nb.cells)
             if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    if len(found) != 1:
        raise ValueError(f"a notebook needs exactly one cell tagged {PARAMETERS_TAG!r}, "
                         f"found {len(found)}")
    return found[0]


def inject(nb: Any, parameters: Mapping[str, Any]) -> Any:
    """A copy of ``nb`` with ``name = value`` lines in a cell after the parameters cell.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "smoke = False", metadata={"tags": ["parameters"]})])
    >>> inject(nb, {"smoke": True}).cells[1].source
    '# Injected parameters\\nsmoke = True'
    """
    out = nbformat.from_dict(nb)
    at = parameters_cell(out)
    lines = ["# Injected parameters"] + [f"{k} = {v!r}" for k, v in parameters.items()]
    out.cells.insert(at + 1, nbformat.v4.new_code_cell(
        "\n".join(lines), metadata={"tags": [INJECTED_TAG]}))
    return out


def stored_outputs(nb: Any) -> list[int]:
    """Indices of code cells that carry outputs or execution counts (not allowed in git)."""
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and (c.get("outputs") or c.get("execution_count") is not None)]


def execute(path: Path, parameters: Mapping[str, Any] | None = None, cwd: Path | None = None,
            timeout: int = 600, kernel_name: str = "python3") -> Any:
    """Run the notebook at ``path`` with ``parameters``; returns the executed notebook
    (``nbclient.exceptions.CellExecutionError`` names the failing cell)."""
    from nbclient import NotebookClient

    nb = inject(nbformat.read(path, as_version=4), parameters or {})
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(cwd or Path(path).parent)}})
    client.execute()
    return nb
