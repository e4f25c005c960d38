"""Plots of an evaluation report: character confusions, per-state accuracy, calibration."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from alpr.recognizer.evaluation import EvalReport  # noqa: E402


def confusion_plot(report: EvalReport, path: Path, top: int = 15) -> Path:
    rows = [(a, b, c) for a, b, c in report.confusions if a != "length"][:top]
    length = [(b, c) for a, b, c in report.confusions if a == "length"]
    fig, ax = plt.subplots(figsize=(6, 4))
    labels = [f"{a}→{b}" for a, b, _ in rows] + [f"{b} char" for b, _ in length]
    values = [c for _, _, c in rows] + [c for _, c in length]
    ax.barh(labels[::-1], values[::-1], color="#c0504d")
    ax.set_xlabel("misreads")
    ax.set_title("Most frequent character confusions (truth→read)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def per_state_plot(report: EvalReport, path: Path) -> Path:
    rows = [r for r in report.per_state if r["state"] != "?"]
    fig, ax = plt.subplots(figsize=(max(6, len(rows) * 0.25), 4))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["exact_folded"] for r in rows], 0.4, label="plate text (O/0 folded)")
    ax.bar(x + 0.2, [r["state_accuracy"] or 0 for r in rows], 0.4, label="state of issuance")
    ax.set_xticks(x, [f"{r['state']}\n{r['n']}" for r in rows], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy per jurisdiction (count under each code)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
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
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
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
    plt.close(fig)
    return path


def save_plots(report: EvalReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [confusion_plot(report, folder / "confusions.png"),
            per_state_plot(report, folder / "per_state_accuracy.png"),
            calibration_plot(report, folder / "calibration.png")]
