"""Components every page uses: filter widgets, navigation, tables, CSV downloads, figures."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn

from alpr.dashboards.export import typed_frame
from alpr.dashboards.store import PAGES, DashboardStore

TITLES = {"equipment": "Equipment health", "misreads": "Misreads",
          "compliance": "Compliance", "model": "Model"}
FILTER_KEYS = ("start", "end", "camera", "unit", "user")


def filters(store: DashboardStore, with_user: bool = False) -> pn.Column:
    """Period, camera and unit (and user) pickers bound to the store."""
    widgets: list[Any] = [
        pn.widgets.DatePicker.from_param(store.param.start, label="From (UTC day)"),
        pn.widgets.DatePicker.from_param(store.param.end, label="To (UTC day)"),
        pn.widgets.Select.from_param(store.param.camera, label="Camera"),
        pn.widgets.Select.from_param(store.param.unit, label="Unit"),
    ]
    if with_user:
        widgets.append(pn.widgets.Select.from_param(store.param.user, label="User"))
    return pn.Column("### Filters", *widgets,
                     pn.pane.Markdown("Filters carry over to the other pages.",
                                      styles={"font-size": "0.85em"}))


def sync_address(store: DashboardStore) -> None:
    """Keep the page's address (its query: ``?start=...&end=...&unit=...``, as
    :meth:`~alpr.dashboards.filters.Filters.query_string` writes it and the page reads it)
    in step with the sidebar filters, so a reload or a bookmark keeps them. Written with
    ``history.pushState`` by Panel's Location (no reload); a filter set to "(all)" leaves the
    address. Outside a served page (no ``pn.state.location``) it does nothing."""
    location = pn.state.location
    if location is None:
        return

    def write(*_: Any) -> None:
        try:
            query = store.filters.query_string()
        except ValueError:  # e.g. end before start: the page says why; keep the address
            return
        if location.search != query:
            location.search = query
    store.param.watch(write, list(FILTER_KEYS))
    # once the browser has sent its own address (which would overwrite one written earlier)
    pn.state.onload(write)


def sign_out(csrf: str, colour: str = "inherit") -> str:
    """The sign-out button: a POST to /logout carrying the session's CSRF token."""
    return (f'<form method="post" action="/logout" style="display:inline;margin:0">'
            f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
            f'<button type="submit" class="alpr-sign-out" style="background:none;border:0;'
            f'padding:0;color:{colour};text-decoration:underline;cursor:pointer;'
            f'font:inherit">sign out</button></form>')


def nav(store: DashboardStore, pages: list[str], csrf: str = "") -> Any:
    """Links to the pages this user may open, carrying the current filters, and sign-out."""
    def links(*_: Any) -> pn.pane.HTML:
        q = html.escape(store.filters.query_string())
        items = " · ".join(
            f'<a href="/{p}{q}" style="color:white;font-weight:'
            f'{"bold" if p == store.page else "normal"}">{TITLES[p]}</a>' for p in pages
            if p in PAGES)
        who = html.escape(f"{store.actor.username} ({store.actor.role})")
        return pn.pane.HTML(f'<nav id="alpr-nav" style="color:white;font-size:1.05em">{items}'
                            f'&nbsp;&nbsp;|&nbsp;&nbsp;{who} · {sign_out(csrf, "white")}</nav>')
    return pn.panel(pn.bind(links, *[store.param[k] for k in FILTER_KEYS]))


def reactive(store: DashboardStore, build: Callable[[], Any]) -> Any:
    """A component rebuilt whenever a filter changes (each rebuild re-authorises its data)."""
    def rebuild(*_: Any) -> Any:
        try:
            return build()
        except ValueError as exc:  # e.g. end before start: say which field and rule
            return pn.pane.Alert(str(exc), alert_type="warning")
    return pn.panel(pn.bind(rebuild, *[store.param[k] for k in FILTER_KEYS]))


def table(df: pd.DataFrame, height: int | None = None, **kw: Any) -> pn.widgets.Tabulator:
    """A read-only table; timestamps shown to the minute."""
    shown = df.copy()
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d %H:%M")
    wrap = {c: {"type": "textarea"} for c in shown.columns
            if (shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c]))
            and len(shown) and shown[c].astype(str).str.len().max() > 60}
    kw.setdefault("pagination", "local" if height is None and len(shown) > 25 else None)
    kw.setdefault("page_size", 25)
    kw.setdefault("layout", "fit_data_stretch")  # "fit_columns": fit the width, no scrolling
    return pn.widgets.Tabulator(shown, disabled=True, show_index=False, height=height,
                                sizing_mode="stretch_width", formatters=wrap, widths={c: 480 for c in wrap}, **kw)


