"""The annual re-evaluation as one self-contained HTML file (charts inlined as PNG) and a PDF
of the same page (WeasyPrint), plus a PNG preview of a PDF page for a quick look.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure  # no pyplot: files only, the backend left alone
from matplotlib.patches import Patch

from alpr.governance.compliance import no_data
from alpr.governance.compliance_metrics import catalog, metric
from alpr.health.misreads import HIT_ERRORS, OCR_ERRORS, wilson
from alpr.labels import CAUSE_LABELS, NO_DATA, human
from alpr.report.collect import ReportData
from alpr.report.recommend import recommendations

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
SHARE_KEYS = frozenset(m.key for m in catalog() if m.unit == "share")  # shown as a percentage


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


UNITS = {"share": "% of records", "count": "count", "hours": "hours"}


def _unit(key: str) -> str:
    return metric(key).unit


def _label(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width))


def trend_chart(monthly: pd.DataFrame, keys: list[str], labels: dict[str, str]) -> str | None:
    """Monthly values of a clause's metrics, one axis per unit (a share in %, a count, hours),
    each target a dashed line in the metric's colour, months with no data shaded grey (not
    plotted as 0 or 100 %), the legend outside the data."""
    keys = [k for k in keys if k in monthly]
    if not keys or len(monthly) == 0:
        return None
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(_unit(k), []).append(k)
    fig = Figure(figsize=(7.0, 1.9 * len(groups) + 0.5))
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)
    x = list(range(len(monthly)))
    colour_of = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    for ax, (unit, ks) in zip(axes[:, 0], groups.items(), strict=True):
        scale = 100 if unit == "share" else 1
        values = monthly[ks].astype(float) * scale
        for i, empty in enumerate(values.isna().all(axis=1)):
            if empty:
                ax.axvspan(i - 0.5, i + 0.5, color="#e6e6e6", zorder=0, linewidth=0)
        for k in ks:
            ax.plot(x, values[k], marker="o", color=colour_of[k], label=_label(labels[k]))
            target = metric(k).target
            if target is not None:
                ax.axhline(target * scale, color=colour_of[k], linestyle="--", linewidth=1,
                           alpha=0.7)
        top = float(values.max().max()) if values.notna().any().any() else 0.0
        ax.set_ylim(0, 105 if unit == "share" else max(1.0, top * 1.2,
                                                       max((metric(k).target or 0) for k in ks)
                                                       * 1.2))
        ax.set_ylabel(UNITS[unit], fontsize=8)
        ax.grid(alpha=0.3)
        handles, names = ax.get_legend_handles_labels()
        if values.isna().all(axis=1).any():
            handles.append(Patch(color="#e6e6e6"))
            names.append("no data that month")
        ax.legend(handles, names, fontsize=7, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
    last = axes[-1, 0]
    last.set_xticks(x)
    last.set_xticklabels(list(monthly.index), rotation=45, fontsize=8)
    last.set_xlim(-0.5, len(x) - 0.5)
    return _png(fig)


def availability_chart(equipment: pd.DataFrame) -> str | None:
    """Per camera, the share of the time it was measured (from its first record): available,
    in service while failing its diagnostics, and out of service (one axis: % of that time;
    the legend below the bars). Cameras with no record in the period are named, not drawn."""
    if equipment.empty:
        return None
    eq = equipment.dropna(subset=["availability"])
    eq = eq[eq["days_measured"] > 0].sort_values("availability", ascending=False)
    if eq.empty:
        return None
    fig = Figure(figsize=(6.4, max(1.8, 0.28 * len(eq) + 1.0)))
    ax = fig.subplots()
    measured = eq["days_measured"].astype(float)
    parts = (("available", 100 * eq["availability"].astype(float), PALETTE[0], None),
             ("in service but failing its diagnostics (remove from service)",
              100 * eq["days_failing_in_service"] / measured, PALETTE[3], "//"),
             ("out of service", 100 * eq["days_out_of_service"] / measured, "#999999", None))
    labels = [f"{c} (from {pd.Timestamp(m):%Y-%m-%d})"
              if pd.notna(m) and pd.Timestamp(m).day_of_year > 1 else str(c)
              for c, m in zip(eq["camera"], eq["measured_from"], strict=True)]
    left = pd.Series(0.0, index=eq.index)
    for label, share, colour, hatch in parts:
        ax.barh(labels, share, left=left, color=colour, hatch=hatch, edgecolor="white",
                label=label)
        left = left + share.fillna(0)
    ax.axvline(90, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("% of the time each camera was measured (dashed: 90% available)")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7, frameon=False, ncol=2, loc="upper center",
              bbox_to_anchor=(0.5, -0.28 if len(eq) < 6 else -0.12))
    return _png(fig)


EQUIPMENT_TABLE = {"camera": "camera", "status": "status at period end",
                   "measured_from": "measured from", "reads": "reads",
                   "checks": "checks (failed)", "reports": "reports: malfunction / damage / "
                   "vendor", "days_out_of_service": "days out of service",
                   "days_failing_in_service": "days failing in service",
                   "availability": "available", "why": "why"}


def equipment_table(equipment: pd.DataFrame) -> str:
    """The equipment section's table: most urgent first, human names, dates without times,
    percentages, and the reason (the diagnostics', or why it is out of service); narrow
    enough for the PDF's page."""
    if equipment.empty:
        return "<p class='muted'>none</p>"
    rows = []
    for r in equipment.itertuples():
        avail = "not measured" if pd.isna(r.availability) else f"{100 * r.availability:.1f}%"
        why = r.diagnostics or (f"out of service: {r.out_of_service_reason}"
                                if not r.in_service else "")
        rows.append({
            "camera": f"{r.camera} ({r.kind})", "status": r.status,
            "measured_from": (f"{pd.Timestamp(r.measured_from):%Y-%m-%d}"
                              if pd.notna(r.measured_from) else "no records"),
            "reads": f"{int(r.reads):,}", "checks": f"{int(r.checks)} ({int(r.failed_checks)})",
            "reports": f"{int(r.malfunctions)} / {int(r.damage)} / {int(r.vendor_maintenance)}",
            "days_out_of_service": f"{r.days_out_of_service:.1f}",
            "days_failing_in_service": f"{r.days_failing_in_service:.1f}",
            "availability": avail, "why": why or "–"})
    df = pd.DataFrame(rows, columns=list(EQUIPMENT_TABLE)).rename(columns=EQUIPMENT_TABLE)
    return df.to_html(index=False, escape=True, border=0, classes="records equipment")


CAUSE_COLOURS = {"confirmed": PALETTE[2], "ocr_characters": PALETTE[3],
                 "ocr_state": PALETTE[1], "wrong_entry": PALETTE[0], "near_match": PALETTE[5],
                 "entry_no_longer_valid": PALETTE[4]}


def outcomes_chart(verifications: pd.DataFrame, causes: pd.DataFrame | None = None
                   ) -> str | None:
    """Verified hits per month, stacked by what they were: confirmed, the recognizer's
    misreads (characters, state), wrong hot-list entries, near matches, entries no longer
    valid. Legend above the bars."""
    if verifications.empty:
        return None
    causes = causes if causes is not None else pd.DataFrame(index=verifications.index)
    parts = pd.DataFrame(index=verifications.index)
    parts["confirmed"] = verifications["confirmed"]
    for col in HIT_ERRORS:
        parts[col] = causes[col].reindex(parts.index, fill_value=0) if col in causes else 0
    parts["entry_no_longer_valid"] = verifications["entry_no_longer_valid"]
    fig = Figure(figsize=(7.0, 2.6))
    ax = fig.subplots()
    bottom = pd.Series(0, index=parts.index, dtype=float)
    for col in parts.columns:
        if not parts[col].any():
            continue
        ax.bar(list(parts.index), parts[col], bottom=bottom, color=CAUSE_COLOURS[col],
               label=CAUSE_LABELS.get(col, col.replace("_", " ")))
        bottom += parts[col]
    ax.set_ylabel("verified hits", fontsize=8)
    ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.1)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)


