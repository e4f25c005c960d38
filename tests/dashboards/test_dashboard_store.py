"""Dashboards without a server: statistics, filters, the data store's aggregates against the
sample department (SQLite and PostgreSQL), permissions and the audit trail, sign-in rules,
and the views building their components."""

import datetime as dt
import io
import json

import pandas as pd
import pytest
from dashboard_kit import SMALL
from sqlalchemy import func, select

from alpr.dashboards import model_source
from alpr.dashboards.filters import Filters, parse
from alpr.dashboards.sample import HIT_READS, SampleConfig, build
from alpr.dashboards.signin import BAD_LOGIN, check_login
from alpr.dashboards.stats import wilson_interval
from alpr.dashboards.store import DashboardStore, actor_for, allowed_pages
from alpr.governance import compliance
from alpr.governance.access import AccessDenied
from alpr.store.schema import AuditEntry, Read

CONFIG = SMALL


def store(gov, username, page, **args):
    return DashboardStore(gov, actor_for(gov, username), page, args=args)


def audit_rows(gov, action):
    with gov.Session() as s:
        return s.execute(select(AuditEntry.actor, AuditEntry.target, AuditEntry.allowed,
                                AuditEntry.detail).where(AuditEntry.action == action)
                         .order_by(AuditEntry.id)).all()


def test_wilson_interval_by_hand():
    # 0 of 10: centre = (0 + 1.96²/20) / (1 + 1.96²/10) = 0.19208 / 1.38416 = 0.13877, and the
    # half-width is the same, so the interval is [0, 0.2775].
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.27754, abs=1e-5)
    # 1 of 1: symmetric to 0 of 1 -> [1 - 0.7935, 1].
    assert wilson_interval(1, 1) == pytest.approx((1 - wilson_interval(0, 1)[1], 1.0))
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="k 3, n 2: need 0 <= k <= n"):
        wilson_interval(3, 2)


