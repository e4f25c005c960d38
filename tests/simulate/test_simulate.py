"""The department simulator: configuration, fault plan, camera scenes, determinism, and a
smoke-sized department that went in through the access-control layer."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sim_kit import SMOKE, smoke_department  # noqa: F401  (session fixture)
from sqlalchemy import func, select

from alpr.governance.access import Governance
from alpr.simulate.config import SimulationConfig
from alpr.simulate.faults import camera_state, plan_faults, read_faults
from alpr.simulate.scene import (
    FRAME_SIZE,
    CameraState,
    daylight,
    make_rig,
    plate_geometry,
    render_frame,
    view_plate,
)
from alpr.store.db import make_engine
from alpr.store.schema import (
    AuditEntry,
    Camera,
    CameraFrame,
    CameraSession,
    Hit,
    HitVerification,
    Read,
    Shift,
)


def test_config_errors_name_the_field_and_rule() -> None:
    with pytest.raises(ValueError, match=r"days 0.*between 1 and 366"):
        SimulationConfig(days=0)
    with pytest.raises(ValueError, match=r"units 1.*at least 2 to inject faults"):
        SimulationConfig(units=1)
    with pytest.raises(ValueError, match=r"days 5.*baseline_days \+ 3"):
        SimulationConfig(days=5, baseline_days=5)
    SimulationConfig(days=1, cameras=1, units=0, faults=False)  # a fault-free minimum


def test_fault_plan_is_deterministic_and_leaves_a_baseline() -> None:
    cfg = SimulationConfig(days=12, cameras=4, units=3, seed=5, baseline_days=4)
    faults = plan_faults(cfg)
    assert [f.to_dict() for f in faults] == [f.to_dict() for f in plan_faults(cfg)]
    assert [f.kind for f in faults] == ["misalignment", "dirty_lens", "switched_off",
                                        "unit_failure"]
    assert all(4 <= f.day_index <= 10 for f in faults)
    assert faults[0].camera != faults[1].camera and faults[2].camera != faults[3].camera
    assert faults[0].camera.startswith("CAM-") and faults[2].camera.startswith("UNIT-")
    moved = camera_state(faults, faults[0].camera, faults[0].day_index)
    assert moved.dx == faults[0].detail["dx_px"]
    assert camera_state(faults, faults[0].camera, faults[0].day_index - 1) == CameraState()
    assert plan_faults(SimulationConfig(faults=False)) == []


def test_daylight_cycle() -> None:
    assert daylight(12.0) == pytest.approx(1.0, abs=0.01)
    assert daylight(2.0) == pytest.approx(0.12, abs=0.01)
    assert daylight(2.0) < daylight(6.5) < daylight(9.0)


def test_moved_camera_sees_plates_shifted_and_rolled() -> None:
    rig = make_rig("CAM-01", "stationary", 3)
    plate = np.full((96, 192, 3), 200, np.uint8)
    moved = CameraState(dx=30.0, dy=-10.0, rotation_deg=0.0)
    a = view_plate(rig, CameraState(), plate, 12.0, np.random.default_rng(0))
    b = view_plate(rig, moved, plate, 12.0, np.random.default_rng(0))
    assert a is not None and b is not None
    # same draw of the plate's position: the box moves with the camera
    assert b.box[0] - a.box[0] == pytest.approx(30, abs=1)
    assert b.box[1] - a.box[1] == pytest.approx(-10, abs=1)
    turn = 4.0 if a.angle_deg >= 0 else -4.0  # roll the plate further from level
    rolled = view_plate(rig, CameraState(rotation_deg=turn), plate, 12.0,
                        np.random.default_rng(0))
    assert rolled is not None and rolled.angle_deg - a.angle_deg == pytest.approx(turn)
    assert rolled.box[3] / rolled.box[2] > a.box[3] / a.box[2]  # a rolled plate's box is taller


def test_frames_are_deterministic_and_lit_by_the_hour() -> None:
    rig = make_rig("CAM-02", "stationary", 8)
    day = render_frame(rig, 12.0, CameraState(), seed=1)
    assert day.shape == (FRAME_SIZE[1], FRAME_SIZE[0], 3) and day.dtype == np.uint8
    assert np.array_equal(day, render_frame(rig, 12.0, CameraState(), seed=1))
    night = render_frame(rig, 1.0, CameraState(), seed=1)
    assert night.mean() < 0.5 * day.mean()
    assert np.allclose(night[..., 0], night[..., 1], atol=1)  # infrared: grayscale


def test_small_simulation_is_deterministic(tmp_path) -> None:
    cfg = SimulationConfig(days=2, cameras=1, units=1, seed=3, faults=False, commuters=10,
                           vehicles_per_camera_day=15, reads_per_shift=10,
                           hotlist_random_entries=50, start=dt.date(2026, 3, 2))
    from alpr.simulate.department import simulate

    def reads(name: str) -> list[tuple]:
        url = f"sqlite:///{tmp_path / name / 'alpr.db'}"
        simulate(cfg, url, tmp_path / name, progress=False)
        eng = make_engine(url)
        with eng.connect() as c:
            rows = c.execute(select(Read.read_at, Read.camera_id, Read.plate, Read.state,
                                    Read.confidence, Read.box_x, Read.box_y)
                             .order_by(Read.read_at, Read.camera_id)).all()
        eng.dispose()
        return [tuple(r) for r in rows]

    first, second = reads("a"), reads("b")
    assert len(first) > 20 and first == second


def test_progress_shows_in_a_log(tmp_path, capsys) -> None:
    """With stderr not a terminal (a log file, CI) progress is a plain line per simulated
    day, not a redrawn bar that shows nothing there."""
    from alpr.simulate.department import simulate

    cfg = SimulationConfig(days=2, cameras=1, units=0, seed=2, faults=False, commuters=4,
                           vehicles_per_camera_day=5, hotlist_random_entries=10,
                           start=dt.date(2026, 4, 6))
    simulate(cfg, f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "out", progress=True)
    lines = [ln for ln in capsys.readouterr().err.splitlines()
             if ln.startswith("simulating department: day")]
    assert [ln.split(":")[1].split("(")[0].strip() for ln in lines] == ["day 1/2", "day 2/2"]
    assert "2026-04-07" in lines[1] and " reads, " in lines[1] and " hits, " in lines[1]


def test_smoke_department_went_in_through_governance(smoke_department) -> None:  # noqa: F811
    d = smoke_department
    res = d.result
    gov = Governance(make_engine(d.url), today=lambda: d.cfg.day(d.cfg.days - 1))
    admin = gov.login("admin", d.cfg.admin_password)
    assert gov.verify_audit(admin).ok
    with gov.Session() as s:
        ingests = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "reads.ingest", AuditEntry.actor == "simulator"))
        denied_users = set(s.scalars(select(AuditEntry.actor).where(
            AuditEntry.allowed.is_(False), AuditEntry.action != "login",  # other tests
            AuditEntry.action != "shifts.start")))
        # shifts the simulator tried to start on a late hot list were refused and recorded
        stale = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.allowed.is_(False), AuditEntry.action == "shifts.start")).all()
        n_reads = s.scalar(select(func.count()).select_from(Read))
        outcomes = dict(s.execute(select(HitVerification.outcome, func.count())
                                  .group_by(HitVerification.outcome)).all())
        frames = s.scalar(select(func.count()).select_from(CameraFrame))
        shifts = s.scalar(select(func.count()).select_from(Shift).where(
            Shift.ended_at.is_not(None)))
        seen = s.execute(select(HitVerification.outcome, HitVerification.seen_plate,
                                HitVerification.seen_state, Read.plate)
                         .join(Hit, Hit.id == HitVerification.hit_id)
                         .join(Read, Read.id == Hit.read_id)).all()
    gov.engine.dispose()
    # operators note the plate and state they saw on the vehicle: the true labels
    from alpr.vocabulary.jurisdictions import codes

    assert seen and all(p and st in codes() for _, p, st, _ in seen)
    # every read keeps the crop the camera read, with its hash: verified reads become
    # labelled crops (notebook 01), labelled with the plate the officer saw
    import hashlib

    from alpr.governance.verified_crops import collect_verified_crops

    with gov.Session() as s:
        images = s.execute(select(Read.image_path, Read.image_sha256).limit(50)).all()
    assert images and all(hashlib.sha256(Path(p).read_bytes()).hexdigest() == h
                          for p, h in images)
    got = collect_verified_crops(gov, admin, d.out / "verified-crops",
                                 image_root=d.out / "images")
    labelled = {(p, st) for _, p, st, _ in seen}
    rows = got.labels.read_text().splitlines()[1:]
    assert got.crops == len(rows) > 0 and not got.skipped
    assert {(r.split(",")[2], r.split(",")[1]) for r in rows} <= labelled
    gov.engine.dispose()
    confirmed = [(p, read) for o, p, _, read in seen if o == "confirmed"]
    # mostly read right; the rest are misreads the hot list still matched (confusable or edit)
    # and the officer confirmed with the plate seen: 77 of 98 with the frames recognizer
    assert sum(p == read for p, read in confirmed) >= 0.75 * len(confirmed)
    assert ingests and n_reads == res.reads_stored > 1000
    # the last operator's SLED/NCIC certification lapsed half-way: their attempts were denied
    assert denied_users == {f"ofc-{d.cfg.operators:02d}"}
    assert stale and all("III.C" in t or "I.A" in t for t in stale)  # late list; lapsed user
    assert any("hot list" in t and "III.C" in t for t in stale)
    assert outcomes.get("confirmed", 0) > 0 and sum(outcomes.values()) >= res.hits
    # a reference frame per stationary camera, then one snapshot a day
    assert frames == d.cfg.cameras * (d.cfg.days + 1)
    assert shifts >= d.cfg.units * (d.cfg.days - 1) - 4  # minus the failed unit's repair days
    faults = read_faults(d.out / "faults.json")
    assert {f.kind for f in faults} == {"misalignment", "dirty_lens", "switched_off",
                                        "unit_failure"}
    summary = json.loads((d.out / "simulation.json").read_text())
    assert summary["days"] == d.cfg.days and summary["result"]["reads_stored"] == n_reads


def test_faults_leave_their_trace_in_the_records(smoke_department) -> None:  # noqa: F811
    d = smoke_department
    faults = {f.kind: f for f in read_faults(d.out / "faults.json")}
    eng = make_engine(d.url)
    with eng.connect() as c:
        ids = dict(c.execute(select(Camera.name, Camera.id)).all())
        off = faults["switched_off"]
        day0 = dt.datetime.combine(off.day, dt.time(), dt.UTC)
        sess = c.execute(select(CameraSession.started_at, CameraSession.ended_at).where(
            CameraSession.camera_id == ids[off.camera], CameraSession.started_at >= day0,
            CameraSession.started_at < day0 + dt.timedelta(days=1))).one()
        on_hours = (sess.ended_at - sess.started_at).total_seconds() / 3600
        last_read = c.scalar(select(func.max(Read.read_at)).where(
            Read.camera_id == ids[off.camera], Read.read_at >= day0,
            Read.read_at < day0 + dt.timedelta(days=1)))
        fail = faults["unit_failure"]
        f0 = dt.datetime.combine(fail.day, dt.time(), dt.UTC)
        failed_reads = c.scalar(select(func.count()).select_from(Read).where(
            Read.camera_id == ids[fail.camera], Read.read_at >= f0,
            Read.read_at < f0 + dt.timedelta(days=1)))
        in_service = c.scalar(select(Camera.in_service).where(Camera.name == fail.camera))
    eng.dispose()
    assert on_hours == pytest.approx(off.detail["off_after_hours"], abs=0.01)
    assert last_read is not None and last_read <= sess.ended_at
    assert failed_reads == 0 and in_service  # repaired and returned to service
    assert not math.isnan(faults["misalignment"].detail["dx_px"])


def test_demo_builds_a_fresh_department_each_run(tmp_path) -> None:
    from alpr.simulate.demo import build_demo, demo_url

    cfg = SimulationConfig(days=1, cameras=1, units=1, seed=2, faults=False, commuters=5,
                           vehicles_per_camera_day=8, reads_per_shift=5,
                           hotlist_random_entries=20, start=dt.date(2026, 4, 6))
    first = build_demo(None, tmp_path, cfg=cfg, progress=False)
    again = build_demo(None, tmp_path, cfg=cfg, progress=False)  # no "users exist" error
    assert first.reads_stored == again.reads_stored > 0
    assert (tmp_path / "department" / "faults.json").read_text().strip() == "[]"
    gov = Governance(make_engine(demo_url(tmp_path)), today=lambda: cfg.start)
    assert gov.login("admin", cfg.admin_password).role == "administrator"
    gov.engine.dispose()


def test_simulate_cli_fills_an_empty_store_and_refuses_a_used_one(tmp_path, capsys) -> None:
    from alpr.cli import main

    url = f"sqlite:///{tmp_path / 'sim.db'}"
    args = ["simulate", "--days", "1", "--cameras", "1", "--units", "0", "--no-faults",
            "--vehicles", "10", "--start", "2026-04-06", "--db", url, "--out",
            str(tmp_path / "out"), "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "reads stored" in out and "'admin'" in out
    assert (tmp_path / "out" / "faults.json").exists()
    assert main(args) == 2
    assert "needs an empty store" in capsys.readouterr().err
    assert main([*args[:2], "0", *args[3:]]) == 2
    assert "days 0: must be between 1 and 366" in capsys.readouterr().err


def test_plates_found_by_the_shipped_detector(tmp_path, monkeypatch) -> None:
    """With ``use_detector`` the box and crop of each read come from the plate detector run on
    each camera's detection zone, in bounded batches: nearly every pass is found, the reads
    misread about as often as real frames' (not 0%), and the detector never gets more than
    a batch of zones at a time (a day's frames in one batch took 9-10 GB)."""
    import alpr.simulate.reading as reading
    from alpr.detector.detector import default_model_dir
    from alpr.simulate.department import Department
    from alpr.simulate.scene import DETECTION_ZONE
    from alpr.store.schema import Camera, Read
    from alpr.vocabulary.plate_text import fold_o_to_zero

    if not (default_model_dir() / "card.json").is_file():
        pytest.skip("no shipped detector in models/plate-detector")
    cfg = SimulationConfig(days=1, cameras=2, units=0, seed=3, faults=False, commuters=20,
                           vehicles_per_camera_day=60, hotlist_random_entries=50, operators=2,
                           use_detector=True, start=dt.date(2026, 5, 1))
    url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setattr(reading, "DETECT_BATCH", 16)
    dep = Department(cfg, url, tmp_path / "dept", None, False)
    batches: list[list[tuple[int, ...]]] = []
    detect_batch = dep.reader.detector.detect_batch

    def spy(frames, *a, **k):
        batches.append([f.shape for f in frames])
        return detect_batch(frames, *a, **k)

    monkeypatch.setattr(dep.reader.detector, "detect_batch", spy)
    result = dep.run()
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Camera.name, Read.read_at, Read.plate, Read.box_w)
                            .join(Camera, Camera.id == Read.camera_id)).all()
    engine.dispose()
    assert result.passes > 100 and result.detector_misses <= result.passes * 0.05
    assert len(batches) >= result.passes / 16 and max(len(b) for b in batches) <= 16
    zone = (DETECTION_ZONE[1], DETECTION_ZONE[0], 3)
    assert all(shape == zone for b in batches for shape in b)
    assert len(dep.reader.backgrounds) <= 24 * cfg.cameras  # one day's zones at most
    right = sum(fold_o_to_zero(dep.truth[(cam, at.replace(tzinfo=None))][0])
                == fold_o_to_zero(plate) for cam, at, plate, _ in rows)
    assert 0.70 * len(rows) <= right <= 0.95 * len(rows) and len(rows) >= 0.9 * result.passes
    assert result.reading["exact"] == pytest.approx(right / len(rows), abs=1e-4)
    assert all(w and w > 10 for *_, w in rows)  # the detector's boxes were stored


