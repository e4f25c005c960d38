"""Compliance: one row per policy clause (metric, value for the period, target, status) with
a drill-down to the records behind it (who, when), and audited CSV exports."""

from __future__ import annotations

from typing import Any

import panel as pn

from alpr.dashboards import compliance_table
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import download, kpi, note, reactive, table

COLUMNS = ["clause", "metric", "value", "target", "status", "records"]


def summary_line(t: Any) -> str:
    judged = t[t["status"] != "monitor"]
    missed = judged[judged["status"] != "met"]
    return (f"<b>{len(judged) - len(missed)}</b> of <b>{len(judged)}</b> targets met"
            + (f" · not met: {', '.join(missed['clause'])}" if len(missed) else ""))


def view(store: DashboardStore) -> pn.Column:
    choice = pn.widgets.Select(name="Drill down into", options={
        f"{m.clause}: {m.metric}": m.key for m in compliance_table.CLAUSES},
        value="certified_users", width=520)

    def build_table() -> Any:
        t = store.compliance()
        return pn.Column(kpi(summary_line(t), "kpi-compliance"), table(t[COLUMNS]),
                         download(store, "compliance", lambda: store.compliance()[COLUMNS],
                                  "Export this table (CSV)"), sizing_mode="stretch_width")

    def build_drill(key: str, *_: Any) -> Any:
        records = store.drilldown(key)
        body = table(records, height=300) if not records.empty else note(
            "No records behind this figure for the period and filters."
            if key != "past_retention" else "No reads past retention.")
        return pn.Column(body, download(store, f"compliance-{key}",
                                        lambda: store.drilldown(key), "Export these records (CSV)"),
                         sizing_mode="stretch_width")

    keys = [store.param[k] for k in ("start", "end", "camera", "unit", "user")]
    return pn.Column(reactive(store, build_table), "### Records behind a figure", choice,
                     pn.panel(pn.bind(build_drill, choice, *keys)),
                     sizing_mode="stretch_width")