def reads_chart(reads: pd.DataFrame) -> str | None:
    """Reads per month, and their mean confidence on an axis of its own."""
    if reads.empty:
        return None
    fig = Figure(figsize=(7.0, 3.2))
    (top, bottom) = fig.subplots(2, 1, sharex=True)
    top.bar(reads["month"], reads["reads"], color=PALETTE[5])
    top.set_ylabel("reads", fontsize=8)
    top.grid(alpha=0.3, axis="y")
    bottom.plot(reads["month"], reads["mean_confidence"].astype(float) * 100, color=PALETTE[3],
                marker="o")
    bottom.set_ylabel("mean read\nconfidence (%)", fontsize=8)
    bottom.set_ylim(0, 100)
    bottom.grid(alpha=0.3)
    bottom.tick_params(axis="x", labelrotation=45, labelsize=8)
    return _png(fig)


def _fmt(key: str, value: Any) -> str:
    if no_data(value):
        return NO_DATA
    if _unit(key) == "share":
        return f"{100 * float(value):.1f}%"
    return f"{float(value):,.1f}" if _unit(key) == "hours" else f"{float(value):,.0f}"


def _table(df: pd.DataFrame | None, max_rows: int = 25) -> str:
    """A table as people read it (:func:`alpr.labels.human`: column names, Yes/No, no data,
    times to the minute)."""
    if df is None or df.empty:
        return "<p class='muted'>none</p>"
    shown = human(df.head(max_rows))
    more = f"<p class='muted'>… and {len(df) - max_rows} more</p>" if len(df) > max_rows else ""
    return shown.to_html(index=False, escape=True, border=0, classes="records") + more


