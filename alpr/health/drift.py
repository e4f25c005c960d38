"""Camera alignment and read quality from the reads themselves: per camera and day, where
plates appear in the frame (centre, width, apparent aspect: a rolled camera makes plate
boxes taller), how confident the recognizer was and how many reads were weak, compared with
the camera's own baseline days by a two-sided CUSUM.

Each day's mean is standardised by its own standard error (the baseline's per-read spread
over the day's read count) combined with a tolerance for ordinary day-to-day variation, so
busy and quiet days are judged fairly. Pure functions over a DataFrame of reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# metric -> (readable name, unit, day-to-day tolerance)
METRICS: dict[str, tuple[str, str, float]] = {
    "centre_x": ("plate centre x", "px", 3.0),
    "centre_y": ("plate centre y", "px", 3.0),
    "width": ("plate width", "px", 2.5),
    "aspect": ("plate box height/width", "", 0.012),
    "confidence": ("mean read confidence", "", 0.015),
    "low_share": ("share of low-confidence reads", "", 0.03),
}


@dataclass(frozen=True)
class DriftConfig:
    """CUSUM settings: ``k`` slack and ``h`` decision limit in standard units; the first
    ``baseline_days`` days with at least ``min_reads`` reads form the camera's baseline."""

    baseline_days: int = 5
    min_reads: int = 15
    k: float = 1.0
    h: float = 5.0
    low_confidence: float = 0.7
    tolerances: dict[str, float] = field(default_factory=lambda: {
        m: t for m, (_, _, t) in METRICS.items()})

    def __post_init__(self) -> None:
        if self.baseline_days < 2:
            raise ValueError(f"baseline_days {self.baseline_days!r}: must be at least 2")
        if self.k < 0 or self.h <= 0:
            raise ValueError(f"k {self.k!r}, h {self.h!r}: need k >= 0 and h > 0")
        unknown = set(self.tolerances) - set(METRICS)
        if unknown:
            raise ValueError(f"tolerances: unknown metric(s) {', '.join(sorted(unknown))}")


@dataclass(frozen=True)
class DriftAlarm:
    camera: str
    metric: str
    day: str  # ISO date the CUSUM crossed its limit
    baseline: float
    value: float  # that day's mean

    @property
    def reason(self) -> str:
        name, unit, _ = METRICS[self.metric]
        change = self.value - self.baseline
        return (f"{name} changed from {self.baseline:.3g}{unit} to {self.value:.3g}{unit} "
                f"({change:+.3g}{unit}) since {self.day} (CUSUM against the camera's baseline)")


def daily_stats(reads: pd.DataFrame, low_confidence: float = 0.7) -> pd.DataFrame:
    """Per camera and day: reads, mean (and per-read sd) of each metric.

    ``reads`` needs columns camera, read_at, confidence, box_x, box_y, box_w, box_h.
    """
    need = {"camera", "read_at", "confidence", "box_x", "box_y", "box_w", "box_h"}
    missing = need - set(reads.columns)
    if missing:
        raise ValueError(f"reads: missing column(s) {', '.join(sorted(missing))}")
    df = reads.dropna(subset=["box_w", "box_h"]).copy()
    df["day"] = pd.to_datetime(df["read_at"], utc=True).dt.date.astype(str)
    df["centre_x"] = df["box_x"] + df["box_w"] / 2
    df["centre_y"] = df["box_y"] + df["box_h"] / 2
    df["width"] = df["box_w"].astype(float)
    df["aspect"] = df["box_h"] / df["box_w"]
    df["low_share"] = (df["confidence"] < low_confidence).astype(float)
    g = df.groupby(["camera", "day"])
    out = g[list(METRICS)].mean()
    sd = g[list(METRICS)].std(ddof=1).add_suffix("_sd")
    out = out.join(sd)
    out["reads"] = g.size()
    return out.reset_index()


def cusum(z: np.ndarray, k: float, h: float) -> int | None:
    """Index of the first alarm of a two-sided CUSUM over standardised values, or None.

    >>> cusum(np.array([0.1, -0.3, 0.2, 4.0, 4.0, 4.0]), k=1.0, h=5.0)  # sums 3, then 6 > 5
    4
    """
    hi = lo = 0.0
    for i, v in enumerate(z):
        hi = max(0.0, hi + v - k)
        lo = max(0.0, lo - v - k)
        if hi > h or lo > h:
            return i
    return None


def detect_drift(stats: pd.DataFrame, cfg: DriftConfig | None = None) -> list[DriftAlarm]:
    """CUSUM alarms per camera and metric, against each camera's first baseline days."""
    cfg = cfg or DriftConfig()
    alarms: list[DriftAlarm] = []
    for camera, cam in stats.groupby("camera", sort=True):
        cam = cam[cam["reads"] >= cfg.min_reads].sort_values("day")
        if len(cam) <= cfg.baseline_days:
            continue
        base, rest = cam.iloc[:cfg.baseline_days], cam.iloc[cfg.baseline_days:]
        for metric in METRICS:
            mu = float(np.average(base[metric], weights=base["reads"]))
            if metric == "low_share":
                per_read = math.sqrt(max(mu * (1 - mu), 1e-4))
            else:
                per_read = float(np.sqrt(np.average(base[f"{metric}_sd"].fillna(0) ** 2,
                                                    weights=base["reads"])))
            tol = cfg.tolerances.get(metric, METRICS[metric][2])
            se = per_read / np.sqrt(rest["reads"].to_numpy(float))
            z = (rest[metric].to_numpy(float) - mu) / np.sqrt(se ** 2 + tol ** 2)
            i = cusum(z, cfg.k, cfg.h)
            if i is not None:
                alarms.append(DriftAlarm(str(camera), metric, str(rest["day"].iloc[i]), mu,
                                         float(rest[metric].iloc[i])))
    return alarms
