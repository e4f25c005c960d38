"""Compliance: one row per policy clause (metric, value for the period, target, status — "no
data" where the period has no records behind a figure) with a drill-down to the records
behind it (who, when; non-compliant rows first), and typed, audited CSV exports."""

from __future__ import annotations

from typing import Any

import panel as pn

from alpr.dashboards import compliance_table
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import csv_download, kpi, note, reactive, table
from alpr.governance.compliance_metrics import catalog

COLUMNS = ["clause", "metric", "value", "target", "status", "records"]
LABELS = {"clause": "clause", "metric": "measure", "value": "value",
          "target": "target", "status": "status", "records": "records"}


def summary_line(t: Any) -> str:
    return compliance_table.summary_line(t)


def view(store: DashboardStore) -> pn.Column:
    options = {f"{m.clause}: {m.page_label}": m.key for m in catalog()}
    try:  # open on the first metric that missed its target
        t0 = store.compliance()
        missed = t0.loc[t0["status"] == "NOT MET", "key"].tolist()
    except ValueError:
        missed = []
    choice = pn.widgets.Select(label="Drill down into", options=options,
                               value=missed[0] if missed else "certified_users", width=520)

    def build_table() -> Any:
        t = store.compliance()
        return pn.Column(kpi(summary_line(t), "kpi-compliance"),
                         table(t[COLUMNS].rename(columns=LABELS)),
                         note("*no data*: no records behind the figure in this period "
                              "(neither met nor missed). Values in the export are numbers "
                              "(0.889 for 88.9 %), empty where there is no data."),
                         csv_download(store, "compliance",
                                      lambda: compliance_table.export_frame(store.compliance()),
                                      "Export this table (CSV)"), sizing_mode="stretch_width")

    def build_drill(key: str, *_: Any) -> Any:
        records = store.drilldown(key)
        body = table(compliance_table.for_display(records)) if not records.empty else note(
            "No records behind this figure for the period and filters: no data."
            if key != "past_retention" else "No reads past retention.")
        return pn.Column(body, csv_download(store, f"compliance-{key}",
                                            lambda: store.drilldown(key),
                                            "Export these records (CSV)"),
                         sizing_mode="stretch_width")

    keys = [store.param[k] for k in ("start", "end", "camera", "unit", "user")]
    return pn.Column(reactive(store, build_table),
                     "### Records behind a figure (non-compliant first)", choice,
                     pn.panel(pn.bind(build_drill, choice, *keys)),
                     sizing_mode="stretch_width")
