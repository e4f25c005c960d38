"""Misread rates from the operators' verifications of hits, with Wilson intervals: per
camera, per jurisdiction (as read), per character confusion, and the hot-list hit error rate
(hits that verification rejected as a misread or the wrong state).

The plate the officer noted on the vehicle is the true plate of a hit's read; where none was
noted, a verification whose characters matched tells us the listed plate *is* the true plate.
Compared with the read (:func:`alpr.metrics.char_confusions`, the one rule), they give the
recognizer's real character confusions. Pure functions over a DataFrame of verified hits.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pandas as pd

from alpr.hotlist.entries import is_pattern
from alpr.metrics import char_confusions

ERRORS = ("misread", "wrong_state")

# What a rejected hit says about its cause (:func:`hit_error`): only the first two are the
# recognizer's errors; a wrong list entry is the hot list's, a near match the matcher's.
HIT_ERRORS = ("ocr_characters", "ocr_state", "wrong_entry", "near_match")
HIT_ERROR_LABELS = {"ocr_characters": "misread characters (recognizer)",
                    "ocr_state": "misread state (recognizer)",
                    "wrong_entry": "wrong hot-list entry (read was right)",
                    "near_match": "near match (read was right, listed plate differs)"}
OCR_ERRORS = ("ocr_characters", "ocr_state")


def hit_error(outcome: str | None, read_plate: str | None, read_state: str | None,
              seen_plate: str | None, seen_state: str | None) -> str | None:
    """The cause of a rejected hit, from the operator's verification and what the officer
    saw on the vehicle (``seen_*``; ``None``: not recorded); ``None`` for a hit that was not
    rejected (``confirmed``, ``entry_no_longer_valid``).

    A ``wrong_state`` hit whose read state *is* the vehicle's state was a correct read of a
    plate listed under another state: the list entry was wrong, not the recognizer. A
    ``misread`` hit whose read text *is* the vehicle's plate was a correct read that the
    matcher's tolerance joined to a similar listed plate. Without the officer's note the
    recognizer is blamed (the conservative reading).

    >>> hit_error("wrong_state", "ABC123", "NY", "ABC123", "NY")
    'wrong_entry'
    >>> hit_error("wrong_state", "ABC123", "NJ", "ABC123", "NY")
    'ocr_state'
    >>> hit_error("misread", "ABC128", "NY", "ABC123", "NY")
    'ocr_characters'
    >>> hit_error("misread", "ABC123", "NY", "ABC123", "NY")
    'near_match'
    >>> hit_error("confirmed", "ABC123", "NY", "ABC123", "NY") is None
    True
    """
    if outcome == "wrong_state":
        if seen_state and read_state and str(read_state) == str(seen_state):
            return "wrong_entry"
        return "ocr_state"
    if outcome == "misread":
        if seen_plate and read_plate and str(read_plate) == str(seen_plate):
            return "near_match"
        return "ocr_characters"
    return None


def hit_error_sql(outcome: Any, read_plate: Any, read_state: Any, seen_plate: Any,
                  seen_state: Any) -> Any:
    """:func:`hit_error` as an SQL ``CASE`` over the given columns (same rules)."""
    from sqlalchemy import and_, case

    return case(
        (and_(outcome == "wrong_state", read_state.is_not(None), seen_state.is_not(None),
              read_state == seen_state), "wrong_entry"),
        (outcome == "wrong_state", "ocr_state"),
        (and_(outcome == "misread", read_plate.is_not(None), seen_plate.is_not(None),
              read_plate == seen_plate), "near_match"),
        (outcome == "misread", "ocr_characters"),
        else_=None)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    """Share ``k / n`` with its Wilson score interval (95 % by default).

    >>> [round(v, 3) for v in wilson(2, 10)]
    [0.2, 0.057, 0.51]
    >>> wilson(0, 0)
    (0.0, 0.0, 1.0)
    """
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"k {k!r}, n {n!r}: need 0 <= k <= n")
    if n == 0:
        return 0.0, 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, max(0.0, mid - half), min(1.0, mid + half)


def _rates(df: pd.DataFrame, by: str) -> pd.DataFrame:
    rows = []
    for key, g in df.groupby(by, dropna=False, sort=True):
        n = len(g)
        mis = int((g["outcome"] == "misread").sum())
        wrong = int((g["outcome"] == "wrong_state").sum())
        p, lo, hi = wilson(mis + wrong, n)
        rows.append({by: "?" if pd.isna(key) else key, "verified": n, "misread": mis,
                     "wrong_state": wrong, "error_rate": p, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=[by, "verified", "misread", "wrong_state", "error_rate",
                                       "ci_low", "ci_high"])


def misread_rates(verified: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``verified``: one row per verified hit with camera, read_state, outcome, listed_plate,
    chars_match and read_plate, and optionally seen_plate (the plate the officer noted).

    Returns DataFrames ``overall``, ``camera``, ``jurisdiction`` and ``characters``.
    """
    need = {"camera", "read_state", "outcome", "listed_plate", "chars_match", "read_plate"}
    missing = need - set(verified.columns)
    if missing:
        raise ValueError(f"verified: missing column(s) {', '.join(sorted(missing))}")
    df = verified.copy()
    df["all"] = "all"
    overall = _rates(df, "all").rename(columns={"all": "scope"})
    cams = _rates(df, "camera")
    states = _rates(df.rename(columns={"read_state": "jurisdiction"}), "jurisdiction")
    return {"overall": overall, "camera": cams, "jurisdiction": states,
            "characters": character_confusions(df)}


