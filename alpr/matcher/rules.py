"""The matching rules, stated once as plain functions over one read and one listed plate.

The index (``alpr.matcher.index``), the baseline scan, the misread preview and retro-matching
all agree with ``classify``; the tests prove it. Scores and state agreement live here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alpr.hotlist.entries import WILDCARD_ONE, WILDCARD_RUN, is_pattern
from alpr.vocabulary.confusables import ConfusableTable, confusables
from alpr.vocabulary.plate_text import ALPHABET

Kind = Literal["exact", "confusable", "edit", "wildcard"]
StateAgreement = Literal["same", "different", "unknown"]
KIND_RANK: dict[str, int] = {"exact": 0, "confusable": 1, "edit": 2, "wildcard": 3}


class MatchConfig(BaseModel):
    """The tolerance setting: what counts as a match, and how matches are scored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_confusable_positions: int = Field(default=1, ge=0, le=2)
    allow_edit: bool = True  # one character missing from, or extra in, the read
    edit_cost: float = Field(default=0.5, ge=0, le=1)
    wildcard_cost: float = Field(default=0.1, ge=0, le=1)  # per read character under ? or *
    state_confidence_floor: float = Field(default=0.5, ge=0, le=1)


@dataclass(frozen=True, slots=True)
class Substitution:
    """A difference between read and listed plate, at a position of the read.

    ``listed == ""``: the read has an extra character; ``read == ""``: the read misses the
    listed character before ``position``.
    """

    position: int
    read: str
    listed: str

    def to_list(self) -> list[int | str]:
        return [self.position, self.read, self.listed]


Verdict = tuple[Kind, tuple[Substitution, ...]]
EXACT: Verdict = ("exact", ())
WILDCARD: Verdict = ("wildcard", ())


def are_confusable(a: str, b: str, table: ConfusableTable) -> bool:
    """True if two different characters share a group of the confusable table."""
    return b in _alternatives(table)[a]


@lru_cache(maxsize=8)
def _alternatives(table: ConfusableTable) -> dict[str, frozenset[str]]:
    return {c: frozenset(table.alternatives(c)) for c in ALPHABET}


def alternatives_map(table: ConfusableTable) -> dict[str, tuple[str, ...]]:
    """Every character to its look-alikes, sorted (empty tuple if none).

    >>> alternatives_map(confusables())["B"]
    ('3', '8')
    """
    return {c: tuple(sorted(a)) for c, a in _alternatives(table).items()}


def indel(read: str, plate: str) -> Substitution | None:
    """The single missing or extra character turning ``plate`` into ``read``, at the first
    position where they differ; None if they are not one insertion or deletion apart.

    >>> indel("7ABC13", "7ABC123"), indel("7ABXC123", "7ABC123")
    (Substitution(position=5, read='', listed='2'), Substitution(position=3, read='X', listed=''))
    """
    n, m = len(read), len(plate)
    if abs(n - m) != 1:
        return None
    i = 0
    while i < min(n, m) and read[i] == plate[i]:
        i += 1
    if n < m:
        return Substitution(i, "", plate[i]) if read[i:] == plate[i + 1:] else None
    return Substitution(i, read[i], "") if read[i + 1:] == plate[i:] else None


