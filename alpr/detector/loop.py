"""The detector training loop: stages of synthetic-scene and real-frame crops, evaluation on
held-out real frames, resumable checkpoints, the model folder, MLflow tracking, the registry
and the champion promotion gate.

Same skeleton as the recognizer's :mod:`alpr.recognizer.loop` and, like it, runs unchanged under
``torchrun`` (DDP): every rank streams its own data; rank 0 evaluates, checkpoints and saves.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from alpr.datasets import LabelledCrop, manifest_hash
from alpr.detector.artifact import DetectorArtifact, save_artifact
from alpr.detector.config import DetectorTrainConfig, DetStageConfig
from alpr.detector.data import (
    DetectionStream,
    FramePool,
    collate,
    frame_items,
    frame_key,
    load_extra_boxes,
    plate_crops,
)
from alpr.detector.detector import PlateDetector
from alpr.detector.evaluation import (
    Box,
    DetectionReport,
    build_report,
    evaluate_frames,
    per_set_reports,
)
from alpr.detector.model import DetectorSpec, PlateDetNet
from alpr.detector.targets import detection_loss
from alpr.recognizer.preprocess import load_rgb
from alpr.train.core import fit, run_card

THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def gate_score(report: DetectionReport) -> float:
    """F1 of detection recall and precision at IoU >= 0.4: what the promotion gate compares."""
    r, p = report.recall, report.precision
    return 2 * r * p / (r + p) if r + p > 0 else 0.0


def snapshot(net: PlateDetNet, threshold: float, fallback: int | None = None) -> PlateDetector:
    """A torch-backed detector over the current weights (for evaluation)."""
    sd = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    card = {"score_threshold": threshold, "fallback_input_size": fallback}
    return PlateDetector(DetectorArtifact(net.spec, sd, card), backend="torch")


class DetectorTask:
    """The plate detector as a task of the training core (:func:`alpr.train.core.fit`):
    synthetic scenes and real frames, heat-map + box loss, F1 on held-out frames as the
    score."""

    pct_start = 0.1
    collate = staticmethod(collate)

    def __init__(self, cfg: DetectorTrainConfig) -> None:
        self.cfg = cfg

    def prepare(self, main_proc: bool) -> torch.nn.Module:
        cfg = self.cfg
        train_items, self.val_items = frame_items(cfg.data)
        self.pool = FramePool()
        extra = load_extra_boxes(cfg.data.extra_boxes)
        for item in train_items:
            self.pool.add(item, extra.get(frame_key(item.image)))
        self.val_frames = [load_rgb(it.image) for it in self.val_items] if main_proc else []
        self.real_plates = plate_crops(cfg.data) if cfg.data.real_plate_share > 0 else []
        return PlateDetNet(DetectorSpec(width=cfg.model.width, input_size=cfg.model.input_size))

    def manifests(self) -> dict[str, str]:
        return {"train_manifest": manifest_hash(self.pool.items),
                "val_manifest": manifest_hash(self.val_items)}

    def stream(self, stage: DetStageConfig, stage_index: int, seed: int) -> DetectionStream:
        return DetectionStream(self.pool, self.cfg.data, self.cfg.model, stage.real_fraction,
                               seed=seed, real_plates=self.real_plates)

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor],
             stage: DetStageConfig, device: torch.device) -> tuple[torch.Tensor, dict[str, float]]:
        y = model(batch["image"].to(device, non_blocking=True))  # (B, 5, h, w)
        return detection_loss(y, batch["heat"].to(device), batch["reg"].to(device),
                              batch["mask"].to(device), self.cfg.box_weight)

    def validate(self, net: torch.nn.Module) -> tuple[float, dict[str, float], str] | None:
        if not self.val_items:
            return None
        assert isinstance(net, PlateDetNet)
        rep = evaluate_frames(snapshot(net, self.cfg.score_threshold,
                                       self.cfg.model.fallback_size), self.val_items,
                              frames=self.val_frames)
        return gate_score(rep), rep.metrics(), (f"val recall {rep.recall:.3f} precision "
                                                f"{rep.precision:.3f} false/frame "
                                                f"{rep.false_per_frame:.3f}")

    def finish(self, net: torch.nn.Module, mlflow: Any, command: str | None,
               stopped_early: bool, seconds: float, steps: int) -> Path:
        assert isinstance(net, PlateDetNet)
        return finish(self.cfg, net, self.pool, self.val_items, self.val_frames, mlflow,
                      command, stopped_early, seconds, steps)


def train_detector(cfg: DetectorTrainConfig, resume: Path | None = None, progress: bool = True,
                   command: str | None = None) -> Path | None:
    """Train the detector of ``cfg`` (the training core's loop); returns the model folder
    (rank 0) or None (other ranks)."""
    return fit(DetectorTask(cfg), resume=resume, progress=progress, command=command)


def known_boxes(pool: FramePool) -> list[list[Box]]:
    """Per training frame, the extra plates and ignore regions in original frame pixels:
    detections there are neither found plates nor false ones when choosing the threshold."""
    return [[(x / f, y / f, w / f, h / f) for x, y, w, h in plates[1:] + ign]
            for plates, ign, f in zip(pool.plates, pool.ignore, pool.scale, strict=True)]


def threshold_table(net: PlateDetNet, items: list[LabelledCrop], frames: list[np.ndarray],
                    fallback: int | None = None) -> list[dict[str, float]]:
    """Recall, precision and false plates per frame at each score threshold."""
    det = snapshot(net, min(THRESHOLDS), fallback)
    dets = [det.detect(f) for f in frames]  # once, at the lowest threshold; filtered below
    rows = []
    for th in THRESHOLDS:
        rep = build_report(items, [[d for d in ds if d.score >= th] for ds in dets])
        rows.append({"threshold": th, "recall": rep.recall, "precision": rep.precision,
                     "false_plates_per_frame": rep.false_per_frame})
    return rows


def finish(cfg: DetectorTrainConfig, net: PlateDetNet, pool: FramePool,
           val_items: list[LabelledCrop], val_frames: list[np.ndarray], mlflow: Any,
           command: str | None, stopped_early: bool, seconds: float,
           steps_done: int = 0) -> Path:
    """Evaluate, write the model folder and (if tracking) log + register + gate."""
    net = net.cpu().eval()
    recognizer = None
    try:
        from alpr.recognizer.recognizer import Recognizer

        recognizer = Recognizer.load()
    except (FileNotFoundError, OSError):
        pass  # end-to-end figures need the shipped recognizer; detection figures do not
    threshold, method = cfg.score_threshold, None
    if cfg.max_false_per_frame is not None and len(pool):
        from alpr.detector.threshold import GRID, pick_threshold

        low = snapshot(net, min(GRID))
        train_frames = [load_rgb(it.image) for it in pool.items]
        threshold = pick_threshold(pool.items, [low.detect(f) for f in train_frames],
                                   cfg.max_false_per_frame, known=known_boxes(pool))
        method = (f"lowest of {GRID[0]}..{GRID[-1]} with at most {cfg.max_false_per_frame} "
                  f"false plates per frame on the {len(pool)} training frames")
        if cfg.data.extra_boxes:
            method += (f" (detections of the other plates and unsure regions listed in "
                       f"{cfg.data.extra_boxes} not counted as false)")
    det = snapshot(net, threshold, cfg.model.fallback_size)
    read_check = None
    if (cfg.read_check_min_score is not None and recognizer is not None and len(pool)
            and cfg.read_check_min_score < threshold):
        from alpr.detector.threshold import pick_read_check

        train_frames = [load_rgb(it.image) for it in pool.items]
        read_check, _ = pick_read_check(det, recognizer, pool.items, train_frames,
                                        cfg.read_check_min_score,
                                        cfg.read_check_max_false_per_frame, known_boxes(pool))
        if read_check is not None:
            from alpr.detector.threshold import pick_zoom

            read_check = pick_zoom(det, recognizer, read_check, pool.items, train_frames,
                                   known_boxes(pool),
                                   max_false_per_frame=cfg.read_check_max_false_per_frame)
        det.read_check = read_check
    report = evaluate_frames(det, val_items, recognizer, frames=val_frames) if val_items else None
    checked: dict[str, Any] = {}  # the read check and the held-out figures without it
    if read_check is not None and recognizer is not None:
        read_check = replace(read_check,
                             recognizer=str(recognizer.artifact.card.get("name", "?")))
        det.read_check = read_check
        checked["read_check"] = read_check.to_dict()
        if val_items:
            alone = snapshot(net, threshold, cfg.model.fallback_size)
            checked["metrics_val_detector_only"] = evaluate_frames(
                alone, val_items, recognizer, frames=val_frames).metrics()
    card: dict[str, Any] = {
        **run_card(cfg, net, command, stopped_early, seconds, steps_done),
        "score_threshold": threshold,
        "fallback_input_size": cfg.model.fallback_size,
        "threshold_method": method or "score_threshold of the config",
        **checked,
        "data": {
            "train_real_frames": len(pool),
            "val_real_frames": len(val_items),
            "train_manifest_sha256": manifest_hash(pool.items),
            "val_manifest_sha256": manifest_hash(val_items),
            "sources": list(cfg.data.real_frames),
            "split_rule": f"alpr.datasets.split(val_fraction={cfg.data.val_fraction})",
            "synthetic": "alpr.synth.scenes.SceneRenderer (US plates from "
                         "alpr.synth.render, European-style plates drawn there)",
        },
        "metrics_val": report.metrics() if report else {},
        "metrics_val_per_set": (per_set_reports(det, val_items, val_frames, recognizer)
                                if val_items else {}),
        "thresholds_val": (threshold_table(net, val_items, val_frames, cfg.model.fallback_size)
                           if val_items else []),
        "end_to_end_recognizer": (str(recognizer.artifact.card.get("name", "plate-ocr"))
                                  if recognizer is not None else None),
    }
    model_dir = save_artifact(Path(cfg.output) / "model", net, card)
    if report is not None:
        (Path(cfg.output) / "val_report.txt").write_text(report.summary())
    if mlflow is not None:
        from alpr.detector import tracking as det_tracking

        if report is not None:
            mlflow.log_metrics({f"final_{k}": v for k, v in report.metrics().items()})
        mlflow.log_dict(card, "model_card.json")
        info = det_tracking.log_model(mlflow, model_dir, cfg.register_as)
        if cfg.register_as and report is not None:
            gate(mlflow, cfg.register_as, info, report, val_items, val_frames)
        mlflow.end_run()
    return model_dir


def gate(mlflow: Any, name: str, info: Any, report: DetectionReport,
         val_items: list[LabelledCrop], val_frames: list[np.ndarray]) -> bool:
    """Compare with the current champion on the same validation frames, then decide."""
    from alpr.train import tracking

    champion_score = None
    if tracking.has_champion(mlflow, name):
        champ = PlateDetector.load(tracking.champion_uri(name))
        champion_score = gate_score(evaluate_frames(champ, val_items, frames=val_frames))
    return tracking.promotion_gate(mlflow, name, str(info.registered_model_version),
                                   gate_score(report), champion_score)
