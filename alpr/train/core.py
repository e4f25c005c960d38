"""The one training core: :func:`fit` runs any :class:`Task` (the recognizer's, the
detector's) through the same loop.

What the loop owns, for every task: distributed set-up (``torchrun``), seeds, threads,
``init_from`` and ``--resume``, MLflow run start with the flattened config and the data
manifests, stages of AdamW with a one-cycle schedule, the wall-clock budget and its
learning-rate cool-down, gradient clipping, the stop on a non-finite loss, progress (a bar
on a terminal, a line per log step in a log), the evaluation cadence with a checkpoint at
each, and handing the trained network to the task's ``finish`` (model folder, card,
registration, promotion gate). What a task owns: its network, data stream, loss,
validation figure and model folder.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, IterableDataset
from tqdm import tqdm

from alpr.paths import PROJECT_ROOT
from alpr.train.base import RunConfig


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN/inf loss; the run stops instead of corrupting weights."""


class Task(Protocol):
    """One kind of model to train; :func:`fit` calls these in this order."""

    pct_start: float  # share of each stage's steps spent warming up (one-cycle schedule)
    collate: Callable[..., dict[str, torch.Tensor]]  # a list of samples -> a batch

    @property
    def cfg(self) -> RunConfig:
        """The run's config (its ``stages`` and the shared run settings)."""

    def prepare(self, main_proc: bool) -> torch.nn.Module:
        """Load the data (validation data on the main process only) and build the network."""

    def manifests(self) -> dict[str, str]:
        """Hashes of the training and validation items, as MLflow tags."""

    def stream(self, stage: Any, stage_index: int, seed: int) -> IterableDataset:
        """The endless sample stream of a stage."""

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor], stage: Any,
             device: torch.device) -> tuple[torch.Tensor, dict[str, float]]:
        """The loss of a batch and its named parts (for the log)."""

    def validate(self, net: torch.nn.Module) -> tuple[float, dict[str, float], str] | None:
        """(score to keep the best of, metrics to log, one line for people) on the
        validation side, or ``None`` without one."""

    def finish(self, net: torch.nn.Module, mlflow: Any, command: str | None,
               stopped_early: bool, seconds: float, steps: int) -> Path:
        """Write the model folder (and log, register, gate); its path."""


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


def out_of_time(cfg: RunConfig, t0: float, step: int, world: int) -> bool:
    """True once the wall-clock budget is spent; every rank agrees (checked each log step)."""
    if cfg.max_minutes is None or step % cfg.log_every:
        return False
    over = torch.tensor([float(time.monotonic() - t0 > cfg.max_minutes * 60)])
    if world > 1:
        dist.all_reduce(over, op=dist.ReduceOp.MAX)
    return bool(over.item())


def budget_factor(cfg: RunConfig, elapsed_s: float) -> float:
    """Learning-rate factor for a wall-clock budget: 1, then linear to 0 over its last part.

    A run whose step count the machine cannot reach within ``max_minutes`` still ends with an
    annealed learning rate instead of being cut at full speed.

    >>> cfg = RunConfig(name="x", max_minutes=10)
    >>> budget_factor(cfg, 0), round(budget_factor(cfg, 540), 3), budget_factor(cfg, 600)
    (1.0, 0.5, 0.0)
    """
    if cfg.max_minutes is None:
        return 1.0
    left = 1.0 - elapsed_s / (cfg.max_minutes * 60)
    return float(min(1.0, max(0.0, left / cfg.budget_cooldown)))


def resolve_init(source: str | Path) -> Path:
    """A config's ``init_from``: absolute as given, relative to the project folder (where
    ``models/`` lives), not to the folder the command runs in.

    >>> resolve_init("models/plate-ocr") == PROJECT_ROOT / "models" / "plate-ocr"
    True
    """
    p = Path(source).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


def init_weights(net: torch.nn.Module, source: Path) -> tuple[int, list[str]]:
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


