"""The Compliance page's figures as an administrator reads and exports them: "no data" where
a period has no records (never 0 % or 100 %), targets met counted over the metrics with data,
typed CSV (numbers as numbers, the period on every row), failing rows first; and one metric
catalog behind the governance summary, the page, its CSV and the annual report."""

import datetime as dt
import html
import io
import re

import pandas as pd
import pytest
from dashboard_kit import SMALL

from alpr.dashboards import compliance_table
from alpr.dashboards.export import typed_csv
from alpr.dashboards.store import DashboardStore, actor_for
from alpr.governance import compliance
from alpr.governance.compliance_metrics import catalog, load_catalog, metric
from alpr.report.collect import clauses, collect
from alpr.report.render import render_html

CONFIG = SMALL


def page(gov, **args):
    return DashboardStore(gov, actor_for(gov, "chief"), "compliance", args=args)


def exported(st):
    return pd.read_csv(io.StringIO(typed_csv(compliance_table.export_frame(st.compliance()),
                                             st.filters)))


def test_a_period_without_records_is_no_data_on_the_page_and_in_the_export(dept):
    gov, _ = dept
    st = page(gov, start="2020-01-01", end="2020-01-31")  # years before the department
    t = st.compliance().set_index("key")
    assert (t["status"] == "no data").all(), t[["status", "value"]]
    assert (t["value"] == "no data").all() and t["raw_value"].isna().all()
    line = compliance_table.summary_line(st.compliance())
    assert line.startswith(f"<b>0</b> of <b>0</b> targets met; {len(t)} without data")
    csv = exported(st)
    assert csv["value"].isna().all()  # an empty cell, not 0 or 1
    assert set(csv["status"]) == {"no data"}
    assert (csv["period_from"] == "2020-01-01").all() and (csv["period_to"] == "2020-01-31").all()
    # the governance layer says the same for the same period
    f = st.filters
    s = compliance.summary(gov, actor_for(gov, "chief"), f.t1, since=f.t0)
    assert set(s["status"]) == {"no data"} and s["meets_target"].isna().all()


def test_the_export_is_typed_and_drill_downs_list_failing_rows_first(dept):
    gov, _ = dept
    st = page(gov)
    csv = exported(st).set_index("key")
    # 4 of 5 users certified: the number 0.8 (not "80.0%"), its target 1 and direction
    assert csv.loc["certified_users", ["value", "target", "target_is", "status"]].tolist() == [
        0.8, 1.0, "at least", "NOT MET"]
    assert pd.api.types.is_float_dtype(csv["value"]) and csv.loc["certified_users", "unit"] == "share"
    assert csv.loc["unverified_hits", ["value", "unit"]].tolist() == [1.0, "count"]
    users = st.drilldown("certified_users")
    assert not users["ok"].iloc[0]  # failing first
    assert users.loc[~users["ok"], "user"].tolist() == ["retired"]
    assert users["ok"].is_monotonic_increasing  # every failing row before every passing one
    hits = st.drilldown("unverified_hits")
    assert not hits["ok"].iloc[0] and hits["ok"].is_monotonic_increasing
    shown = compliance_table.for_display(users)
    assert "compliant" in shown.columns and set(shown["compliant"]) == {"Yes", "No"}


def test_one_catalog_behind_the_summary_the_page_its_export_and_the_report(dept):
    gov, sample = dept
    admin = actor_for(gov, "chief")
    keys = [m.key for m in catalog()]
    st = page(gov)
    f = st.filters
    summary = compliance.summary(gov, admin, f.t1, since=f.t0).set_index("key")
    # every metric the governance layer computes is in the catalog and vice versa, once each;
    # the page computes each (from its drill-down) in the catalog's order; the report puts
    # each under exactly one policy clause
    assert sorted(summary.index) == sorted(keys) and len(set(keys)) == len(keys) == 14
    table = st.compliance()
    assert table["key"].tolist() == keys
    assert sorted(k for c in clauses() for k in c.metrics) == sorted(keys)
    csv = exported(st).set_index("key")
    data = collect(gov, admin, sample.today.year,
                   now=dt.datetime.combine(sample.today, dt.time(23), dt.UTC))
    report = dict(re.findall(r'<tr><td>([^<]*)</td><td class="n">[^<]*</td>'
                             r'<td class="n">[^<]*</td><td class="n">([^<]*)</td>',
                             render_html(data)))
    for m, row in zip(catalog(), table.itertuples(), strict=True):
        assert (row.clause, row.metric, row.target) == (m.clause, m.page_label,
                                                        m.shown_target())
        got = csv.loc[m.key]
        assert (got["clause"], got["metric"], got["unit"]) == (m.clause, m.page_label, m.unit)
        assert (pd.isna(got["target"]) and m.target is None) or got["target"] == m.target
        assert (pd.isna(got["target_is"]) and not m.judged) or got["target_is"] == m.direction
        assert (summary.loc[m.key, "metric"], summary.loc[m.key, "clause"]) == (m.label,
                                                                                m.clause)
        assert report[html.escape(m.label)] == html.escape(m.target_words()), m.key
    # by hand: the page's label says when a state is taken; the targets read alike
    certified = table.set_index("key").loc["certified_users"]
    assert certified["metric"] == "users with current training and certification (at period end)"
    assert report["users with current training and certification"] == "at least 100%"
    assert (certified["target"], csv.loc["certified_users", "target"]) == ("≥ 100%", 1.0)
    patrol = metric("patrol_time")
    assert (patrol.shown_target(), patrol.target_words(), patrol.target) == (
        "≥ 95%", "at least 95%", 0.95)
    assert table.set_index("key").loc["misread_rate", "target"] == "monitor"
    assert report["verified hits the recognizer misread (characters or state)"] == "–"


def test_a_bad_catalog_entry_is_named_with_its_field(tmp_path):
    good = ("- {key: k, clause: I.A, label: l, kind: share, unit: share, target: 1.0, "
            "target_is: min, description: d}\n")
    path = tmp_path / "metrics.yaml"
    path.write_text(good)
    assert [m.key for m in load_catalog(path)] == ["k"]
    for bad, words in [
            (good.replace("target: 1.0", "target: 95"), "a share's target is in [0, 1]"),
            (good.replace("target_is: min", "target_is: info"), "info none"),
            (good.replace("kind: share", "kind: rate"), "a rate needs causes"),
            (good.replace("unit: share", "unit: percent"), "unit"),
            (good + good, "k listed more than once")]:
        path.write_text(bad)
        with pytest.raises(ValueError, match=re.escape(words)) as err:
            load_catalog(path)
        assert str(path) in str(err.value)
    with pytest.raises(ValueError, match="not in the catalog; one of certified_users"):
        metric("no_such_metric")
