"""The Misreads page's figures against the sample department: the recognizer's misreads
told apart from hits on a wrong hot-list entry (the read was right) and near matches, on
the page's own queries; rejected hits grouped by list entry, misreads first."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from alpr.dashboards.sample import SampleConfig, build
from alpr.dashboards.store import DashboardStore, actor_for, clear_cache
from alpr.governance.access import Governance
from alpr.governance.hotlists import verify_hit
from alpr.governance.records import ingest_rows
from alpr.store.db import make_engine
from alpr.store.schema import Hit, HitVerification, Read


@pytest.fixture
def dept(db_url):
    clear_cache()
    sample = build(db_url, SampleConfig())
    gov = Governance(make_engine(db_url), today=lambda: sample.today)
    yield gov, sample
    gov.engine.dispose()


def page(gov, **args):
    return DashboardStore(gov, actor_for(gov, "chief"), "misreads", args=args)


def _unverified(gov, plate):
    with gov.Session() as s:
        return list(s.scalars(select(Hit.id).join(Read, Read.id == Hit.read_id)
                              .where(Read.plate == plate,
                                     ~Hit.id.in_(select(HitVerification.hit_id)))))


def test_a_wrong_state_hit_whose_read_state_matched_is_a_wrong_entry_not_a_misread(dept):
    gov, _ = dept
    # The sample: XYZ7890 read NY, listed TX, the officer saw NY -> the list entry was wrong;
    # DEF5G78 read for DEF5C78 (listed DEF5678) -> the recognizer misread a character.
    day = page(gov).verification_rates("day")
    totals = day[["verified", "wrong_state", "recognizer", "ocr_characters", "ocr_state",
                  "wrong_entry", "near_match"]].sum().to_dict()
    assert totals == {"verified": 5, "wrong_state": 1, "recognizer": 1, "ocr_characters": 1,
                      "ocr_state": 0, "wrong_entry": 1, "near_match": 0}
    cam = page(gov).verification_rates("camera").set_index("camera")
    assert cam.loc["CAM-N1", "recognizer_rate"] == 0.0  # its one rejected hit: a wrong entry
    assert cam.loc["CAM-N1", "wrong_entry_rate"] == 0.5
    assert cam.loc["CAM-S1", "recognizer_rate"] == 1.0


def test_rejected_hits_grouped_by_entry_misreads_first(dept):
    gov, sample = dept
    op = actor_for(gov, "ofc1")
    noon = dt.datetime.combine(sample.today, dt.time(12), dt.UTC)
    # Three more reads of XYZ7890 (NY), yesterday, matched against today's version of the
    # list: with the sample's own hit, one entry (plate, state, source) with four hits.
    rows = [{"read_at": (noon - dt.timedelta(days=1, minutes=m)).isoformat(), "camera": cam,
             "plate": "XYZ7890", "state": "NY", "confidence": 0.95, "state_confidence": 0.9}
            for m, cam in ((10, "CAM-N1"), (20, "CAM-N2"), (30, "CAM-N2"))]
    ingest_rows(gov, op, enumerate(rows, 1), source="test", at=noon - dt.timedelta(hours=1))
    for hit in _unverified(gov, "XYZ7890"):
        verify_hit(gov, op, hit, chars_match=True, state_match=False, dispatch_confirmed=False,
                   outcome="wrong_state", seen_plate="XYZ7890", seen_state="NY")
    # GHJ2468 read CA on a car from NV: the recognizer read the state wrong.
    (ghj,) = _unverified(gov, "GHJ2468")
    verify_hit(gov, op, ghj, chars_match=True, state_match=False, dispatch_confirmed=False,
               outcome="wrong_state", seen_plate="GHJ2468", seen_state="NV")
    clear_cache()
    st = page(gov)
    groups = st.rejected_by_entry()
    assert groups[["error", "listed_plate", "listed_state", "hits", "cameras"]].values.tolist() \
        == [["ocr_characters", "DEF5678", "NY", 1, 1], ["ocr_state", "GHJ2468", "CA", 1, 1],
            ["wrong_entry", "XYZ7890", "TX", 4, 2]]
    xyz = groups.iloc[2]
    assert xyz["list_source"].endswith("ncic_hotlist.txt")
    # the example is the newest hit's: its read, what the officer saw, its camera
    assert (xyz["example_read_state"], xyz["example_seen_state"]) == ("NY", "NY")
    assert xyz["first_read"].date() == sample.today - dt.timedelta(days=7)
    assert xyz["last_read"].date() == sample.today - dt.timedelta(days=1)

    from alpr.dashboards.views import misreads

    line = misreads.summary_line(st.verification_rates("day"))
    assert line.replace("<b>", "").replace("</b>", "") == (
        "9 verified hits · 2 recognizer misreads (22.2%: 1 characters, 1 state) · 4 wrong "
        "hot-list entries (44.4%, read was right) · 0 near matches")
    shown = misreads.entry_table(groups)
    assert shown["cause"].tolist()[0] == "misread characters (recognizer)"
    assert shown["cause"].tolist()[-1] == "wrong hot-list entry (read was right)"
    south = page(gov, unit="South").rejected_by_entry()
    assert south["listed_plate"].tolist() == ["DEF5678"]


def test_misreads_page_builds_with_its_exports(dept):
    pn = pytest.importorskip("panel")
    from alpr.dashboards.views import misreads

    gov, _ = dept
    layout = misreads.view(page(gov))
    layout.get_root()
    found = layout.select(pn.widgets.FileDownload)
    assert {w.filename for w in found} == {"misreads-by-day.csv", "misreads-by-camera.csv",
                                           "misreads-by-state.csv", "misreads-by-entry.csv"}
    by_entry = next(w for w in found if w.filename == "misreads-by-entry.csv")
    lines = by_entry.callback().getvalue().splitlines()
    assert lines[0].startswith("period_from,period_to,cause,listed plate,state,list source")
    assert len(lines) == 3  # the sample's two rejected hits, each its own entry


def test_the_page_the_health_report_and_the_evaluation_count_the_same_confusions(dept):
    """One rule (alpr.metrics.char_confusions) behind the Misreads page, the health report's
    character table and a recognizer's evaluation: the same (true plate, read) pairs give
    the same confusions; an O/0 swap is none (one glyph on most US plates)."""
    from alpr.datasets import LabelledCrop
    from alpr.governance.hotlists import add_manual_entry
    from alpr.health.misreads import misread_rates
    from alpr.health.report import load_inputs
    from alpr.recognizer.evaluation import evaluate_reads
    from alpr.recognizer.recognizer import PlateRead

    gov, sample = dept
    op = actor_for(gov, "ofc1")
    noon = dt.datetime.combine(sample.today, dt.time(12), dt.UTC)
    # KOB1234 listed; K0B1234 read (O/0, a confusable match) and confirmed: no confusion.
    # KOB1Z34 read, rejected as a misread, the officer noted K0B1234: Z for 2 (O/0 none).
    add_manual_entry(gov, op, "KOB1234", "NY", "stolen_vehicle",
                     "stolen vehicle in burglary case 26-0412", noon + dt.timedelta(days=7),
                     case_number="26-0412", now=noon - dt.timedelta(hours=2))
    rows = [{"read_at": (noon - dt.timedelta(minutes=m)).isoformat(), "camera": "CAM-N1",
             "plate": plate, "state": "NY", "confidence": 0.95, "state_confidence": 0.9}
            for m, plate in ((10, "K0B1234"), (20, "KOB1Z34"))]
    ingest_rows(gov, op, enumerate(rows, 1), source="test", at=noon - dt.timedelta(hours=1))
    (swap,) = _unverified(gov, "K0B1234")
    verify_hit(gov, op, swap, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed")
    (mis,) = _unverified(gov, "KOB1Z34")
    verify_hit(gov, op, mis, chars_match=False, state_match=True, dispatch_confirmed=False,
               outcome="misread", seen_plate="K0B1234", seen_state="NY")
    clear_cache()
    # the sample's own: ABC1234 read A8C1234 (confirmed), DEF5C78 read DEF5G78 (noted)
    expected = {("B", "8"): 1, ("C", "G"): 1, ("2", "Z"): 1}

    on_page = {(r["true"], r["read"]): r["count"]
               for r in page(gov).confusions().to_dict("records")}
    inputs = load_inputs(gov, actor_for(gov, "chief"))
    health = {(r["true"], r["read_as"]): r["count"]
              for r in misread_rates(inputs.verified)["characters"].to_dict("records")}
    pairs = [("ABC1234", "A8C1234"), ("DEF5C78", "DEF5G78"), ("KOB1234", "K0B1234"),
             ("K0B1234", "KOB1Z34")]
    report = evaluate_reads([LabelledCrop(Path(f"{i}.png"), t, "NY")
                             for i, (t, _) in enumerate(pairs)],
                            [PlateRead(r, 0.9, (0.9,) * len(r), "NY", 0.9, ())
                             for _, r in pairs])
    evaluation = {(a, b): n for a, b, n in report.confusions}
    assert on_page == health == evaluation == expected
