"""The training loop: stages of (synthetic, then mixed real+synthetic) steps, evaluation on
held-out real crops, checkpoints, calibration, and the final model folder.

Runs unchanged under ``torchrun`` (DDP, gloo on CPU, nccl on GPU): every rank streams its
own data; rank 0 evaluates, checkpoints, tracks and saves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from alpr.datasets import manifest_hash
from alpr.recognizer import calibrate
from alpr.recognizer.artifact import ModelArtifact, save_artifact
from alpr.recognizer.config import StageConfig, TrainConfig
from alpr.recognizer.data import MixedStream, RealPool, collate, load_pools, split_items
from alpr.recognizer.evaluation import evaluate
from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.model import ModelSpec, PlateNet
from alpr.recognizer.recognizer import Recognizer
from alpr.train.core import NonFiniteLossError, fit, resolve_init, run_card

__all__ = ["NonFiniteLossError", "RecognizerTask", "resolve_init", "train"]


def compute_loss(net: torch.nn.Module, batch: dict[str, torch.Tensor], state_weight: float,
                 device: torch.device) -> tuple[torch.Tensor, dict[str, float]]:
    """CTC loss on text + cross-entropy on jurisdiction (samples without a state ignored)."""
    x = batch["image"].to(device, non_blocking=True)
    char_logits, state_logits = net(x)  # (B, T, C+1), (B, S)
    log_probs = char_logits.log_softmax(-1).transpose(0, 1)  # (T, B, C+1)
    in_lens = torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long)
    ctc = F.ctc_loss(log_probs, batch["targets"].to(device), in_lens.to(device),
                     batch["target_lengths"].to(device), blank=0, zero_infinity=True)
    states = batch["state"].to(device)
    has_state = states >= 0
    if has_state.any() and state_weight > 0:
        w = batch["state_weight"].to(device)[has_state]
        ce = F.cross_entropy(state_logits[has_state], states[has_state], label_smoothing=0.05,
                             reduction="none")
        st = (ce * w).sum() / w.sum().clamp_min(1e-6)
    else:
        st = (state_logits * 0.0).sum().abs()  # keeps DDP's graph identical on every rank
    loss = ctc + state_weight * st
    return loss, {"ctc": float(ctc.detach()), "state": float(st.detach())}


def val_images(pool: RealPool) -> list[np.ndarray]:
    """Validation inputs: tight crops as stored, frame crops cut to their labelled box."""
    out = []
    for img, inner in zip(pool.images, pool.inner, strict=True):
        if inner is not None:
            x, y, w, h = inner
            img = img[y:y + h, x:x + w]
        out.append(img)
    return out


def snapshot(net: PlateNet, labels: LabelSpace, card: dict[str, Any] | None = None) -> Recognizer:
    """A torch-backed recognizer over the current weights (for evaluation)."""
    sd = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    return Recognizer(ModelArtifact(net.spec, labels, sd, card or {}), backend="torch")


def calibration_set(pool: RealPool, copies: int = 3, seed: int = 0,
                    strength: float = 0.5) -> tuple[list[np.ndarray], list[str], list[str | None]]:
    """Held-out (tune-side) crops as the reader gets them, plus ``copies`` versions of each:
    the first jittered and camera-augmented, the others degraded to frame conditions
    (:func:`alpr.recognizer.augment.frame_degrade`), so the confidence is fitted where it must hold.

    Frame crops are cut at their box with the pipeline's own margin, as ``alpr read`` cuts
    a detection.
    """
    import random

    from alpr.detector.pipeline import plate_crop
    from alpr.recognizer.augment import augment_image, frame_degrade
    from alpr.recognizer.data import jitter_crop

    base = [img if inner is None else plate_crop(img, inner)
            for img, inner in zip(pool.images, pool.inner, strict=True)]
    imgs, plates, states = list(base), list(pool.plates), list(pool.states)
    rng = random.Random(seed)
    for k in range(copies):
        for i, img in enumerate(base):
            if k == 0:
                out = augment_image(jitter_crop(img, None, rng),
                                    rng_seed=seed * 1000 + k * 100_003 + i, strength=strength)
            else:
                out = frame_degrade(img, rng)
            imgs.append(out)
            plates.append(pool.plates[i])
            states.append(pool.states[i])
    return imgs, plates, states


def fit_calibration(rec: Recognizer, pool: RealPool, labels: LabelSpace) -> dict[str, Any]:
    """Char and state temperatures fitted on the calibration set built from ``pool``."""
    from alpr.recognizer.preprocess import batch_inputs

    if not len(pool):
        return {"char_temperature": 1.0, "state_temperature": 1.0}
    imgs, plates, states = calibration_set(pool)
    chars, state_logits = rec.logits(batch_inputs(imgs, rec.spec.height, rec.spec.width))
    idx = np.array([labels.state_index(s) for s in states])
    keep = idx >= 0
    return {
        "char_temperature": calibrate.fit_char_temperature(list(chars), plates, labels.alphabet),
        "state_temperature": calibrate.fit_state_temperature(state_logits[keep], idx[keep]),
        "method": f"temperature scaling on {len(imgs)} tune-side crops (incl. jittered and "
                  f"frame-degraded copies); "
                  f"char temperature: best log loss with >= {calibrate.TARGET_PRECISION:.0%} "
                  f"of reads at confidence >= {calibrate.THRESHOLD} right",
        "calibration_manifest_sha256": manifest_hash(pool.items),
    }




class RecognizerTask:
    """The plate recognizer as a task of the training core (:func:`alpr.train.core.fit`):
    mixed synthetic and real crops, CTC + state loss, tune-side exact reads as the score."""

    pct_start = 0.15
    collate = staticmethod(collate)

    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self.labels = LabelSpace.default()

    def prepare(self, main_proc: bool) -> torch.nn.Module:
        self.train_pool, self.val_pool = load_pools(self.cfg.data)
        self.val_imgs = val_images(self.val_pool)
        spec = ModelSpec(num_chars=len(self.labels.alphabet),
                         num_states=len(self.labels.states), **self.cfg.model.model_dump())
        return PlateNet(spec)

    def manifests(self) -> dict[str, str]:
        return {"train_manifest": manifest_hash(self.train_pool.items),
                "val_manifest": manifest_hash(self.val_pool.items)}

    def stream(self, stage: StageConfig, stage_index: int, seed: int) -> MixedStream:
        return MixedStream(self.train_pool, self.cfg.data, self.cfg.model, self.labels,
                           stage.real_fraction, seed=seed)

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor], stage: StageConfig,
             device: torch.device) -> tuple[torch.Tensor, dict[str, float]]:
        return compute_loss(model, batch, stage.state_loss_weight, device)

    def validate(self, net: torch.nn.Module) -> tuple[float, dict[str, float], str] | None:
        if not self.val_pool.items:
            return None
        assert isinstance(net, PlateNet)
        report = evaluate(snapshot(net, self.labels), self.val_pool.items, self.val_imgs)
        score = report.exact_folded + 0.01 * (report.state_accuracy or 0)
        return score, report.metrics(), (f"val exact(O/0) {report.exact_folded:.3f} "
                                         f"char {report.char_accuracy:.3f} "
                                         f"state {report.state_accuracy or 0:.3f}")

    def finish(self, net: torch.nn.Module, mlflow: Any, command: str | None,
               stopped_early: bool, seconds: float, steps: int) -> Path:
        assert isinstance(net, PlateNet)
        return finish(self.cfg, net, self.labels, self.train_pool, self.val_pool, mlflow,
                      command, stopped_early, seconds, steps)


def train(cfg: TrainConfig, resume: Path | None = None, progress: bool = True,
          command: str | None = None) -> Path | None:
    """Train the recognizer of ``cfg`` (the training core's loop); returns the model folder
    (rank 0) or None (other ranks)."""
    return fit(RecognizerTask(cfg), resume=resume, progress=progress, command=command)


def finish(cfg: TrainConfig, net: PlateNet, labels: LabelSpace, train_pool: RealPool,
           val_pool: RealPool, mlflow: Any, command: str | None, stopped_early: bool,
           seconds: float, steps: int = 0) -> Path:
    """Calibrate, evaluate, write the model folder and (if tracking) log + register + gate."""
    net = net.cpu().eval()
    cal = fit_calibration(snapshot(net, labels), val_pool, labels)
    rec = snapshot(net, labels, {"calibration": cal})
    report = evaluate(rec, val_pool.items, val_images(val_pool)) if val_pool.items else None
    card = {
        **run_card(cfg, net, command, stopped_early, seconds, steps),
        "calibration": cal,
        "data": {
            "train_real_crops": len(train_pool),
            "val_real_crops": len(val_pool),
            "train_manifest_sha256": manifest_hash(train_pool.items),
            "val_manifest_sha256": manifest_hash(val_pool.items),
            "sources": [*cfg.data.real_crops, *cfg.data.text_crops, *cfg.data.real_frames],
        },
        "metrics_val": report.metrics() if report else {},
        # which figure is which (docs/evaluation.md): metrics_val is on the tune side, where
        # calibration was fitted, so it is a validation figure; the test side is read only
        # by the promotion gate and the benchmarks
        "split": {"rule": "alpr.splits.split_by_plate", **split_items(cfg.data).counts()},
    }
    model_dir = save_artifact(Path(cfg.output) / "model", net, labels, card)
    if report is not None:
        (Path(cfg.output) / "val_report.txt").write_text(report.summary())
    if mlflow is not None:
        from alpr.recognizer.plots import save_plots
        from alpr.train import tracking

        if report is not None:
            mlflow.log_metrics({f"final_{k}": v for k, v in report.metrics().items()})
            for p in save_plots(report, Path(cfg.output) / "plots"):
                mlflow.log_artifact(str(p), artifact_path="plots")
        mlflow.log_dict(card, "model_card.json")
        info = tracking.log_model(mlflow, model_dir, cfg.register_as)
        if cfg.register_as and report is not None:
            gate(mlflow, cfg, info, rec)
        mlflow.end_run()
    return model_dir


def gate_pool(cfg: TrainConfig) -> tuple[RealPool, str]:
    """The crops the promotion gate reads: the split's test side (read here once, for the
    model about to ship), or the tune side where the data leave no test side."""
    sides = split_items(cfg.data)
    pool = RealPool()
    items, side = (sides.test, "test") if sides.test else (sides.tune, "tune")
    for it in items:
        pool.add(it)
    return pool, side


def gate(mlflow: Any, cfg: TrainConfig, info: Any, new: Recognizer) -> bool:
    """Compare the new model with the current champion (with none yet, the shipped model)
    on the same crops of the split's test side; promote only a better one. Prints the
    decision and both figures, and logs them to the run."""
    from alpr.train import tracking

    name = str(cfg.register_as)
    pool, side = gate_pool(cfg)
    if not len(pool):
        print("promotion gate: no test or tune crops to compare on; not promoted")
        mlflow.set_tag("gate_decision", "kept_champion")
        return False
    imgs = val_images(pool)
    has_champ = tracking.has_champion(mlflow, name)
    if has_champ:
        champ, label = Recognizer.load(tracking.champion_uri(name)), "champion"
    else:
        champ, label = Recognizer.load(), "shipped model"
    new_score = evaluate(new, pool.items, imgs).exact_folded
    champ_score = evaluate(champ, pool.items, imgs).exact_folded
    version = str(info.registered_model_version)
    promoted = tracking.promotion_gate(mlflow, name, version, new_score, champ_score,
                                       baseline=label)
    mlflow.set_tag("gate_side", f"{side} ({len(pool)} crops)")
    print(f"promotion gate on the {side} side ({len(pool)} crops, "
          f"{len({it.plate for it in pool.items})} plates): new model v{version} "
          f"{new_score:.1%} exact (O/0), {label} {champ_score:.1%} -> "
          f"{'promoted to champion' if promoted else f'not promoted: the {label} stays'}")
    return promoted
