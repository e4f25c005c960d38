"""An error gallery for an evaluation report: the misread crops with truth, read and
confidence under each, most confident mistakes first (those are the dangerous ones)."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt  # the caller's backend: inline in a notebook, shown there

from alpr.recognizer.evaluation import EvalReport


def errors(report: EvalReport) -> list[dict[str, Any]]:
    """Wrong reads (O/0 folded), most confident first."""
    return sorted((r for r in report.rows if not r["correct"]),
                  key=lambda r: -r["confidence"])


def error_gallery(report: EvalReport, n: int = 12, cols: int = 4) -> Any:
    """A matplotlib figure of up to ``n`` misread crops (None when there are none)."""
    from alpr.recognizer.preprocess import load_rgb

    wrong = errors(report)[:n]
    if not wrong:
        return None
    rows = math.ceil(len(wrong) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.6, rows * 1.8), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, r in zip(axes.flat, wrong, strict=False):
        ax.imshow(load_rgb(r["image"]))
        ax.set_title(f"{r['truth']} → {r['read']}\nconf {r['confidence']:.2f}"
                     f" · {r['state'] or '?'}→{r['read_state'] or '?'}", fontsize=8)
    fig.suptitle(f"{len(errors(report))} misread(s); most confident first", fontsize=10)
    fig.tight_layout()
    return fig
