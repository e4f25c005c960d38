"""``alpr demo``: the simulated demo department in an embedded SQLite store (about two
minutes and 1.3 GB on a 2-core machine: docs/simulator.md), with the demo administrator's
login printed for the dashboards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alpr.simulate.config import SimulationConfig
from alpr.simulate.department import simulate
from alpr.simulate.result import SimulationResult
from alpr.simulate.samples import DEMO


def demo_url(out_dir: Path) -> str:
    return f"sqlite:///{(Path(out_dir) / 'alpr-demo.db').resolve()}"


def build_demo(db_url: str | None, out_dir: Path, cfg: SimulationConfig | None = None,
               progress: bool = True) -> SimulationResult:
    """Build the demo department: ``cfg`` (default :data:`DEMO`, ending yesterday) into
    ``db_url`` (default ``OUT/alpr-demo.db``, re-created on every run; any other store must
    be empty). Files (frames, hot lists, ``faults.json``) go under ``OUT/department``."""
    out_dir = Path(out_dir)
    if cfg is None:
        from alpr.detector.detector import default_model_dir

        start = dt.date.today() - dt.timedelta(days=DEMO.days)
        # The whole pipeline, as deployed cameras run it: the shipped plate detector finds
        # each plate in the camera's frame and the recognizer reads its crop.
        detector = (default_model_dir() / "card.json").is_file()
        cfg = SimulationConfig(**{**DEMO.__dict__, "start": start, "use_detector": detector})
    if db_url is None:
        db_url = demo_url(out_dir)
        db_file = Path(db_url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    folder = out_dir / "department"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    return simulate(cfg, db_url, folder, progress=progress)
