"""Camera-health diagnostics: image alignment and focus, read drift (CUSUM), patrol
coverage, misread rates with Wilson intervals, the report over a simulated department (every
injected fault found, healthy cameras left alone) and the administrator's decision."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from sim_kit import smoke_department  # noqa: F401  (session fixture)
from sqlalchemy import select
from sqlalchemy.orm import Session

from alpr.governance.access import Governance
from alpr.governance.records import ingest_rows
from alpr.health.align import AlignmentThresholds, estimate_alignment, load_image
from alpr.health.decisions import decide
from alpr.health.drift import DriftConfig, cusum, daily_stats, detect_drift
from alpr.health.misreads import misread_rates, wilson
from alpr.health.patrol import patrol_findings
from alpr.health.report import daily_read_stats, health_report
from alpr.simulate.faults import read_faults
from alpr.simulate.scene import CameraState, make_rig, render_frame
from alpr.store.audit_key import key_path
from alpr.store.db import make_engine
from alpr.store.schema import Camera, Read

FRAMES = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / \
    "openalpr-us-frames" / "images"


def _move(img: np.ndarray, angle: float, tx: float, ty: float) -> tuple[np.ndarray, np.ndarray]:
    """(reference, current): the current frame is the reference rotated ``angle`` degrees
    about its centre and shifted (tx, ty); both cropped alike so no border shows."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    m[0, 2] += tx
    m[1, 2] += ty
    cur = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT)
    c = int(0.08 * min(w, h))
    return img[c:h - c, c:w - c], cur[c:h - c, c:w - c]


# -- alignment from images ---------------------------------------------------------------------
def test_known_motion_of_a_real_camera_frame_is_recovered() -> None:
    frames = sorted(FRAMES.glob("*.jpg"))[:2] if FRAMES.exists() else []
    if not frames:
        pytest.skip(f"real camera frames not present at {FRAMES}")
    for path in frames:
        img = load_image(path)
        for angle, tx, ty in ((1.5, 5.3, -3.2), (-0.6, -14.0, 8.5)):
            ref, cur = _move(img, angle, tx, ty)
            a = estimate_alignment(ref, cur)
            assert abs(a.dx_px - tx) < 1 and abs(a.dy_px - ty) < 1, (path.name, a)
            assert abs(a.rotation_deg - angle) < 0.2 and abs(a.scale - 1) < 0.005
            # 1.5 deg / 6 px is past the warning limits; 14 px past the failure limit
            assert a.status == ("warn" if angle == 1.5 else "fail")
            assert any(r.startswith("shifted") for r in a.reasons)
        same = estimate_alignment(img, img)
        assert same.status == "ok" and abs(same.dx_px) < 0.1 and same.reasons == ()
        blurred = estimate_alignment(img, cv2.GaussianBlur(img, (0, 0), 2.0))
        assert blurred.status == "fail" and blurred.sharpness_ratio < 0.55
        assert abs(blurred.dx_px) < 1  # blur alone does not look like a move


def test_simulated_camera_moves_and_dirt_are_measured() -> None:
    rig = make_rig("CAM-09", "stationary", 21)
    ref = render_frame(rig, 12.0, CameraState(), seed=1)
    moved = render_frame(rig, 11.0, CameraState(dx=-22.0, dy=9.0, rotation_deg=2.5), seed=2)
    a = estimate_alignment(ref, moved)
    assert abs(a.dx_px + 22) < 1 and abs(a.dy_px - 9) < 1 and abs(a.rotation_deg - 2.5) < 0.2
    night = estimate_alignment(ref, render_frame(rig, 23.0, CameraState(), seed=3))
    # different light and different traffic: no motion, no failure (brightness only warns)
    assert night.status != "fail" and abs(night.dx_px) < 1 and night.brightness_ratio < 0.5
    dirty = estimate_alignment(ref, render_frame(rig, 12.5, CameraState(dirt=0.45), seed=4))
    assert dirty.status == "fail" and dirty.sharpness_ratio < 0.55
    assert any("dirty lens" in r for r in dirty.reasons)


