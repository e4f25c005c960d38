"""One severity scale from the camera diagnostics to the Equipment page, II.B compliance and
the annual report: a camera failing its diagnostics while in service is "remove from
service" everywhere, and every count of such cameras is the diagnostics' own. Also the
out-of-service history rebuilt from the records, and availability over the time each camera
existed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sim_kit import smoke_department  # noqa: F401  (session fixture)

from alpr.dashboards.store import DashboardStore, actor_for, clear_cache
from alpr.dashboards.views import equipment
from alpr.governance import compliance
from alpr.governance.access import Governance
from alpr.health import service
from alpr.health.dashboard import DiagnosticsHealth
from alpr.health.report import health_report
from alpr.health.severity import REMOVE, classify
from alpr.report import collect
from alpr.report.render import availability_chart, equipment_table
from alpr.simulate.faults import read_faults
from alpr.store.db import make_engine


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# -- the scale and the history, by hand ------------------------------------------------------
def test_the_scale_puts_a_failing_camera_in_service_first() -> None:
    assert [classify(s, True).label for s in ("fail", "warn", "ok")] == [
        "remove from service", "attention", "ok"]
    # already removed: out of service whatever the diagnostics say; a record problem alone
    # (check overdue, open report) is attention, never removal
    assert classify("fail", False).label == "out of service"
    assert classify("ok", True, record_problems=True).label == "attention"
    assert classify("fail", True).clause == "II.B"
    with pytest.raises(ValueError, match="status 'bad': must be ok, warn or fail"):
        classify("bad", True)


def _records(cameras, reports=(), checks=(), removals=(), first=None, now=True):
    return service.ServiceRecords(
        pd.DataFrame(cameras, columns=["camera", "in_service", "reason"]),
        pd.DataFrame(reports, columns=["camera", "kind", "reported_at", "resolved_at",
                                       "description"]),
        pd.DataFrame(checks, columns=["camera", "checked_at", "functional", "alignment_ok",
                                      "notes"]),
        pd.DataFrame(removals, columns=["camera", "at", "reason"]), first or {}, now)


def test_spells_follow_the_records_times() -> None:
    rec = _records(
        [("U1", True, None), ("C1", True, None), ("C2", False, "damage reported: cracked")],
        reports=[("U1", "malfunction", T("2026-05-06 07:35"), T("2026-05-08 09:30"),
                  "no reads"),
                 ("U1", "vendor_maintenance", T("2026-05-08 09:00"), T("2026-05-08 09:30"),
                  "board replaced, WO 7"),
                 ("C2", "damage", T("2026-05-03 10:00"), None, "cracked")],
        checks=[("U1", T("2026-05-07 09:00"), True, True, None),  # report still open
                ("U1", T("2026-05-08 10:00"), True, True, None),
                ("C1", T("2026-05-02 08:00"), True, False, "aimed at the sky"),
                ("C1", T("2026-05-04 08:00"), True, True, None)])
    got = {s.camera: s for s in service.spells(rec)}
    assert (got["U1"].start, got["U1"].end) == (T("2026-05-06 07:35"), T("2026-05-08 10:00"))
    assert got["U1"].ended_by.endswith("after vendor maintenance: board replaced, WO 7")
    assert (got["C1"].start, got["C1"].end) == (T("2026-05-02 08:00"), T("2026-05-04 08:00"))
    assert got["C1"].reason == "failed check: aimed at the sky"
    assert got["C2"].end is None  # still out of service
    # availability over May 1-11 (10 days), each camera measured from its first record
    rec = _records(rec.cameras.values.tolist(), rec.reports.values.tolist(),
                   rec.checks.values.tolist(),
                   first={"U1": T("2026-05-01"), "C1": T("2026-05-01"), "C2": T("2026-05-06")})
    a = service.availability(rec, service.spells(rec), dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
                             dt.datetime(2026, 5, 11, tzinfo=dt.UTC),
                             {"C1": "2026-05-09"}).set_index("camera")
    # U1: out 2 days 2 h 25 min of 10 days
    assert a.loc["U1", "days_out_of_service"] == pytest.approx(2 + (2 * 60 + 25) / 1440)
    # C1: out 2 days, then failing its diagnostics from May 9 (2 days): 6 of 10 available
    assert a.loc["C1", "availability"] == pytest.approx(0.6)
    # C2: first recorded May 6 (its damage report, dated May 3, predates it in this made-up
    # case): measured from May 6, 5 days, all of them out of service
    assert a.loc["C2", "days_measured"] == pytest.approx(5)
    assert a.loc["C2", "availability"] == pytest.approx(0.0)


def test_a_camera_installed_late_is_measured_from_its_first_record() -> None:
    rec = _records([("NEW", True, None)], first={"NEW": T("2026-11-01")})
    a = service.availability(rec, [], dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                             dt.datetime(2027, 1, 1, tzinfo=dt.UTC)).iloc[0]
    assert a["days_measured"] == pytest.approx(61) and a["availability"] == 1.0
    nothing = _records([("NONE", True, None)])
    assert pd.isna(service.availability(nothing, [], dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                                        dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
                   .iloc[0]["availability"])  # no record in the year: not measured


# -- the simulated department ----------------------------------------------------------------
@pytest.fixture(scope="module")
def dept(smoke_department, tmp_path_factory):  # noqa: F811
    d = smoke_department
    clear_cache()
    gov = Governance(make_engine(d.url), today=lambda: d.cfg.day(d.cfg.days - 1))
    admin = gov.login("admin", d.cfg.admin_password)
    yield d, gov, admin
    gov.engine.dispose()


def _page(gov: Governance) -> DashboardStore:
    return DashboardStore(gov, actor_for(gov, "admin"), "equipment",
                          health=DiagnosticsHealth())


def test_page_compliance_and_report_count_the_diagnostics_failures(dept) -> None:
    d, gov, admin = dept
    report = health_report(gov, admin)
    failing = sorted(h.camera for h in report if h.status == "fail" and h.in_service)
    faults = {f.kind: f.camera for f in read_faults(d.out / "faults.json")}
    # the smoke department's misaligned camera and dirty lens, both still in service
    assert failing == sorted([faults["misalignment"], faults["dirty_lens"]])
    page = _page(gov)
    status = page.camera_status()
    assert sorted(status.loc[status["status"] == REMOVE.label, "camera"]) == failing
    assert list(status["camera"][:len(failing)]) == failing  # first rows of the table
    line = equipment.summary_line(status)
    assert f"<b>{len(failing)}</b> to remove from service now (policy II.B)" in line
    box = equipment.remove_now(status).object
    for cam in failing:
        assert cam in box
    assert "out of alignment" in box and "dirty lens" in box

    # II.B is not met while they are in service, and its exceptions name them first
    end = dt.datetime.combine(d.cfg.day(d.cfg.days - 1) + dt.timedelta(days=1), dt.time(),
                              dt.UTC)
    s = compliance.summary(gov, admin, end, since=dt.datetime.combine(d.cfg.start, dt.time(),
                                                                      dt.UTC)).set_index("key")
    assert s.loc["cameras_attention", "status"] == "NOT MET"
    assert s.loc["cameras_attention", "numerator"] >= len(failing)
    exc = compliance.exceptions(gov, admin, "cameras_attention", end - dt.timedelta(days=30),
                                end)
    assert exc["camera"].tolist()[:len(failing)] == failing
    assert (exc["severity"][:len(failing)] == REMOVE.label).all()
    assert exc["problems"].iloc[0].startswith("fails its diagnostics while in service")

    # the annual report's equipment section: the same cameras, not 100 % available
    data = collect(gov, admin, d.cfg.start.year, now=end)
    eq = data.equipment.set_index("camera")
    assert sorted(eq.index[eq["status"] == REMOVE.label]) == failing
    assert (eq.loc[failing, "availability"] < 1).all()
    assert (eq.loc[failing, "days_failing_in_service"] > 0).all()
    assert "cameras_attention" in data.exceptions
    table = equipment_table(data.equipment)
    assert table.index(failing[0]) < table.index(faults["switched_off"])  # urgent first
    assert "remove from service" in table and "sharpness" in table
    assert availability_chart(data.equipment).startswith("data:image/png;base64,")


def test_a_unit_removed_and_restored_shows_in_the_history_and_trail(dept) -> None:
    d, gov, _ = dept
    failed = next(f for f in read_faults(d.out / "faults.json") if f.kind == "unit_failure")
    page = _page(gov)
    history = page.service_history()
    row = history[history["camera"] == failed.camera].iloc[0]
    reported = failed.day + dt.timedelta(days=failed.detail["reported_after_days"])
    repaired = failed.day + dt.timedelta(days=failed.detail["repaired_after_days"])
    assert row["out_from"].date() == reported and row["back_on"].date() == repaired
    assert row["reason"].startswith("malfunction reported")
    assert "vendor maintenance" in row["ended_by"]
    trail = page.decision_trail()
    mine = trail[trail["camera"] == failed.camera]
    assert {"malfunction report filed", "vendor maintenance record filed",
            "malfunction report resolved", "check passed", "out of service",
            "back in service"} <= set(mine["event"])
    assert mine["by"].str.len().gt(0).any()  # who filed and resolved


def test_mobile_units_are_not_measured_not_zero(dept) -> None:
    _, gov, _ = dept
    page = _page(gov)
    series = page.quality_series()
    mobile = series[series["camera"].str.startswith("UNIT")]
    assert len(mobile) and mobile["shift_px"].isna().all()
    parts = equipment.quality_figures(series, page.fault_events())
    notes = [p.object for p in parts if hasattr(p, "object") and isinstance(p.object, str)]
    assert "Not measured (no reference frame): UNIT-01, UNIT-02." in notes
    ref, cur = page.frames("CAM-01")
    assert ref.kind == "reference" and cur.kind == "snapshot" and cur.taken_at > ref.taken_at
