"""The figures notebook 01 tells a department's retraining with: what was collected, how it
split, how training went, the new model against the one it would replace on the same
held-out crops (by plate height and by state), the gate's decision and why, and where the
new model's confidence can be trusted. Each is a table (and a plot where a picture reads
better); the notebook only arranges them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from alpr.metrics import accuracy_at_thresholds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from alpr.recognizer.config import TrainConfig
    from alpr.recognizer.evaluation import EvalReport

# the plate-height buckets of the frames benchmark (docs/benchmarks.md)
HEIGHT_BUCKETS = ((0, 35, "< 35 px"), (35, 51, "35-50 px"), (51, math.inf, "> 50 px"))
CURVE_METRICS = {"loss": "training loss", "val_exact_match_o_folded": "tune exact (O/0)",
                 "val_state_top1": "tune state"}  # logged name -> column
TRUSTED = 0.99  # "among reads at or above the threshold, at least 99% right" (issue #15)


def height_bucket(height: int) -> str:
    """The bucket of a crop ``height`` px high.

    >>> height_bucket(34), height_bucket(50), height_bucket(51)
    ('< 35 px', '35-50 px', '> 50 px')
    """
    return next(name for lo, hi, name in HEIGHT_BUCKETS if lo <= height < hi)


def collected_summary(labels: Path) -> pd.DataFrame:
    """Crops and distinct plates per state in a verified-crops manifest (``?``: no state)."""
    frame = pd.read_csv(labels, dtype=str).fillna("")
    frame["state"] = frame["state"].replace("", "?")
    out = frame.groupby("state").agg(crops=("plate", "size"), plates=("plate", "nunique"))
    out = out.sort_values("crops", ascending=False)
    out.loc["all"] = [len(frame), frame["plate"].nunique()]
    return out


def split_summary(cfg: TrainConfig) -> pd.DataFrame:
    """Crops and plates on each side of the training split (by plate text: a plate on one
    side only), with the loaded total, so a reader sees that nothing was dropped."""
    from alpr.datasets import load_crops
    from alpr.recognizer.data import split_items

    sides = split_items(cfg.data)
    counts = sides.counts()
    loaded = sum(len(load_crops(p, corrections=cfg.data.corrections).items)
                 for p in cfg.data.real_crops)
    loaded += sum(len(load_crops(p, corrections=cfg.data.corrections,
                                 require_state=False).items) for p in cfg.data.text_crops)
    out = pd.DataFrame(counts).T[["crops", "plates"]]
    out["share of crops"] = (out["crops"] / max(1, out["crops"].sum())).map("{:.0%}".format)
    out.loc["all sides"] = [out["crops"].sum(), out["plates"].sum(), ""]
    out.attrs["loaded"] = loaded
    return out


def latest_run(experiment: str = "alpr-plate-ocr") -> str:
    """The id of the newest training run (the one a gate decided on) in ``experiment``."""
    from alpr.train import tracking

    mlflow = tracking.setup(experiment)
    runs = mlflow.search_runs(experiment_names=[experiment], order_by=["start_time DESC"],
                              filter_string="tags.gate_decision != ''")
    if runs.empty:
        raise LookupError(f"experiment {experiment!r}: no training run with a gate decision")
    return str(runs.iloc[0]["run_id"])


def training_curve(run_id: str, experiment: str = "alpr-plate-ocr") -> pd.DataFrame:
    """The run's training loss and validation exact read and state by step (MLflow history);
    columns as :data:`CURVE_METRICS` names them."""
    from alpr.train import tracking

    client = tracking.setup(experiment).MlflowClient()
    logged = client.get_run(run_id).data.metrics
    keys = [k for k in CURVE_METRICS if k in logged]
    series = {k: {m.step: m.value for m in client.get_metric_history(run_id, k)} for k in keys}
    return (pd.DataFrame(series).sort_index().rename_axis("step")
            .rename(columns=CURVE_METRICS))


def plot_training_curve(curve: pd.DataFrame) -> Figure:
    """Loss (left axis) and validation exact read (right axis, where logged) against step."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3))
    ax = fig.subplots()
    if "training loss" in curve:
        ax.plot(curve.index, curve["training loss"], color="tab:blue", lw=1,
                label="training loss")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    if "tune exact (O/0)" in curve:
        right = ax.twinx()
        pts = curve["tune exact (O/0)"].dropna()
        right.plot(pts.index, pts.to_numpy() * 100, "o-", color="tab:green",
                   label="validation exact read (tune side)")
        right.set_ylabel("exact read on the tune side (%)")
        right.set_ylim(0, 100)
        right.legend(loc="upper right", fontsize=8)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("training curve")
    fig.tight_layout()
    return fig


@dataclass
class Comparison:
    """The new model and the one it would replace, read on the same held-out crops."""

    side: str
    baseline: str  # "champion" or "shipped model"
    new: EvalReport
    old: EvalReport
    heights: list[int]

    def _by(self, keys: list[str], states: bool = False) -> pd.DataFrame:
        new, old = "new model", self.baseline
        frame = pd.DataFrame({"group": keys,
                              new: [r["correct"] for r in self.new.rows],
                              old: [r["correct"] for r in self.old.rows]})
        if states:
            frame[f"{new}: state"] = [r["read_state"] == r["state"] if r["state"] else None
                                      for r in self.new.rows]
            frame[f"{old}: state"] = [r["read_state"] == r["state"] if r["state"] else None
                                      for r in self.old.rows]
        groups = frame.groupby("group", sort=False)
        out = (groups[[c for c in frame.columns if c != "group"]].mean() * 100).round(1)
        out["crops"] = groups.size()
        return out

    def by_height(self) -> pd.DataFrame:
        """Exact read (O/0-folded, %) of each model per plate-height bucket, with crop counts."""
        table = self._by([height_bucket(h) for h in self.heights])
        order = [name for *_, name in HEIGHT_BUCKETS if name in table.index]
        return table.loc[order]

    def by_state(self) -> pd.DataFrame:
        """Exact read (O/0-folded, %) and state of issuance right (%) of each model per
        labelled state, with crop counts."""
        return self._by([r["state"] or "?" for r in self.new.rows], states=True).sort_values(
            "crops", ascending=False)


