"""The training loop: stages of (synthetic, then mixed real+synthetic) steps, evaluation on
held-out real crops, checkpoints, calibration, and the final model folder.

Runs unchanged under ``torchrun`` (DDP, gloo on CPU, nccl on GPU): every rank streams its
own data; rank 0 evaluates, checkpoints, tracks and saves.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from alpr.datasets import manifest_hash
from alpr.evaluation import EvalReport, evaluate
from alpr.paths import PROJECT_ROOT
from alpr.recognizer.artifact import ModelArtifact, save_artifact
from alpr.recognizer.card import write_card
from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.model import ModelSpec, PlateNet, count_parameters
from alpr.recognizer.recognizer import Recognizer
from alpr.train import calibrate
from alpr.train.config import TrainConfig
from alpr.train.data import MixedStream, RealPool, collate, load_pools, split_items


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN/inf loss; the run stops instead of corrupting weights."""


def setup_distributed() -> tuple[int, int, torch.device]:
    """(rank, world size, device); initialises the process group under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = torch.cuda.is_available()
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    rank = dist.get_rank() if dist.is_initialized() else 0
    if use_cuda:
        torch.backends.cudnn.benchmark = True
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        return rank, world, torch.device("cuda", local)
    return rank, world, torch.device("cpu")


def out_of_time(cfg: TrainConfig, t0: float, step: int, world: int) -> bool:
    """True once the wall-clock budget is spent; every rank agrees (checked each log step)."""
    if cfg.max_minutes is None or step % cfg.log_every:
        return False
    over = torch.tensor([float(time.monotonic() - t0 > cfg.max_minutes * 60)])
    if world > 1:
        dist.all_reduce(over, op=dist.ReduceOp.MAX)
    return bool(over.item())


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
    (:func:`alpr.augment.frame_degrade`), so the confidence is fitted where it must hold.

    Frame crops are cut at their box with the pipeline's own margin, as ``alpr read`` cuts
    a detection.
    """
    import random

    from alpr.augment import augment_image, frame_degrade
    from alpr.detector.pipeline import plate_crop
    from alpr.train.data import jitter_crop

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




def resolve_init(source: str | Path) -> Path:
    """A config's ``init_from``: absolute as given, relative to the project folder (where
    ``models/`` lives), not to the folder the command runs in.

    >>> resolve_init("models/plate-ocr") == PROJECT_ROOT / "models" / "plate-ocr"
    True
    """
    p = Path(source).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


def init_weights(net: PlateNet, source: Path) -> tuple[int, list[str]]:
    """Copy same-shaped tensors from a model folder / checkpoint; report the rest."""
    source = resolve_init(source)
    path = source / "model.pt" if source.is_dir() else source
    if not path.exists():
        raise FileNotFoundError(f"init_from {source}: no model.pt or checkpoint there")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    theirs = blob.get("state_dict") or blob.get("model") or {}
    own = net.state_dict()
    keep = {k: v for k, v in theirs.items() if k in own and own[k].shape == v.shape}
    net.load_state_dict(keep, strict=False)
    return len(keep), sorted(k for k in own if k not in keep)


def save_checkpoint(path: Path, net: PlateNet, opt: torch.optim.Optimizer, sched: Any,
                    stage: int, step: int, cfg: TrainConfig, best: float) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "stage": stage, "step": step,
                "config": cfg.model_dump(mode="json"), "best": best}, tmp)
    tmp.replace(path)