def test_simulator_reads_a_zone_as_alpr_read_does(tmp_path, monkeypatch) -> None:
    """A read in the department is the pipeline's read of the camera's detection zone: the
    zones the simulator hands to :func:`best_plates` give, through :func:`find_plates` (what
    ``alpr read`` runs on a frame), the same first plate, box, text and confidences, with and
    without re-reading; and the read stored is that plate's, its box moved into the frame."""
    import alpr.simulate.reading as reading
    from alpr.detector.detector import default_model_dir
    from alpr.detector.pipeline import best_plates, find_plates
    from alpr.simulate.department import Department

    if not (default_model_dir() / "card.json").is_file():
        pytest.skip("no shipped detector in models/plate-detector")
    cfg = SimulationConfig(days=1, cameras=2, units=0, seed=3, faults=False, commuters=20,
                           vehicles_per_camera_day=40, hotlist_random_entries=50, operators=2,
                           use_detector=True, start=dt.date(2026, 5, 1))
    dep = Department(cfg, f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "dept", None, False)
    seen: list[tuple[list[np.ndarray], list]] = []

    def spy(frames, *a, **k):
        out = best_plates(frames, *a, **k)
        seen.append((frames, out))
        return out

    monkeypatch.setattr(reading, "best_plates", spy)
    dep.run()
    det, rec = dep.reader.detector, dep.reader.rec
    frames = [f for fs, _ in seen for f in fs]
    simulated = [p for _, ps in seen for p in ps]
    assert len(frames) > 50 and sum(p is None for p in simulated) < len(frames) / 10
    piped = [ps[0] if ps else None for ps in find_plates(frames, det, rec, reread=False)]
    assert simulated == piped
    again = [ps[0] if ps else None for ps in find_plates(frames[:24], det, rec)]
    assert best_plates(frames[:24], det, rec) == again
    if det.read_check is not None:  # boxes under the threshold, kept by their read
        strict = copy.copy(det)
        strict.threshold = 0.97
        checked = best_plates(frames[:64], strict, rec, reread=False)
        assert any(p is not None and p.kept_by_read for p in checked)
        assert checked == [ps[0] if ps else None
                           for ps in find_plates(frames[:64], strict, rec, reread=False)]
    engine = make_engine(dep.url)
    with engine.connect() as conn:
        stored = conn.execute(select(Read.plate, Read.confidence, Read.box_w, Read.box_h)
                              .order_by(Read.camera_id, Read.read_at)).all()
    engine.dispose()
    expected = [(p.read.text, p.read.confidence, p.read.box[2], p.read.box[3])
                for p in simulated if p is not None and p.read.text]
    assert [(t, pytest.approx(c, abs=1e-6), w, h) for t, c, w, h in stored] == expected