def test_thresholds_are_configuration_and_checked() -> None:
    th = AlignmentThresholds.from_dict({"shift_warn_px": 1, "shift_fail_px": 50})
    rig = make_rig("CAM-08", "stationary", 4)
    ref = render_frame(rig, 12.0, CameraState(), seed=1)
    a = estimate_alignment(ref, render_frame(rig, 12.0, CameraState(dx=10.0), seed=1), th)
    assert a.status == "warn"  # 10 px: above the warning, below this failure limit
    with pytest.raises(ValueError, match="unknown threshold.*shift_px"):
        AlignmentThresholds.from_dict({"shift_px": 3})
    with pytest.raises(ValueError, match="shift_warn_px 20"):
        AlignmentThresholds(shift_warn_px=20, shift_fail_px=10)
    with pytest.raises(ValueError, match="must have the reference frame's size"):
        estimate_alignment(ref, ref[:100])


def test_align_cli_prints_the_documented_json(tmp_path: Path) -> None:
    rig = make_rig("CAM-07", "stationary", 5)
    paths = []
    for name, state in (("ref.png", CameraState()), ("cur.png", CameraState(dy=6.0))):
        p = tmp_path / name
        cv2.imwrite(str(p), cv2.cvtColor(render_frame(rig, 12.0, state, seed=1),
                                         cv2.COLOR_RGB2BGR))
        paths.append(str(p))
    out = subprocess.run([sys.executable, "-m", "alpr.cli", "health", "align", *paths,
                          "--format", "json"], capture_output=True, text=True, check=False)
    d = json.loads(out.stdout)
    assert out.returncode == 0 and d["status"] == "warn"
    assert set(d) >= {"dx_px", "dy_px", "rotation_deg", "scale", "sharpness_ratio",
                      "brightness_ratio", "status", "reasons"}
    assert abs(d["dy_px"] - 6) < 1
    bad = subprocess.run([sys.executable, "-m", "alpr.cli", "health", "align", paths[0],
                          str(tmp_path / "missing.png")], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 2 and "missing.png: no such file" in bad.stderr
    assert "WARN" not in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "junk.png").write_bytes(b"not an image")
    junk = subprocess.run([sys.executable, "-m", "alpr.cli", "health", "align", paths[0],
                           str(tmp_path / "junk.png")], capture_output=True, text=True,
                          check=False)
    assert junk.returncode == 2 and "junk.png: not a readable image" in junk.stderr


# -- statistics ----------------------------------------------------------------------------
def test_wilson_interval_matches_the_published_values() -> None:
    # Newcombe (1998), table I: 2/10 -> 0.0567 to 0.5098; 0/10 -> 0 to 0.2775
    p, lo, hi = wilson(2, 10)
    assert (p, round(lo, 4), round(hi, 4)) == (0.2, 0.0567, 0.5098)
    assert [round(v, 4) for v in wilson(0, 10)] == [0.0, 0.0, 0.2775]
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(3, 2)


def test_cusum_alarms_on_a_sustained_change_only() -> None:
    assert cusum(np.array([0.9, -0.8, 1.1, -1.2, 0.5]), k=1.0, h=5.0) is None
    # 1.2 - 1 = 0.2 a day never passes 5 in 5 days; a 4-sigma shift adds 3 a day: 3, 6 > 5
    assert cusum(np.array([1.2] * 5), k=1.0, h=5.0) is None
    assert cusum(np.array([0.0, 0.0, 4.0, 4.0, 4.0]), k=1.0, h=5.0) == 3
    assert cusum(np.array([0.0, -8.0]), k=1.0, h=5.0) == 1  # downwards: 7 > 5 at once


