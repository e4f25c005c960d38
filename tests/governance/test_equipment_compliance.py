"""Equipment checks and removal from service (II.B), and the compliance metrics."""

import datetime as dt

import numpy as np
import pytest
from store_kit import add_user, department

from alpr.governance.access import AccessDenied
from alpr.governance.compliance import cameras_needing_attention, certified_users, summary
from alpr.governance.equipment import record_check, report_problem, resolve_report, restore
from alpr.governance.records import ingest_rows, search_reads

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    add_user(gov, admin, "rookie", certified=False)
    gov.add_camera(admin, "CAM-1", "stationary")
    gov.add_camera(admin, "CAM-2", "mobile", vehicle="Car 7")
    yield gov, admin, op
    gov.engine.dispose()


def in_service(gov, admin, name):
    return next(c for c in gov.cameras(admin) if c["name"] == name)["in_service"]


def test_failed_check_removes_camera_until_a_passing_check(world):
    gov, admin, op = world
    assert record_check(gov, op, "CAM-1", functional=True, alignment_ok=True)
    with pytest.raises(ValueError, match="notes: required"):
        record_check(gov, op, "CAM-1", functional=True, alignment_ok=False)
    assert not record_check(gov, op, "CAM-1", True, False, notes="aimed at the sky")
    reason = next(c for c in gov.cameras(admin) if c["name"] == "CAM-1")["reason"]
    assert "out of alignment" in reason
    with pytest.raises(ValueError, match="passing equipment check"):
        restore(gov, admin, "CAM-1")
    record_check(gov, op, "CAM-1", True, True, at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    restore(gov, admin, "CAM-1")
    assert in_service(gov, admin, "CAM-1")


def test_damage_report_needs_repair_and_a_fresh_check(world):
    gov, admin, op = world
    record_check(gov, op, "CAM-2", True, True, at=NOW - dt.timedelta(days=1))
    rid = report_problem(gov, op, "CAM-2", "damage", "lens cracked by gravel")
    assert not in_service(gov, admin, "CAM-2")
    with pytest.raises(ValueError, match="predates the latest problem report"):
        restore(gov, admin, "CAM-2")
    record_check(gov, op, "CAM-2", True, True, at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    with pytest.raises(ValueError, match="unresolved report"):
        restore(gov, admin, "CAM-2")
    resolve_report(gov, admin, rid)
    restore(gov, admin, "CAM-2")
    assert in_service(gov, admin, "CAM-2")
    with pytest.raises(AccessDenied):
        restore(gov, op, "CAM-2")


def test_compliance_metrics(world):
    gov, admin, op = world
    users = certified_users(gov, admin, TODAY)
    assert dict(zip(users["username"], users["compliant"], strict=True)) == {
        "chief": True, "ofc1": True, "rookie": False}
    record_check(gov, op, "CAM-1", True, True, at=NOW - dt.timedelta(days=3))
    record_check(gov, op, "CAM-2", True, True, at=NOW - dt.timedelta(days=45))
    attention = cameras_needing_attention(gov, admin, NOW, max_days_between_checks=30)
    assert attention.to_dict("records")[0]["camera"] == "CAM-2"
    assert "overdue" in attention.iloc[0]["problems"] and len(attention) == 1
    ingest_rows(gov, op, [(1, {"read_at": "2024-01-01T00:00:00Z", "camera": "CAM-1",
                               "plate": "OLD1", "confidence": 0.9})])
    s = summary(gov, admin, NOW).set_index("metric")
    # No search yet: no data, not "100 % met".
    searches = s.loc["historical searches with purpose and case number"]
    assert np.isnan(searches["value"]) and searches["status"] == "no data"
    assert searches["meets_target"] is None
    search_reads(gov, op, purpose="stolen car follow-up on tip", case_number="C-1")  # now
    s = summary(gov, admin, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).set_index(
        "metric")
    assert s.loc["users with current training and certification", "value"] == pytest.approx(2 / 3)
    assert s.loc["historical searches with purpose and case number", "value"] == 1.0
    assert s.loc["reads past retention and not under a hold", "numerator"] == 1
    assert s.loc["cameras to remove from service (failing diagnostics), overdue for a check, "
                 "or in service despite a failed one", "clause"] == "II.B"
    with pytest.raises(AccessDenied):
        summary(gov, op, NOW)


def test_patrol_time_with_alpr_on(world, tmp_path):
    """III.A: time on *and reading* counts; a session that reads nothing does not; a shift
    during a reported, unresolved malfunction is exempt (not in the denominator, not an
    exception against the operator, shown as exempt)."""
    from alpr.governance.compliance import exceptions, patrol_time
    from alpr.governance.equipment import record_camera_session
    from alpr.governance.hotlists import end_shift, load_list, start_shift

    gov, admin, op = world
    gov.add_camera(admin, "CAR-7", "mobile", unit="Unit 7", vehicle="Car 7")
    gov.add_camera(admin, "CAR-9", "mobile", unit="Unit 9", vehicle="Car 9")
    day = dt.datetime(2026, 5, 4, tzinfo=dt.UTC)
    at = lambda h: day + dt.timedelta(hours=h)  # noqa: E731
    lst = tmp_path / "ncic.txt"
    lst.write_text("ABC123;CA;stolen_vehicle;N1\n")

    def shift(unit, h0, h1):
        load_list(gov, admin, lst, now=at(h0 - 0.5))
        sid = start_shift(gov, op, unit, now=at(h0)).shift_id
        return sid, lambda: end_shift(gov, op, sid, now=at(h1))

    def reads(camera, *hours):
        ingest_rows(gov, op, [(i, {"read_at": at(h).isoformat(), "camera": camera,
                                   "plate": f"RD{int(h * 10)}", "confidence": 0.9})
                              for i, h in enumerate(hours, 1)])

    first, done = shift("Unit 7", 8, 16)
    record_camera_session(gov, op, "CAR-7", at(8), at(12), shift_id=first)
    record_camera_session(gov, op, "CAR-7", at(13), at(16), shift_id=first)
    record_camera_session(gov, op, "CAR-9", at(8), at(16))  # another unit's car: not counted
    reads("CAR-7", 9, 14)
    reads("CAR-9", 9)
    done()
    second, done = shift("Unit 9", 16.5, 18.5)  # ALPR never switched on
    done()
    with pytest.raises(ValueError, match="ended_at"):
        record_camera_session(gov, op, "CAR-7", at(13), at(12))
    # Next day: switched on all shift, but not one read: not functioning, not patrol time.
    idle, done = shift("Unit 7", 32, 40)
    record_camera_session(gov, op, "CAR-7", at(32), at(40), shift_id=idle)
    done()
    # The day after: a malfunction reported half an hour into the shift, not resolved.
    broken, done = shift("Unit 7", 56, 64)
    report_problem(gov, op, "CAR-7", "malfunction", "ALPR unit on but producing no reads",
                   at=at(56.5))
    done()

    df = patrol_time(gov, admin, day, day + dt.timedelta(days=3)).set_index("shift_id")
    assert df.loc[first, ["patrol_hours", "active_hours"]].tolist() == pytest.approx([8, 7])
    assert df.loc[first, "active_share"] == pytest.approx(0.875)
    # CAR-9's session ended before the Unit 9 shift began.
    assert df.loc[second, ["patrol_hours", "active_hours"]].tolist() == pytest.approx([2, 0])
    assert df.loc[idle, ["on_hours", "active_hours", "status"]].tolist() == [8, 0, "short"]
    assert "no reads: not functioning" in df.loc[idle, "note"]
    assert df.loc[broken, ["status", "judged_hours"]].tolist() == ["exempt", 0]
    assert "malfunction reported 2026-05-06 08:30" in df.loc[broken, "note"]
    assert df["status"].iloc[0] == "short"  # failing shifts first

    s = summary(gov, admin, day + dt.timedelta(days=1), since=day).set_index("metric")
    row = s.loc["mobile patrol time with ALPR on and reading (exempt shifts aside)"]
    assert (row["value"], row["numerator"], row["denominator"], row["clause"]) == (
        pytest.approx(7 / 10), 7, 10, "III.A")
    assert bool(row["meets_target"]) is False  # 70% against the 95% target
    # Over the three days: the idle day counts 8 h with nothing on; the exempt day not at all.
    s = summary(gov, admin, day + dt.timedelta(days=3), since=day).set_index("key")
    assert (s.loc["patrol_time", "numerator"], s.loc["patrol_time", "denominator"]) == (7, 18)
    short = exceptions(gov, admin, "patrol_time", day, day + dt.timedelta(days=3))
    assert sorted(short["shift_id"]) == sorted([first, second, idle])  # not the exempt one
    # A day with no patrol shift: no data, not 100 %.
    later = day + dt.timedelta(days=10)
    assert patrol_time(gov, admin, later, later + dt.timedelta(days=1)).empty
    s = summary(gov, admin, later + dt.timedelta(days=1), since=later).set_index("key")
    assert np.isnan(s.loc["patrol_time", "value"]) and s.loc["patrol_time", "status"] == "no data"


def test_drill_down_names_the_records_behind_a_missed_target(world, tmp_path):
    from alpr.governance.compliance import exceptions
    from alpr.governance.hotlists import end_shift, load_list, start_shift

    gov, admin, op = world
    gov.add_camera(admin, "CAR-7", "mobile", unit="Unit 7", vehicle="Car 7")
    day = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)  # chief certified since 2026-06-01
    lst = tmp_path / "ncic.txt"
    lst.write_text("ABC123;CA;stolen_vehicle;N1\n")
    load_list(gov, admin, lst, now=day)
    shift = start_shift(gov, op, "Unit 7", now=day + dt.timedelta(hours=8)).shift_id
    end_shift(gov, op, shift, now=day + dt.timedelta(hours=10))
    until = day + dt.timedelta(days=1)
    s = summary(gov, admin, until, since=day).set_index("key")
    assert s.loc["certified_users", "meets_target"] == False  # noqa: E712 - rookie
    rookie = exceptions(gov, admin, "certified_users", day, until)
    assert rookie["username"].tolist() == ["rookie"]
    idle = exceptions(gov, admin, "patrol_time", day, until)  # no session: ALPR never on
    assert idle[["shift_id", "operator", "active_hours"]].values.tolist() == [[shift, "ofc1", 0]]
    assert exceptions(gov, admin, "current_hotlist", day, until).empty
    with pytest.raises(ValueError, match="not a metric"):
        exceptions(gov, admin, "coffee", day, until)
    with pytest.raises(AccessDenied):
        exceptions(gov, op, "certified_users", day, until)
