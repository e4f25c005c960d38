"""Every notebook in notebooks/ is thin, parameterised, stored without outputs, and runs end
to end with its smoke-sized parameters (``smoke=True``, ``work_dir`` in a temporary folder).

A notebook added later is picked up automatically; it only has to honour those two
parameters (see docs/notebooks.md).
"""

import datetime as dt
from pathlib import Path

import nbformat
import pytest

from alpr.notebooks import execute, parameters_cell, stored_outputs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_CELL_LINES = 40  # "longer than a screen": such code belongs in the package


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_parameterised_and_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert stored_outputs(nb) == [], "clear outputs before committing"
    source = nb.cells[parameters_cell(nb)].source
    assert "smoke =" in source and "work_dir =" in source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= MAX_CELL_LINES
    assert any("from alpr" in c.source or "import alpr" in c.source for c in nb.cells)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_with_smoke_parameters(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    nb = execute(path, {"smoke": True, "work_dir": str(tmp_path / "work")},
                 cwd=ROOT / "notebooks", timeout=240)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    for cell in nb.cells:  # a figure is shown as a picture, not as "<Figure size ...>"
        outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
        shown = [o for o in outputs if o.get("output_type") in ("execute_result", "display_data")]
        for o in shown:
            text = "".join(o.get("data", {}).get("text/plain", ""))
            if text.startswith("<Figure size"):
                assert "image/png" in o["data"], f"{path.name}: a figure without its picture"


def test_parameters_are_injected_after_the_parameters_cell():
    from alpr.notebooks import inject

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell("smoke = False\nn = 3", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(n)")])
    out = inject(nb, {"n": 5, "work_dir": "/tmp/x"})
    assert [c.source for c in out.cells][2] == "# Injected parameters\nn = 5\nwork_dir = '/tmp/x'"
    assert len(nb.cells) == 3  # the original is left alone
    with pytest.raises(ValueError, match="exactly one cell tagged 'parameters'"):
        inject(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), {})


def test_verified_reads_become_labelled_crops(tmp_path):
    """Notebook 01's first step: only reads whose characters and state an operator checked
    become labels, each with a copy of its image."""
    from PIL import Image
    from sqlalchemy import insert
    from store_kit import department

    from alpr.governance.verified_crops import collect_verified_crops
    from alpr.store.db import upgrade
    from alpr.store.schema import Hit, HitVerification, HotListEntryRow, HotListVersion, Read

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    gov, admin = department(url)
    gov.add_camera(admin, "CAM-1", "stationary")
    cam = 1
    now = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)
    (tmp_path / "img").mkdir()
    for name in ("a.png", "b.png", "c.png", "e.png", "f.png"):
        Image.new("RGB", (40, 20), "white").save(tmp_path / "img" / name)
    with gov.engine.begin() as c:
        c.execute(insert(HotListVersion), [{"id": 1, "source": "s", "sha256": "0" * 64,
                                            "format": "ncic", "loaded_at": now, "loaded_by": 1,
                                            "rows_read": 1, "rows_loaded": 1, "rows_rejected": 0,
                                            "duplicates_merged": 0}])
        c.execute(insert(HotListEntryRow), [{"id": 1, "version_id": 1, "manual": False,
                                             "plate": "ABC123", "state": "CA",
                                             "category": "stolen_vehicle", "priority": 2,
                                             "created_at": now}])
        reads = [("ABC123", "CA", "a.png"), ("ABC128", "CA", "b.png"), ("ABC123", "NV", "c.png"),
                 ("ABC123", "CA", "gone.png"), ("ABC1Z3", "CA", "e.png"),
                 ("ABC1Z3", "CA", "f.png")]
        # a second apart: one camera reads a plate once at a given time (the natural key)
        c.execute(insert(Read), [{"id": i, "read_at": now + dt.timedelta(seconds=i),
                                  "camera_id": cam, "plate": p,
                                  "state": s, "confidence": 0.9, "image_path": f"img/{f}",
                                  "ingested_by": 1} for i, (p, s, f) in enumerate(reads, 1)])
        fuzzy = '[[4, "Z", "2"]]'  # reads 5 and 6 matched ABC123 with Z for 2
        c.execute(insert(Hit), [{"id": i, "read_id": i, "entry_id": 1,
                                 "kind": "exact" if i < 5 else "confusable",
                                 "substitutions": "[]" if i < 5 else fuzzy,
                                 "state_agreement": "same", "score": 1.0,
                                 "created_at": now, "retro": False} for i in range(1, 7)])
        verdicts = [(True, True, True, "confirmed", None), (False, True, False, "misread", None),
                    (True, False, False, "wrong_state", None),
                    (True, True, False, "misread", None),
                    (True, True, True, "confirmed", None),  # the plate seen not noted
                    (True, True, True, "confirmed", "ABC123")]  # the plate seen noted
        c.execute(insert(HitVerification), [
            {"hit_id": i, "user_id": 1, "chars_match": ch, "state_match": st,
             "dispatch_confirmed": d, "outcome": o, "verified_at": now, "seen_plate": seen}
            for i, (ch, st, d, o, seen) in enumerate(verdicts, 1)])
    got = collect_verified_crops(gov, admin, tmp_path / "out", image_root=tmp_path)
    gov.engine.dispose()
    # read 1: checked and confirmed; read 4: checked but its image is gone; 2 and 3: a
    # character or the state did not match the image, so the read is not a label; read 5:
    # a confusable hit (the read is not the plate) whose plate seen was not noted; read 6:
    # the same, with the plate seen noted: labelled with the true plate, not the misread
    assert got.crops == 2 and got.relabelled == 1
    assert got.skipped == ["read 4: image 'img/gone.png' not found",
                           "read 5: a confusable hit (not exact) and the plate seen was not "
                           "recorded: its true text is unknown"]
    assert got.labels.read_text().splitlines() == ["image,state,plate",
                                                   "images/read1.png,CA,ABC123",
                                                   "images/read6.png,CA,ABC123"]
    assert (tmp_path / "out" / "images" / "read1.png").is_file()