def character_confusions(df: pd.DataFrame) -> pd.DataFrame:
    """Per true character seen on verified plates: how often it was read as another one
    (:func:`alpr.metrics.char_confusions` over :func:`compared_plates`), with its rate among
    the times that character was on the plates compared.

    ``df``: one row per verified hit with ``listed_plate``, ``chars_match`` and
    ``read_plate``, and optionally ``seen_plate`` (absent in older exports: then only hits
    whose characters matched count).
    """
    truth, reads = compared_plates(df)
    seen: Counter[str] = Counter(c for plate in truth for c in plate)
    confused = char_confusions(truth, reads)
    rows = []
    for (true, read), k in sorted(confused.items(), key=lambda t: (-t[1], t[0])):
        n = max(seen[true], k)
        p, lo, hi = wilson(k, n)
        rows.append({"true": true, "read_as": read, "count": k, "seen": n, "rate": p,
                     "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["true", "read_as", "count", "seen", "rate", "ci_low",
                                       "ci_high"])


def compared_plates(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(true plates, reads) of the verified hits whose true plate is known: the plate the
    officer noted on the vehicle (``seen_plate``, any outcome: a misread hit's read is often
    the recognizer's own mistake), else the listed plate of a hit whose characters matched
    (``chars_match``; not a wildcard pattern, which says nothing of the characters under it).

    >>> compared_plates(pd.DataFrame({
    ...     "listed_plate": ["A8C123", "ABC123", "AB?123", "XYZ9"],
    ...     "chars_match": [False, True, True, False],
    ...     "read_plate": ["A8C123", "A8C123", "AB7123", "XYZ9"],
    ...     "seen_plate": ["ABC123", None, None, None]}))
    (['ABC123', 'ABC123'], ['A8C123', 'A8C123'])
    """
    truth: list[str] = []
    reads: list[str] = []
    seen = df["seen_plate"] if "seen_plate" in df.columns else pd.Series(None, index=df.index)
    for noted, listed, matched, read in zip(seen, df["listed_plate"], df["chars_match"],
                                            df["read_plate"], strict=True):
        noted = "" if noted is None or pd.isna(noted) else str(noted).strip()
        if noted:
            true = noted
        elif bool(matched) and listed is not None and not is_pattern(str(listed)):
            true = str(listed)
        else:
            continue
        truth.append(true)
        reads.append(str(read))
    return truth, reads
