"""Model: the champion OCR model's figures (accuracy, per-state table, calibration), the
challenger if there is one, and the live read-confidence distribution."""

from __future__ import annotations

from typing import Any

import panel as pn

from alpr.dashboards import plots
from alpr.dashboards.model_source import ModelInfo, thresholds
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import figures, kpi, note, reactive, table

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


def model_panel(m: ModelInfo) -> pn.Column:
    cal = m.calibration
    cal_text = (f"char temperature {cal.get('char_temperature')}, state temperature "
                f"{cal.get('state_temperature')}; {cal.get('method', '')}" if cal else
                "no calibration recorded")
    th = thresholds(m.metrics)
    parts: list[Any] = [
        f"### {m.role.capitalize()}: {m.name}",
        note(f"Figures from {m.source} (validation set)."),
        kpi(headline(m), f"kpi-model-{m.role}"),
        note(f"Calibration: {cal_text}"),
    ]
    if not th.empty:
        parts += figures(plots.thresholds(th, m.role))
    if not m.per_state.empty:
        parts += ["#### Per state", table(m.per_state, height=300)]
    return pn.Column(*parts, sizing_mode="stretch_width")


def view(store: DashboardStore, models: list[ModelInfo]) -> pn.Column:
    def live() -> Any:
        hist = store.confidence_histogram()
        n = int(hist["reads"].sum())
        return pn.Column(
            kpi(f"<b>{n:,}</b> reads in the period", "kpi-model-live"),
            *(figures(plots.histogram(hist, "Confidence of live reads in the period",
                                      "whole-read confidence")) if n else
              [note("No reads in the period.")]), sizing_mode="stretch_width")
    champion = [m for m in models if m.role == "champion"]
    challenger = [m for m in models if m.role == "challenger"]
    rivals: list[Any] = [model_panel(m) for m in challenger] or [note("No challenger registered.")]
    return pn.Column(
        *[model_panel(m) for m in champion], *rivals,
        "### Live reads", reactive(store, live), sizing_mode="stretch_width")
