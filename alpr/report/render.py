"""The annual re-evaluation as one self-contained HTML file (charts inlined as PNG) and a PDF
of the same page (WeasyPrint), plus a PNG preview of a PDF page for a quick look.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from jinja2 import Environment, PackageLoader, select_autoescape  # noqa: E402

from alpr.governance.compliance import TARGETS  # noqa: E402
from alpr.health.misreads import wilson  # noqa: E402
from alpr.report.collect import ReportData  # noqa: E402
from alpr.report.recommend import recommendations  # noqa: E402

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
SHARE_KEYS = {k for k, (t, kind) in TARGETS.items() if kind == "min" or k.endswith("_rate")}


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def trend_chart(monthly: pd.DataFrame, keys: list[str], labels: dict[str, str]) -> str | None:
    """Monthly values of a clause's metrics, with each target as a dashed line."""
    keys = [k for k in keys if k in monthly]
    if not keys or len(monthly) == 0:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 2.2))
    for i, k in enumerate(keys):
        colour = PALETTE[i % len(PALETTE)]
        values = monthly[k].astype(float)
        scale = 100 if k in SHARE_KEYS else 1
        ax.plot(monthly.index, values * scale, marker="o", color=colour, label=labels[k])
        target = TARGETS[k][0]
        if target is not None:
            ax.axhline(target * scale, color=colour, linestyle="--", linewidth=1, alpha=0.7)
    shares = all(k in SHARE_KEYS for k in keys)
    ax.set_ylabel("%" if shares else "value")
    top = max(float((monthly[k].astype(float) * (100 if k in SHARE_KEYS else 1)).max())
              for k in keys)
    ax.set_ylim(0, 105 if shares else max(1.0, top * 1.15))
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best", frameon=False)
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
    fig, ax = plt.subplots(figsize=(6.4, max(1.8, 0.28 * len(eq) + 1.0)))
    measured = eq["days_measured"].astype(float)
    parts = (("available", 100 * eq["availability"].astype(float), PALETTE[0], None),
             ("in service but failing its diagnostics (remove from service)",
              100 * eq["days_failing_in_service"] / measured, PALETTE[3], "//"),
             ("out of service", 100 * eq["days_out_of_service"] / measured, "#999999", None))
    labels = [f"{c} (from {pd.Timestamp(m):%Y-%m-%d})"
              if pd.notna(m) and pd.Timestamp(m).dayofyear > 1 else str(c)
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


def outcomes_chart(verifications: pd.DataFrame) -> str | None:
    cols = ["confirmed", "misread", "wrong_state", "entry_no_longer_valid"]
    if verifications.empty:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 2.4))
    bottom = pd.Series(0, index=verifications.index, dtype=float)
    for i, col in enumerate(cols):
        ax.bar(verifications.index, verifications[col], bottom=bottom, color=PALETTE[i],
               label=col.replace("_", " "))
        bottom += verifications[col]
    ax.set_ylabel("verified hits")
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.legend(fontsize=7, frameon=False, ncol=4, loc="upper left")
    return _png(fig)


def reads_chart(reads: pd.DataFrame) -> str | None:
    if reads.empty:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 2.2))
    ax.bar(reads["month"], reads["reads"], color=PALETTE[5])
    ax.set_ylabel("reads")
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax2 = ax.twinx()
    ax2.plot(reads["month"], reads["mean_confidence"], color=PALETTE[3], marker="o")
    ax2.set_ylabel("mean confidence", color=PALETTE[3])
    ax2.set_ylim(0, 1)
    return _png(fig)


def _fmt(key: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if key in SHARE_KEYS:
        return f"{100 * float(value):.1f}%"
    return f"{float(value):,.1f}" if key == "hotlist_age" else f"{float(value):,.0f}"


def _table(df: pd.DataFrame, max_rows: int = 25) -> str:
    if df is None or df.empty:
        return "<p class='muted'>none</p>"
    shown = df.head(max_rows).copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: f"{v:,.3g}")
    more = f"<p class='muted'>… and {len(df) - max_rows} more</p>" if len(df) > max_rows else ""
    return shown.to_html(index=False, escape=True, border=0, classes="records") + more


def render_html(d: ReportData) -> str:
    env = Environment(loader=PackageLoader("alpr", "report/templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    summary = d.summary.set_index("key")
    labels = dict(zip(d.summary["key"], d.summary["metric"], strict=True))
    sections = []
    for c in d.clauses:
        metrics = [{"label": labels[k], "value": _fmt(k, summary.loc[k, "value"]),
                    "target": _fmt(k, TARGETS[k][0]) if TARGETS[k][0] is not None else "–",
                    "met": summary.loc[k, "meets_target"],
                    "counts": _counts(summary.loc[k])} for k in c.metrics]
        excs = {labels[k]: _table(d.exceptions[k]) for k in c.metrics if k in d.exceptions}
        sections.append({"clause": c, "metrics": metrics, "exceptions": excs,
                         "trend": trend_chart(d.monthly, c.metrics, labels)})
    verified = int(d.verifications.drop(columns=["hits"], errors="ignore").sum().sum()) \
        if len(d.verifications) else 0
    wrong = int(d.verifications[["misread", "wrong_state"]].sum().sum()) if verified else 0
    false_hits = (int(d.verifications[["misread", "wrong_state", "entry_no_longer_valid"]]
                      .sum().sum()) if verified else 0)
    _, lo, hi = wilson(wrong, verified)
    met = int((d.summary["meets_target"] == True).sum())  # noqa: E712
    with_target = int(d.summary["meets_target"].notna().sum())
    return env.get_template("annual.html.j2").render(
        d=d, sections=sections, recommendations=recommendations(d), met=met,
        with_target=with_target, equipment=equipment_table(d.equipment),
        availability=availability_chart(d.equipment), outcomes=outcomes_chart(d.verifications),
        reads=reads_chart(d.reads_by_month), shares=_table(d.shares),
        verified=verified, wrong=wrong, false_hits=false_hits,
        wrong_rate=(wrong / verified) if verified else None, wrong_ci=(lo, hi),
        model=d.model, model_metrics=_model_metrics(d.model), runs=_table(
            pd.DataFrame(d.model.get("runs", []))), esc=html.escape)


def _counts(row: pd.Series) -> str:
    num, den = row["numerator"], row["denominator"]
    if den is None or pd.isna(den):
        return ""

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