def compare(cfg: TrainConfig, new_model: Path | str, old_model: str | None,
            baseline: str = "champion") -> Comparison:
    """Read the gate's crops (the split's test side, or its tune side where there is no test
    side: :func:`alpr.recognizer.loop.gate_pool`) with both models."""
    from alpr.recognizer.evaluation import evaluate
    from alpr.recognizer.loop import gate_pool, val_images
    from alpr.recognizer.recognizer import Recognizer

    pool, side = gate_pool(cfg)
    images = val_images(pool)
    new = evaluate(Recognizer.load(new_model), pool.items, images)
    old = evaluate(Recognizer.load(old_model), pool.items, images)
    return Comparison(side, baseline, new, old, [int(im.shape[0]) for im in images])


def plot_comparison(table: pd.DataFrame, title: str) -> Figure:
    """Grouped bars: each model's exact read per group, the crop count under each group."""
    from matplotlib.figure import Figure

    models = [c for c in table.columns if c != "crops" and not c.endswith(": state")]
    fig = Figure(figsize=(max(4.0, 1.2 * len(table) + 2), 3))
    ax = fig.subplots()
    width = 0.8 / max(1, len(models))
    for k, m in enumerate(models):
        xs = [i + (k - (len(models) - 1) / 2) * width for i in range(len(table))]
        ax.bar(xs, table[m].to_numpy(), width, label=m)
    ticks = [f"{g}\n{int(n)} crop{'s' if n != 1 else ''}"
             for g, n in zip(table.index, table["crops"], strict=True)]
    ax.set_xticks(range(len(table)), ticks)
    ax.set_ylim(0, 122)  # the band over 100% holds the legend, clear of every bar
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("exact read, O/0 folded (%)")
    ax.set_title(title)
    ax.legend(loc="upper right", ncol=len(models), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def gate_reason(run_id: str, experiment: str = "alpr-plate-ocr") -> str:
    """The gate's decision for a run in one sentence, with both figures and its rule."""
    from alpr.train import tracking

    run = tracking.setup(experiment).MlflowClient().get_run(run_id)
    tags, metrics = run.data.tags, run.data.metrics
    decision = tags.get("gate_decision")
    if decision is None:
        return "this run was not put to the gate (no registered model name in its config)"
    new, old = metrics.get("gate_new_score"), metrics.get("gate_champion_score")
    baseline = tags.get("gate_baseline", "champion")
    side, _, count = tags.get("gate_side", "held-out").partition(" ")
    where = f"the {side} side {count}".strip()
    if old is None:
        return (f"{decision}: nothing to compare with on {where}; the new model scored "
                f"{new:.1%}" if new is not None else f"{decision}: no crops to compare on")
    rule = ("it reads more of them exactly" if decision == "promoted" else
            "a model is promoted only when it reads strictly more of them exactly; "
            f"the {baseline} stays")
    return (f"{decision}: on {where}, the new model read {new:.1%} exactly (O/0 folded), "
            f"the {baseline} {old:.1%}; {rule}")


def wilson_lower(right: int, n: int, z: float = 1.96) -> float:
    """The lower end of the Wilson 95% interval of ``right`` of ``n``.

    >>> round(wilson_lower(20, 20), 3)
    0.839
    """
    if n == 0:
        return 0.0
    p = right / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def trust_table(report: EvalReport) -> pd.DataFrame:
    """For each confidence threshold: the share of reads at or above it, how many of those
    were wrong, their accuracy and the lower end of its 95% interval — where the lower end
    reaches 99%, reads at that confidence can be acted on without a second look."""
    rows = report.rows
    table = pd.DataFrame(accuracy_at_thresholds(
        [r["correct"] for r in rows], [r["confidence"] for r in rows],
        (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)))
    table["accuracy, 95% lower bound"] = [
        wilson_lower(int(a - w), int(a)) for a, w in zip(table["accepted"], table["wrong"],
                                                         strict=True)]
    return table.set_index("threshold")


def trust_sentence(table: pd.DataFrame, n: int) -> str:
    """Where the confidence can be trusted, in words, from :func:`trust_table`."""
    ok = table[(table["wrong"] == 0) & (table["accepted"] > 0)]
    if ok.empty:
        return (f"on these {n} held-out crops no confidence threshold is free of wrong reads: "
                "every read needs the operator's visual check")
    th = float(ok.index.min())
    row: Any = ok.loc[th]
    lower = float(row["accuracy, 95% lower bound"])
    verdict = ("enough to call them trusted" if lower >= TRUSTED else
               f"too few crops to show {TRUSTED:.0%} (the 95% lower bound is {lower:.0%}); "
               "collect more verified reads before relying on it")
    return (f"at confidence >= {th:.2f}: {int(row['accepted'])} of {n} held-out reads "
            f"({row['accepted_share']:.0%}), none wrong — {verdict}")