def test_filters_parse_defaults_and_errors():
    f = parse({}, default_end=dt.date(2026, 6, 30))
    assert (f.start, f.end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert f.t1 - f.t0 == dt.timedelta(days=30)
    f = parse({"start": "2026-05-01", "end": "2026-05-02", "unit": "North"}, dt.date(2026, 6, 1))
    assert f.query_string() == "?start=2026-05-01&end=2026-05-02&unit=North"
    with pytest.raises(ValueError, match="start '2026-13-01': must be a date YYYY-MM-DD"):
        parse({"start": "2026-13-01"}, dt.date(2026, 6, 1))
    with pytest.raises(ValueError, match="end 2026-05-01: must not be before start"):
        Filters(dt.date(2026, 5, 2), dt.date(2026, 5, 1))


def test_equipment_figures_match_the_store(dept):
    gov, sample = dept
    st = store(gov, "chief", "equipment")
    status = st.camera_status().set_index("camera")
    hits_per_cam = pd.Series([c for _, c, *_ in HIT_READS]).value_counts()
    for cam in ("CAM-N1", "CAM-N2", "CAM-S1"):  # 14 days x 20 reads + the sample's hit reads
        assert status.loc[cam, "reads"] == 14 * 20 + hits_per_cam.get(cam, 0)
    assert status.loc["CAM-N1", "status"] == "ok"
    assert status.loc["CAM-N2", "status"] == "attention"
    assert "check overdue" in status.loc["CAM-N2", "reasons"]
    s1 = status.loc["CAM-S1"]
    assert s1["status"] == "out of service" and s1["open_reports"] == 1
    assert "damage reported" in s1["reasons"] and "last check failed" in s1["reasons"]

    q = st.quality_series()
    s1q = q[q["camera"] == "CAM-S1"].set_index("day")
    fault = pd.Timestamp(sample.fault_day)
    # Boxes moved by (60, 25) px on the fault day: sqrt(60² + 25²) = 65 px, +- jitter.
    assert s1q.loc[s1q.index >= fault, "box_shift_px"].min() > 55
    assert s1q.loc[s1q.index < fault, "box_shift_px"].max() < 10
    assert s1q.loc[s1q.index >= fault, "mean_confidence"].max() < 0.86
    assert q[q["camera"] == "CAM-N1"]["box_shift_px"].max() < 10

    events = st.fault_events()
    assert set(events["event"]) == {"failed check", "damage"}
    # CAM-S1 left service with the failed check on the day after the fault and is still out
    history = st.service_history()
    assert history["camera"].tolist() == ["CAM-S1"] and history["back_on"].isna().all()
    assert history["reason"].iloc[0].startswith("failed check: camera knocked askew")
    trail = st.decision_trail()
    assert set(trail["camera"]) == {"CAM-S1"}
    assert {"check failed (out of service)", "damage report filed",
            "out of service"} <= set(trail["event"])
    assert trail["at"].is_monotonic_decreasing  # newest first
    assert list(st.checks_overdue()["camera"]) == ["CAM-N2"]

    south = store(gov, "chief", "equipment", unit="South")
    assert list(south.camera_status()["camera"]) == ["CAM-S1"]
    assert south.checks_overdue().empty


def test_misread_rates_and_confusions(dept):
    gov, _ = dept
    st = store(gov, "chief", "misreads")
    by_cam = st.verification_rates("camera").set_index("camera")
    # The sample verifies: N1 confirmed + wrong state, N2 two confirmed, S1 one misread.
    assert by_cam["verified"].to_dict() == {"CAM-N1": 2, "CAM-N2": 2, "CAM-S1": 1}
    assert by_cam.loc["CAM-S1", "misread_rate"] == 1.0
    assert by_cam.loc["CAM-S1", "misread_rate_low"] == pytest.approx(wilson_interval(1, 1)[0])
    assert by_cam.loc["CAM-N1", "wrong_state_rate"] == 0.5
    by_state = st.verification_rates("state").set_index("state")
    assert by_state.loc["NY", "verified"] == 2 and by_state.loc["CA", "misread"] == 0
    by_day = st.verification_rates("day")
    assert by_day[["verified", "misread", "wrong_state"]].sum().tolist() == [5, 1, 1]
    # One confirmed hit read B as 8 (A8C1234 for listed ABC1234); the misread was DEF5C78
    # read as DEF5G78, as the officer noted (the listed DEF5678 was another car).
    assert st.confusions().to_dict("records") == [{"true": "B", "read": "8", "count": 1},
                                                  {"true": "C", "read": "G", "count": 1}]
    rejected = st.rejected_hits()
    assert set(rejected["outcome"]) == {"misread", "wrong_state"}
    assert set(rejected["listed_plate"]) == {"DEF5678", "XYZ7890"}
    # the officer recorded what was on the vehicle
    assert set(zip(rejected["seen_plate"], rejected["seen_state"], strict=True)) == {
        ("DEF5C78", "NY"), ("XYZ7890", "NY")}


def test_compliance_table_agrees_with_governance_summary(dept):
    gov, sample = dept
    admin = actor_for(gov, "chief")
    for args in ({}, {"start": "2020-01-01"},
                 {"start": str(sample.today - dt.timedelta(days=3))}):
        st = store(gov, "chief", "compliance", **args)
        table = st.compliance().set_index("key")
        f = st.filters
        summary = compliance.summary(gov, admin, f.t1, since=f.t0).set_index("key")
        assert set(table.index) == set(summary.index)
        for key in summary.index:
            assert table.loc[key, "raw_value"] == pytest.approx(summary.loc[key, "value"],
                                                                nan_ok=True), key
            assert table.loc[key, "status"] == summary.loc[key, "status"], key
    # By hand: 4 of 5 users are certified (retired's lapsed), one camera overdue, one hit
    # unverified, one manual entry past expiry, both searches had a case number.
    st = store(gov, "chief", "compliance")
    table = st.compliance().set_index("key")
    assert table.loc["certified_users", ["value", "target", "status"]].tolist() == [
        "80.0%", "≥ 100%", "NOT MET"]
    assert table.loc["searches_with_case", "status"] == "met"
    assert table.loc["unverified_hits", "raw_value"] == 1
    assert table.loc["manual_past_expiry", "raw_value"] == 1
    drill = st.drilldown("certified_users")
    assert drill.loc[~drill["ok"], "user"].tolist() == ["retired"]
    only_ofc1 = store(gov, "chief", "compliance", user="ofc1")
    assert only_ofc1.drilldown("searches_with_case")["user"].unique().tolist() == ["ofc1"]
    assert store(gov, "chief", "compliance", user="chief").drilldown(
        "searches_with_case").empty
    with pytest.raises(ValueError, match="metric 'nope'"):
        st.drilldown("nope")


def test_roles_page_views_and_exports_are_audited(dept):
    gov, _ = dept
    assert allowed_pages("administrator") == ["equipment", "misreads", "compliance", "model"]
    assert allowed_pages("auditor") == ["compliance"]
    assert allowed_pages("operator") == []
    store(gov, "chief", "equipment", unit="North")
    views = audit_rows(gov, "dashboards.equipment")
    assert views[-1][:3] == ("chief", "equipment", True)
    assert json.loads(views[-1][3])["unit"] == "North"
    with pytest.raises(AccessDenied, match="role 'auditor' may not"):
        store(gov, "audit1", "equipment")
    assert audit_rows(gov, "dashboards.equipment")[-1][:3] == ("audit1", "equipment", False)
    st = store(gov, "audit1", "compliance")
    for page in ("equipment", "misreads", "compliance", "model"):
        with pytest.raises(AccessDenied):
            store(gov, "ofc1", page)
    df = st.drilldown("searches_with_case")
    text = st.export_csv("compliance-searches", df)
    assert pd.read_csv(io.StringIO(text))["case_number"].tolist() == df["case_number"].tolist()
    actor, target, allowed, detail = audit_rows(gov, "dashboards.export")[-1]
    assert (actor, target, allowed) == ("audit1", "compliance/compliance-searches", True)
    assert json.loads(detail)["rows"] == 2
    with pytest.raises(ValueError, match="camera 'CAM-X': no such camera"):
        store(gov, "chief", "equipment", camera="CAM-X")


def test_sign_in_rules(dept):
    gov, sample = dept
    assert check_login(gov, "chief", sample.password) is None
    assert check_login(gov, "audit1", sample.password) is None
    # One answer for every failure, right password or not; the audit trail says why.
    for user, password in (("ofc1", sample.password), ("retired", sample.password),
                           ("chief", "wrong password"), ("nobody", "wrong password")):
        assert check_login(gov, user, password) == BAD_LOGIN
    denied = [r for r in audit_rows(gov, "dashboards.login") if not r[2]]
    assert [r[0] for r in denied] == ["ofc1", "retired"]
    assert "role 'operator' may not" in json.loads(denied[0][3])["reason"]
    assert "no current alpr_training and sled_ncic" in json.loads(denied[1][3])["reason"]


def test_views_build_without_a_server(dept):
    pn = pytest.importorskip("panel")
    from alpr.dashboards.views import compliance as cview
    from alpr.dashboards.views import equipment, misreads, model

    gov, _ = dept
    for page, make in (("equipment", equipment.view), ("misreads", misreads.view),
                       ("compliance", cview.view),
                       ("model", lambda s: model.view(s, [model_source.shipped()]))):
        layout = make(store(gov, "chief", page))
        assert isinstance(layout, pn.Column)
        layout.get_root()  # evaluates every bound function: the page's queries and figures
    st = store(gov, "chief", "equipment")
    assert ("<b>0</b> to remove from service now (policy II.B)</span> · <b>3</b> cameras · "
            "<b>2</b> in service · <b>1</b> out of service") in equipment.summary_line(
        st.camera_status())
    units = equipment.by_unit(st.camera_status()).set_index("unit")
    assert units.loc["North"].to_dict() == {"cameras": 2, "remove from service": 0,
                                            "attention": 1, "out of service": 0, "ok": 1}
    assert units.loc["South", "out of service"] == 1
    line = misreads.summary_line(store(gov, "chief", "misreads").verification_rates("day"))
    # the sample's wrong-state hit read NY on a car from NY: a wrong list entry, not a misread
    assert line.startswith("<b>5</b> verified hits · <b>1</b> recognizer misreads (20.0%: "
                           "1 characters, 0 state) · <b>1</b> wrong hot-list entries (20.0%")


def test_model_source_reads_the_shipped_card():
    m = model_source.shipped()
    from alpr.recognizer.recognizer import default_model_dir

    card = json.loads((default_model_dir() / "card.json").read_text())
    assert m.metrics["exact_match_o_folded"] == pytest.approx(
        card["metrics_val"]["exact_match_o_folded"])
    # the card's validation figure is on the tune side, Brazilian crops included (docs/evaluation.md)
    assert m.metrics["exact_match_o_folded"] > 0.9
    assert m.per_state.set_index("state").loc["NJ", "plates"] > 0
    th = model_source.thresholds(m.metrics)
    assert th["threshold"].is_monotonic_increasing and th["accepted"].iloc[0] == 1.0
    # The test MLflow store (conftest) has no registered champion: fall back to the card.
    assert model_source.models()[0].source.startswith("model card")


def test_sample_config_errors_name_the_field():
    with pytest.raises(ValueError, match="days 5: must be at least 11"):
        SampleConfig(days=5)
    with pytest.raises(ValueError, match="fault_day 3"):
        SampleConfig(fault_day=3)


def test_read_counts_in_period(dept):
    gov, _ = dept
    st = store(gov, "chief", "model")
    with gov.Session() as s:
        n = s.scalar(select(func.count(Read.id)))
    assert st.confidence_histogram()["reads"].sum() == n


def test_daily_cache_matches_sql_and_follows_new_and_purged_reads(dept):
    from alpr.dashboards import daily
    from alpr.dashboards.queries import equipment, model
    from alpr.governance.records import RetentionPolicy, ingest_rows, purge

    gov, sample = dept
    cache = daily.DailyReads()
    st = store(gov, "chief", "equipment")

    def check(f):
        with gov.Session() as s:
            got = cache.for_filters(s, f)
            direct_totals = equipment.read_totals(s, f).sort_values("camera", ignore_index=True)
            direct_quality = equipment.daily_quality(s, f)
            direct_hist = model.confidence_histogram(s, f)
        pd.testing.assert_frame_equal(daily.totals(got), direct_totals, check_dtype=False)
        cols = ["camera", "day", "reads", "mean_confidence", "low_share", "box_shift_px"]
        pd.testing.assert_frame_equal(daily.quality(got), direct_quality[cols],
                                      check_dtype=False)
        assert daily.histogram(got)["reads"].tolist() == direct_hist["reads"].tolist()

    f = st.filters
    check(f)
    check(Filters(f.start, f.end, unit="South"))
    before = cache.queries
    check(f)  # nothing changed: no aggregate query at all
    assert cache.queries == before
    # A late read for yesterday: only days from yesterday on are recomputed.
    yesterday = sample.today - dt.timedelta(days=1)
    ingest_rows(gov, actor_for(gov, "ofc1"), [(1, {
        "read_at": f"{yesterday}T08:00:00Z", "camera": "CAM-N1", "plate": "NEW1234",
        "confidence": 0.42})], match=False)
    check(f)
    assert cache.queries == before + 1
    with gov.Session() as s:
        assert cache.frame(s, yesterday, yesterday)["n"].sum() == 60 + 1
    # Retention deletes the oldest reads: the cache starts again and still agrees with SQL.
    now = dt.datetime.combine(sample.today, dt.time(12), dt.UTC)
    report = purge(gov, actor_for(gov, "chief"), RetentionPolicy(reads_days=5), now=now)
    assert report.deleted > 0
    check(f)


def test_model_page_reads_champion_and_challenger_from_the_registry(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.chdir(tmp_path)  # the experiment's artifacts (./mlruns) stay in tmp_path
    from alpr.train.tracking import MODEL_NAME, setup

    setup("dashboard-test")
    runs = []
    for acc in (0.91, 0.94):  # champion, then a newer challenger
        with mlflow.start_run() as run:
            mlflow.log_metrics({"final_exact_match_o_folded": acc, "final_accuracy_at_0.9": 1.0,
                                "final_accepted_at_0.9": 0.7})
            mlflow.log_text("per state (plates, text exact O-folded, state top-1):\n"
                            "  CA    10    90%   100%\n", "report.txt")
            runs.append(run.info.run_id)
    client = mlflow.MlflowClient()
    client.create_registered_model(MODEL_NAME)
    versions = [client.create_model_version(MODEL_NAME, source=f"runs:/{r}/model", run_id=r)
                for r in runs]
    client.set_registered_model_alias(MODEL_NAME, "champion", versions[0].version)
    champion, challenger = model_source.models()
    assert (champion.role, challenger.role) == ("champion", "challenger")
    assert champion.metrics["exact_match_o_folded"] == 0.91
    assert challenger.metrics["exact_match_o_folded"] == 0.94
    assert champion.source == (f"MLflow registry: {MODEL_NAME} version {versions[0].version} "
                               "(run metrics)")
    assert champion.per_state.to_dict("records") == [
        {"state": "CA", "plates": 10, "text_exact": 0.9, "state_top1": 1.0}]


def test_serve_command_refuses_a_missing_store_and_a_bad_port(tmp_path, capsys):
    from alpr.cli import main

    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["serve", "--db", missing]) == 2
    assert "no such store; create it with `alpr db upgrade`" in capsys.readouterr().err
    build(f"sqlite:///{tmp_path / 'a.db'}", CONFIG)
    assert main(["serve", "--db", f"sqlite:///{tmp_path / 'a.db'}", "--port", "70000"]) == 2
    assert "--port 70000: must be between 1 and 65535" in capsys.readouterr().err
