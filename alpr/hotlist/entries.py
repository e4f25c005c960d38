"""One hot-list entry: a plate (or a partial plate with ``?``/``*``), its state of issuance,
category and provenance, whether imported from a list or entered by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alpr.vocabulary.plate_text import ALPHABET, MAX_PLATE_LENGTH, SEPARATORS, PlateTextError

WILDCARD_ONE = "?"
WILDCARD_RUN = "*"
WILDCARDS = frozenset(WILDCARD_ONE + WILDCARD_RUN)
MIN_WILDCARD_LITERALS = 3  # fewer known characters would hit a large share of all reads


@dataclass(frozen=True, slots=True)
class HotListEntry:
    """A listed plate. ``plate`` is canonical text, or a pattern if it holds ``?``/``*``.

    ``state`` is a USPS code, or None where the list does not say (the match is then flagged
    ``unknown`` for the operator to verify). Manual entries carry who entered them, why, and
    until when (policy IV.D).
    """

    plate: str
    state: str | None
    category: str
    priority: int
    source: str
    reference: str | None = None
    expires_at: dt.datetime | None = None
    entered_by: str | None = None
    purpose: str | None = None
    case_number: str | None = None
    created_at: dt.datetime | None = None

    @property
    def is_wildcard(self) -> bool:
        return is_pattern(self.plate)

    @property
    def key(self) -> tuple[str, str | None, str]:
        """What makes two rows duplicates: same plate, state and category."""
        return (self.plate, self.state, self.category)

    def is_active(self, now: dt.datetime) -> bool:
        """True until the expiry time (entries without expiry never expire)."""
        return self.expires_at is None or now < self.expires_at


def is_pattern(plate: str) -> bool:
    """True if a canonical plate holds a wildcard.

    >>> is_pattern("ABC*"), is_pattern("ABC123")
    (True, False)
    """
    return WILDCARD_ONE in plate or WILDCARD_RUN in plate


def normalize_entry_plate(text: str) -> str:
    """Canonical form of a listed plate: like ``normalize_plate``, but ``?`` (any one
    character) and ``*`` (any run of characters, possibly none) are kept. A pattern needs at
    least three known characters; runs of ``*`` collapse to one.

    >>> normalize_entry_plate("abc-12?"), normalize_entry_plate("7 ab**")
    ('ABC12?', '7AB*')
    """
    out: list[str] = []
    for pos, ch in enumerate(text):
        if ch in SEPARATORS:
            continue
        up = ch.upper()
        if ch in WILDCARDS:
            if ch == WILDCARD_RUN and out and out[-1] == WILDCARD_RUN:
                continue
            out.append(ch)
        elif up in ALPHABET and ch.isascii():
            out.append(up)
        else:
            raise PlateTextError(
                f"plate {text!r}: character {ch!r} at position {pos} is not allowed "
                f"(only letters A-Z, digits 0-9, the separators space, '-' and '.', and the "
                f"wildcards '?' for one character and '*' for any run)"
            )
    if not out:
        raise PlateTextError(f"plate {text!r}: no letters or digits")
    fixed = sum(c != WILDCARD_RUN for c in out)
    if fixed > MAX_PLATE_LENGTH:
        raise PlateTextError(
            f"plate {text!r}: {fixed} characters, more than the {MAX_PLATE_LENGTH} allowed"
        )
    literals = sum(c not in WILDCARDS for c in out)
    if len(out) != literals and literals < MIN_WILDCARD_LITERALS:
        raise PlateTextError(
            f"plate {text!r}: a partial plate needs at least {MIN_WILDCARD_LITERALS} known "
            f"characters besides the wildcards, it has {literals}"
        )
    return "".join(out)
