"""Run a simulated department into the records store, through the access-control layer.

A simulation administrator (``simulator``) bootstraps the store and creates the demo
administrator, operators and an auditor; from then on every record goes in through the
governed API with the simulated time of the act: hot-list loads (sometimes late or skipped),
patrol shifts and their ALPR sessions, plate reads (rendered through each camera and read by
the real recognizer, so misreads are the model's own), hits and the operators' verifications
(whose outcome follows from the true plate), manual hot-list entries (some left past expiry),
historical searches (some without a case number), data shares, equipment checks, a
malfunction report and its vendor repair, and certifications that lapse (the lapsed user's
later attempts are denied and audited). Faults are injected as planned by
:mod:`alpr.simulate.faults` and written to ``faults.json`` beside the data.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import Engine, exists, func, select

from alpr.governance import equipment, hotlists, records, sharing
from alpr.governance.access import AccessDenied, Actor, Governance
from alpr.vocabulary.plate_text import fold_o_to_zero
from alpr.simulate.config import SimulationConfig
from alpr.simulate.faults import Fault, camera_names, camera_state, plan_faults, write_faults
from alpr.simulate.scene import (
    CameraRig,
    CameraState,
    PlateView,
    daylight,
    detection_zone,
    make_rig,
    render_frame,
    view_plate,
)
from alpr.simulate.traffic import Pass, Traffic, Vehicle
from alpr.store.db import make_engine, upgrade
from alpr.store.schema import Camera, Hit, HitVerification, HotListEntryRow, Read

SHIFT_START, SHIFT_HOURS = 7.0, 8.0
CHUNK_HOURS = 4  # reads are ingested (and matched) every four simulated hours
DETECT_BATCH = 64  # detection-zone frames per detector call: bounds memory (a day is ~500)
log = logging.getLogger(__name__)
PURPOSES = ("Burglary investigation, suspect vehicle seen near scene",
            "Hit and run follow-up, partial plate from witness",
            "Missing person welfare check, last known vehicle",
            "Stolen vehicle recovery, reviewing recent sightings")


@dataclass
class SimulationResult:
    """What a run stored, and where its side files are."""

    out_dir: str
    db_url: str
    reads_stored: int = 0
    reads_rejected: int = 0
    no_reads: int = 0
    detector_misses: int = 0  # passes the plate detector did not find (use_detector)
    passes: int = 0
    hits: int = 0  # hits in the store at the end (from reads, manual entries, any path)
    verifications: dict[str, int] = field(default_factory=dict)
    denied: int = 0
    shifts: int = 0
    frames: int = 0
    manual_entries: int = 0
    searches: int = 0
    shares: int = 0
    seconds: float = 0.0
    admin: str = "admin"
    faults: list[dict[str, Any]] = field(default_factory=list)
    # how the stored reads compare with the true plates (:func:`reading_accuracy`)
    reading: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        v = ", ".join(f"{k} {n}" for k, n in sorted(self.verifications.items()))
        rd = self.reading
        exact = (f"; {rd['exact']:.1%} read exactly (O/0 folded; strict "
                 f"{rd['exact_strict']:.1%}, day {rd['day']:.1%}, night "
                 + (f"{rd['night']:.1%}" if rd.get("night") is not None else "no reads")
                 + ")") if rd.get("reads") else ""
        return (f"{self.passes} vehicle passes -> {self.reads_stored} reads stored "
                f"({self.no_reads} unreadable"
                + (f", of which {self.detector_misses} missed by the detector"
                   if self.detector_misses else "")
                + f", {self.reads_rejected} rejected{exact}), {self.hits} "
                f"hits (verified: {v or 'none'}), {self.shifts} shifts, {self.frames} frames, "
                f"{self.manual_entries} manual entries, {self.searches} searches, "
                f"{self.shares} shares, {self.denied} denied attempts; "
                f"{len(self.faults)} faults injected; {self.seconds:.0f} s")


def _utc(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(hours=hour)


def _naive(ts: dt.datetime) -> dt.datetime:
    return ts.astimezone(dt.UTC).replace(tzinfo=None) if ts.tzinfo else ts


def reading_accuracy(reads: list[tuple[str, dt.datetime, str]],
                     truth: dict[tuple[str, dt.datetime], tuple[str, str]],
                     condition: Callable[[str, dt.datetime], str] | None = None
                     ) -> dict[str, Any]:
    """How stored reads (camera, read time, plate read) compare with the true plates:
    the share read exactly, O/0 folded (most US plates print one glyph for both, and the
    recognizer's labels write 0) and strict; the folded share by day and night
    (``daylight < 0.4``), by camera and, with ``condition``, by the camera's condition
    then (e.g. ``healthy``, ``dirty_lens``). Reads with no known truth are left out.

    >>> t = dt.datetime(2026, 5, 1, 12)
    >>> truth = {("C", t): ("ABO12", "PA"), ("C", t.replace(hour=2)): ("XY9", "PA")}
    >>> r = reading_accuracy([("C", t, "AB012"), ("C", t.replace(hour=2), "XY8")], truth)
    >>> r["exact"], r["exact_strict"], r["day"], r["night"], r["by_camera"]
    (0.5, 0.0, 1.0, 0.0, {'C': 0.5})
    """
    n = strict = 0
    groups: dict[str, list[int]] = {}  # group -> [reads, read exactly (folded)]

    def count(key: str, ok: bool) -> None:
        g = groups.setdefault(key, [0, 0])
        g[0], g[1] = g[0] + 1, g[1] + ok

    for camera, at, plate in reads:
        true = truth.get((camera, _naive(at)))
        if true is None:
            continue
        ok = fold_o_to_zero(plate) == fold_o_to_zero(true[0])
        n, strict = n + 1, strict + (plate == true[0])
        count("all", ok)
        count("night" if daylight(at.hour + at.minute / 60) < 0.4 else "day", ok)
        count(f"camera {camera}", ok)
        if condition is not None:
            count(f"condition {condition(camera, at)}", ok)

    def share(key: str) -> float | None:
        k, right = groups.get(key, (0, 0))
        return round(right / k, 4) if k else None

    def split(prefix: str) -> dict[str, float | None]:
        return {g[len(prefix):]: share(g) for g in sorted(groups) if g.startswith(prefix)}

    out: dict[str, Any] = {"reads": n, "exact": share("all"),
                           "exact_strict": round(strict / n, 4) if n else None,
                           "day": share("day"), "night": share("night"),
                           "by_camera": split("camera ")}
    if condition is not None:
        out["by_condition"] = split("condition ")
    return out


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
        self.rec = recognizer
        self.detector = detector
        if cfg.use_detector and self.detector is None:
            from alpr.detector.detector import PlateDetector

            self.detector = PlateDetector.load()
        if self.detector is not None:
            self.detector = zone_detector(self.detector)
        # today's detection-zone backgrounds, per (camera, hour): at most cameras x 24
        self._backgrounds: dict[tuple[str, int], np.ndarray] = {}
        self._backgrounds_day = -1
        self.progress = progress
        self.fixed, self.mobile = camera_names(cfg)
        self.rigs: dict[str, CameraRig] = {
            n: make_rig(n, "stationary" if n in self.fixed else "mobile",
                        cfg.seed * 1000 + i) for i, n in enumerate(self.fixed + self.mobile)}
        self.faults: list[Fault] = plan_faults(cfg)
        self.traffic = Traffic(cfg, self.fixed)
        from alpr.synth.render import PlateRenderer

        self.renderer = PlateRenderer(cfg.seed, size=(192, 96))
        self.images: dict[tuple[str, str], np.ndarray] = {}
        self.truth: dict[tuple[str, dt.datetime], tuple[str, str]] = {}
        self.result = SimulationResult(str(self.out), self.url)
        self.model_version = str(self.rec.artifact.card.get("version", "plate-ocr"))[:100]
        self.last_load = _utc(cfg.start, 0.0)  # when the latest hot list was loaded
        self.malfunction: int | None = None  # the open malfunction report of a failed unit
        self.pending_removal: list[tuple[Actor, int, dt.date]] = []  # manual entries

    # -- helpers ------------------------------------------------------------------------
    def _try(self, people: list[Actor], act: Callable[..., Any]) -> tuple[Actor, Any] | None:
        """``act`` as the first of ``people`` the policy allows; each denial is audited by
        the access-control layer and counted here."""
        for who in people:
            try:
                return who, act(who)
            except AccessDenied:
                self.result.denied += 1
        return None

    def _rota(self, k: int) -> list[Actor]:
        ops = self.operators
        return [ops[(k + i) % len(ops)] for i in range(len(ops))]

    def _image(self, v: Vehicle) -> np.ndarray:
        key = (v.plate, v.state)
        img = self.images.get(key)
        if img is None:
            img = self.renderer.render(state=v.state, text=v.plate).image
            if v.commuter:  # a commuter's plate looks the same every day
                self.images[key] = img
        return img

    # -- set-up -------------------------------------------------------------------------
    def setup(self) -> None:
        cfg, gov = self.cfg, self.gov
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "hotlists").mkdir(exist_ok=True)
        (self.out / "frames").mkdir(exist_ok=True)
        pw = cfg.admin_password
        self.sim = gov.bootstrap_admin("simulator", "Department simulator (system)", pw,
                                       certified_until=cfg.day(cfg.days + 365))
        self.admin = gov.create_user(self.sim, "admin", "Demo Administrator", "administrator",
                                     pw)
        since = cfg.start - dt.timedelta(days=200)
        self._certify("admin", since, cfg.day(cfg.days + 365))
        self.operators: list[Actor] = []
        for i in range(cfg.operators):
            name = f"ofc-{i + 1:02d}"
            self.operators.append(gov.create_user(self.sim, name, f"Officer {i + 1}",
                                                  "operator", pw))
            # the last operator's SLED/NCIC certification lapses half-way through (I.B)
            lapse = cfg.day(max(cfg.days // 2, 1)) if i == cfg.operators - 1 else None
            self._certify(name, since, cfg.day(cfg.days + 365), sled_until=lapse)
        gov.create_user(self.sim, "auditor", "Department Auditor", "auditor", pw)
        self._certify("auditor", since, cfg.day(cfg.days + 365))
        for n in self.fixed:
            gov.add_camera(self.sim, n, "stationary", location=f"Intersection {n[-2:]}")
        for i, n in enumerate(self.mobile):
            gov.add_camera(self.sim, n, "mobile", unit=n, vehicle=f"Patrol car {i + 1}")
        with gov.Session() as s:
            self.camera_ids = {name: cid for cid, name in s.execute(select(Camera.id,
                                                                           Camera.name))}
        self._hotlist_plan()

    def _certify(self, name: str, since: dt.date, until: dt.date,
                 sled_until: dt.date | None = None) -> None:
        self.gov.record_certification(self.sim, name, "alpr_training", since, until)
        self.gov.record_certification(self.sim, name, "sled_ncic", since, sled_until or until)

    def _hotlist_plan(self) -> None:
        r = np.random.default_rng([self.cfg.seed, 707])
        commuters = self.traffic.commuters
        listed = [commuters[int(i)] for i in r.choice(len(commuters), max(len(commuters) // 25, 1),
                                                       replace=False)] if commuters else []
        cats = ("stolen_plate", "stolen_vehicle", "wanted_person", "bolo")
        lines = [f"{v.plate};{v.state};{cats[k % len(cats)]};SIM-L{k}"
                 for k, v in enumerate(listed)]
        # a few entries for a commuter's plate text issued by another state (wrong state)
        other = [c for c in self.traffic.codes if c != self.cfg.home_state]
        for k, v in enumerate(commuters[-max(len(commuters) // 60, 1):] if commuters else []):
            lines.append(f"{v.plate};{other[k % len(other)]};stolen_plate;SIM-W{k}")
        lines += [f"{p};{st};stolen_plate;SIM-M{k}" for k, (p, st) in enumerate(
            self._lookalikes({v.plate for v in listed}))]
        n_wanted = max(3, self.cfg.days * max(len(self.fixed), 1) // 10)
        self.wanted = [Vehicle(p, s, False) for p, s in self.traffic.random_plates(n_wanted, 1)]
        lines += [f"{v.plate};{v.state};stolen_vehicle;SIM-V{k}" for k, v in
                  enumerate(self.wanted)]
        lines += [f"{p};{s};{cats[k % len(cats)]};SIM-R{k}" for k, (p, s) in enumerate(
            self.traffic.random_plates(self.cfg.hotlist_random_entries, 2))]
        self.hotlist_lines = lines
        # each wanted vehicle turns up once, at a random stationary camera-day
        self.wanted_at = {(int(r.integers(self.cfg.days)),
                           int(r.integers(max(len(self.fixed), 1)))): v for v in self.wanted}

    def _lookalikes(self, listed: set[str]) -> list[tuple[str, str]]:
        """Listed plates one misread away from some commuters' plates.

        A real list holds millions of plates, so a misread now and then lands on one of
        them: a hit the operator rejects as a misread. The simulated list holds thousands,
        where that almost never happens; so for one commuter in 20 it also lists the text
        the recognizer read that commuter's plate as, in a few trial captures at set-up,
        when that text is not a match of the true plate under the matcher's tolerance
        (a correct read never hits it; the same misread later does)."""
        from alpr.matcher.rules import MatchConfig, classify
        from alpr.vocabulary.plate_text import PlateTextError, normalize_plate

        commuters = [v for v in self.traffic.commuters if v.plate not in listed]
        want = len(self.traffic.commuters) // 20
        if not commuters or want == 0:
            return []
        r = np.random.default_rng([self.cfg.seed, 717])
        trial = [commuters[int(i)] for i in r.choice(len(commuters),
                                                     min(len(commuters), 6 * want),
                                                     replace=False)]
        tries = 4
        crops, owners = [], []
        for v in trial:
            for k in range(tries):
                rig = self.rigs[v.route[k % len(v.route)]]
                view = view_plate(rig, CameraState(), self._image(v), float(r.uniform(7, 18)), r)
                if view is not None:
                    crops.append(view.crop)
                    owners.append(v)
        misread: dict[Vehicle, list[str]] = {}
        for v, rd in zip(owners, self.rec.read_crops(crops) if crops else [], strict=True):
            if (rd.text and fold_o_to_zero(rd.text) != fold_o_to_zero(v.plate)
                    and classify(rd.text, v.plate, MatchConfig()) is None):
                misread.setdefault(v, []).append(rd.text)
        out: list[tuple[str, str]] = []
        for v in trial:
            texts = misread.get(v)
            if not texts or len(out) >= want:
                continue
            text = max(sorted(set(texts)), key=texts.count)  # its most frequent misread
            try:
                normalize_plate(text)
            except PlateTextError:
                continue
            out.append((text, v.state))
        return out

    # -- a day ----------------------------------------------------------------------------
    def run(self) -> SimulationResult:
        from tqdm.auto import tqdm

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
        cfg = self.cfg
        day = cfg.day(d)
        self.today = day
        r = np.random.default_rng([cfg.seed, 808, d])
        self._load_hotlist(d, day, r)
        self._frames(d, day, r)
        passes, sessions = self._patrols(d, day, r)
        for i, cam in enumerate(self.fixed):
            cr = np.random.default_rng([cfg.seed, 909, d, i])
            day_passes = self.traffic.stationary_day(cam, day, cr)
            wanted = self.wanted_at.get((d, i))
            if wanted is not None:
                day_passes.append(Pass(cam, _utc(day, float(cr.uniform(6, 22))), wanted))
            passes.extend(day_passes)
        self._read(d, day, passes)
        for unit, (shift, start, end, operator) in sessions.items():
            if end is not None:
                self._try([operator, *self._rota(d)], lambda a, u=unit, s=start, e=end,
                          sh=shift: equipment.record_camera_session(self.gov, a, u, s, e, sh))
        self._shift_ends(day)
        self._paperwork(d, day, r)

    def _load_hotlist(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        """The daily list arrives at 06:00; some days it is loaded late, some not at all."""
        u = r.random()
        if d > 0 and u < 0.08:
            return  # skipped: shifts must load it themselves before they start
        hour = 6.0 if u >= 0.2 or d == 0 else float(r.uniform(6.2, 6.95))  # late
        self._hotlist(day, hour, self.admin)

    def _hotlist(self, day: dt.date, hour: float, who: Actor) -> None:
        # one source, refreshed daily: each load is a new version of the same list
        path = self.out / "hotlists" / "ncic-extract.txt"
        path.write_text(f"# NCIC extract {day.isoformat()}\n"
                        + "\n".join(self.hotlist_lines) + "\n", encoding="utf-8")
        self._try([who, *self.operators],
                  lambda a: hotlists.load_list(self.gov, a, path, now=_utc(day, hour)))
        self.last_load = _utc(day, hour)

    # -- mobile units ---------------------------------------------------------------------
    def _patrols(self, d: int, day: dt.date, r: np.random.Generator
                 ) -> tuple[list[Pass], dict[str, tuple[int | None, dt.datetime,
                                                         dt.datetime | None, Actor]]]:
        passes: list[Pass] = []
        sessions: dict[str, tuple[int | None, dt.datetime, dt.datetime | None, Actor]] = {}
        self.open_shifts: list[tuple[Actor, int, dt.datetime]] = []
        start = _utc(day, SHIFT_START + float(r.uniform(0, 0.25)))
        end = start + dt.timedelta(hours=SHIFT_HOURS)
        for k, unit in enumerate(self.mobile):
            got = self._start_shift(d, k, unit, day, start)
            if got is None:
                continue
            operator, shift_id, began = got
            self.open_shifts.append((operator, shift_id, end))
            failure = self._fault(unit, "unit_failure")
            if failure is not None and 0 <= d - failure.day_index <= failure.detail[
                    "repaired_after_days"]:
                self._failed_unit(d, unit, failure, operator, shift_id, began, end)
                continue
            off = end
            switched = self._fault(unit, "switched_off")
            if switched is not None and d == switched.day_index:
                off = began + dt.timedelta(hours=switched.detail["off_after_hours"])
            sessions[unit] = (shift_id, began, off, operator)
            pr = np.random.default_rng([self.cfg.seed, 1010, d, k])
            passes.extend(self.traffic.patrol(unit, began, off, pr))
        return passes, sessions

    def _start_shift(self, d: int, k: int, unit: str, day: dt.date,
                     start: dt.datetime) -> tuple[Actor, int, dt.datetime] | None:
        def begin(a: Actor, at: dt.datetime) -> int:
            return hotlists.start_shift(self.gov, a, unit, now=at).shift_id

        start = max(start, self.last_load + dt.timedelta(minutes=2))
        for who in self._rota(d + k):
            try:
                return who, begin(who, start), start
            except AccessDenied:
                self.result.denied += 1
            except ValueError:  # no current hot list: load it, then start (III.C)
                late = start + dt.timedelta(minutes=10)
                self._hotlist(day, (late - _utc(day, 0)).total_seconds() / 3600 - 0.05, who)
                try:
                    return who, begin(who, late), late
                except (AccessDenied, ValueError):
                    self.result.denied += 1
        return None

    def _fault(self, camera: str, kind: str) -> Fault | None:
        return next((f for f in self.faults if f.camera == camera and f.kind == kind), None)

    def _failed_unit(self, d: int, unit: str, fault: Fault, operator: Actor, shift_id: int,
                     began: dt.datetime, end: dt.datetime) -> None:
        """The unit's ALPR is on but reads nothing; reported the next day (out of service from
        then), repaired and returned to service after a passing check later."""
        since = d - fault.day_index
        day = self.cfg.day(d)
        if since == 0:  # on, but no reads at all
            self._try([operator], lambda a: equipment.record_camera_session(
                self.gov, a, unit, began, end, shift_id))
        elif since == fault.detail["reported_after_days"]:
            got = self._try([operator, *self.operators], lambda a: equipment.report_problem(
                self.gov, a, unit, "malfunction", "ALPR unit on but producing no reads",
                at=began + dt.timedelta(minutes=30)))
            self.malfunction = got[1] if got else None
        elif since == fault.detail["repaired_after_days"]:
            g = self.gov
            vendor = equipment.report_problem(
                g, self.admin, unit, "vendor_maintenance",
                f"Vendor replaced the camera processor board (work order SIM-{self.cfg.seed}-"
                f"{d}); unit tested on site", at=_utc(day, 9.0))
            for rid in (self.malfunction, vendor):
                if rid is not None:
                    equipment.resolve_report(g, self.admin, rid, at=_utc(day, 9.5))
            equipment.record_check(g, self.admin, unit, True, True, at=_utc(day, 10.0))
            equipment.restore(g, self.admin, unit)

    def _shift_ends(self, day: dt.date) -> None:
        for operator, shift_id, end in self.open_shifts:
            self._try([operator], lambda a, s=shift_id, e=end: hotlists.end_shift(
                self.gov, a, s, now=e))
        self.result.shifts += len(self.open_shifts)

    # -- frames ---------------------------------------------------------------------------
    def _frames(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        """Reference frame at installation (day 0), then one snapshot a day at around noon."""
        for i, cam in enumerate(self.fixed):
            folder = self.out / "frames" / cam
            folder.mkdir(exist_ok=True)
            shots = [("reference", 12.0, camera_state([], cam, 0))] if d == 0 else []
            shots.append(("snapshot", 12.0 + float(r.uniform(-2.5, 2.5)),
                          camera_state(self.faults, cam, d)))
            for kind, hour, state in shots:
                frame = render_frame(self.rigs[cam], hour, state, seed=d * 100 + i
                                     + (50 if kind == "reference" else 0))
                path = folder / f"{day.isoformat()}-{kind}.png"
                cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
                self._try([self.admin], lambda a, k=kind, h=hour, p=path, s=sha, c=cam:
                          equipment.record_camera_frame(self.gov, a, c, k, _utc(day, h),
                                                        str(p.resolve()), s))
                self.result.frames += 1

    # -- reads, hits and verifications ------------------------------------------------------
    def _read(self, d: int, day: dt.date, passes: list[Pass]) -> None:
        r = np.random.default_rng([self.cfg.seed, 1111, d])
        self.result.passes += len(passes)
        views, kept = [], []
        for p in sorted(passes, key=lambda p: (p.camera, p.at)):
            state = camera_state(self.faults, p.camera, d)
            hour = (p.at - _utc(day, 0)).total_seconds() / 3600
            v = view_plate(self.rigs[p.camera], state, self._image(p.vehicle), hour, r)
            if v is not None:
                views.append(v)
                kept.append(p)
        self.result.no_reads += len(passes) - len(kept)
        if self.detector is not None and views:
            kept, views, reads = self._detect(d, day, kept, views)
        else:
            reads = self.rec.read_crops([v.crop for v in views]) if views else []
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for p, v, rd in zip(kept, views, reads, strict=True):
            if not rd.text:
                self.result.no_reads += 1
                continue
            n = seen[p.camera] = seen.get(p.camera, 0) + 1
            at = p.at.replace(microsecond=0) + dt.timedelta(microseconds=n)
            self.truth[(p.camera, _naive(at))] = (p.vehicle.plate, p.vehicle.state)
            x, y, w, h = v.box
            image, sha = self._keep_crop(p.camera, at, v.crop)
            rows.append({"read_at": at.isoformat(), "camera": p.camera, "plate": rd.text,
                         "state": None if rd.state == "UNK" else rd.state,
                         "confidence": min(max(float(rd.confidence), 0.0), 1.0),
                         "state_confidence": min(max(float(rd.state_confidence), 0.0), 1.0),
                         "char_confidences": [round(min(max(float(c), 0.0), 1.0), 4)
                                              for c in rd.char_confidences],
                         "box_x": x, "box_y": y, "box_w": w, "box_h": h,
                         "image_path": image, "image_sha256": sha,
                         "model_version": self.model_version})
        for c0 in range(0, 24, CHUNK_HOURS):
            lo, hi = _utc(day, c0), _utc(day, c0 + CHUNK_HOURS)
            chunk = [row for row in rows if lo.isoformat() <= row["read_at"] < hi.isoformat()]
            if not chunk:
                continue
            rep = records.ingest_rows(self.gov, self.sim, enumerate(chunk, start=1),
                                      source=f"simulation {day.isoformat()}", at=hi)
            self.result.reads_stored += rep.stored
            self.result.reads_rejected += len(rep.rejected)
            self.result.hits += rep.hits
            self._verify(d, hi)

    def _keep_crop(self, camera: str, at: dt.datetime, crop: np.ndarray) -> tuple[str, str]:
        """The plate crop the camera read, as a JPEG under ``reads/CAMERA/DAY/`` (what the
        store's image path and hash refer to: galleries, evidence, verified crops), under
        the store's image root, where ingestion accepts images."""
        folder = self.gov.images.root / "reads" / camera / at.date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{at:%H%M%S}-{at.microsecond:06d}.jpg"
        _, buf = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, 90])
        data = buf.tobytes()
        path.write_bytes(data)
        return str(path.resolve()), hashlib.sha256(data).hexdigest()

    def _detect(self, d: int, day: dt.date, kept: list[Pass], views: list[PlateView]
                ) -> tuple[list[Pass], list[PlateView], list[Any]]:
        """Put each plate into its camera's detection zone at that hour and let the deployed
        pipeline find it, in batches of :data:`DETECT_BATCH` zones: the best box at the
        detector's threshold, else what its read check keeps
        (:func:`alpr.detector.pipeline.find_plates`, on those zones only: the same plates,
        without reading every low-scored candidate); its crop (the pipeline's margin) is
        what the recognizer reads. A pass with no plate found is a miss (not read)."""
        from alpr.detector.pipeline import find_plates, plate_crop

        assert self.detector is not None
        if d != self._backgrounds_day:  # only today's light: the cache stays small
            self._backgrounds.clear()
            self._backgrounds_day = d
        out_p, out_v, out_r = [], [], []
        for i in range(0, len(kept), DETECT_BATCH):
            ps, vs = kept[i:i + DETECT_BATCH], views[i:i + DETECT_BATCH]
            zones = [self._zone(d, day, p, v) for p, v in zip(ps, vs, strict=True)]
            frames = [z for z, _ in zones]
            boxes = [ds[0].box if ds else None for ds in self.detector.detect_batch(frames)]
            reads: list[Any] = [None] * len(frames)
            unsure = [k for k, b in enumerate(boxes) if b is None]
            if self.detector.read_check is not None and unsure:
                for k, fps in zip(unsure, find_plates([frames[k] for k in unsure],
                                                      self.detector, self.rec, reread=False),
                                  strict=True):
                    if fps:
                        boxes[k], reads[k] = fps[0].detection.box, fps[0].read
            crops = [np.ascontiguousarray(plate_crop(f, b)) if b is not None else None
                     for f, b in zip(frames, boxes, strict=True)]
            todo = [k for k, c in enumerate(crops) if c is not None and reads[k] is None]
            for k, rd in zip(todo, self.rec.read_crops([crops[k] for k in todo]) if todo
                             else [], strict=True):
                reads[k] = rd
            for p, v, (_, (zx, zy)), box, crop, rd in zip(ps, vs, zones, boxes, crops, reads,
                                                          strict=True):
                if box is None or crop is None or crop.size == 0:
                    self.result.no_reads += 1
                    self.result.detector_misses += 1
                    continue
                x, y, w, h = box
                out_p.append(p)
                out_v.append(PlateView(crop, (x + zx, y + zy, w, h), v.angle_deg))
                out_r.append(rd)
        return out_p, out_v, out_r

    def _zone(self, d: int, day: dt.date, p: Pass, v: PlateView
              ) -> tuple[np.ndarray, tuple[int, int]]:
        """The camera's detection zone at the pass's hour with the plate in it, and the
        zone's offset in the frame (part of a plate outside the zone is cut off)."""
        rig = self.rigs[p.camera]
        zx, zy, zw, zh = detection_zone(rig)
        hour = int((p.at - _utc(day, 0)).total_seconds() // 3600)
        key = (p.camera, hour)
        if key not in self._backgrounds:
            state = camera_state(self.faults, p.camera, d)
            self._backgrounds[key] = render_frame(rig, hour + 0.5, state, seed=d * 100 + hour,
                                                  vehicles=0, region=(zx, zy, zw, zh))
        zone = self._backgrounds[key].copy()
        x, y, w, h = v.box
        x0, y0 = max(x - zx, 0), max(y - zy, 0)
        x1, y1 = min(x + w - zx, zw), min(y + h - zy, zh)
        if x1 > x0 and y1 > y0:
            zone[y0:y1, x0:x1] = v.crop[y0 - (y - zy):y1 - (y - zy), x0 - (x - zx):x1 - (x - zx)]
        return zone, (zx, zy)

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

    def _verify(self, d: int, at: dt.datetime) -> None:
        """Operators verify every new hit against the vehicle actually there: characters and
        state checked, dispatch/NCIC confirmation; act only on confirmed hits (III.D, IV.B)."""
        with self.gov.Session() as s:
            rows = s.execute(
                select(Hit.id, Hit.read_id, Read.read_at, Camera.name, HotListEntryRow.plate,
                       HotListEntryRow.state)
                .join(Read, Read.id == Hit.read_id).join(Camera, Camera.id == Read.camera_id)
                .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id)
                .where(~exists().where(HitVerification.hit_id == Hit.id))
                .order_by(Hit.id)).all()
        r = np.random.default_rng([self.cfg.seed, 1212, d, int(at.timestamp())])
        for hit_id, _read_id, read_at, camera, listed, listed_state in rows:
            truth = self.truth.get((camera, _naive(read_at)))
            if truth is None:
                continue
            plate, state = truth
            chars = _plate_matches(listed, plate)
            same_state = listed_state is None or listed_state == state
            if chars and same_state:
                if r.random() < 0.05:  # recovered since the list was made
                    kw = dict(chars_match=True, state_match=True, dispatch_confirmed=False,
                              outcome="entry_no_longer_valid")
                else:
                    kw = dict(chars_match=True, state_match=True, dispatch_confirmed=True,
                              outcome="confirmed", action_taken=(
                                  "vehicle stopped, occupant identified" if r.random() < 0.5
                                  else None))
            elif chars:
                kw = dict(chars_match=True, state_match=False, dispatch_confirmed=False,
                          outcome="wrong_state")
            else:
                kw = dict(chars_match=False, state_match=same_state, dispatch_confirmed=False,
                          outcome="misread")
            when = at + dt.timedelta(minutes=float(r.uniform(1, 20)))
            kw.update(seen_plate=plate, seen_state=state)  # what the officer saw
            got = self._try(self._rota(d), lambda a, h=hit_id, k=kw, w=when: hotlists.verify_hit(
                self.gov, a, h, at=w, **k))
            if got is not None:
                o = str(kw["outcome"])
                self.result.verifications[o] = self.result.verifications.get(o, 0) + 1

    # -- the rest of the day's work ---------------------------------------------------------
    def _paperwork(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        g = self.gov
        for i, cam in enumerate(self.fixed + self.mobile):  # weekly equipment checks
            if (d + i) % 7 == 0:
                at = _utc(day, 9.0 + 0.1 * (i % 10))
                self._try(self._rota(d + i), lambda a, c=cam, t=at: equipment.record_check(
                    g, a, c, True, True, at=t))
        if d % 3 == 1 and self.traffic.commuters:  # a manual entry, some left past expiry
            v = self.traffic.commuters[int(r.integers(len(self.traffic.commuters)))]
            now = _utc(day, 10.0)
            expires = now + dt.timedelta(days=int(r.integers(2, 5)))
            got = self._try(self._rota(d + 1), lambda a: hotlists.add_manual_entry(
                g, a, v.plate, v.state, "bolo", PURPOSES[d % len(PURPOSES)], expires,
                case_number=f"2026-{1000 + d:05d}", now=now))
            if got is not None:
                self.result.manual_entries += 1
                self._verify(d, now)
                if r.random() < 0.5:  # the owner removes it at expiry; others linger
                    self.pending_removal.append((got[0], got[1][0], expires.date()))
        for owner, entry_id, on in list(self.pending_removal):
            if on <= day:
                self._try([owner, self.admin], lambda a, e=entry_id: hotlists.remove_manual_entry(
                    g, a, e, "Case closed; vehicle located"))
                self.pending_removal.remove((owner, entry_id, on))
        rules = records.SearchRules(require_case_number=False)
        for k in range(int(r.integers(1, 3))):  # historical searches
            if not self.traffic.commuters:
                break
            v = self.traffic.commuters[int(r.integers(len(self.traffic.commuters)))]
            case = None if r.random() < 0.15 else f"2026-{2000 + d * 3 + k:05d}"
            why = PURPOSES[(d + k) % len(PURPOSES)]
            when = _utc(day, 11.0 + 2.5 * k + float(r.uniform(0, 2)))
            got = self._try(self._rota(d + k + 2), lambda a, p=v.plate, c=case, w=why, t=when:
                            records.search_reads(g, a, purpose=w, case_number=c, plate=p,
                                                 rules=rules, at=t))
            self.result.searches += got is not None
        if d % 7 == 3:  # a data share under an approved request
            asker = self._rota(d + 3)[0]
            got = self._try([asker, *self.operators], lambda a: sharing.request_access(
                g, a, "data_share", "Regional task force request, auto theft ring",
                case_number=f"2026-{3000 + d:05d}", at=_utc(day, 13.0)))
            if got is not None:
                who, req = got
                approve = r.random() < 0.85
                sharing.decide(g, self.admin, req, approve,
                               "Approved: legitimate purpose" if approve else "Denied: no case",
                               at=_utc(day, 15.0))
                if approve and self._try([who], lambda a: sharing.share(
                        g, a, req, "State Police Auto Theft Unit",
                        "Regional task force request, auto theft ring",
                        f"reads of 3 plates, {day.isoformat()}", int(r.integers(5, 60)),
                        at=_utc(day, 16.5))):
                    self.result.shares += 1


def _plate_matches(listed: str, plate: str) -> bool:
    """Whether the true plate is the listed one (``?`` one character, ``*`` any run)."""
    import fnmatch

    return fnmatch.fnmatchcase(plate, listed.replace("[", "[[]"))


def simulate(cfg: SimulationConfig, db_url: str | None, out_dir: Path, recognizer: Any = None,
             progress: bool = True, detector: Any = None) -> SimulationResult:
    """Simulate ``cfg`` into the store at ``db_url`` (migrated; must hold no users yet),
    writing hot-list files, camera frames, ``faults.json`` and ``simulation.json`` under
    ``out_dir``."""
    return Department(cfg, db_url, out_dir, recognizer, progress, detector).run()


def zone_detector(detector: Any) -> Any:
    """The plate detector as the simulated cameras run it: on their detection zone
    (:data:`~alpr.simulate.scene.DETECTION_ZONE`) at the frame's own scale, the zone's long
    side as its input size (the same weights, threshold and read check; a quarter of the
    pixels of the whole frame, so a quarter of the time). Shares the loaded network."""
    from alpr.simulate.scene import DETECTION_ZONE

    size = max(DETECTION_ZONE)
    if getattr(detector, "spec", None) is None or detector.spec.input_size == size:
        return detector
    zoned = copy.copy(detector)
    zoned.spec = dataclasses.replace(detector.spec, input_size=size)
    return zoned