def save_checkpoint(path: Path, net: torch.nn.Module, opt: torch.optim.Optimizer, sched: Any,
                    stage: int, step: int, cfg: RunConfig, best: float) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "stage": stage, "step": step,
                "config": cfg.model_dump(mode="json"), "best": best}, tmp)
    tmp.replace(path)


def count_parameters(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def run_card(cfg: RunConfig, net: torch.nn.Module, command: str | None, stopped_early: bool,
             seconds: float, steps: int) -> dict[str, Any]:
    """The model card's fields every run writes, whatever it trained: the run's name, the
    network's size, the command (this process's own when none is given), the whole config,
    the training time, whether the budget stopped it and the steps it took."""
    return {"name": cfg.name, "parameters": count_parameters(net),
            "command": command or " ".join(shlex.quote(a) for a in sys.argv),
            "config": cfg.model_dump(mode="json"), "training_seconds": round(seconds, 1),
            "stopped_early_on_time_budget": stopped_early, "steps_done": steps}


def fit(task: Task, resume: Path | None = None, progress: bool = True,
        command: str | None = None) -> Path | None:
    """Run every stage of ``task.cfg``; returns the model folder (rank 0) or None (other
    ranks)."""
    cfg = task.cfg
    rank, world, device = setup_distributed()
    main_proc = rank == 0
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed + rank)
    out = Path(cfg.output)
    if main_proc:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))
    net = task.prepare(main_proc).to(device)

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
                         **task.manifests()})
        mlflow.log_metric("parameters", count_parameters(net))

    stages = cfg.stages
    t0 = time.monotonic()
    global_step = sum(s.steps for s in stages[:start_stage]) + start_step
    stopped_early = False
    log_lines = not (progress and main_proc and sys.stderr.isatty())
    for si in range(start_stage, len(stages)):
        stage = stages[si]
        opt = torch.optim.AdamW(net.parameters(), lr=stage.lr, weight_decay=stage.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=stage.lr, total_steps=stage.steps,
                                                    pct_start=task.pct_start)
        step0 = 0
        if state is not None and si == start_stage:
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            step0 = start_step
        stream = task.stream(stage, si, seed=cfg.seed * 7919 + rank * 104729 + si * 31 + step0)
        loader = DataLoader(stream, batch_size=stage.batch_size, num_workers=cfg.num_workers,
                            collate_fn=task.collate, persistent_workers=False,
                            pin_memory=device.type == "cuda")
        bar = tqdm(total=stage.steps, initial=step0, desc=stage.name,
                   disable=log_lines, dynamic_ncols=True)
        it = iter(loader)
        model.train()
        for step in range(step0, stage.steps):
            batch = next(it)
            loss, parts = task.loss(model, batch, stage, device)
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
                named = {k: f"{v:.3f}" for k, v in parts.items()}
                bar.set_postfix(named)
                if log_lines and main_proc and progress:
                    print(f"[{stage.name} {step}/{stage.steps}] {time.monotonic() - t0:.0f}s "
                          f"loss {loss.item():.3f} "
                          + " ".join(f"{k} {v}" for k, v in named.items()), flush=True)
                if mlflow:
                    mlflow.log_metrics({"loss": loss.item(),
                                        **{f"loss_{k}": v for k, v in parts.items()},
                                        "lr": sched.get_last_lr()[0]}, step=global_step)
            last = step == stage.steps - 1
            budget_over = out_of_time(cfg, t0, step, world)
            if main_proc and ((step + 1) % cfg.eval_every == 0 or last or budget_over):
                net.eval()
                got = task.validate(net)
                if got is not None:
                    score, metrics, line = got
                    best = max(best, score)
                    bar.write(f"[{stage.name} {step + 1}/{stage.steps}] "
                              f"{time.monotonic() - t0:.0f}s {line}")
                    if mlflow:
                        mlflow.log_metrics({f"val_{k}": v for k, v in metrics.items()},
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
    return task.finish(net, mlflow, command, stopped_early, time.monotonic() - t0, global_step)
