"""Equipment health: which camera must come out of service today and why (policy II.B), on the
one severity scale of :mod:`alpr.health.severity`; every camera with what to do and why;
quality over time with the fault days marked; dated reference and current frames; every time
a camera was out of service in the period, with its decision trail; II.B exceptions."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from alpr.dashboards import plots
from alpr.dashboards.health_source import QUALITY_METRICS, Metric
from alpr.dashboards.queries.common import LOW_CONFIDENCE
from alpr.dashboards.queries.equipment import Frame
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import figures, kpi, note, reactive, table
from alpr.health.severity import ATTENTION, BY_LABEL, OUT_OF_SERVICE, REMOVE, SCALE, rank

# Human names (and units) for the tables' columns.
DETAIL_COLUMNS = {"camera": "camera", "last_check": "last check (UTC day)",
                  "open_reports": "open problem reports", "reads": "reads in the period",
                  "mean_confidence": "mean read confidence",
                  "low_confidence_share": f"reads below {LOW_CONFIDENCE:.0%} confidence"}
HISTORY_COLUMNS = {"camera": "camera", "out_from": "out of service from (UTC)",
                   "back_on": "back in service (UTC)", "days": "days out (in the period)",
                   "reason": "why", "ended_by": "returned after"}
TRAIL_COLUMNS = {"camera": "camera", "at": "when (UTC)", "by": "by", "event": "what",
                 "detail": "detail"}
OVERDUE_COLUMNS = {"camera": "camera", "severity": "status", "kind": "kind",
                   "in_service": "in service", "last_check": "last equipment check (UTC)",
                   "problems": "why (policy II.B)"}


def _count(status: pd.DataFrame, label: str) -> int:
    return int((status["status"] == label).sum())


def summary_line(status: pd.DataFrame) -> str:
    """The headline: cameras to take out of service now first, then the fleet."""
    n = len(status)
    oos, remove = _count(status, OUT_OF_SERVICE.label), _count(status, REMOVE.label)
    return (f'<span style="background:{REMOVE.colour};padding:1px 6px;font-weight:bold">'
            f"<b>{remove}</b> to remove from service now (policy II.B)</span> · "
            f"<b>{n}</b> cameras · <b>{n - oos}</b> in service · <b>{oos}</b> out of service "
            f"· <b>{_count(status, ATTENTION.label)}</b> in service but need attention")


def by_unit(status: pd.DataFrame) -> pd.DataFrame:
    """One row per unit: its cameras and how many are at each severity."""
    counts = pd.crosstab(status["unit"].replace("", "(no unit)"), status["status"])
    labels = [s.label for s in SCALE]
    for col in labels:
        if col not in counts:
            counts[col] = 0
    out = counts[labels].astype(int)
    out.insert(0, "cameras", out.sum(axis=1))
    return out.rename_axis("unit").reset_index()


def status_table(status: pd.DataFrame) -> pn.pane.HTML:
    """Every camera, most urgent first: status (coloured), camera, what to do, why and the
    policy clause, wrapped to the page's width (nothing off-screen to the right)."""
    rows = []
    for r in status.sort_values("status", key=lambda c: c.map(rank), kind="stable").itertuples():
        sev = BY_LABEL.get(str(r.status))
        colour = sev.colour if sev is not None else "#FFFFFF"
        clause = str(getattr(r, "clause", "") or "")
        what = str(getattr(r, "recommendation", "") or (sev.action if sev else ""))
        why = str(r.reasons or "")
        unit = f"{r.unit} · {r.kind}" if r.unit else str(r.kind)
        rows.append(
            f'<tr data-status="{html.escape(str(r.status))}">'
            f'<td style="background:{colour};font-weight:bold">{html.escape(str(r.status))}</td>'
            f"<td><b>{html.escape(str(r.camera))}</b><br><small>{html.escape(unit)}</small></td>"
            f"<td>{html.escape(what)}</td><td>{html.escape(why) or '–'}</td>"
            f"<td>{html.escape(clause) or '–'}</td></tr>")
    head = ("<tr><th style='width:11em'>status</th><th style='width:9em'>camera</th>"
            "<th style='width:22%'>what to do</th><th>why</th>"
            "<th style='width:5em'>policy</th></tr>")
    return pn.pane.HTML(
        '<table id="equipment-cameras" style="width:100%;table-layout:fixed;'
        'border-collapse:collapse;font-size:0.95em">'
        f"<thead style='text-align:left'>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
        "<style>#equipment-cameras td,#equipment-cameras th{border-bottom:1px solid #ddd;"
        "padding:4px 6px;vertical-align:top;overflow-wrap:anywhere}</style>",
        sizing_mode="stretch_width")


def remove_now(status: pd.DataFrame) -> Any:
    """A red box naming each camera to take out of service now, with its reasons."""
    due = status[status["status"] == REMOVE.label]
    if due.empty:
        return pn.pane.HTML('<div id="equipment-remove">No camera fails its diagnostics while '
                            "in service.</div>", sizing_mode="stretch_width")
    items = "".join(
        f"<li><b>{html.escape(str(r.camera))}</b>: {html.escape(str(r.reasons or ''))}</li>"
        for r in due.itertuples())
    return pn.pane.HTML(
        f'<div id="equipment-remove" style="background:{REMOVE.colour};border-left:6px solid '
        f'#D55E00;padding:6px 12px"><b>Remove from service now (policy II.B: equipment '
        f"outside expected function is removed from service)</b><ul style='margin:4px 0'>"
        f"{items}</ul>Record the decision with <code>alpr health decide CAMERA --remove "
        f"--reason ...</code>; its reads since the first failing day are suspect.</div>",
        sizing_mode="stretch_width")


