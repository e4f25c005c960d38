"""The recognizer network's shape (:class:`ModelSpec`), without torch: a model folder's card
carries it, so reading with ONNX Runtime needs no torch at all."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild the network; saved inside every checkpoint."""

    num_chars: int  # alphabet size, without the CTC blank
    num_states: int  # jurisdiction classes, including the 'unknown' class
    height: int = 64
    width: int = 128
    width_mult: float = 1.0
    rnn_hidden: int = 128

    def to_dict(self) -> dict:
        return asdict(self)
