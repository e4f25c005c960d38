"""Plate text normalisation: the canonical form every read, label and hot-list entry uses.

Canonical plate text is upper case A-Z and 0-9 only. Spaces, dashes and dots are printed
separators and are dropped; any other character is an error naming it and its position.
"""

from __future__ import annotations

import string

ALPHABET = string.ascii_uppercase + string.digits
SEPARATORS = frozenset(" -.\t")
MAX_PLATE_LENGTH = 10


class PlateTextError(ValueError):
    """Raised for plate text that cannot be normalised."""


def normalize_plate(text: str) -> str:
    """Return the canonical form of a plate string.

    >>> normalize_plate(" abc-1234 ")
    'ABC1234'
    >>> normalize_plate("7.xyz 12")
    '7XYZ12'
    """
    out = []
    for pos, ch in enumerate(text):
        if ch in SEPARATORS:
            continue
        up = ch.upper()
        if up not in ALPHABET or not ch.isascii():
            raise PlateTextError(
                f"plate {text!r}: character {ch!r} at position {pos} is not allowed "
                f"(only letters A-Z, digits 0-9, and the separators space, '-' and '.')"
            )
        out.append(up)
    if not out:
        raise PlateTextError(f"plate {text!r}: no letters or digits")
    if len(out) > MAX_PLATE_LENGTH:
        raise PlateTextError(
            f"plate {text!r}: {len(out)} characters, more than the {MAX_PLATE_LENGTH} allowed"
        )
    return "".join(out)


def fold_o_to_zero(text: str) -> str:
    """Fold the letter O to the digit 0, as most US plates print one glyph for both.

    >>> fold_o_to_zero("BOB100")
    'B0B100'
    """
    return text.replace("O", "0")
