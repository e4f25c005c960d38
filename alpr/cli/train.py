"""``alpr train``: train the recognizer or the plate detector from a config file.

Which one is explicit: ``--task recognizer|detector``, or the config's own ``task:`` key
(``training/configs/detector-*.yaml`` declare ``task: detector``); a config that declares
none is a recognizer config. Also ``python training/train.py`` and, under ``torchrun`` for
several processes or GPUs, ``torchrun ... -m alpr.cli train`` (or ``training/train.py``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from alpr.cli.errors import EXIT_OK, bad_input, run_command

TASKS = ("recognizer", "detector")


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train the recognizer or the plate detector (--task, or "
                                     "the config's 'task:') from a config file")
    add_arguments(t)
    t.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, type=Path, help="training/configs/*.yaml")
    p.add_argument("--task", choices=TASKS,
                   help="what to train (default: the config's 'task:' key, else recognizer)")
    p.add_argument("--resume", type=Path, help="checkpoint.pt to resume from")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (YAML value; dotted for nested keys), e.g. "
                        "--set num_workers=8 --set stages.0.lr=0.0005 --set data.val_fraction=0.2")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items as a dict (values parsed as YAML); keys may be dotted.

    >>> parse_overrides(["num_workers=8", "stages.0.lr=0.0005", "register_as=null"])
    {'num_workers': 8, 'stages.0.lr': 0.0005, 'register_as': None}
    >>> parse_overrides(["lr"])
    Traceback (most recent call last):
    ValueError: --set 'lr': expected KEY=VALUE
    """
    import yaml

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise ValueError(f"--set {item!r}: the value is not YAML ({exc})") from None
    return out


def declared_task(config: Path) -> str | None:
    """The config's ``task:`` key (``None`` when it declares none, or when the file cannot
    be read: then the config loader names the problem). A value that is no task is refused.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
    ...     _ = fh.write("name: d\\ntask: detektor\\n")
    >>> declared_task(Path(fh.name))
    Traceback (most recent call last):
    ValueError: ...: task 'detektor': must be one of recognizer, detector
    """
    import yaml

    try:
        raw = yaml.safe_load(Path(config).read_text())
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(raw, dict) or "task" not in raw:
        return None
    if raw["task"] not in TASKS:
        raise ValueError(f"{config}: task {raw['task']!r}: must be one of {', '.join(TASKS)}")
    return str(raw["task"])


def resolve_task(args: argparse.Namespace) -> str:
    """``--task``, else the config's ``task:``, else recognizer; the two must agree."""
    declared = declared_task(args.config)
    task = getattr(args, "task", None)
    if task and declared and task != declared:
        raise ValueError(f"--task {task}: {args.config} declares task: {declared}")
    return task or declared or "recognizer"


def run(args: argparse.Namespace) -> int:
    try:
        task = resolve_task(args)
        overrides = parse_overrides(args.set)
        if task == "detector":
            from alpr.detector.config import load_detector_config

            cfg: Any = load_detector_config(args.config, overrides)
        else:
            from alpr.recognizer.config import load_config

            cfg = load_config(args.config, overrides)
    except (ValueError, FileNotFoundError) as exc:
        return bad_input(exc)
    from alpr.contracts.runner import ContractRefused

    command = " ".join(shlex.quote(a) for a in sys.argv)
    try:
        if task == "detector":
            from alpr.detector.loop import train_detector

            folder = train_detector(cfg, resume=args.resume, progress=not args.no_progress,
                                    command=command)
        else:
            from alpr.recognizer.loop import train

            folder = train(cfg, resume=args.resume, progress=not args.no_progress,
                           command=command)
    except ContractRefused as exc:  # the crops or the split break a data contract
        return bad_input(exc)
    if folder is not None:
        print(f"model written to {folder}")
    return EXIT_OK


def main(argv: list[str] | None = None, task: str | None = None) -> int:
    """``python training/train.py`` (and the detector's ``-m alpr.detector.train_cli``):
    ``alpr train`` on its own, through the same error path; ``task`` preset ``--task``."""
    p = argparse.ArgumentParser(prog="alpr train", description="Train the ALPR plate "
                                "recognizer or detector from a config file")
    add_arguments(p)
    p.set_defaults(task=task)
    return run_command(run, p.parse_args(argv))
