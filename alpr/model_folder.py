"""A model folder: trained weights and everything needed to use them, for every model the
workbench trains (the recognizer, the detector).

One layout: ``model.pt`` (the weights and the spec that rebuilds the network), ``model.onnx``
(the same network for ONNX Runtime), ``card.json`` (kind, spec, preprocessing, config,
metrics, provenance and the command that trained it) and ``README.md`` (the card for
people, rendered from ``card.json``). Reading a card needs no torch, so a reader on ONNX
Runtime loads a folder with ``weights=False``. Each model supplies only what differs: a
:class:`FolderKind` (its name, what its weights carry besides the weights, its card page).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEIGHTS = "model.pt"
ONNX = "model.onnx"
CARD = "card.json"
README = "README.md"

Render = Callable[[dict[str, Any]], str]  # card.json's content -> README.md


@dataclass(frozen=True)
class Loaded:
    """A model folder as read: ``meta`` (the spec and the rest the kind's weights carry),
    the weights (``None`` when read for ONNX Runtime) and the card."""

    meta: dict[str, Any]
    state_dict: dict[str, Any] | None
    card: dict[str, Any]


@dataclass(frozen=True)
class FolderKind:
    """What one kind of model puts in the shared layout.

    ``spec_field`` is a field only this kind's spec has (it tells a recognizer's folder
    from a detector's); ``meta`` the keys both ``model.pt`` and ``card.json`` carry.
    """

    name: str  # card.json's "kind", e.g. "plate-ocr"
    spec_field: str
    render: Render
    meta: tuple[str, ...] = ("spec",)

    def carries(self, blob: dict[str, Any]) -> bool:
        """True when ``blob`` (a card or a weights file) holds this kind's spec and meta.

        >>> kind = FolderKind("plate-x", "depth", render=str)
        >>> kind.carries({"spec": {"depth": 3}}), kind.carries({"spec": {"width": 1}})
        (True, False)
        """
        spec = blob.get("spec")
        return (isinstance(spec, dict) and self.spec_field in spec
                and all(k in blob for k in self.meta))

    def save(self, folder: Path, state_dict: dict[str, Any], meta: dict[str, Any],
             card: dict[str, Any], onnx: Callable[[Path], Any] | None = None) -> Path:
        """Write the weights with ``meta``, the card (``card.json`` led by kind and meta,
        and ``README.md``) and, with ``onnx``, the ONNX export into ``folder``."""
        import torch  # the training extra: pip install -e '.[train]'

        if not self.carries(meta):
            raise ValueError(f"a {self.name} model folder needs {', '.join(self.meta)} with "
                             f"spec.{self.spec_field}; got {', '.join(meta) or 'nothing'}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        weights = {k: v.detach().cpu() for k, v in state_dict.items()}
        torch.save({"state_dict": weights, **meta}, folder / WEIGHTS)
        self.write_card(folder, {"kind": self.name, **meta, **card})
        if onnx is not None:
            onnx(folder / ONNX)
        return folder

    def load(self, folder: Path, weights: bool = True) -> Loaded:
        """Read a model folder (or its ``model.pt``) written by :meth:`save`.

        ``weights=False``: meta and card from ``card.json`` alone, without torch (for ONNX
        Runtime); a card without them falls back to the weights file.
        """
        folder = Path(folder)
        pt = folder if folder.suffix == ".pt" else folder / WEIGHTS
        card = read_card(pt.parent) if (pt.parent / CARD).is_file() else {}
        if card.get("kind", self.name) != self.name:
            raise ValueError(f"{folder}: a {card['kind']} model folder, not a {self.name} one")
        if not weights and folder.suffix != ".pt" and self.carries(card):
            return Loaded({k: card[k] for k in self.meta}, None, card)
        if not pt.is_file():
            raise FileNotFoundError(f"{folder}: no {WEIGHTS} here; is this a {self.name} "
                                    f"model folder?")
        import torch  # the training extra: pip install -e '.[train]'

        blob = torch.load(pt, map_location="cpu", weights_only=True)
        if not self.carries(blob) or "state_dict" not in blob:
            raise ValueError(f"{pt}: not a {self.name} model (no {self.name} spec inside)")
        return Loaded({k: blob[k] for k in self.meta}, blob["state_dict"], card)

    def write_card(self, folder: Path, card: dict[str, Any]) -> Path:
        """``card.json`` and the ``README.md`` rendered from it, in ``folder``."""
        folder = Path(folder)
        (folder / CARD).write_text(json.dumps(card, indent=2, default=str))
        (folder / README).write_text(self.render(card))
        return folder


def read_card(folder: Path) -> dict[str, Any]:
    """A model folder's ``card.json``; errors name the file."""
    path = Path(folder) / CARD
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no {CARD} here; is this a model folder?")
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(card, dict):
        raise ValueError(f"{path}: a model card is a JSON object, got {type(card).__name__}")
    return card


def write_readme(folder: Path, render: Render) -> Path:
    """(Re)write ``README.md`` from the folder's ``card.json`` (after a card is edited)."""
    path = Path(folder) / README
    path.write_text(render(read_card(folder)))
    return path


# -- the card page's skeleton: what every model's README.md has --------------------------------
def pct(metrics: dict[str, Any], key: str) -> str:
    """A share as a percentage, ``n/a`` when the card has no such figure.

    >>> pct({"recall": 0.9125}, "recall"), pct({}, "recall")
    ('91.2%', 'n/a')
    """
    return f"{metrics[key]:.1%}" if key in metrics else "n/a"


def provenance(card: dict[str, Any], data: list[str], started_note: str = "") -> list[str]:
    """The provenance section: command, training time (with the budget stop and the step
    count when the card has them), the model's ``data`` lines, the manifests' hashes, the
    model it started from and the card's notes."""
    d = card.get("data", {})
    init = (card.get("config") or {}).get("init_from")
    return [
        "## Provenance",
        f"- command: `{card.get('command', '?')}`",
        f"- training time: {card.get('training_seconds', '?')} s"
        + (" (stopped by its wall-clock budget)" if card.get("stopped_early_on_time_budget")
           else "") + (f", {card['steps_done']:,} steps" if card.get("steps_done") else ""),
        *data,
        f"- training manifest sha256: `{d.get('train_manifest_sha256', '?')}`",
        f"- validation manifest sha256: `{d.get('val_manifest_sha256', '?')}`",
        *([f"- started from: `{init}`" + (f" ({started_note})" if started_note else "")]
          if init else []),
        *[f"- note: {n}" for n in card.get("notes", [])],
        "",
    ]


def page(title: str, intro: str, body: list[str], weaknesses: str, files: str) -> str:
    """A model card page: title, what the model is, its sections (``body``, each ending in
    an empty line), the known weaknesses and what the folder's files are."""
    lines = [f"# Model card: {title}", "", intro, "", *body, "## Known weaknesses",
             weaknesses, "## Files", files]
    return "\n".join(lines) + "\n"
