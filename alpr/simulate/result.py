"""What a simulation run stored (:class:`SimulationResult`, its one-line summary) and how
its stored reads compare with the true plates (:func:`reading_accuracy`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alpr.simulate.clock import naive
from alpr.simulate.scene import daylight
from alpr.vocabulary.plate_text import fold_o_to_zero


@dataclass
class SimulationResult:
    """What a run stored, and where its side files are."""

    out_dir: str
    db_url: str
    reads_stored: int = 0
    reads_rejected: int = 0
    no_reads: int = 0
    detector_misses: int = 0  # passes the plate detector did not find (use_detector)
    passes: int = 0
    hits: int = 0  # hits in the store at the end (from reads, manual entries, any path)
    verifications: dict[str, int] = field(default_factory=dict)
    denied: int = 0
    shifts: int = 0
    frames: int = 0
    manual_entries: int = 0
    searches: int = 0
    shares: int = 0
    seconds: float = 0.0
    admin: str = "admin"
    faults: list[dict[str, Any]] = field(default_factory=list)
    # how the stored reads compare with the true plates (:func:`reading_accuracy`)
    reading: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        v = ", ".join(f"{k} {n}" for k, n in sorted(self.verifications.items()))
        rd = self.reading
        exact = (f"; {rd['exact']:.1%} read exactly (O/0 folded; strict "
                 f"{rd['exact_strict']:.1%}, day {rd['day']:.1%}, night "
                 + (f"{rd['night']:.1%}" if rd.get("night") is not None else "no reads")
                 + ")") if rd.get("reads") else ""
        return (f"{self.passes} vehicle passes -> {self.reads_stored} reads stored "
                f"({self.no_reads} unreadable"
                + (f", of which {self.detector_misses} missed by the detector"
                   if self.detector_misses else "")
                + f", {self.reads_rejected} rejected{exact}), {self.hits} "
                f"hits (verified: {v or 'none'}), {self.shifts} shifts, {self.frames} frames, "
                f"{self.manual_entries} manual entries, {self.searches} searches, "
                f"{self.shares} shares, {self.denied} denied attempts; "
                f"{len(self.faults)} faults injected; {self.seconds:.0f} s")


def reading_accuracy(reads: list[tuple[str, dt.datetime, str]],
                     truth: dict[tuple[str, dt.datetime], tuple[str, str]],
                     condition: Callable[[str, dt.datetime], str] | None = None
                     ) -> dict[str, Any]:
    """How stored reads (camera, read time, plate read) compare with the true plates:
    the share read exactly, O/0 folded (most US plates print one glyph for both, and the
    recognizer's labels write 0) and strict; the folded share by day and night
    (``daylight < 0.4``), by camera and, with ``condition``, by the camera's condition
    then (e.g. ``healthy``, ``dirty_lens``). Reads with no known truth are left out.

    >>> t = dt.datetime(2026, 5, 1, 12)
    >>> truth = {("C", t): ("ABO12", "PA"), ("C", t.replace(hour=2)): ("XY9", "PA")}
    >>> r = reading_accuracy([("C", t, "AB012"), ("C", t.replace(hour=2), "XY8")], truth)
    >>> r["exact"], r["exact_strict"], r["day"], r["night"], r["by_camera"]
    (0.5, 0.0, 1.0, 0.0, {'C': 0.5})
    """
    n = strict = 0
    groups: dict[str, list[int]] = {}  # group -> [reads, read exactly (folded)]

    def count(key: str, ok: bool) -> None:
        g = groups.setdefault(key, [0, 0])
        g[0], g[1] = g[0] + 1, g[1] + ok

    for camera, at, plate in reads:
        true = truth.get((camera, naive(at)))
        if true is None:
            continue
        ok = fold_o_to_zero(plate) == fold_o_to_zero(true[0])
        n, strict = n + 1, strict + (plate == true[0])
        count("all", ok)
        count("night" if daylight(at.hour + at.minute / 60) < 0.4 else "day", ok)
        count(f"camera {camera}", ok)
        if condition is not None:
            count(f"condition {condition(camera, at)}", ok)

    def share(key: str) -> float | None:
        k, right = groups.get(key, (0, 0))
        return round(right / k, 4) if k else None

    def split(prefix: str) -> dict[str, float | None]:
        return {g[len(prefix):]: share(g) for g in sorted(groups) if g.startswith(prefix)}

    out: dict[str, Any] = {"reads": n, "exact": share("all"),
                           "exact_strict": round(strict / n, 4) if n else None,
                           "day": share("day"), "night": share("night"),
                           "by_camera": split("camera ")}
    if condition is not None:
        out["by_condition"] = split("condition ")
    return out