def _reads(days: int, shift_from: int | None = None, dx: float = 0.0) -> pd.DataFrame:
    r = np.random.default_rng(0)
    rows = []
    for d in range(days):
        for _ in range(80):
            x = 300 + r.normal(0, 12) + (dx if shift_from is not None and d >= shift_from
                                          else 0)
            rows.append({"camera": "CAM-01", "read_at": dt.datetime(2026, 5, 1 + d, 12,
                                                                  tzinfo=dt.UTC),
                         "confidence": float(np.clip(r.normal(0.92, 0.08), 0, 1)),
                         "box_x": x - 45, "box_y": 200 + r.normal(0, 5), "box_w": 90,
                         "box_h": 47})
    return pd.DataFrame(rows)


def test_drift_flags_a_moved_camera_on_the_day_and_spares_a_steady_one() -> None:
    cfg = DriftConfig(baseline_days=5)
    assert detect_drift(daily_stats(_reads(20)), cfg) == []
    alarms = detect_drift(daily_stats(_reads(20, shift_from=9, dx=25.0)), cfg)
    assert [(a.metric, a.day) for a in alarms] == [("centre_x", "2026-05-10")]
    assert alarms[0].value - alarms[0].baseline == pytest.approx(25, abs=3)
    with pytest.raises(ValueError, match="missing column.*box_h"):
        daily_stats(_reads(2).drop(columns=["box_h"]))


def test_patrol_coverage_finds_a_switched_off_and_a_silent_unit() -> None:
    t = dt.datetime(2026, 5, 4, 7, tzinfo=dt.UTC)
    h = dt.timedelta(hours=1)
    shifts = pd.DataFrame([{"camera": "UNIT-01", "started_at": t, "ended_at": t + 8 * h},
                           {"camera": "UNIT-02", "started_at": t, "ended_at": t + 8 * h},
                           {"camera": "UNIT-03", "started_at": t, "ended_at": t + 8 * h}])
    sessions = pd.DataFrame([{"camera": "UNIT-01", "started_at": t, "ended_at": t + 2 * h},
                             {"camera": "UNIT-02", "started_at": t, "ended_at": t + 8 * h},
                             {"camera": "UNIT-03", "started_at": t, "ended_at": t + 8 * h}])
    reads = pd.DataFrame([{"camera": "UNIT-01", "read_at": t + k * 0.2 * h} for k in range(9)]
                         + [{"camera": "UNIT-03", "read_at": t + k * 0.1 * h}
                            for k in range(70)])
    found = patrol_findings(shifts, sessions, reads)
    assert [(f.camera, f.kind) for f in found] == [("UNIT-01", "switched_off"),
                                                  ("UNIT-02", "no_reads")]
    assert "ALPR on for 2.0 h of a 8.0 h" in found[0].reason
    assert "6.0 h before the shift ended" in found[0].reason
    outage = pd.DataFrame([{"camera": "UNIT-02", "from": t + 0.5 * h, "until": pd.NaT}])
    assert [f.camera for f in patrol_findings(shifts, sessions, reads, outage)] == ["UNIT-01"]


def _patrol_by_definition(shifts: pd.DataFrame, sessions: pd.DataFrame,
                          reads: pd.DataFrame) -> list[tuple[str, str, str, float, int]]:
    """Each shift judged from scratch: hours on (sessions clipped to the shift) and reads."""
    out = []
    for sh in shifts.sort_values(["camera", "started_at"], kind="stable").itertuples():
        a, b = sh.started_at, sh.ended_at
        on = sum(max((min(b if pd.isna(e) else e, b) - max(st, a)).total_seconds(), 0)
                 for c, st, e in sessions.itertuples(index=False) if c == sh.camera) / 3600
        n = sum(1 for c, t in reads.itertuples(index=False) if c == sh.camera and a <= t < b)
        hours = (b - a).total_seconds() / 3600
        kind = ("switched_off" if on < 0.75 * hours else "no_reads" if n < on else "")
        if kind:
            out.append((sh.camera, a.date().isoformat(), kind, round(on, 1), n))
    return out


