"""Equipment health: every camera with its status and reasons; quality over time with the
fault days marked; reference and current frames; the out-of-service list with its decision
trail; checks overdue (policy II.B, VI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from alpr.dashboards import plots
from alpr.dashboards.health_source import QUALITY_METRICS
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import figures, kpi, note, reactive, table


def summary_line(status: pd.DataFrame) -> str:
    n = len(status)
    oos = int((status["status"] == "out of service").sum())
    att = int((status["status"] == "attention").sum())
    return (f"<b>{n}</b> cameras · <b>{n - oos}</b> in service · <b>{oos}</b> out of service "
            f"· <b>{att}</b> in service but need attention")


def by_unit(status: pd.DataFrame) -> pd.DataFrame:
    """One row per unit: its cameras and how many are in each state."""
    counts = pd.crosstab(status["unit"].replace("", "(no unit)"), status["status"])
    for col in ("ok", "attention", "out of service"):
        if col not in counts:
            counts[col] = 0
    out = counts[["ok", "attention", "out of service"]].astype(int)
    out.insert(0, "cameras", out.sum(axis=1))
    return out.rename_axis("unit").reset_index()


def _frames(store: DashboardStore, status: pd.DataFrame) -> Any:
    if status.empty:
        return note("No cameras match the filters.")
    worst = status.sort_values("status", key=lambda s: s.map(
        {"out of service": 0, "attention": 1, "ok": 2})).iloc[0]["camera"]
    camera = store.filters.camera or worst
    ref, cur = store.frames(camera)
    panes: list[Any] = []
    for label, path in (("reference", ref), ("current", cur)):
        if path and Path(path).is_file():
            panes.append(pn.Column(f"**{label}**", pn.pane.Image(path, width=320)))
        else:
            panes.append(pn.Column(f"**{label}**", note("no stored image")))
    return pn.Column(f"### Frames: {camera}", pn.Row(*panes))


def quality_figures(series: pd.DataFrame, faults: pd.DataFrame) -> list[Any]:
    metrics = [c for c in series.columns if c not in ("camera", "day", "reads")]
    out = []
    for m in metrics:
        label = QUALITY_METRICS.get(m, m)
        out.append(plots.time_series(series, m, label.capitalize() + " by day", label,
                                     faults, percent=m.endswith("share")))
    return out


def view(store: DashboardStore) -> pn.Column:
    def build() -> Any:
        status = store.camera_status()
        series = store.quality_series()
        faults = store.fault_events()
        oos = status[status["status"] == "out of service"][["camera", "unit", "reasons"]]
        trail = store.decision_trail()
        overdue = store.checks_overdue()
        quality = (quality_figures(series, faults) if not series.empty
                   else [note("No reads in the period.")])
        return pn.Column(
            kpi(summary_line(status), "kpi-equipment"),
            "### Units", table(by_unit(status)) if not status.empty else note("No cameras."),
            "### Cameras", table(status),
            "### Quality over time",
            note("Each line is a camera; dashed vertical lines mark fault days (failed "
                 "checks, malfunction and damage reports). Click a legend entry to hide it."),
            *figures(*quality) if not series.empty else quality,
            _frames(store, status),
            "### Out of service", table(oos) if not oos.empty else note("None."),
            "#### Decision trail (audit log, newest first)",
            table(trail, height=260) if not trail.empty else note("None."),
            "### Checks overdue or failed while in service (at the end of the period)",
            table(overdue) if not overdue.empty else note("None."),
            sizing_mode="stretch_width")
    return pn.Column(reactive(store, build), sizing_mode="stretch_width")
