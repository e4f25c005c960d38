"""An error gallery for an evaluation report: the misread crops with truth, read and
confidence under each, most confident mistakes first (those are the dangerous ones)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt  # the caller's backend: inline in a notebook, shown there

from alpr.recognizer.evaluation import EvalReport


def errors(report: EvalReport) -> list[dict[str, Any]]:
    """Wrong reads (O/0 folded), most confident first."""
    return sorted((r for r in report.rows if not r["correct"]),
                  key=lambda r: -r["confidence"])


def image_grid(tiles: Sequence[tuple[str | Path, str]], title: str, cols: int = 4,
               tile: tuple[float, float] = (2.6, 1.8)) -> Any:
    """A matplotlib figure of crops in a grid, each (image file, caption), ``title`` above."""
    from alpr.recognizer.preprocess import load_rgb

    rows = math.ceil(len(tiles) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * tile[0], rows * tile[1]),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (image, caption) in zip(axes.flat, tiles, strict=False):
        ax.imshow(load_rgb(image))
        ax.set_title(caption, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def error_gallery(report: EvalReport, n: int = 12, cols: int = 4) -> Any:
    """A matplotlib figure of up to ``n`` misread crops (None when there are none)."""
    wrong = errors(report)[:n]
    if not wrong:
        return None
    return image_grid([(r["image"], f"{r['truth']} → {r['read']}\nconf {r['confidence']:.2f}"
                                    f" · {r['state'] or '?'}→{r['read_state'] or '?'}")
                       for r in wrong],
                      f"{len(errors(report))} misread(s); most confident first", cols)