def test_patrol_findings_agree_with_the_per_shift_definition() -> None:
    """Many units, shifts and sessions (overlapping, open, outside the shift) at random: the
    sorted look-ups find what judging each shift from scratch finds."""
    rng = np.random.default_rng(7)
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    h = dt.timedelta(hours=1)
    shifts, sessions, reads = [], [], []
    for u in range(4):
        cam = f"UNIT-{u:02d}"
        for d in range(25):
            a = t0 + d * 24 * h + int(rng.integers(0, 6)) * h
            shifts.append({"camera": cam, "started_at": a, "ended_at": a + 8 * h})
            for _ in range(int(rng.integers(0, 3))):
                st = a + float(rng.uniform(-3, 8)) * h
                sessions.append({"camera": cam, "started_at": st,
                                 "ended_at": st + float(rng.uniform(0.5, 9)) * h})
            rate = float(rng.choice([0.0, 0.5, 3.0]))
            reads += [{"camera": cam, "read_at": a + float(x) * h}
                      for x in rng.uniform(-1, 9, int(rate * 10))]
        if u == 3:  # switched on on the last day and never switched off
            sessions.append({"camera": cam, "started_at": t0 + 24.5 * 24 * h, "ended_at": None})
    shifts_df, sessions_df = pd.DataFrame(shifts), pd.DataFrame(sessions)
    reads_df = pd.DataFrame(reads)
    found = patrol_findings(shifts_df, sessions_df, reads_df)
    expected = _patrol_by_definition(shifts_df, sessions_df, reads_df)
    assert len(expected) > 20  # both kinds of finding occur
    assert {k for *_, k, _, _ in expected} == {"switched_off", "no_reads"}
    got = [(f.camera, f.day, f.kind) for f in found]
    assert got == [(c, d, k) for c, d, k, _, _ in expected]
    for f, (_, _, kind, on, n) in zip(found, expected, strict=True):
        assert f"{on:.1f} h" in f.reason
        if kind == "no_reads":
            assert f.reason.startswith(f"{n} reads")


def test_daily_statistics_by_the_database_equal_those_of_the_reads(dept) -> None:
    """The camera diagnostics aggregate reads in SQL (SQLite and PostgreSQL): the same
    per-day means, spreads and counts as :func:`daily_stats` over every read loaded."""
    gov, _ = dept
    with Session(gov.engine) as s:
        names = dict(s.execute(select(Camera.id, Camera.name)).all())
        rows = s.execute(select(Read.camera_id, Read.read_at, Read.confidence, Read.box_x,
                                Read.box_y, Read.box_w, Read.box_h)).all()
        reads = pd.DataFrame(rows, columns=["camera", "read_at", "confidence", "box_x",
                                            "box_y", "box_w", "box_h"])
        reads["camera"] = reads["camera"].map(names)
        sql = daily_read_stats(s)
    sql["camera"] = sql["camera"].map(names)
    expected = daily_stats(reads).sort_values(["camera", "day"], ignore_index=True)
    assert len(expected) > 20 and expected["reads"].sum() == len(reads.dropna(subset=["box_w"]))
    got = sql[sql["reads"] > 0].reset_index(drop=True)[expected.columns]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9, atol=1e-9)
    per_day = reads.groupby([reads["camera"],
                             pd.to_datetime(reads["read_at"], utc=True).dt.strftime("%Y-%m-%d")]
                            ).size()
    assert sql.set_index(["camera", "day"])["all_reads"].sort_index().tolist() == \
        per_day.sort_index().tolist()