def _window(cfg: SimulationConfig) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(cfg.start, dt.time(), dt.UTC)
    return start, start + dt.timedelta(days=cfg.days)


def _aware(ts: dt.datetime) -> dt.datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def test_searches_shares_and_requests_are_dated_in_the_simulated_period(
        smoke_department) -> None:  # noqa: F811
    """Compliance over the simulated period sees the department's searches and shares (they
    carried the build's wall-clock time, so III.E read 100% over 0 records)."""
    from alpr.store.schema import AccessRequest, DataShare, HistoricalSearch

    d = smoke_department
    lo, hi = _window(d.cfg)
    eng = make_engine(d.url)
    with eng.connect() as c:
        searches = [_aware(t) for t in c.scalars(select(HistoricalSearch.at))]
        requests = [(_aware(a), _aware(b)) for a, b in c.execute(
            select(AccessRequest.requested_at, AccessRequest.decided_at))]
        shares = [_aware(t) for t in c.scalars(select(DataShare.shared_at))]
    eng.dispose()
    assert len(searches) == d.result.searches > 0 and requests and len(shares) == d.result.shares
    assert all(lo <= t < hi for t in searches + shares + [x for pair in requests for x in pair])
    assert all(asked < decided for asked, decided in requests)


def test_summary_counts_the_hits_the_store_holds(smoke_department) -> None:  # noqa: F811
    """Hits from ingestion and from manual entries matched against past reads are all in
    the summary's count (it said 279 where the store held 384)."""
    d = smoke_department
    eng = make_engine(d.url)
    with eng.connect() as c:
        hits = c.scalar(select(func.count()).select_from(Hit))
    eng.dispose()
    assert hits and d.result.hits == hits
    assert f"{hits} hits" in d.result.summary()
    summary = json.loads((d.out / "simulation.json").read_text())
    assert summary["result"]["hits"] == hits


