"""Interactive Bokeh figures for the pages: pure functions from a DataFrame to a figure.

Colours are the Okabe-Ito colour-blind-safe set (without its yellow, which is unreadable on
white), and every series also differs by marker or dash, so no figure relies on colour alone.
Axes carry units and every figure has hover tooltips.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Range1d
from bokeh.models.annotations import Label, Span, Whisker
from bokeh.palettes import Cividis256
from bokeh.plotting import figure

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("circle", "square", "triangle", "diamond", "inverted_triangle", "hex", "plus")
DASHES = ("solid", "dashed", "dotdash", "dotted", "dashdot", "solid", "dashed")
FAULT_COLOUR = "#000000"


def style(i: int) -> dict[str, Any]:
    """Colour, marker and dash of the i-th series."""
    return {"color": OKABE_ITO[i % len(OKABE_ITO)], "marker": MARKERS[i % len(MARKERS)],
            "dash": DASHES[i % len(DASHES)]}


def _fig(title: str, y_label: str, x_axis_type: Any = "datetime", **kw: Any) -> Any:
    fig = figure(title=title, height=kw.pop("height", 260), sizing_mode="stretch_width",
                 x_axis_type=x_axis_type, tools="pan,wheel_zoom,box_zoom,reset,save",
                 toolbar_location="above", **kw)
    fig.yaxis.axis_label = y_label
    if x_axis_type == "datetime":
        fig.xaxis.axis_label = "day (UTC)"
    return fig


def time_series(df: pd.DataFrame, metric: str, title: str, y_label: str,
                faults: pd.DataFrame | None = None, percent: bool = False) -> Any:
    """One line per camera of ``metric`` by day (days without a value are gaps, never 0);
    fault events as vertical lines in their camera's colour, each labelled with the camera
    and the event."""
    fig = _fig(title, y_label)
    fmt = "{0.0%}" if percent else "{0.00}"
    colours: dict[str, str] = {}
    for i, (camera, part) in enumerate(df.groupby("camera", sort=True)):
        st = style(i)
        colours[str(camera)] = st["color"]
        src = ColumnDataSource(part.assign(camera=camera))
        fig.line("day", metric, source=src, color=st["color"], line_dash=st["dash"],
                 line_width=2, legend_label=str(camera))
        r = fig.scatter("day", metric, source=src, color=st["color"], marker=st["marker"],
                        size=7, legend_label=str(camera))
        fig.add_tools(HoverTool(renderers=[r], tooltips=[
            ("camera", "@camera"), ("day", "@day{%F}"), (y_label, f"@{metric}{fmt}"),
            ("reads", "@reads")], formatters={"@day": "datetime"}))
    if percent:
        from bokeh.models import NumeralTickFormatter

        fig.yaxis.formatter = NumeralTickFormatter(format="0%")
    _mark_faults(fig, faults, colours)
    if fig.legend:
        fig.legend.click_policy = "hide"
        fig.add_layout(fig.legend[0], "right")  # beside the plot, never over the data
    return fig


def _mark_faults(fig: Any, faults: pd.DataFrame | None,
                 colours: dict[str, str] | None = None) -> None:
    """A dashed vertical line on each fault day, in the camera's colour, with the camera and
    the event written along it (one label per camera, day and event)."""
    if faults is None or faults.empty:
        return
    seen: set[tuple[str, Any, str]] = set()
    for _, ev in faults.iterrows():
        at = pd.Timestamp(ev["at"]).tz_localize(None) if pd.Timestamp(ev["at"]).tzinfo else \
            pd.Timestamp(ev["at"])
        day, camera = at.floor("D"), str(ev["camera"])
        if (camera, day, str(ev["event"])) in seen:
            continue
        seen.add((camera, day, str(ev["event"])))
        colour = (colours or {}).get(camera, FAULT_COLOUR)
        fig.add_layout(Span(location=day, dimension="height", line_color=colour,
                            line_dash="dashed", line_width=2))
        fig.add_layout(Label(x=day, y=4, y_units="screen", angle=math.pi / 2, x_offset=-3,
                             text=f"{camera}: {ev['event']}", text_font_size="8pt",
                             text_color=colour, text_align="left", text_baseline="bottom"))
    fig.title.text += "   (dashed lines: fault days, labelled with the camera)"


# The two rates the Misreads page plots: the recognizer's misreads (characters or state)
# apart from hits on a wrong hot-list entry, whose read was right (health.misreads.hit_error).
RATE_SERIES = (("recognizer_rate", "recognizer misread"),
               ("wrong_entry_rate", "wrong hot-list entry (read was right)"))


def rates_over_time(df: pd.DataFrame) -> Any:
    """The recognizer's misread rate and the wrong-entry rate by day, with 95 % Wilson
    intervals as whiskers."""
    fig = _fig("Recognizer misreads and wrong hot-list entries, share of verified hits by day "
               "(bars: 95% interval)", "share of verified hits", height=340)
    from bokeh.models import NumeralTickFormatter

    fig.yaxis.formatter = NumeralTickFormatter(format="0%")
    offsets = (-3 * 3600 * 1000, 3 * 3600 * 1000)
    for i, (col, label) in enumerate(RATE_SERIES):
        st = style(i)
        part = df.assign(x=df["day"] + pd.to_timedelta(offsets[i], unit="ms"))
        src = ColumnDataSource(part)
        r = fig.scatter("x", col, source=src, color=st["color"], marker=st["marker"], size=9,
                        legend_label=label)
        fig.add_layout(Whisker(source=src, base="x", lower=f"{col}_low", upper=f"{col}_high",
                               line_color=st["color"]))
        fig.add_tools(HoverTool(renderers=[r], tooltips=[
            ("day", "@day{%F}"), (label, f"@{col}{{0.0%}}"),
            ("95% interval", f"@{col}_low{{0.0%}} – @{col}_high{{0.0%}}"),
            ("verified hits", "@verified")], formatters={"@day": "datetime"}))
    fig.y_range.start = 0
    fig.legend.click_policy = "hide"
    fig.add_layout(fig.legend[0], "below")  # never over the data
    return fig


def rates_by(df: pd.DataFrame, by: str, title: str) -> Any:
    """The recognizer's misread rate and the wrong-entry rate per category (camera, state)
    with 95 % intervals."""
    cats = [str(c) for c in df[by]]
    fig = figure(title=title, y_range=FactorRange(factors=list(reversed(cats))),
                 height=max(200, 40 * len(cats) + 120), sizing_mode="stretch_width",
                 tools="save,reset", toolbar_location="above", x_range=Range1d(start=0, end=1))
    from bokeh.models import NumeralTickFormatter
    from bokeh.transform import dodge

    fig.xaxis.formatter = NumeralTickFormatter(format="0%")
    fig.xaxis.axis_label = "share of verified hits (bars: 95% interval)"
    for i, ((col, label), off) in enumerate(zip(RATE_SERIES, (0.15, -0.15), strict=True)):
        st = style(i)
        src = ColumnDataSource(df.assign(cat=cats))
        y = dodge("cat", off, range=fig.y_range)
        r = fig.scatter(col, y, source=src, color=st["color"], marker=st["marker"], size=10,
                        legend_label=label)
        fig.add_layout(Whisker(source=src, base=y, lower=f"{col}_low", upper=f"{col}_high",
                               dimension="width", line_color=st["color"]))
        fig.add_tools(HoverTool(renderers=[r], tooltips=[
            (by, "@cat"), (label, f"@{col}{{0.0%}}"),
            ("95% interval", f"@{col}_low{{0.0%}} – @{col}_high{{0.0%}}"),
            ("verified hits", "@verified")]))
    fig.add_layout(fig.legend[0], "below")  # never over the data
    return fig


def confusion_matrix(df: pd.DataFrame) -> Any:
    """Heat map of (true character, read character) counts; counts printed in each cell."""
    from bokeh.models import LinearColorMapper

    trues = sorted(set(df["true"]))
    reads = sorted(set(df["read"]))
    fig = figure(title="Character confusions of verified hits: true → read",
                 x_range=FactorRange(factors=trues),
                 y_range=FactorRange(factors=list(reversed(reads))), height=320, width=380,
                 tools="save", toolbar_location="above")
    fig.xaxis.axis_label = "true character (on the plate)"
    fig.yaxis.axis_label = "character the camera read"
    mapper = LinearColorMapper(palette=list(reversed(Cividis256)), low=0,
                               high=max(1, int(df["count"].max())))
    src = ColumnDataSource(df)
    r = fig.rect("true", "read", 1, 1, source=src, fill_color={"field": "count",
                 "transform": mapper}, line_color="white")
    fig.text("true", "read", text="count", source=src, text_align="center",
             text_baseline="middle", text_color="#ffffff", text_font_style="bold")
    fig.add_tools(HoverTool(renderers=[r], tooltips=[("true", "@true"), ("read as", "@read"),
                                                     ("times", "@count")]))
    return fig


def histogram(df: pd.DataFrame, title: str, x_label: str) -> Any:
    """Bars from a ``low``/``high``/``reads`` table."""
    fig = _fig(title, "reads", x_axis_type="linear")
    fig.xaxis.axis_label = x_label
    src = ColumnDataSource(df)
    r = fig.quad(left="low", right="high", top="reads", bottom=0, source=src,
                 fill_color=OKABE_ITO[0], line_color="white")
    fig.add_tools(HoverTool(renderers=[r], tooltips=[("confidence", "@low{0.00}–@high{0.00}"),
                                                     ("reads", "@reads")]))
    fig.y_range.start = 0
    return fig


def thresholds(df: pd.DataFrame, name: str) -> Any:
    """Accuracy of accepted reads and share accepted, by confidence threshold."""
    from bokeh.models import NumeralTickFormatter

    fig = _fig(f"{name}: accuracy and reads accepted by confidence threshold",
               "share", x_axis_type="linear")
    fig.xaxis.axis_label = "confidence threshold"
    fig.yaxis.formatter = NumeralTickFormatter(format="0%")
    src = ColumnDataSource(df)
    for i, (col, label) in enumerate((("accuracy", "accuracy of accepted reads"),
                                      ("accepted", "share of reads accepted"))):
        st = style(i)
        fig.line("threshold", col, source=src, color=st["color"], line_dash=st["dash"],
                 line_width=2, legend_label=label)
        r = fig.scatter("threshold", col, source=src, color=st["color"], marker=st["marker"],
                        size=8, legend_label=label)
        fig.add_tools(HoverTool(renderers=[r], tooltips=[("threshold", "@threshold"),
                                                         (label, f"@{col}{{0.0%}}")]))
    fig.legend.location = "bottom_left"
    return fig