def html_table(df: pd.DataFrame, css_id: str | None = None) -> pn.pane.HTML:
    """A small read-only table as plain HTML: it wraps to the page's width (never scrolls
    sideways), numbers sit right-aligned under right-aligned headers, timestamps to the
    minute, an empty cell shows "–" (no data)."""
    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])}

    def cell(v: Any) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "–"
        if isinstance(v, pd.Timestamp):
            return f"{v:%Y-%m-%d %H:%M}"
        return html.escape(str(v))
    pad = "padding:3px 10px;border-bottom:1px solid #ddd;vertical-align:top"

    def align(c: Any) -> str:
        return "right" if c in numeric else "left"
    head = "".join(f'<th style="{pad};text-align:{align(c)}">{html.escape(str(c))}</th>'
                   for c in df.columns)
    body = "".join("<tr>" + "".join(f'<td style="{pad};text-align:{align(c)}">{cell(v)}</td>'
                                    for c, v in zip(df.columns, row, strict=True)) + "</tr>"
                   for row in df.itertuples(index=False))
    ident = f' id="{html.escape(css_id)}"' if css_id else ""
    return pn.pane.HTML(f'<table{ident} style="border-collapse:collapse;width:100%">'
                        f'<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>',
                        sizing_mode="stretch_width")


FAILING_TINT = "background-color: #fde2e1"  # a failing record's row in a drill-down


def failing_first(df: pd.DataFrame, ok: str = "ok") -> pd.DataFrame:
    """Rows whose ``ok`` is false first, then those with no judgement (empty), then the
    compliant ones; the order within each group kept.

    >>> failing_first(pd.DataFrame({"user": ["a", "b", "c"], "ok": [True, None, False]}))[
    ...     "user"].tolist()
    ['c', 'b', 'a']
    """
    if ok not in df.columns or df.empty:
        return df.reset_index(drop=True)
    rank = df[ok].map(lambda v: 1 if v is None or pd.isna(v) else 2 if bool(v) else 0)
    return df.iloc[rank.argsort(kind="stable")].reset_index(drop=True)


def drilldown_table(df: pd.DataFrame, ok: str = "ok", page_size: int = 15,
                    **kw: Any) -> pn.widgets.Tabulator:
    """The records behind a figure: failing rows first and tinted, ``page_size`` rows a page
    (the box fits them: no scrolling inside a few rows), more pages when there are more."""
    rows = failing_first(df, ok)
    tab = table(rows, height=None, pagination="local" if len(rows) > page_size else None,
                page_size=page_size, **kw)
    styler = tab.style
    if ok in rows.columns and styler is not None:
        bad = ~rows[ok].map(lambda v: v is None or pd.isna(v) or bool(v))
        styler.apply(lambda r: [FAILING_TINT if bad.iloc[r.name] else ""] * len(r), axis=1)
    return tab


def download(store: DashboardStore, name: str, frame: Callable[[], pd.DataFrame],
             label: str) -> pn.widgets.FileDownload:
    """A CSV export button; each export is audited (``dashboards.export``). Prefer
    :func:`csv_download` (typed, with the period)."""
    def csv() -> io.StringIO:
        return io.StringIO(store.export_csv(name, frame()))
    return pn.widgets.FileDownload(callback=csv, filename=f"{name}.csv", label=label,
                                   embed=False, width=260)


def csv_download(store: DashboardStore, name: str,
                 frame: pd.DataFrame | Callable[[], pd.DataFrame],
                 label: str = "Export (CSV)") -> pn.widgets.FileDownload:
    """A typed CSV export button for any page's table (:func:`alpr.dashboards.export.typed_frame`):
    numbers as numbers, no data as an empty cell, the period and filters on every row. The
    frame (or a function making it) is taken when clicked; each export is audited
    (``dashboards.export``, with the filters and the row count)."""
    def csv() -> io.StringIO:
        df = frame() if callable(frame) else frame
        return io.StringIO(store.export_csv(name, typed_frame(df, store.filters)))
    return pn.widgets.FileDownload(callback=csv, filename=f"{name}.csv", label=label,
                                   embed=False, width=260)


def figures(*figs: Any) -> list[pn.pane.Bokeh]:
    return [pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in figs]


def kpi(text: str, css_id: str) -> pn.pane.HTML:
    """A line of key figures (tests read them by id)."""
    return pn.pane.HTML(f'<div id="{css_id}" style="font-size:1.15em">{text}</div>',
                        sizing_mode="stretch_width")


def note(text: str) -> pn.pane.Markdown:
    return pn.pane.Markdown(text, styles={"color": "#444"})
