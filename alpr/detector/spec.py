"""The detector network's shape (:class:`DetectorSpec`), without torch: a model folder's card
carries it, so detecting with ONNX Runtime needs no torch at all."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class DetectorSpec:
    """Network shape; ``width`` scales every channel count; output stride is 4."""

    width: float = 1.0
    input_size: int = 640  # long side of the letterboxed input at inference

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @property
    def stride(self) -> int:
        return 4

    def channels(self) -> tuple[int, int, int, int, int]:
        """(stride 4, 8, 16, 32, neck) channel counts."""
        def c(n: int) -> int:
            return max(8, int(round(n * self.width / 8)) * 8)
        return c(24), c(48), c(80), c(128), c(32)
