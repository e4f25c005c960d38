"""Small statistics for the dashboards: rates with Wilson score intervals."""

from __future__ import annotations

import pandas as pd


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % (``z`` = 1.96) Wilson score interval for ``k`` successes out of ``n``: the
    project's one implementation (:func:`alpr.health.misreads.wilson`), bounds only.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for small ``n``
    and for rates near 0, which misread rates are.

    >>> [round(x, 4) for x in wilson_interval(0, 10)]
    [0.0, 0.2775]
    >>> [round(x, 4) for x in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    from alpr.health.misreads import wilson

    _, low, high = wilson(k, n, z)
    return low, high


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