def test_misread_rates_per_camera_jurisdiction_and_character() -> None:
    rows = ([{"camera": "CAM-01", "read_state": "PA", "outcome": "confirmed",
              "listed_plate": "ABC1234", "chars_match": True, "read_plate": "ABO1234"}] * 3
            + [{"camera": "CAM-01", "read_state": "PA", "outcome": "misread",
                "listed_plate": "XYZ9", "chars_match": False, "read_plate": "XYZ8"}]
            + [{"camera": "CAM-02", "read_state": "NJ", "outcome": "wrong_state",
                "listed_plate": "ABC1234", "chars_match": True, "read_plate": "ABC1234"}])
    rates = misread_rates(pd.DataFrame(rows))
    cam = rates["camera"].set_index("camera")
    assert cam.loc["CAM-01", "verified"] == 4 and cam.loc["CAM-01", "misread"] == 1
    assert cam.loc["CAM-01", "error_rate"] == 0.25
    assert cam.loc["CAM-02", "error_rate"] == 1.0  # the wrong state is a hit error too
    assert rates["overall"].loc[0, "error_rate"] == pytest.approx(2 / 5)
    ch = rates["characters"].iloc[0]
    # 'C' appears 4 times on the 4 verified plates whose characters matched; 3 read as 'O'
    assert (ch["true"], ch["read_as"], ch["count"], ch["seen"]) == ("C", "O", 3, 4)
    assert set(rates["jurisdiction"]["jurisdiction"]) == {"PA", "NJ"}


def test_character_confusions_use_the_plate_the_officer_noted() -> None:
    base = {"camera": "CAM-01", "read_state": "PA"}
    rows = [
        # a misread hit whose read was the recognizer's mistake: 8 for B, as the officer saw
        {**base, "outcome": "misread", "listed_plate": "A8C123", "chars_match": False,
         "read_plate": "A8C123", "seen_plate": "ABC123"},
        # a confirmed confusable match with the plate noted: its listing is not used again
        {**base, "outcome": "confirmed", "listed_plate": "ABC123", "chars_match": True,
         "read_plate": "A8C123", "seen_plate": "ABC123"},
        # not noted and the characters did not match: no truth, no confusion
        {**base, "outcome": "misread", "listed_plate": "XYZ9", "chars_match": False,
         "read_plate": "XYZ9", "seen_plate": None},
        # noted, one character shorter: the recognizer dropped the 8
        {**base, "outcome": "misread", "listed_plate": "XYZ9", "chars_match": False,
         "read_plate": "XYZ9", "seen_plate": "XYZ98"},
        # a wildcard listing says nothing of the characters under it
        {**base, "outcome": "confirmed", "listed_plate": "AB?12", "chars_match": True,
         "read_plate": "AB712", "seen_plate": None},
    ]
    ch = misread_rates(pd.DataFrame(rows))["characters"]
    assert ch[["true", "read_as", "count", "seen"]].values.tolist() == [
        ["B", "8", 2, 2], ["8", "(dropped)", 1, 1]]


# -- the report over a simulated department -----------------------------------------------------
def test_report_finds_every_injected_fault_within_two_days(smoke_department) -> None:  # noqa: F811
    d = smoke_department
    gov = Governance(make_engine(d.url), today=lambda: d.cfg.day(d.cfg.days - 1))
    admin = gov.login("admin", d.cfg.admin_password)
    report = {h.camera: h for h in health_report(gov, admin)}
    faults = read_faults(d.out / "faults.json")
    expected = {"misalignment": ("image", "out of alignment"),
                "dirty_lens": ("image", "dirty lens"),
                "switched_off": ("patrol", "switched off during patrol"),
                "unit_failure": ("patrol", "not reading")}
    for f in faults:
        source, words = expected[f.kind]
        days = [dt.date.fromisoformat(x.day) for x in report[f.camera].findings
                if x.source == source and words in x.reason]
        assert days, (f.kind, f.camera, report[f.camera].findings)
        assert f.day <= min(days) <= f.day + dt.timedelta(days=1), (f.kind, days)
    by_kind = {f.kind: report[f.camera] for f in faults}
    assert by_kind["misalignment"].status == "fail"
    assert by_kind["misalignment"].recommendation.startswith("remove from service")
    assert by_kind["misalignment"].first_flagged == faults[0].day.isoformat()
    assert by_kind["misalignment"].suspect_reads > 0
    assert any("[reads] plate centre" in r for r in by_kind["misalignment"].reasons)
    assert any("[reads] mean read confidence" in r for r in by_kind["dirty_lens"].reasons)
    assert by_kind["switched_off"].status == "warn"
    assert by_kind["unit_failure"].status == "ok" and by_kind["unit_failure"].resolved
    healthy = set(report) - {f.camera for f in faults}
    assert healthy and all(report[c].status == "ok" and not report[c].reasons
                           for c in healthy)
    gov.engine.dispose()


