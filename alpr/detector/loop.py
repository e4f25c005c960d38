"""The detector training loop: stages of synthetic-scene and real-frame crops, evaluation on
held-out real frames, resumable checkpoints, the model folder, MLflow tracking, the registry
and the champion promotion gate.

Same skeleton as the recognizer's :mod:`alpr.train.loop` and, like it, runs unchanged under
``torchrun`` (DDP): every rank streams its own data; rank 0 evaluates, checkpoints and saves.
"""

from __future__ import annotations

import json
import math
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from alpr.datasets import LabelledCrop, manifest_hash
from alpr.detector.artifact import DetectorArtifact, save_artifact
from alpr.detector.config import DetectorTrainConfig
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
from alpr.detector.model import DetectorSpec, PlateDetNet, count_parameters
from alpr.detector.targets import detection_loss
from alpr.recognizer.preprocess import load_rgb
from alpr.train.loop import NonFiniteLossError, setup_distributed

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


def out_of_time(cfg: DetectorTrainConfig, t0: float, step: int, world: int) -> bool:
    """True once the wall-clock budget is spent; every rank agrees (checked each log step)."""
    if cfg.max_minutes is None or step % cfg.log_every:
        return False
    over = torch.tensor([float(time.monotonic() - t0 > cfg.max_minutes * 60)])
    if world > 1:
        dist.all_reduce(over, op=dist.ReduceOp.MAX)
    return bool(over.item())


def budget_factor(cfg: DetectorTrainConfig, elapsed_s: float) -> float:
    """Learning-rate factor for a wall-clock budget: 1, then linear to 0 over its last part.

    A run whose step count the machine cannot reach within ``max_minutes`` still ends with an
    annealed learning rate instead of being cut at full speed.

    >>> cfg = DetectorTrainConfig(name="x", stages=[{"name": "a", "steps": 1}], max_minutes=10)
    >>> budget_factor(cfg, 0), round(budget_factor(cfg, 540), 3), budget_factor(cfg, 600)
    (1.0, 0.5, 0.0)
    """
    if cfg.max_minutes is None:
        return 1.0
    left = 1.0 - elapsed_s / (cfg.max_minutes * 60)
    return float(min(1.0, max(0.0, left / cfg.budget_cooldown)))


def save_checkpoint(path: Path, net: PlateDetNet, opt: torch.optim.Optimizer, sched: Any,
                    stage: int, step: int, cfg: DetectorTrainConfig, best: float) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "stage": stage, "step": step,
                "config": cfg.model_dump(mode="json"), "best": best}, tmp)
    tmp.replace(path)


def init_weights(net: PlateDetNet, source: Path) -> tuple[int, list[str]]:
    """Copy same-shaped tensors from a detector folder / checkpoint; report the rest."""
    path = source / "model.pt" if source.is_dir() else source
    if not path.exists():
        raise FileNotFoundError(f"init_from {source}: no model.pt or checkpoint there")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    theirs = blob.get("state_dict") or blob.get("model") or {}
    own = net.state_dict()
    keep = {k: v for k, v in theirs.items() if k in own and own[k].shape == v.shape}
    net.load_state_dict(keep, strict=False)
    return len(keep), sorted(k for k in own if k not in keep)


