"""Run a simulated department into the records store, through the access-control layer.

A simulation administrator (``simulator``) bootstraps the store and creates the demo
administrator, operators and an auditor (:mod:`~alpr.simulate.staff`); from then on every
record goes in through the governed API with the simulated time of the act, day by day:
the hot list (:mod:`~alpr.simulate.hotlist_plan`), the cameras' frames
(:mod:`~alpr.simulate.snapshots`), patrol shifts (:mod:`~alpr.simulate.patrols`), plate
reads captured and read by the real pipeline (:mod:`~alpr.simulate.reading`), hits and the
officers' verifications (:mod:`~alpr.simulate.verification`), and the rest of the day's
paperwork (:mod:`~alpr.simulate.paperwork`). Faults are injected as planned by
:mod:`alpr.simulate.faults` and written to ``faults.json`` beside the data.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from tqdm.auto import tqdm

from alpr.governance import records
from alpr.governance.access import Governance
from alpr.simulate.clock import at_hour
from alpr.simulate.config import SimulationConfig
from alpr.simulate.faults import Fault, camera_names, camera_state, plan_faults, write_faults
from alpr.simulate.hotlist_plan import DailyList, lookalikes, plan_hotlist
from alpr.simulate.paperwork import Paperwork
from alpr.simulate.patrols import Patrols
from alpr.simulate.reading import CameraReader, PlateImages
from alpr.simulate.result import SimulationResult, reading_accuracy
from alpr.simulate.scene import CameraRig, make_rig
from alpr.simulate.snapshots import record_frames
from alpr.simulate.staff import Staff, hire
from alpr.simulate.traffic import Pass, Traffic
from alpr.simulate.verification import verify_new_hits
from alpr.store.db import make_engine, upgrade
from alpr.store.schema import Camera, Hit, Read

CHUNK_HOURS = 4  # reads are ingested (and matched) every four simulated hours


class Department:
    """One simulation run: the people, the cameras and the clock."""

    def __init__(self, cfg: SimulationConfig, db_url: str | None, out_dir: Path,
                 recognizer: Any = None, progress: bool = True, detector: Any = None) -> None:
        self.cfg = cfg
        self.out = Path(out_dir)
        self.url = upgrade(db_url)
        self.engine: Engine = make_engine(self.url)
        self.today = cfg.start - dt.timedelta(days=1)
        self.gov = Governance(self.engine, today=lambda: self.today)
        if recognizer is None:
            from alpr.recognizer.recognizer import Recognizer

            recognizer = Recognizer.load()
        if cfg.use_detector and detector is None:
            from alpr.detector.detector import PlateDetector

            detector = PlateDetector.load()
        self.progress = progress
        self.fixed, self.mobile = camera_names(cfg)
        self.rigs: dict[str, CameraRig] = {
            n: make_rig(n, "stationary" if n in self.fixed else "mobile",
                        cfg.seed * 1000 + i) for i, n in enumerate(self.fixed + self.mobile)}
        self.faults: list[Fault] = plan_faults(cfg)
        self.traffic = Traffic(cfg, self.fixed)
        self.images = PlateImages(cfg.seed)
        self.result = SimulationResult(str(self.out), self.url)
        self.reader = CameraReader(self.gov, self.rigs, self.faults, self.images, recognizer,
                                   detector, self.result, cfg.seed, cfg.reread)
        self.truth = self.reader.truth  # (camera, naive UTC read time) -> (plate, state)

    def setup(self) -> None:
        """The people, the cameras in the store, the hot list's plan and the day's parts."""
        cfg, gov = self.cfg, self.gov
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "hotlists").mkdir(exist_ok=True)
        (self.out / "frames").mkdir(exist_ok=True)
        self.staff: Staff = hire(gov, cfg, self.result)
        for n in self.fixed:
            gov.add_camera(self.staff.sim, n, "stationary", location=f"Intersection {n[-2:]}")
        for i, n in enumerate(self.mobile):
            gov.add_camera(self.staff.sim, n, "mobile", unit=n, vehicle=f"Patrol car {i + 1}")
        self.plan = plan_hotlist(cfg, self.traffic, len(self.fixed), lambda listed: lookalikes(
            cfg, self.traffic, self.rigs, self.images, self.reader.rec, listed))
        self.hotlist = DailyList(self.staff, self.plan, self.out, cfg.start)
        self.patrols = Patrols(cfg, self.staff, self.mobile, self.faults, self.traffic,
                               self.hotlist)
        self.paperwork = Paperwork(self.staff, self.fixed + self.mobile,
                                   self.traffic.commuters, self._verify)

    def run(self) -> SimulationResult:
        t0 = time.perf_counter()
        self.setup()
        write_faults(self.out / "faults.json", self.faults)
        (self.out / "simulation.json").write_text(json.dumps(self.cfg.to_dict(), indent=2) + "\n",
                                                  encoding="utf-8")
        # a bar on a terminal; a plain line per simulated day in a log (tqdm's redrawn bar
        # shows nothing useful there)
        tty = self.progress and sys.stderr.isatty()
        bar = tqdm(range(self.cfg.days), desc="simulating department", unit="day",
                   disable=not tty)
        for d in bar:
            self.day(d)
            bar.set_postfix(reads=self.result.reads_stored, hits=self.result.hits)
            if self.progress and not tty:
                print(f"simulating department: day {d + 1}/{self.cfg.days} "
                      f"({self.cfg.day(d).isoformat()}): {self.result.reads_stored} reads, "
                      f"{self.result.hits} hits, {time.perf_counter() - t0:.0f} s",
                      file=sys.stderr, flush=True)
        self._tally()
        self.result.seconds = time.perf_counter() - t0
        self.result.faults = [f.to_dict() for f in self.faults]
        summary = {**self.cfg.to_dict(), "result": asdict(self.result)}
        (self.out / "simulation.json").write_text(json.dumps(summary, indent=2, default=str)
                                                  + "\n", encoding="utf-8")
        self.engine.dispose()
        return self.result

    def day(self, d: int) -> None:
        """Day ``d``: the list, the frames, the shifts, the traffic read and matched, the
        verifications, the shifts' end and the paperwork, in that order."""
        cfg = self.cfg
        day = cfg.day(d)
        self.today = day
        r = np.random.default_rng([cfg.seed, 808, d])
        self.hotlist.morning(d, day, r)
        self.result.frames += record_frames(self.staff, self.out, self.rigs, self.fixed,
                                            self.faults, d, day, r)
        passes, sessions = self.patrols.start(d, day, r)
        for i, cam in enumerate(self.fixed):
            cr = np.random.default_rng([cfg.seed, 909, d, i])
            day_passes = self.traffic.stationary_day(cam, day, cr)
            wanted = self.plan.wanted_at.get((d, i))
            if wanted is not None:
                day_passes.append(Pass(cam, at_hour(day, float(cr.uniform(6, 22))), wanted))
            passes.extend(day_passes)
        self._ingest(d, day, self.reader.read_day(d, day, passes))
        self.patrols.record_sessions(d, sessions)
        self.patrols.end()
        self.paperwork.day(d, day, r)

    def _ingest(self, d: int, day: dt.date, rows: list[dict[str, Any]]) -> None:
        """The day's reads ingested (and matched) every :data:`CHUNK_HOURS` simulated hours,
        the new hits verified after each chunk."""
        for c0 in range(0, 24, CHUNK_HOURS):
            lo, hi = at_hour(day, c0), at_hour(day, c0 + CHUNK_HOURS)
            chunk = [row for row in rows if lo.isoformat() <= row["read_at"] < hi.isoformat()]
            if not chunk:
                continue
            rep = records.ingest_rows(self.gov, self.staff.sim, enumerate(chunk, start=1),
                                      source=f"simulation {day.isoformat()}", at=hi)
            self.result.reads_stored += rep.stored
            self.result.reads_rejected += len(rep.rejected)
            self.result.hits += rep.hits
            self._verify(d, hi)

    def _verify(self, d: int, at: dt.datetime) -> None:
        verify_new_hits(self.staff, self.truth, self.cfg.seed, d, at)

    def _tally(self) -> None:
        """The run's figures from the store itself: every hit (from ingestion, from a manual
        entry matched against past reads, any path) and how the stored reads compare with
        the true plates."""
        with self.gov.Session() as s:
            self.result.hits = int(s.scalar(select(func.count()).select_from(Hit)) or 0)
            reads = s.execute(select(Camera.name, Read.read_at, Read.plate)
                              .join(Camera, Camera.id == Read.camera_id)).all()

        def condition(camera: str, at: dt.datetime) -> str:
            state = camera_state(self.faults, camera, (at.date() - self.cfg.start).days)
            return ("dirty_lens" if state.dirt else "misalignment" if state.moved
                    else "healthy")

        self.result.reading = reading_accuracy([(c, t, p) for c, t, p in reads], self.truth,
                                               condition)


def simulate(cfg: SimulationConfig, db_url: str | None, out_dir: Path, recognizer: Any = None,
             progress: bool = True, detector: Any = None) -> SimulationResult:
    """Simulate ``cfg`` into the store at ``db_url`` (migrated; must hold no users yet),
    writing hot-list files, camera frames, ``faults.json`` and ``simulation.json`` under
    ``out_dir``."""
    return Department(cfg, db_url, out_dir, recognizer, progress, detector).run()