def test_report_from_a_day_judges_only_the_shifts_it_has_reads_for(smoke_department) -> None:  # noqa: F811,E501
    """A report over recent records (the dashboards' and compliance's window) judges the
    shifts begun in the window: an earlier shift, whose reads were not loaded, is not called
    "not reading"."""
    d = smoke_department
    gov = Governance(make_engine(d.url), today=lambda: d.cfg.day(d.cfg.days - 1))
    admin = gov.login("admin", d.cfg.admin_password)
    since = dt.datetime.combine(d.cfg.day(d.cfg.days // 2), dt.time(), dt.UTC)
    everything = health_report(gov, admin)
    recent = health_report(gov, admin, since=since)
    patrol = [f for h in recent for f in h.findings if f.source == "patrol"]
    assert all(f.day >= since.date().isoformat() for f in patrol), patrol
    expected = [f for h in everything for f in h.findings
                if f.source == "patrol" and f.day >= since.date().isoformat()]
    assert sorted(patrol, key=str) == sorted(expected, key=str)
    gov.engine.dispose()


def test_decisions_are_recorded_audited_and_enforced(smoke_department, tmp_path) -> None:  # noqa: F811
    import shutil

    d = smoke_department
    src = Path(d.url[len("sqlite:///"):])
    db = tmp_path / "copy.db"
    shutil.copy(src, db)  # decide on a copy: the session's department stays as simulated
    # and its audit key with it, as an operator restoring a backup would (the key lives
    # outside the database, docs/security.md): the copy's chain goes on under the same key
    shutil.copy(key_path(d.url), key_path(f"sqlite:///{db}"))
    gov = Governance(make_engine(f"sqlite:///{db}"), today=lambda: d.cfg.day(d.cfg.days - 1))
    admin = gov.login("admin", d.cfg.admin_password)
    cam = next(f.camera for f in read_faults(d.out / "faults.json") if f.kind == "misalignment")
    assert decide(gov, admin, cam, "remove", "health report: shifted 40 px").endswith(
        "(health report: shifted 40 px)")
    row = {"read_at": "2026-05-09T10:00:00Z", "camera": cam, "plate": "ABC123",
           "confidence": 0.9}
    rep = ingest_rows(gov, admin, [(1, row)], match=False)
    assert rep.stored == 0 and "out of service" in rep.rejected[0].rule
    with pytest.raises(ValueError, match="vendor_record"):
        decide(gov, admin, cam, "return", "realigned")
    with pytest.raises(ValueError, match="action 'fix'"):
        decide(gov, admin, cam, "fix", "realigned")
    decide(gov, admin, cam, "return", "realigned and re-referenced",
           vendor_record="Vendor realigned bracket, work order 7781")
    assert {c["name"]: c["in_service"] for c in gov.cameras(admin)}[cam]
    from sqlalchemy import select

    from alpr.store.schema import AuditEntry, EquipmentReport

    with gov.Session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.target == cam)))
        vendor = s.scalar(select(EquipmentReport.description).where(
            EquipmentReport.kind == "vendor_maintenance").order_by(EquipmentReport.id.desc()))
    assert actions.count("cameras.manage") >= 2 and "equipment.check" in actions
    assert vendor == "Vendor realigned bracket, work order 7781"
    report = {h.camera: h for h in health_report(gov, admin)}
    assert report[cam].status == "ok" and report[cam].resolved  # repaired: history only
    from alpr.governance import audit

    with gov.Session() as s:  # the decisions extend the copied chain under its own key
        chain = audit.verify(s)
    assert chain.ok and chain.status == "intact", str(chain)
    gov.engine.dispose()


