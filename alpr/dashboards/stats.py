"""Small statistics for the dashboards: rates with Wilson score intervals."""

from __future__ import annotations

import math

import pandas as pd


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % (``z`` = 1.96) Wilson score interval for ``k`` successes out of ``n``.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for small ``n``
    and for rates near 0, which misread rates are.

    >>> [round(x, 4) for x in wilson_interval(0, 10)]
    [0.0, 0.2775]
    >>> [round(x, 4) for x in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"k={k}, n={n}: need 0 <= k <= n")
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def with_rate(df: pd.DataFrame, k: str, n: str, name: str) -> pd.DataFrame:
    """Add ``name`` (k/n), ``name_low`` and ``name_high`` (Wilson 95 %) columns."""
    out = df.copy()
    ks, ns = out[k].astype(int).tolist(), out[n].astype(int).tolist()
    out[name] = [a / b if b else float("nan") for a, b in zip(ks, ns, strict=True)]
    bounds = [wilson_interval(a, b) if b else (float("nan"), float("nan"))
              for a, b in zip(ks, ns, strict=True)]
    out[f"{name}_low"] = [lo for lo, _ in bounds]
    out[f"{name}_high"] = [hi for _, hi in bounds]
    return out
