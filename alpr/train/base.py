"""What every training run shares, recognizer or detector: the run's settings (a pydantic base
both configs extend) and one YAML loader with dotted ``--set`` overrides.

No torch here: configs are read and checked (``alpr contracts validate split``, the tests that
load every shipped config) without the training stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RunConfig(Frozen):
    """The settings of a run that the training core (:func:`alpr.train.core.fit`) reads;
    each task's config adds its model, data and stages (``stages`` items have ``name``,
    ``steps``, ``batch_size``, ``lr`` and ``weight_decay``)."""

    name: str
    stages: tuple[Any, ...] = ()  # each task's config names its stages' type
    seed: int = 0
    num_workers: int = Field(1, ge=0)
    threads: int | None = Field(None, ge=1)  # torch intra-op threads (None: torch default)
    eval_every: int = Field(500, gt=0)
    log_every: int = Field(50, gt=0)
    output: str = "runs/default"
    tracking: bool = True
    experiment: str = "alpr-plate-ocr"
    register_as: str | None = "alpr-plate-ocr"
    grad_clip: float = Field(5.0, gt=0)
    max_minutes: float | None = Field(None, gt=0)  # wall-clock budget; stops cleanly
    # share of max_minutes at its end over which the learning rate falls linearly to 0, so a
    # run the machine cannot finish in time still ends annealed, not cut at full speed
    budget_cooldown: float = Field(0.2, gt=0, le=1)
    # Start from an existing model folder or checkpoint (e.g. the shipped model when a
    # department fine-tunes on its own crops); tensors whose shape differs are left new.
    init_from: str | None = None

    @model_validator(mode="after")
    def _stages_named_uniquely(self) -> RunConfig:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        return self

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)

    def flat(self) -> dict[str, Any]:
        """Dotted-key view for experiment trackers: {'stages.0.lr': 0.001, ...}."""
        return flatten(self.model_dump(mode="json"))


C = TypeVar("C", bound=RunConfig)


def set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (dotted: ``data.val_fraction``, ``stages.0.lr``) in a raw config.

    >>> raw = {"stages": [{"name": "a", "lr": 0.1}], "data": {}}
    >>> set_dotted(raw, "stages.0.lr", 0.01); set_dotted(raw, "data.val_fraction", 0.2)
    >>> raw
    {'stages': [{'name': 'a', 'lr': 0.01}], 'data': {'val_fraction': 0.2}}
    >>> set_dotted(raw, "stages.3.lr", 1.0)
    Traceback (most recent call last):
    ValueError: --set stages.3.lr: stages has 1 item(s); index 3 is not one of them
    """
    parts = key.split(".")
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        where = ".".join(parts[:i + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f"--set {key}: {'.'.join(parts[:i]) or 'the list'} has "
                                 f"{len(node)} item(s); index {part} is not one of them")
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            raise ValueError(f"--set {key}: {where} is a value, not a section")
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ValueError(f"--set {key}: index {last} is not in the list")
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ValueError(f"--set {key}: {'.'.join(parts[:-1])} is a value, not a section")


def load_run_config(path: str | Path, cls: type[C], overrides: dict[str, Any] | None = None,
                    what: str = "training config") -> C:
    """Read ``path`` (YAML), apply ``overrides`` (dotted keys, see :func:`set_dotted`) and
    validate it as ``cls``; errors name the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config {path} not found")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a {what} is a mapping of keys, got {type(raw).__name__}")
    for key, value in (overrides or {}).items():
        if "." in key:
            set_dotted(raw, key, value)
        else:
            raw[key] = value
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid {what}:\n{validation_lines(exc)}") from None


def validation_lines(exc: ValidationError) -> str:
    """One line per wrong field, ``  field.path: rule (got value)``, without pydantic's
    links and type names.

    >>> from pydantic import BaseModel
    >>> class M(BaseModel):
    ...     steps: int
    >>> try:
    ...     M.model_validate({"steps": "many"})
    ... except ValidationError as e:
    ...     print(validation_lines(e))
      steps: Input should be a valid integer, unable to parse string as an integer (got 'many')
    """
    lines = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "(top level)"
        got = f" (got {err['input']!r})" if err["type"] != "missing" else ""
        lines.append(f"  {where}: {err['msg']}{got}")
    return "\n".join(lines)


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """A nested config as dotted keys (lists of sections by index), for experiment trackers.

    >>> flatten({"stages": [{"lr": 0.1}], "seed": 0})
    {'stages.0.lr': 0.1, 'seed': 0}
    """
    out: dict[str, Any] = {}

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else k, x)
        elif isinstance(v, list | tuple) and v and isinstance(v[0], dict):
            for i, x in enumerate(v):
                walk(f"{prefix}.{i}", x)
        else:
            out[prefix] = v

    walk("", data)
    return out
