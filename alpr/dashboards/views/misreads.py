"""Misreads: of the hits operators verified, the recognizer's misreads (characters, state)
apart from hits on a wrong hot-list entry whose read was right and from near matches
(:func:`alpr.health.misreads.hit_error`), over time, per camera and per jurisdiction with
95 % Wilson intervals; the character confusions; the rejected hits grouped by list entry,
misreads first (policy III.D)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from alpr.dashboards import plots
from alpr.dashboards.store import DashboardStore
from alpr.dashboards.views.common import csv_download, figures, html_table, kpi, note, reactive
from alpr.health.misreads import HIT_ERROR_LABELS, OCR_ERRORS

GALLERY_GROUPS = 12  # list entries shown as cards; the table below them has every one
RULE = ("A hit the operator rejected as the *wrong state* whose read state is the state the "
        "officer saw on the vehicle was a correct read of a plate listed under another state: "
        "the **hot-list entry** was wrong, not the recognizer. A *misread* hit whose read is "
        "the plate the officer saw is a **near match** (the matcher's tolerance joined it to a "
        "similar listed plate). Only the rest are the **recognizer's misreads**; without the "
        "officer's note the recognizer is blamed.")


def _pct(k: int, n: int) -> str:
    return f"{k / n:.1%}" if n else "no data"


def summary_line(by_day: pd.DataFrame) -> str:
    """The page's headline: verified hits, the recognizer's misreads (characters, state),
    wrong hot-list entries and near matches, each with its share of verified hits."""
    n = int(by_day["verified"].sum())
    c = {k: int(by_day[k].sum()) for k in ("recognizer", "ocr_characters", "ocr_state",
                                            "wrong_entry", "near_match")}
    return (f"<b>{n}</b> verified hits · <b>{c['recognizer']}</b> recognizer misreads "
            f"({_pct(c['recognizer'], n)}: {c['ocr_characters']} characters, "
            f"{c['ocr_state']} state) · <b>{c['wrong_entry']}</b> wrong hot-list entries "
            f"({_pct(c['wrong_entry'], n)}, read was right) · <b>{c['near_match']}</b> near "
            f"matches")


def rate_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts and rates (95 % intervals as readable text), most recognizer misreads first."""
    def fmt(rate: float, low: float, high: float) -> str:
        return f"{rate:.1%} ({low:.1%}–{high:.1%})"
    out = pd.DataFrame({
        by: df[by], "verified": df["verified"],
        "misreads": df["recognizer"],
        "misread rate (95% CI)": [fmt(*r) for r in zip(
            df["recognizer_rate"], df["recognizer_rate_low"], df["recognizer_rate_high"],
            strict=True)],
        "of which state": df["ocr_state"],
        "wrong entries": df["wrong_entry"],
        "wrong-entry rate (95% CI)": [fmt(*r) for r in zip(
            df["wrong_entry_rate"], df["wrong_entry_rate_low"], df["wrong_entry_rate_high"],
            strict=True)],
        "near matches": df["near_match"]})
    order = df.sort_values(["recognizer", "wrong_entry"], ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


RATE_EXPORT = {"verified": "verified hits", "confirmed": "confirmed",
               "recognizer": "recognizer misreads", "ocr_characters": "misread characters",
               "ocr_state": "misread state", "recognizer_rate": "recognizer misread rate",
               "recognizer_rate_low": "recognizer misread rate 95% low",
               "recognizer_rate_high": "recognizer misread rate 95% high",
               "wrong_entry": "wrong hot-list entries",
               "wrong_entry_rate": "wrong-entry rate",
               "wrong_entry_rate_low": "wrong-entry rate 95% low",
               "wrong_entry_rate_high": "wrong-entry rate 95% high",
               "near_match": "near matches", "misread": "operator said misread",
               "wrong_state": "operator said wrong state"}


def rates_export(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """A rate table as exported: named columns, rates as fractions (numbers)."""
    return df[[by, *RATE_EXPORT]].rename(columns=RATE_EXPORT)


ENTRY_TABLE = {"cause": "cause", "listed_plate": "listed plate", "listed_state": "state",
               "list_source": "list source", "category": "category", "hits": "hits",
               "cameras": "cameras", "first_read": "first hit", "last_read": "last hit"}


def entry_table(groups: pd.DataFrame) -> pd.DataFrame:
    """Rejected hits by list entry, readable: the cause in words, misreads first."""
    return groups.assign(cause=groups["error"].map(HIT_ERROR_LABELS))[
        list(ENTRY_TABLE)].rename(columns=ENTRY_TABLE)


def _text(v: Any) -> str:
    return html.escape("?" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def _card(row: pd.Series) -> pn.Column:
    """One list entry's rejected hits: cause, entry, source, count, and the newest crop."""
    img: Any
    path = row["example_image"]
    if path and Path(str(path)).is_file():
        img = pn.pane.Image(str(path), width=200)
    else:
        img = note("no stored image")
    ocr = row["error"] in OCR_ERRORS
    seen = ""
    if row.get("example_seen_plate") or row.get("example_seen_state"):
        seen = (f"seen <code>{_text(row['example_seen_plate'])}</code> "
                f"{_text(row['example_seen_state'])}<br>")
    span = (f"{pd.Timestamp(row['first_read']):%Y-%m-%d}" if row["hits"] == 1 else
            f"{pd.Timestamp(row['first_read']):%Y-%m-%d} to "
            f"{pd.Timestamp(row['last_read']):%Y-%m-%d}")
    text = (f'<b style="color:{"#b00020" if ocr else "#333"}">'
            f'{_text(HIT_ERROR_LABELS.get(row["error"], row["error"]))}</b><br>'
            f'listed <code>{_text(row["listed_plate"])}</code> {_text(row["listed_state"])} · '
            f'{_text(row["category"])}<br>from {_text(row["list_source"])}<br>'
            f'<b>{int(row["hits"])}</b> hit{"s" if row["hits"] != 1 else ""} on '
            f'{int(row["cameras"])} camera{"s" if row["cameras"] != 1 else ""}, {span}<br>'
            f'newest: read <code>{_text(row["example_read_plate"])}</code> '
            f'{_text(row["example_read_state"])} on {_text(row["example_camera"])}<br>' + seen)
    return pn.Column(img, pn.pane.HTML(text), width=240, css_classes=["alpr-entry-card"],
                     styles={"border": f"1px solid {'#b00020' if ocr else '#bbb'}",
                             "padding": "6px"})


def view(store: DashboardStore) -> pn.Column:
    def build() -> Any:
        by_day = store.verification_rates("day")
        by_cam = store.verification_rates("camera")
        by_state = store.verification_rates("state")
        conf = store.confusions()
        groups = store.rejected_by_entry()
        parts: list[Any] = [kpi(summary_line(by_day), "kpi-misreads"), note(RULE)]
        if by_day.empty:
            parts.append(note("No verified hits in the period."))
        else:
            parts += figures(plots.rates_over_time(by_day),
                             plots.rates_by(by_cam, "camera", "Per camera"))
            parts.append(pn.Row(
                csv_download(store, "misreads-by-day", rates_export(by_day, "day"),
                             "Export by day (CSV)"),
                csv_download(store, "misreads-by-camera", rates_export(by_cam, "camera"),
                             "Export per camera (CSV)")))
            parts += ["### Per jurisdiction (state read)", html_table(rate_table(by_state, "state"), "misreads-by-state"),
                      csv_download(store, "misreads-by-state", rates_export(by_state, "state"),
                                   "Export per jurisdiction (CSV)")]
        parts.append("### Character confusions")
        parts.append(pn.pane.Bokeh(plots.confusion_matrix(conf)) if not conf.empty
                     else note("No verified hits with a known misread character in the period."))
        parts.append("### Rejected hits by hot-list entry (recognizer misreads first)")
        if groups.empty:
            parts.append(note("No rejected hits in the period."))
        else:
            shown = groups.head(GALLERY_GROUPS)
            parts.append(pn.FlexBox(*[_card(r) for _, r in shown.iterrows()]))
            if len(groups) > len(shown):
                parts.append(note(f"{len(shown)} of {len(groups)} list entries shown as "
                                  "cards; every one is in the table."))
            parts += [html_table(entry_table(groups), "misreads-by-entry"),
                      csv_download(store, "misreads-by-entry", entry_table(groups),
                                   "Export rejected hits by entry (CSV)")]
        return pn.Column(*parts, sizing_mode="stretch_width")
    return pn.Column(reactive(store, build), sizing_mode="stretch_width")