def test_smoke_department_misreads_as_real_cameras_do(smoke_department) -> None:  # noqa: F811
    """The recognizer reads the cameras' degraded frames, so it misreads: the share read
    exactly is realistic (real frames: 83-89%), recorded truly, worse at night and on the
    camera with the dirty lens; and misreads reach the operators as rejected hits that
    :func:`hit_error` blames on the recognizer."""
    from alpr.health.misreads import hit_error
    from alpr.store.schema import HotListEntryRow
    from alpr.vocabulary.plate_text import fold_o_to_zero

    d = smoke_department
    eng = make_engine(d.url)
    with eng.connect() as c:
        reads = c.execute(select(Camera.name, Read.read_at, Read.plate)
                          .join(Camera, Camera.id == Read.camera_id)).all()
        verified = c.execute(
            select(HitVerification.outcome, Read.plate, Read.state, HitVerification.seen_plate,
                   HitVerification.seen_state, HotListEntryRow.plate)
            .join(Hit, Hit.id == HitVerification.hit_id).join(Read, Read.id == Hit.read_id)
            .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id)).all()
    eng.dispose()
    faults = {f.kind: f for f in read_faults(d.out / "faults.json")}
    dirty = faults["dirty_lens"]
    groups: dict[str, list[bool]] = {}
    for cam, at, plate in reads:
        true = d.truth[(cam, at.replace(tzinfo=None))][0]
        ok = fold_o_to_zero(plate) == fold_o_to_zero(true)
        groups.setdefault("all", []).append(ok)
        groups.setdefault("night" if daylight(at.hour + at.minute / 60) < 0.4 else "day",
                          []).append(ok)
        if cam == dirty.camera and at.date() >= dirty.day:
            groups.setdefault("dirty", []).append(ok)
        elif cam.startswith("CAM-") and cam != faults["misalignment"].camera:
            groups.setdefault("healthy", []).append(ok)

    def share(g: str) -> float:
        return sum(groups[g]) / len(groups[g])

    assert len(groups["all"]) == d.result.reading["reads"] > 1000
    assert d.result.reading["exact"] == pytest.approx(share("all"), abs=1e-4)
    assert 0.70 <= share("all") <= 0.95  # misreads present, in a realistic band
    assert share("night") < share("day") and len(groups["night"]) >= 30
    assert 1 - share("dirty") >= 2 * (1 - share("healthy"))  # the dirty lens: clearly worse
    assert d.result.reading["by_condition"]["dirty_lens"] < d.result.reading["by_condition"][
        "healthy"]
    # a hit the operator rejected because the recognizer misread the characters
    errors = [hit_error(*v[:5]) for v in verified]
    assert "ocr_characters" in errors
    assert all(read != seen for (o, read, _, seen, _, _), e in zip(verified, errors, strict=True)
               if e == "ocr_characters")
    # misreads the matcher's tolerance joined to the right entry: confirmed, read != seen
    assert any(o == "confirmed" and read != seen for o, read, _, seen, _, _ in verified)
    summary = json.loads((d.out / "simulation.json").read_text())
    assert summary["result"]["reading"] == d.result.reading


