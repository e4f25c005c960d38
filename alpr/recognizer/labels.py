"""The recognizer's label spaces: the character alphabet (CTC) and the jurisdiction classes."""

from __future__ import annotations

from dataclasses import dataclass

from alpr.vocabulary.jurisdictions import UNKNOWN, codes
from alpr.vocabulary.plate_text import ALPHABET


@dataclass(frozen=True)
class LabelSpace:
    """Characters (index 0 is the CTC blank, so char i has index i+1) and state classes."""

    alphabet: str = ALPHABET
    states: tuple[str, ...] = ()

    @classmethod
    def default(cls) -> LabelSpace:
        return cls(alphabet=ALPHABET, states=(*codes(), UNKNOWN))

    def encode_text(self, text: str) -> list[int]:
        """'AB1' -> [1, 2, 28] with the default alphabet."""
        return [self.alphabet.index(c) + 1 for c in text]

    def state_index(self, code: str | None) -> int:
        """Class of a USPS code; -1 for a missing label (no state loss for that sample)."""
        if not code:
            return -1
        return self.states.index(code) if code in self.states else self.states.index(UNKNOWN)
