"""How compliance records read to a person: human column names, Yes/No for flags, "no data"
for a missing number, shares as percentages, times to the minute (UTC). Shared by the
Compliance page's drill-downs and the annual report's tables; exports keep the raw columns.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

NO_DATA = "no data"

COLUMN_LABELS = {
    "user": "user", "username": "user", "role": "role", "training": "training current",
    "certification": "SLED/NCIC current", "ok": "compliant", "compliant": "compliant",
    "at": "when (UTC)", "purpose": "purpose", "case_number": "case number",
    "results": "results", "result_count": "results", "unit": "unit",
    "hotlist_age_hours": "hot-list age (h)", "hotlist_current": "hot list current",
    "camera": "camera", "plate": "plate", "state": "state", "action": "action taken",
    "action_taken": "action taken", "chars_match": "characters checked",
    "state_match": "state checked", "dispatch_confirmed": "dispatch confirmed",
    "read_at": "read (UTC)", "read_plate": "plate read", "read_state": "state read",
    "seen_plate": "plate seen", "seen_state": "state seen", "listed_plate": "plate listed",
    "listed_state": "state listed", "kind": "kind", "match": "match",
    "outcome": "operator's outcome",
    "error": "cause", "recipient": "recipient agency", "recipient_agency": "recipient agency",
    "records": "records", "shares": "shares", "request_kind": "request",
    "request_status": "request status", "expires_at": "expires (UTC)",
    "created_at": "created (UTC)", "verified_at": "verified (UTC)",
    "shared_at": "shared (UTC)", "shared_by": "shared by", "entered_by": "entered by",
    "entry_id": "entry", "share_id": "share", "shift_id": "shift", "operator": "operator",
    "started_at": "started (UTC)", "ended_at": "ended (UTC)", "patrol_hours": "patrol (h)",
    "exempt_hours": "exempt (h)", "judged_hours": "judged (h)", "on_hours": "ALPR on (h)",
    "active_hours": "on and reading (h)", "active_share": "on and reading",
    "status": "status", "note": "why", "month": "month", "reads": "reads", "hit_id": "hit",
    "verified": "verified", "last_check": "last check (UTC)", "problems": "problems",
    "in_service": "in service", "severity": "severity", "list_source": "list source",
    "source": "list source", "category": "category", "hits": "hits", "run": "run",
    "started": "started (UTC)", "exact_match_o_folded": "exact read (O/0 folded)",
    "gate": "promotion gate",
}
CAUSE_LABELS = {"ocr_characters": "recognizer misread the characters",
                "ocr_state": "recognizer misread the state",
                "wrong_entry": "wrong hot-list entry (read matched the vehicle)",
                "near_match": "near match (read matched the vehicle)"}
SHARE_COLUMNS = ("active_share", "exact_match_o_folded")


def _missing(v: Any) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _minute(v: Any) -> str:
    if _missing(v):
        return ""
    ts = pd.Timestamp(v)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%d %H:%M")


def cell(column: str, v: Any) -> Any:
    """One value as a person reads it.

    >>> cell("ok", True), cell("active_share", 0.8751), cell("patrol_hours", float("nan"))
    ('Yes', '88%', 'no data')
    >>> cell("at", dt.datetime(2026, 5, 4, 8, 30, 12, 345678))
    '2026-05-04 08:30'
    """
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "Yes" if bool(v) else "No"
    if isinstance(v, dt.datetime | pd.Timestamp):
        return _minute(v)
    if column in SHARE_COLUMNS:
        return NO_DATA if _missing(v) else f"{100 * float(v):.0f}%"
    if column == "error":
        return CAUSE_LABELS.get(str(v), "") if not _missing(v) else ""
    if isinstance(v, float):
        if math.isnan(v):
            return NO_DATA
        return f"{v:,.1f}" if not v.is_integer() or column.endswith("_hours") else f"{int(v):,}"
    return "" if v is None else v


def human(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with human column names and every value as :func:`cell` shows it."""
    out = pd.DataFrame({col: [cell(col, v) for v in df[col].astype(object)]
                        for col in df.columns}, index=df.index)
    return out.rename(columns={c: COLUMN_LABELS.get(c, c.replace("_", " "))
                               for c in out.columns})