def test_captures_are_degraded_as_real_frames_are() -> None:
    """Plates 25-60 px high; night captures noisier, smeared longer and JPEG-compressed
    harder than daytime ones; a dirty lens blurs."""
    from alpr.simulate.scene import capture_conditions

    heights, day, night = [], [], []
    for seed in range(6):
        rig = make_rig(f"CAM-{seed}", "stationary" if seed % 2 else "mobile", seed)
        r = np.random.default_rng(seed)
        for _ in range(200):
            heights.append(plate_geometry(rig, CameraState(), r)[2] * 0.5)
        for hour, out in ((12.0, day), (2.0, night)):
            r = np.random.default_rng(seed)
            out.extend(capture_conditions(rig, CameraState(), hour, 80.0, r) for _ in range(200))
    assert min(heights) >= 25 and max(heights) <= 60
    assert np.mean([c.noise_sd for c in night]) > 2 * np.mean([c.noise_sd for c in day])
    assert np.mean([c.motion_px for c in night]) > 1.5 * np.mean([c.motion_px for c in day])
    assert np.mean([c.jpeg_quality for c in night]) < np.mean([c.jpeg_quality for c in day])
    assert 0 < np.mean([bool(c.glare) for c in day]) < np.mean([bool(c.glare) for c in night])
    rig = make_rig("CAM-01", "stationary", 3)
    clean = capture_conditions(rig, CameraState(), 12.0, 80.0, np.random.default_rng(0))
    soiled = capture_conditions(rig, CameraState(dirt=0.45), 12.0, 80.0,
                                np.random.default_rng(0))
    assert soiled.blur_sigma == pytest.approx(clean.blur_sigma + 2.0 * 0.45)
    plate = np.full((96, 192, 3), 200, np.uint8)
    plate[30:66, 20:172] = 30  # dark characters
    v = view_plate(rig, CameraState(), plate, 12.0, np.random.default_rng(0))
    assert v is not None and v.crop.dtype == np.uint8 and v.crop.shape[:2] == v.box[:1:-1]


def test_worked_examples_in_docstrings_hold() -> None:
    import doctest

    import alpr.simulate.clock
    import alpr.simulate.result
    import alpr.simulate.scene
    import alpr.simulate.verification

    for module in (alpr.simulate.scene, alpr.simulate.result, alpr.simulate.clock,
                   alpr.simulate.verification):
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__