def train(cfg: TrainConfig, resume: Path | None = None, progress: bool = True,
          command: str | None = None) -> Path | None:
    """Run every stage of ``cfg``; returns the model folder (rank 0) or None (other ranks)."""
    rank, world, device = setup_distributed()
    main_proc = rank == 0
    torch.manual_seed(cfg.seed + rank)
    out = Path(cfg.output)
    if main_proc:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))
    labels = LabelSpace.default()
    spec = ModelSpec(num_chars=len(labels.alphabet), num_states=len(labels.states),
                     **cfg.model.model_dump())
    net = PlateNet(spec).to(device)
    train_pool, val_pool = load_pools(cfg.data)
    val_imgs = val_images(val_pool)

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
                         "train_manifest": manifest_hash(train_pool.items),
                         "val_manifest": manifest_hash(val_pool.items)})
        mlflow.log_metric("parameters", count_parameters(net))

    t0 = time.monotonic()
    global_step = sum(s.steps for s in cfg.stages[:start_stage]) + start_step
    stopped_early = False
    report: EvalReport | None = None
    for si in range(start_stage, len(cfg.stages)):
        stage = cfg.stages[si]
        opt = torch.optim.AdamW(net.parameters(), lr=stage.lr, weight_decay=stage.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=stage.lr, total_steps=stage.steps,
                                                    pct_start=0.15)
        step0 = 0
        if state is not None and si == start_stage:
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            step0 = start_step
        stream = MixedStream(train_pool, cfg.data, cfg.model, labels, stage.real_fraction,
                             seed=cfg.seed * 7919 + rank * 104729 + si * 31 + step0)
        loader = DataLoader(stream, batch_size=stage.batch_size, num_workers=cfg.num_workers,
                            collate_fn=collate, persistent_workers=False,
                            pin_memory=device.type == "cuda")
        bar = tqdm(total=stage.steps, initial=step0, desc=f"{stage.name}", disable=not (
            progress and main_proc), dynamic_ncols=True)
        it = iter(loader)
        model.train()
        for step in range(step0, stage.steps):
            batch = next(it)
            loss, parts = compute_loss(model, batch, stage.state_loss_weight, device)
            if not math.isfinite(loss.item()):
                raise NonFiniteLossError(
                    f"non-finite loss {loss.item()} at stage {stage.name!r} step {step}; "
                    f"lower the learning rate or resume from {ckpt_path}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
            opt.step()
            sched.step()
            global_step += 1
            bar.update(1)
            if step % cfg.log_every == 0:
                bar.set_postfix(ctc=f"{parts['ctc']:.3f}", state=f"{parts['state']:.3f}")
                if mlflow:
                    mlflow.log_metrics({"loss": loss.item(), "loss_ctc": parts["ctc"],
                                        "loss_state": parts["state"],
                                        "lr": sched.get_last_lr()[0]}, step=global_step)
            last = step == stage.steps - 1
            budget_over = out_of_time(cfg, t0, step, world)
            if main_proc and ((step + 1) % cfg.eval_every == 0 or last or budget_over):
                if val_pool.items:
                    report = evaluate(snapshot(net, labels), val_pool.items, val_imgs)
                    score = report.exact_folded + 0.01 * (report.state_accuracy or 0)
                    best = max(best, score)
                    bar.write(f"[{stage.name} {step + 1}/{stage.steps}] val exact(O/0) "
                              f"{report.exact_folded:.3f} char {report.char_accuracy:.3f} "
                              f"state {report.state_accuracy or 0:.3f}")
                    if mlflow:
                        mlflow.log_metrics({f"val_{k}": v for k, v in report.metrics().items()},
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
    return finish(cfg, net, labels, train_pool, val_pool, mlflow, command, stopped_early,
                  time.monotonic() - t0)


def finish(cfg: TrainConfig, net: PlateNet, labels: LabelSpace, train_pool: RealPool,
           val_pool: RealPool, mlflow: Any, command: str | None, stopped_early: bool,
           seconds: float) -> Path:
    """Calibrate, evaluate, write the model folder and (if tracking) log + register + gate."""
    net = net.cpu().eval()
    cal = fit_calibration(snapshot(net, labels), val_pool, labels)
    rec = snapshot(net, labels, {"calibration": cal})
    report = evaluate(rec, val_pool.items, val_images(val_pool)) if val_pool.items else None
    card = {
        "name": cfg.name,
        "parameters": count_parameters(net),
        "command": command or " ".join(shlex.quote(a) for a in sys.argv),
        "config": cfg.model_dump(mode="json"),
        "calibration": cal,
        "training_seconds": round(seconds, 1),
        "stopped_early_on_time_budget": stopped_early,
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
    write_card(model_dir)
    if report is not None:
        (Path(cfg.output) / "val_report.txt").write_text(report.summary())
    if mlflow is not None:
        from alpr.evaluation_plots import save_plots
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