def test_report_cli_as_administrator(smoke_department, monkeypatch, capsys) -> None:  # noqa: F811
    from alpr.cli import main

    d = smoke_department
    monkeypatch.setenv("ALPR_PASSWORD", d.cfg.admin_password)
    assert main(["health", "report", "--user", "admin", "--db", d.url, "--format",
                 "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["camera"] for r in rows} == {"CAM-01", "CAM-02", "CAM-03", "UNIT-01",
                                           "UNIT-02"}
    assert rows[0]["status"] == "fail"  # worst first
    assert main(["health", "misreads", "--user", "admin", "--db", d.url, "--format",
                 "json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    overall = tables["overall"][0]
    assert overall["verified"] == sum(r["verified"] for r in tables["camera"])
    assert overall["ci_low"] <= overall["error_rate"] <= overall["ci_high"]
    monkeypatch.setenv("ALPR_PASSWORD", "wrong password!")
    assert main(["health", "report", "--user", "admin", "--db", d.url]) == 2
    # no password and no terminal to ask on (a script): a clear error, not a traceback
    monkeypatch.delenv("ALPR_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": (_ for _ in ()).throw(EOFError))
    capsys.readouterr()
    assert main(["health", "report", "--user", "admin", "--db", d.url]) == 2
    assert "no password for --user admin: set ALPR_PASSWORD" in capsys.readouterr().err


def test_dashboard_source_adds_the_diagnostics(smoke_department) -> None:  # noqa: F811
    """The Equipment page's camera table, quality series and fault days carry what the
    diagnostics found: the misaligned camera is to be removed from service (first in the
    table) with the image reason, its measured shift and rotation appear on the snapshot
    days, and its fault day is marked."""
    from alpr.dashboards.filters import Filters
    from alpr.health.dashboard import DiagnosticsHealth

    d = smoke_department
    faults = {f.kind: f for f in read_faults(d.out / "faults.json")}
    moved = faults["misalignment"]
    source = DiagnosticsHealth()
    f = Filters(start=d.cfg.start, end=d.cfg.day(d.cfg.days - 1))
    engine = make_engine(d.url)
    with engine.connect() as conn, Session(bind=conn) as s:
        status = source.camera_status(s, f).set_index("camera")
        series = source.quality_series(s, f)
        events = source.fault_events(s, f)
        state = source._state(s)
        source.camera_status(s, f)
        assert source._key == state  # unchanged store: the assessment is reused
    engine.dispose()
    row = status.loc[moved.camera]
    assert row["status"] == "remove from service" and "out of alignment" in row["reasons"]
    assert row["recommendation"].startswith("remove from service") and row["clause"] == "II.B"
    assert status.index[0] in {f.camera for f in faults.values()}  # most urgent first
    after = series[(series["camera"] == moved.camera) & series["shift_px"].notna()]
    before_fault = after[after["day"] < pd.Timestamp(moved.day)]
    since_fault = after[after["day"] >= pd.Timestamp(moved.day)]
    assert len(before_fault) and (before_fault["shift_px"] < 4).all()
    expected = math.hypot(moved.detail["dx_px"], moved.detail["dy_px"])
    assert since_fault["shift_px"].iloc[0] == pytest.approx(expected, abs=1.5)
    diag = events[(events["camera"] == moved.camera) & (events["event"] == "diagnostics")]
    assert diag["at"].dt.date.tolist() == [moved.day]
