"""Misreads: misread and wrong-state rates of verified hits over time, per camera and per
jurisdiction, with 95 % Wilson intervals; the character-confusion matrix; a gallery of
rejected hits (policy III.D)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from alpr.dashboards import plots
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import figures, kpi, note, reactive, table


def summary_line(by_day: pd.DataFrame) -> str:
    n = int(by_day["verified"].sum())
    mis, wrong = int(by_day["misread"].sum()), int(by_day["wrong_state"].sum())

    def pct(k: int) -> str:
        return f"{k / n:.1%}" if n else "–"
    return (f"<b>{n}</b> verified hits · <b>{mis}</b> misreads ({pct(mis)}) · "
            f"<b>{wrong}</b> wrong state ({pct(wrong)})")


def rate_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts and rates with their 95 % intervals as readable text, worst first."""
    def fmt(rate: float, low: float, high: float) -> str:
        return f"{rate:.1%} ({low:.1%}–{high:.1%})"
    out = pd.DataFrame({by: df[by], "verified hits": df["verified"],
                        "misreads": df["misread"],
                        "misread rate (95% interval)": [fmt(*r) for r in zip(
                            df["misread_rate"], df["misread_rate_low"], df["misread_rate_high"],
                            strict=True)],
                        "wrong state": df["wrong_state"],
                        "wrong-state rate (95% interval)": [fmt(*r) for r in zip(
                            df["wrong_state_rate"], df["wrong_state_rate_low"],
                            df["wrong_state_rate_high"], strict=True)]})
    order = (df["misread"] + df["wrong_state"]).sort_values(ascending=False, kind="stable")
    return out.loc[order.index].reset_index(drop=True)


def _card(row: pd.Series) -> pn.Column:
    img: Any
    path = row["image_path"]
    if path and Path(str(path)).is_file():
        img = pn.pane.Image(str(path), width=200)
    else:
        img = note("no stored image")
    seen = ""
    if row.get("seen_plate") or row.get("seen_state"):
        seen = (f"seen <code>{html.escape(str(row.get('seen_plate') or '?'))}</code> "
                f"{html.escape(str(row.get('seen_state') or '?'))}<br>")
    text = (f"<b>{html.escape(str(row['outcome']).replace('_', ' '))}</b> · "
            f"{html.escape(str(row['camera']))}<br>read <code>{html.escape(str(row['read_plate']))}"
            f"</code> {html.escape(str(row['read_state'] or '?'))} "
            f"({float(row['confidence']):.0%})<br>listed <code>"
            f"{html.escape(str(row['listed_plate']))}</code> "
            f"{html.escape(str(row['listed_state'] or '?'))}<br>" + seen +
            f"{pd.Timestamp(row['read_at']):%Y-%m-%d %H:%M} · verified by "
            f"{html.escape(str(row['verified_by']))}")
    return pn.Column(img, pn.pane.HTML(text), width=220,
                     styles={"border": "1px solid #bbb", "padding": "6px"})


def view(store: DashboardStore) -> pn.Column:
    def build() -> Any:
        by_day = store.verification_rates("day")
        by_cam = store.verification_rates("camera")
        by_state = store.verification_rates("state")
        conf = store.confusions()
        rejected = store.rejected_hits()
        parts: list[Any] = [kpi(summary_line(by_day), "kpi-misreads")]
        if by_day.empty:
            parts.append(note("No verified hits in the period."))
        else:
            parts += figures(plots.rates_over_time(by_day),
                             plots.rates_by(by_cam, "camera", "Per camera"))
            parts += ["### Per jurisdiction (state read)", table(rate_table(by_state, "state"))]
        parts.append("### Character confusions")
        parts.append(pn.pane.Bokeh(plots.confusion_matrix(conf)) if not conf.empty
                     else note("No confirmed hits with substituted characters in the period."))
        parts.append("### Rejected hits (newest first)")
        parts.append(pn.FlexBox(*[_card(r) for _, r in rejected.iterrows()])
                     if not rejected.empty else note("No rejected hits in the period."))
        return pn.Column(*parts, sizing_mode="stretch_width")
    return pn.Column(reactive(store, build), sizing_mode="stretch_width")