def train_detector(cfg: DetectorTrainConfig, resume: Path | None = None, progress: bool = True,
                   command: str | None = None) -> Path | None:
    """Run every stage of ``cfg``; returns the model folder (rank 0) or None (other ranks)."""
    rank, world, device = setup_distributed()
    main_proc = rank == 0
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed + rank)
    out = Path(cfg.output)
    if main_proc:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))
    spec = DetectorSpec(width=cfg.model.width, input_size=cfg.model.input_size)
    net = PlateDetNet(spec).to(device)
    train_items, val_items = frame_items(cfg.data)
    pool = FramePool()
    extra = load_extra_boxes(cfg.data.extra_boxes)
    for item in train_items:
        pool.add(item, extra.get(frame_key(item.image)))
    val_frames = [load_rgb(it.image) for it in val_items] if main_proc else []
    real_plates = plate_crops(cfg.data) if cfg.data.real_plate_share > 0 else []

    start_stage, start_step, best = 0, 0, -1.0
    ckpt_path = out / "checkpoint.pt"
    state: dict[str, Any] | None = None
    if cfg.init_from and resume is None:
        kept, fresh = init_weights(net, Path(cfg.init_from))
        if main_proc:
            print(f"initialised {kept} tensors from {cfg.init_from}; new: {fresh or 'none'}")
    if resume is not None:
        state = torch.load(resume, map_location="cpu", weights_only=False)
        net.load_state_dict(state["model"])
        start_stage, start_step, best = state["stage"], state["step"], state["best"]
    model: torch.nn.Module = DistributedDataParallel(net) if world > 1 else net

    mlflow = None
    if main_proc and cfg.tracking:
        from alpr.train import tracking

        mlflow = tracking.setup(cfg.experiment)
        mlflow.start_run(run_name=cfg.name)
        mlflow.log_params(cfg.flat())
        mlflow.set_tags({"git_commit": tracking.git_commit(), "command": command or "",
                         "train_manifest": manifest_hash(pool.items),
                         "val_manifest": manifest_hash(val_items)})
        mlflow.log_metric("parameters", count_parameters(net))

    t0 = time.monotonic()
    global_step = sum(s.steps for s in cfg.stages[:start_stage]) + start_step
    stopped_early = False
    for si in range(start_stage, len(cfg.stages)):
        stage = cfg.stages[si]
        opt = torch.optim.AdamW(net.parameters(), lr=stage.lr, weight_decay=stage.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=stage.lr, total_steps=stage.steps,
                                                    pct_start=0.1)
        step0 = 0
        if state is not None and si == start_stage:
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            step0 = start_step
        stream = DetectionStream(pool, cfg.data, cfg.model, stage.real_fraction,
                                 seed=cfg.seed * 7919 + rank * 104729 + si * 31 + step0,
                                 real_plates=real_plates)
        loader = DataLoader(stream, batch_size=stage.batch_size, num_workers=cfg.num_workers,
                            collate_fn=collate, persistent_workers=False,
                            pin_memory=device.type == "cuda")
        bar = tqdm(total=stage.steps, initial=step0, desc=stage.name,
                   disable=not (progress and main_proc), dynamic_ncols=True, mininterval=10)
        it = iter(loader)
        model.train()
        for step in range(step0, stage.steps):
            batch = next(it)
            x = batch["image"].to(device, non_blocking=True)
            y = model(x)  # (B, 5, h, w)
            loss, parts = detection_loss(y, batch["heat"].to(device), batch["reg"].to(device),
                                         batch["mask"].to(device), cfg.box_weight)
            if not math.isfinite(loss.item()):
                raise NonFiniteLossError(
                    f"non-finite loss {loss.item()} at stage {stage.name!r} step {step}; "
                    f"lower the learning rate or resume from {ckpt_path}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
            opt.step()
            sched.step()
            factor = budget_factor(cfg, time.monotonic() - t0)
            if factor < 1.0:  # the budget's cool-down scales the schedule's learning rate
                for group in opt.param_groups:
                    group["lr"] *= factor
            global_step += 1
            bar.update(1)
            if step % cfg.log_every == 0:
                bar.set_postfix(heat=f"{parts['heat']:.3f}", box=f"{parts['box']:.3f}")
                if not progress and main_proc:
                    print(f"[{stage.name} {step}/{stage.steps}] {time.monotonic() - t0:.0f}s "
                          f"loss {loss.item():.3f} heat {parts['heat']:.3f} "
                          f"box {parts['box']:.3f}", flush=True)
                if mlflow:
                    mlflow.log_metrics({"loss": loss.item(), "loss_heat": parts["heat"],
                                        "loss_box": parts["box"],
                                        "lr": sched.get_last_lr()[0]}, step=global_step)
            last = step == stage.steps - 1
            budget_over = out_of_time(cfg, t0, step, world)
            if main_proc and ((step + 1) % cfg.eval_every == 0 or last or budget_over):
                if val_items:
                    net.eval()
                    rep = evaluate_frames(snapshot(net, cfg.score_threshold,
                                                   cfg.model.fallback_size), val_items,
                                          frames=val_frames)
                    best = max(best, gate_score(rep))
                    bar.write(f"[{stage.name} {step + 1}/{stage.steps}] "
                              f"{time.monotonic() - t0:.0f}s val recall {rep.recall:.3f} "
                              f"precision {rep.precision:.3f} "
                              f"false/frame {rep.false_per_frame:.3f}")
                    if mlflow:
                        mlflow.log_metrics({f"val_{k}": v for k, v in rep.metrics().items()},
                                           step=global_step)
                save_checkpoint(ckpt_path, net, opt, sched, si, step + 1, cfg, best)
                model.train()
            if budget_over:
                stopped_early = True
                break
        bar.close()
        if stopped_early:
            break

    if world > 1:
        dist.barrier()
    if not main_proc:
        return None
    return finish(cfg, net, pool, val_items, val_frames, mlflow, command, stopped_early,
                  time.monotonic() - t0, global_step)


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
           steps_done: int | None = None) -> Path:
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
        "name": cfg.name,
        "parameters": count_parameters(net),
        "score_threshold": threshold,
        "fallback_input_size": cfg.model.fallback_size,
        "threshold_method": method or "score_threshold of the config",
        **checked,
        "command": command or " ".join(shlex.quote(a) for a in sys.argv),
        "config": cfg.model_dump(mode="json"),
        "training_seconds": round(seconds, 1),
        "stopped_early_on_time_budget": stopped_early,
        "steps_done": steps_done,
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
    from alpr.detector.card import write_card

    write_card(model_dir)
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