@lru_cache(maxsize=65536)
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regex of a partial plate: ``?`` one character, ``*`` any run (possibly none).

    >>> bool(pattern_regex("AB?1*").fullmatch("ABX1")), bool(pattern_regex("AB?1*").fullmatch("AB1"))
    (True, False)
    """
    parts = {WILDCARD_ONE: "[A-Z0-9]", WILDCARD_RUN: "[A-Z0-9]*"}
    return re.compile("".join(parts.get(c, c) for c in pattern))


def classify(read: str, plate: str, config: MatchConfig,
             table: ConfusableTable | None = None) -> Verdict | None:
    """The kind of match between a canonical read and a listed plate, with the differences;
    None if the read does not match.

    - ``exact``: the same text.
    - ``confusable``: same length; every differing position (at most
      ``max_confusable_positions``) is a pair from the confusable table.
    - ``edit``: one character missing from or extra in the read, nothing else different.
    - ``wildcard``: the listed plate is a pattern and the read fits it (literal characters
      must be read exactly).

    >>> cfg = MatchConfig()
    >>> classify("7A8C123", "7ABC123", cfg)
    ('confusable', (Substitution(position=2, read='8', listed='B'),))
    >>> classify("7A8C12Z", "7ABC123", cfg) is None  # two look-alikes, default allows one
    True
    >>> classify("7ABC12", "7ABC123", cfg)[0], classify("7ABQ999", "7AB?*", cfg)[0]
    ('edit', 'wildcard')
    """
    if is_pattern(plate):
        return WILDCARD if pattern_regex(plate).fullmatch(read) else None
    if read == plate:
        return EXACT
    table = table or confusables()
    if len(read) == len(plate):
        diffs = [Substitution(i, r, p) for i, (r, p) in enumerate(zip(read, plate, strict=True))
                 if r != p]
        if len(diffs) <= config.max_confusable_positions and all(
                are_confusable(d.read, d.listed, table) for d in diffs):
            return ("confusable", tuple(diffs))
        return None
    if config.allow_edit:
        sub = indel(read, plate)
        if sub is not None:
            return ("edit", (sub,))
    return None


def score(verdict: Verdict, read: str, plate: str, config: MatchConfig,
          char_confidences: tuple[float, ...] | None = None,
          table: ConfusableTable | None = None) -> float:
    """How strongly the read supports the listed plate, in [0, 1].

    1 minus the penalties: a look-alike swap costs its table cost times the reader's
    confidence in the character it read (a confident reader that saw ``8`` is evidence
    against ``B``; an unsure one is not); an extra character costs ``edit_cost`` times its
    confidence, a missing one ``edit_cost``; each read character under a wildcard costs
    ``wildcard_cost``.

    >>> cfg = MatchConfig()
    >>> v = classify("7A8C123", "7ABC123", cfg)
    >>> score(v, "7A8C123", "7ABC123", cfg), score(v, "7A8C123", "7ABC123", cfg,
    ...       (0.9, 0.9, 0.5, 0.9, 0.9, 0.9, 0.9))
    (0.7, 0.85)
    >>> score(("wildcard", ()), "7ABQ999", "7AB?*", cfg)
    0.6
    """
    kind, subs = verdict
    if kind == "wildcard":
        literals = sum(c not in (WILDCARD_ONE, WILDCARD_RUN) for c in plate)
        return round(max(0.0, 1.0 - config.wildcard_cost * (len(read) - literals)), 4)
    table = table or confusables()
    penalty = 0.0
    for s in subs:
        conf = 1.0
        if char_confidences is not None and s.read:
            conf = char_confidences[s.position]
        if kind == "confusable":
            penalty += table.cost(s.read, s.listed) * conf
        else:
            penalty += config.edit_cost * conf
    return round(max(0.0, 1.0 - penalty), 4)


def state_agreement(read_state: str | None, read_state_confidence: float | None,
                    listed_state: str | None, config: MatchConfig) -> StateAgreement:
    """``same``/``different`` when both states are known, else ``unknown``; a read state
    below ``state_confidence_floor`` counts as unknown. A ``different`` match is still
    returned: the operator verifies the state of issuance before acting (policy III.D.1).

    >>> cfg = MatchConfig()
    >>> state_agreement("CA", 0.9, "CA", cfg), state_agreement("NV", 0.9, "CA", cfg)
    ('same', 'different')
    >>> state_agreement("NV", 0.3, "CA", cfg), state_agreement(None, None, "CA", cfg)
    ('unknown', 'unknown')
    """
    if read_state is None or listed_state is None:
        return "unknown"
    if read_state_confidence is not None and read_state_confidence < config.state_confidence_floor:
        return "unknown"
    return "same" if read_state == listed_state else "different"
