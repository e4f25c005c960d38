"""The Compliance page's table: one row per metric of the catalog
(:mod:`alpr.governance.compliance_metrics`, the keys, clauses, labels and targets
:func:`alpr.governance.compliance.summary` uses, with the same judgement), its value for the
period computed from exactly the records its drill-down shows — so a figure and the rows
behind it can never disagree, and the unit and user filters apply to both.

A metric over no records is "no data" (value NaN), never 0 % or 100 %; the summary line counts
targets met over the metrics with data ("7 of 9 targets met; 2 without data").
"""

from __future__ import annotations

import pandas as pd

from alpr.governance.compliance import STATUSES, judge, no_data
from alpr.governance.compliance_metrics import Metric, catalog, metric
from alpr.labels import NO_DATA, human


def value(m: Metric, records: pd.DataFrame, count: int | None = None,
          universe: int | None = None) -> float:
    """The metric's value over its records, as its ``kind`` in the catalog says: NaN (no
    data) when there are none.

    ``count`` overrides the records for a count-only metric (reads past retention, None: no
    data); ``universe`` is how many things a count was taken over (cameras), 0: no data.

    >>> value(metric("searches_with_case"), pd.DataFrame({"ok": [True, True, False, True]}))
    0.75
    >>> value(metric("searches_with_case"), pd.DataFrame({"ok": []}))
    nan
    >>> value(metric("patrol_time"), pd.DataFrame({"active_hours": [7.0, 8.0, 0.0],
    ...     "judged_hours": [8.0, 8.0, 0.0], "status": ["short", "compliant", "exempt"]}))
    0.9375
    """
    nan = float("nan")
    if universe is not None and not universe:
        return nan
    if count is not None or m.key == "past_retention":
        return nan if count is None else float(count)
    n = len(records)
    if m.kind == "share":
        return float(records["ok"].astype(bool).sum()) / n if n else nan
    if m.kind == "rate":
        return float(records["error"].isin(m.rate_of).sum()) / n if n else nan
    if m.kind == "mean":
        return float(records[m.column].mean()) if n else nan
    if m.kind == "hours":
        judged = records[records["status"] != "exempt"] if n else records
        hours = float(judged["judged_hours"].sum()) if len(judged) else 0.0
        return float(judged["active_hours"].sum()) / hours if hours > 0 else nan
    bad = float((~records["ok"].astype(bool)).sum()) if "ok" in records else float(n)
    return bad if n or universe is not None else nan


def shown_value(key: str, v: float) -> str:
    """The value as the page shows it: ``88.9%``, ``3``, ``5.2``, or ``no data``.

    >>> shown_value("patrol_time", 0.889), shown_value("unverified_hits", float("nan"))
    ('88.9%', 'no data')
    """
    if no_data(v):
        return NO_DATA
    unit = metric(key).unit
    if unit == "share":
        return f"{v:.1%}"
    return f"{v:.1f}" if unit == "hours" else f"{int(v):,}"


def status(key: str, v: float) -> tuple[str, str]:
    """(target as shown, status) from the catalog's target and the governance judgement."""
    return metric(key).shown_target(), judge(key, v)


def table(records: dict[str, pd.DataFrame], counts: dict[str, int | None],
          universe: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per metric: clause, metric, value, target, status and the records behind it;
    ``raw_value`` (NaN: no data) and ``unit`` for exports."""
    rows = []
    for m in catalog():
        recs = records.get(m.key, pd.DataFrame())
        v = value(m, recs, counts.get(m.key), (universe or {}).get(m.key))
        target, state = status(m.key, v)
        got = counts.get(m.key)
        rows.append({"clause": m.clause, "metric": m.page_label, "value": shown_value(m.key, v),
                     "target": target, "status": state,
                     "records": int(got) if got is not None else len(recs),
                     "key": m.key, "raw_value": v, "unit": m.unit})
    return pd.DataFrame(rows)


def summary_line(t: pd.DataFrame) -> str:
    """Targets met over the metrics with data, and how many had none.

    >>> t = pd.DataFrame({"clause": ["I.A", "III.A", "III.E", "III.D.1"],
    ...                   "status": ["met", "NOT MET", "no data", "monitor"]})
    >>> summary_line(t)
    '<b>1</b> of <b>2</b> targets met; 1 without data · not met: III.A'
    """
    judged = t[t["status"].isin(("met", "NOT MET"))]
    missed = judged[judged["status"] != "met"]
    empty = int((t["status"] == NO_DATA).sum())
    return (f"<b>{len(judged) - len(missed)}</b> of <b>{len(judged)}</b> targets met"
            + (f"; {empty} without data" if empty else "")
            + (f" · not met: {', '.join(missed['clause'])}" if len(missed) else ""))


def export_frame(t: pd.DataFrame) -> pd.DataFrame:
    """The table as exported: numbers as numbers (0.889, not "88.9%"), no data as an empty
    cell, the target as a number with its direction, the unit of each value."""
    target = [metric(k).target for k in t["key"]]
    direction = [metric(k).direction for k in t["key"]]
    return pd.DataFrame({"clause": t["clause"], "metric": t["metric"], "key": t["key"],
                         "value": t["raw_value"].astype(float), "unit": t["unit"],
                         "target": pd.array(target, dtype="Float64"),
                         "target_is": direction, "status": t["status"],
                         "records": t["records"]})


def ordered(t: pd.DataFrame) -> pd.DataFrame:
    """The table with metrics that missed their target first, then those without data."""
    rank = t["status"].map({s: i for i, s in enumerate(STATUSES)})
    return t.assign(_rank=rank).sort_values("_rank", kind="stable").drop(
        columns="_rank").reset_index(drop=True)


# -- drill-downs -----------------------------------------------------------------------------
def failing_first(df: pd.DataFrame) -> pd.DataFrame:
    """Drill-down rows with the non-compliant ones (``ok`` False) first, keeping each group's
    order (patrol shifts come sorted ``short`` first from the governance layer)."""
    if "ok" in df and len(df):
        return df.assign(_ok=df["ok"].astype(bool)).sort_values("_ok", kind="stable").drop(
            columns="_ok").reset_index(drop=True)
    return df


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """A drill-down as the page shows it (:func:`alpr.labels.human`): human column names,
    Yes/No, "no data", times to the minute."""
    return human(df)
