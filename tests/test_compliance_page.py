"""The Compliance page's figures as an administrator reads and exports them: "no data" where
a period has no records (never 0 % or 100 %), targets met counted over the metrics with data,
typed CSV (numbers as numbers, the period on every row), failing rows first."""

import io

import pandas as pd
from dashboard_kit import SMALL

from alpr.dashboards import compliance_table
from alpr.dashboards.export import typed_csv
from alpr.dashboards.store import DashboardStore, actor_for
from alpr.governance import compliance

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
