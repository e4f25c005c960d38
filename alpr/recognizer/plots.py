"""Plots of an evaluation report: character confusions, per-state accuracy, calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # no pyplot: files only, the backend left alone
from matplotlib.ticker import MaxNLocator

from alpr.recognizer.evaluation import EvalReport


def confusion_figure(report: EvalReport, top: int = 15) -> Figure:
    """Bars of the most frequent confusions (truth→read), the O/0 swaps apart in grey; a
    plain sentence instead of an empty frame when there are none."""
    rows = [(a, b, c) for a, b, c in report.confusions if a != "length"][:top]
    length = [(b, c) for a, b, c in report.confusions if a == "length"]
    labels = [f"{a}→{b}" for a, b, _ in rows] + [f"{b} char" for b, _ in length]
    values = [c for _, _, c in rows] + [c for _, c in length]
    colors = ["#c0504d"] * len(values)
    labels += [f"{a}→{b} (O/0 swap)" for a, b, _ in report.o_zero]
    values += [c for _, _, c in report.o_zero]
    colors += ["#8c8c8c"] * len(report.o_zero)
    fig = Figure(figsize=(6, max(2.0, 0.3 * len(values) + 1.2)))
    ax = fig.subplots()
    ax.set_title("Most frequent character confusions (truth→read)")
    if not values:
        ax.text(0.5, 0.5, f"no character confusions: {report.misreads} misreads of "
                          f"{report.n} reads", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        ax.barh(labels[::-1], values[::-1], color=colors[::-1])
        ax.set_xlabel("reads")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def confusion_plot(report: EvalReport, path: Path, top: int = 15) -> Path:
    confusion_figure(report, top).savefig(path, dpi=110)
    return path


def per_state_plot(report: EvalReport, path: Path) -> Path:
    rows = [r for r in report.per_state if r["state"] != "?"]
    fig = Figure(figsize=(max(6, len(rows) * 0.25), 4))
    ax = fig.subplots()
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["exact_folded"] for r in rows], 0.4, label="plate text (O/0 folded)")
    ax.bar(x + 0.2, [r["state_accuracy"] or 0 for r in rows], 0.4, label="state of issuance")
    ax.set_xticks(x, [f"{r['state']}\n{r['n']}" for r in rows], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy per jurisdiction (count under each code)")
    # above the bars, never over them
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.08), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def calibration_plot(report: EvalReport, path: Path, bins: int = 10) -> Path:
    conf = np.array([r["confidence"] for r in report.rows])
    ok = np.array([r["correct"] for r in report.rows], dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    centers, accs, counts = [], [], []
    for b in range(bins):
        m = idx == b
        if m.any():
            centers.append(conf[m].mean())
            accs.append(ok[m].mean())
            counts.append(int(m.sum()))
    fig = Figure(figsize=(4.5, 4.5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot(centers, accs, "o-", label="reads")
    for c, a, n in zip(centers, accs, counts, strict=True):
        ax.annotate(str(n), (c, a), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(edges[::2])
    ax.set_xlabel("read confidence")
    ax.set_ylabel("share read correctly")
    ax.set_title(f"Confidence calibration (ECE {report.ece:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def save_plots(report: EvalReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [confusion_plot(report, folder / "confusions.png"),
            per_state_plot(report, folder / "per_state_accuracy.png"),
            calibration_plot(report, folder / "calibration.png")]