def render_html(d: ReportData) -> str:
    env = Environment(loader=PackageLoader("alpr", "report/templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    summary = d.summary.set_index("key")
    labels = {k: metric(k).label for k in d.summary["key"]}
    sections = []
    for c in d.clauses:
        metrics = [{"label": labels[k], "value": _fmt(k, summary.loc[k, "value"]),
                    "target": _target(k), "status": summary.loc[k, "status"],
                    "counts": _counts(summary.loc[k])} for k in c.metrics]
        excs = {labels[k]: _table(_columns(k, d.exceptions[k])) for k in c.metrics
                if k in d.exceptions}
        sections.append({"clause": c, "metrics": metrics, "exceptions": excs,
                         "trend": trend_chart(d.monthly, c.metrics, labels)})
    verified = int(d.verifications.drop(columns=["hits"], errors="ignore").sum().sum()) \
        if len(d.verifications) else 0
    causes = {k: int(d.causes[k].sum()) if k in d.causes else 0 for k in HIT_ERRORS}
    ocr = sum(causes[k] for k in OCR_ERRORS)
    no_longer = int(d.verifications["entry_no_longer_valid"].sum()) if verified else 0
    cause_rows = [(CAUSE_LABELS[k], causes[k], _share(causes[k], verified)) for k in HIT_ERRORS]
    cause_rows.append(("hot-list entry no longer valid", no_longer, _share(no_longer, verified)))
    _, lo, hi = wilson(ocr, verified)
    met = int((d.summary["status"] == "met").sum())
    judged = int(d.summary["status"].isin(("met", "NOT MET")).sum())
    empty = int((d.summary["status"] == "no data").sum())
    return env.get_template("annual.html.j2").render(
        d=d, sections=sections, recommendations=recommendations(d), met=met,
        with_target=judged, without_data=empty, equipment=equipment_table(d.equipment),
        availability=availability_chart(d.equipment),
        outcomes=outcomes_chart(d.verifications, d.causes),
        reads=reads_chart(d.reads_by_month), shares=_table(d.shares),
        exempt_shifts=_table(d.exempt_shifts[EXEMPT_COLUMNS]) if len(d.exempt_shifts) else None,
        wrong_entries=_table(d.wrong_entries, 15), verified=verified, ocr=ocr,
        cause_rows=cause_rows, ocr_rate=(ocr / verified) if verified else None,
        ocr_ci=(lo, hi), model=d.model, model_metrics=_model_metrics(d.model), runs=_table(
            pd.DataFrame(d.model.get("runs", []))), esc=html.escape)


# The columns an exception table shows in the report where the records have more than a
# page holds (the Compliance page's drill-down and its export have them all).
REPORT_COLUMNS = {"patrol_time": ["shift_id", "unit", "operator", "started_at",
                                  "judged_hours", "active_hours", "active_share", "note"]}


def _columns(key: str, df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in REPORT_COLUMNS.get(key, list(df.columns)) if c in df]
    return df[cols]


EXEMPT_COLUMNS = ["shift_id", "unit", "operator", "started_at", "ended_at", "patrol_hours",
                  "exempt_hours", "note"]


def _share(n: int, of: int) -> str:
    return f"{100 * n / of:.1f}%" if of else NO_DATA


def _target(key: str) -> str:
    return metric(key).target_words()


def _counts(row: pd.Series) -> str:
    num, den = row["numerator"], row["denominator"]
    if den is None or pd.isna(den):
        return ""
    if row.name == "patrol_time":
        return f"{float(num or 0):,.1f} h of {float(den):,.1f} h"
    if num is None or pd.isna(num):
        return f"over {int(den):,}"

    def n(x: Any) -> str:
        if x is None or pd.isna(x):
            return "–"
        return f"{int(x):,}" if float(x).is_integer() else f"{float(x):,.1f}"

    return f"{n(num)} of {n(den)}"


def _model_metrics(model: dict[str, Any]) -> list[tuple[str, str]]:
    m = model.get("metrics") or {}
    names = [("exact_match_o_folded", "exact read, O/0 folded"), ("exact_match", "exact read"),
             ("state_top1", "state of issuance"), ("char_accuracy", "characters"),
             ("accuracy_at_0.9", "accuracy of reads with confidence >= 0.9"),
             ("accepted_at_0.9", "share of reads with confidence >= 0.9")]
    return [(label, f"{100 * m[k]:.1f}%") for k, label in names if k in m]


def write_pdf(html_text: str, path: Path) -> Path:
    """The same report as a PDF (needs WeasyPrint and the system's Pango library)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise RuntimeError(f"PDF output needs WeasyPrint with Pango ({exc}); on Debian: "
                           f"apt-get install libpango-1.0-0 libpangoft2-1.0-0") from exc
    weasyprint.HTML(string=html_text).write_pdf(path)
    return path


def pdf_page_png(pdf: Path, out: Path, page: int = 0, scale: float = 1.5) -> Path:
    """Render one page of a PDF to PNG (to look at it before handing it over)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    doc[page].render(scale=scale).to_pil().save(out)
    return out