def details(status: pd.DataFrame) -> pd.DataFrame:
    """The store's figures per camera with human names and formatted numbers."""
    d = status[[c for c in DETAIL_COLUMNS if c in status]].copy()
    d["last_check"] = pd.to_datetime(d["last_check"], utc=True).dt.strftime("%Y-%m-%d") \
        .fillna("never")
    d["mean_confidence"] = d["mean_confidence"].map(
        lambda v: "no reads" if pd.isna(v) else f"{v:.2f}")
    d["low_confidence_share"] = d["low_confidence_share"].map(
        lambda v: "no reads" if pd.isna(v) else f"{v:.1%}")
    d["reads"] = d["reads"].map(lambda v: f"{int(v):,}")
    return d.rename(columns=DETAIL_COLUMNS)


def _when(frame: Frame | None) -> str:
    if frame is None or frame.taken_at is None:
        return ""
    return f"{pd.Timestamp(frame.taken_at):%Y-%m-%d %H:%M} UTC"


def _frames(store: DashboardStore, status: pd.DataFrame) -> Any:
    if status.empty:
        return note("No cameras match the filters.")
    worst = status.sort_values("status", key=lambda c: c.map(rank), kind="stable") \
        .iloc[0]["camera"]
    camera = store.filters.camera or worst
    ref, cur = store.frames(camera)
    names = {"reference": "reference frame", "snapshot": "latest snapshot",
             "read": "image of a read"}
    panes: list[Any] = []
    for label, fr in (("reference", ref), ("current", cur)):
        if fr is not None and Path(fr.path).is_file():
            panes.append(pn.Column(f"**{label}**: {names.get(fr.kind, fr.kind)}, "
                                   f"taken {_when(fr)}", pn.pane.Image(fr.path, width=320)))
        else:
            panes.append(pn.Column(f"**{label}**", note("no stored image")))
    return pn.Column(f"### Frames: {camera}", pn.Row(*panes))


def quality_figures(series: pd.DataFrame, faults: pd.DataFrame) -> list[Any]:
    """One figure per metric (one unit per axis); cameras with no value of a metric are
    named as not measured instead of drawn (mobile units have no reference frame)."""
    metrics = [c for c in series.columns if c not in ("camera", "day", "reads")]
    cameras = sorted(series["camera"].unique())
    out: list[Any] = []
    for m in metrics:
        meta = QUALITY_METRICS.get(m, Metric(m.replace("_", " ") + " by day", m))
        measured = series.dropna(subset=[m])
        missing = [c for c in cameras if c not in set(measured["camera"])]
        if measured.empty:
            out.append(note(f"**{meta.title}**: not measured for any camera in the period."))
            continue
        shown = faults[faults["camera"].isin(set(measured["camera"]))] if len(faults) else faults
        out += figures(plots.time_series(measured, m, meta.title, meta.axis, shown,
                                         percent=meta.percent))
        if missing:
            why = " (no reference frame)" if meta.from_frames else ""
            out.append(note(f"Not measured{why}: {', '.join(missing)}."))
    return out


def _named(df: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return df[[c for c in names if c in df]].rename(columns=names)


def view(store: DashboardStore) -> pn.Column:
    def build() -> Any:
        status = store.camera_status()
        series = store.quality_series()
        faults = store.fault_events()
        history = store.service_history()
        trail = store.decision_trail()
        overdue = store.checks_overdue()
        if len(history):
            history = history.assign(days=history["days"].round(1))
        if len(overdue):
            overdue = overdue.assign(in_service=overdue["in_service"].map(
                {True: "yes", False: "no"}))
        quality = (quality_figures(series, faults) if not series.empty
                   else [note("No reads in the period.")])
        return pn.Column(
            kpi(summary_line(status), "kpi-equipment"),
            remove_now(status),
            "### Cameras, most urgent first",
            status_table(status) if not status.empty else note("No cameras."),
            "### Units", table(by_unit(status)) if not status.empty else note("No cameras."),
            "#### Checks and reads in the period",
            table(details(status)) if not status.empty else note("No cameras."),
            "### Quality over time",
            note("Each line is a camera; a dashed vertical line in a camera's colour marks "
                 "one of its fault days (failed checks, malfunction and damage reports, the "
                 "first failing day of its diagnostics). Click a legend entry to hide it."),
            *quality,
            _frames(store, status),
            "### Out of service in the period",
            table(_named(history, HISTORY_COLUMNS)) if not history.empty else note("None."),
            "#### Decision trail (newest first)",
            table(_named(trail, TRAIL_COLUMNS), height=260) if not trail.empty
            else note("None."),
            "### Policy II.B exceptions at the end of the period",
            table(_named(overdue, OVERDUE_COLUMNS)) if not overdue.empty else note("None."),
            sizing_mode="stretch_width")
    return pn.Column(reactive(store, build), sizing_mode="stretch_width")
