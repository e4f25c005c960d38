"""Model: the champion OCR model's figures (accuracy, per-state table, calibration) and, from
the MLflow registry, the promotion gate's decision; the challenger if there is one; the live
read-confidence distribution."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn

from alpr.dashboards import plots
from alpr.dashboards.model_source import ModelInfo, thresholds
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import csv_download, figures, html_table, kpi, note, reactive

HEADLINE = (("exact_match_o_folded", "exact match (O/0 folded)"),
            ("exact_match", "exact match (strict)"), ("char_accuracy", "character accuracy"),
            ("state_top1", "state of issuance top-1"),
            ("confidence_ece", "calibration error (ECE)"))


def headline(m: ModelInfo) -> str:
    parts = []
    for key, label in HEADLINE:
        if key in m.metrics:
            v = m.metrics[key]
            parts.append(f"{label}: <b>{v:.3f}</b>" if key == "confidence_ece"
                         else f"{label}: <b>{v:.1%}</b>")
    return " · ".join(parts)


def per_state_shown(per_state: pd.DataFrame) -> pd.DataFrame:
    """The per-state table as read: shares as percentages; "–" where a state has none."""
    def pct(v: object) -> str | None:
        return None if v is None or pd.isna(v) else f"{float(v):.0%}"  # type: ignore[arg-type]
    return pd.DataFrame({"state": per_state["state"].replace("?", "(no state label)"),
                         "plates": per_state["plates"],
                         "text exact (O/0)": per_state["text_exact"].map(pct),
                         "state top-1": per_state["state_top1"].map(pct)})


def gate_line(m: ModelInfo) -> str:
    """How the promotion gate decided for this version (registry models only)."""
    if m.gate is not None:
        return f"Promotion gate: {html.escape(m.gate.text())}"
    return ("Promotion gate: none recorded (this version was registered directly, not "
            "through training's gate)")


def model_panel(store: DashboardStore, m: ModelInfo) -> pn.Column:
    cal = m.calibration
    cal_text = (f"char temperature {cal.get('char_temperature')}, state temperature "
                f"{cal.get('state_temperature')}; {cal.get('method', '')}" if cal else
                "no calibration recorded")
    th = thresholds(m.metrics)
    parts: list[Any] = [
        f"### {m.role.capitalize()}: {m.name}",
        note(f"Figures from {m.source} (validation: the split's tune side)."),
        kpi(headline(m) or "no figures recorded for this model", f"kpi-model-{m.role}"),
    ]
    if m.registered:
        parts.append(kpi(gate_line(m), f"kpi-gate-{m.role}"))
    parts.append(note(f"Calibration: {cal_text}"))
    if not th.empty:
        parts += figures(plots.thresholds(th, m.role))
        parts.append(csv_download(store, f"model-{m.role}-thresholds", th,
                                  "Export thresholds (CSV)"))
    if not m.per_state.empty:
        parts += ["#### Per state (validation)", html_table(per_state_shown(m.per_state)),
                  csv_download(store, f"model-{m.role}-per-state", m.per_state,
                               "Export per state (CSV)")]
    if m.test_figures:
        parts += ["#### Test side (read once, when shipped)",
                  html_table(pd.DataFrame({"figure": list(m.test_figures),
                                           "value": list(m.test_figures.values())}))]
    return pn.Column(*parts, sizing_mode="stretch_width")


def view(store: DashboardStore, models: list[ModelInfo]) -> pn.Column:
    def live() -> Any:
        hist = store.confidence_histogram()
        n = int(hist["reads"].sum())
        return pn.Column(
            kpi(f"<b>{n:,}</b> reads in the period", "kpi-model-live"),
            *(figures(plots.histogram(hist, "Confidence of live reads in the period",
                                      "whole-read confidence")) if n else
              [note("No reads in the period.")]),
            csv_download(store, "model-live-confidence", hist.rename(columns={
                "low": "confidence from", "high": "confidence to"}),
                "Export the histogram (CSV)"), sizing_mode="stretch_width")
    champion = [m for m in models if m.role == "champion"]
    challenger = [m for m in models if m.role == "challenger"]
    rivals: list[Any] = [model_panel(store, m) for m in challenger] or [
        note("No challenger registered.")]
    return pn.Column(
        *[model_panel(store, m) for m in champion], *rivals,
        "### Live reads", reactive(store, live), sizing_mode="stretch_width")
