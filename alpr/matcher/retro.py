"""Retro-matching: when an entry is added, find the past reads it matches, so hits can be
raised on historical reads. ``retro_candidates`` says which stored reads could match one
entry as look-ups of an index (the exact texts, or key prefixes of a partial plate);
``ReadIndex`` then applies the matcher's rules to the reads found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from alpr.hotlist.entries import WILDCARD_ONE, WILDCARD_RUN, HotListEntry, is_pattern
from alpr.matcher.match import Match, make_match
from alpr.matcher.preview import misreads
from alpr.matcher.reads import Read
from alpr.matcher.rules import MatchConfig, classify
from alpr.vocabulary.confusables import ConfusableTable, confusables

# The plate alphabet in the order of every index (ASCII; also the order of the C and of the
# usual locale collations for these characters): prefix ranges are built in it.
ORDERED_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_PREFIXES = len(ORDERED_ALPHABET) ** 2  # '?' at a partial plate's end: two are spelt out


class ReadIndex:
    """Past reads by canonical text.

    >>> idx = ReadIndex([Read("7A8C123", id="r1"), Read("9XYZ000", id="r2")])
    >>> e = HotListEntry("7ABC123", "CA", "bolo", 4, "manual")
    >>> [(r.id, m.kind) for r, m in idx.retro_match(e)]
    [('r1', 'confusable')]
    """

    def __init__(self, reads: Sequence[Read], config: MatchConfig | None = None,
                 table: ConfusableTable | None = None) -> None:
        self.reads = list(reads)
        self.config = config or MatchConfig()
        self.table = table or confusables()
        by_text: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(self.reads):
            by_text[r.text].append(i)
        self._by_text = dict(by_text)

    def retro_match(self, entry: HotListEntry) -> list[tuple[Read, Match]]:
        """Every past read ``entry`` matches, in the order the reads were given."""
        found: list[tuple[int, Match]] = []
        if entry.is_wildcard:
            for text, ids in self._by_text.items():
                verdict = classify(text, entry.plate, self.config, self.table)
                if verdict is not None:
                    found += [(i, make_match(self.reads[i], entry, verdict, self.config,
                                             self.table)) for i in ids]
        else:
            for text, verdict in misreads(entry.plate, self.config, self.table):
                for i in self._by_text.get(text, ()):
                    found.append((i, make_match(self.reads[i], entry, verdict, self.config,
                                                self.table)))
        found.sort(key=lambda x: x[0])
        return [(self.reads[i], m) for i, m in found]


@dataclass(frozen=True)
class Candidates:
    """Which stored reads could match one entry, as index look-ups.

    - ``texts``: a full plate; the reads whose text is one of these (its exact text, its
      look-alike and one-character-off misreads: ``preview.misreads``) are exactly its
      matches.
    - ``prefixes`` of ``key``: a partial plate; the reads whose ``"plate"`` (or
      ``"reversed"`` plate) starts with one of them, and whose text fits ``like``, are a
      superset of its matches (the rules decide).
    - neither (``key`` None): a partial plate with no known characters at either end
      (``*ABC*``); every distinct stored text is tried against ``like``.
    """

    texts: tuple[str, ...] = ()
    key: Literal["plate", "reversed"] | None = None
    prefixes: tuple[str, ...] = ()
    like: str | None = None


def like_pattern(pattern: str) -> str:
    """A partial plate as an SQL ``LIKE`` pattern (plates hold no ``%`` or ``_``).

    >>> like_pattern("7AB?1*")
    '7AB_1%'
    """
    return pattern.replace(WILDCARD_ONE, "_").replace(WILDCARD_RUN, "%")


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The range ``[low, high)`` of canonical texts that start with ``prefix`` (``high``
    None: no upper bound), in ``ORDERED_ALPHABET`` order.

    >>> prefix_range("AB"), prefix_range("A9"), prefix_range("AZ"), prefix_range("ZZ")
    (('AB', 'AC'), ('A9', 'AA'), ('AZ', 'B'), ('ZZ', None))
    """
    head = prefix.rstrip(ORDERED_ALPHABET[-1])
    if not head:
        return prefix, None
    return prefix, head[:-1] + ORDERED_ALPHABET[ORDERED_ALPHABET.index(head[-1]) + 1]


def _anchor(pattern: str) -> tuple[int, tuple[str, ...]]:
    """(known characters, prefixes): every text fitting ``pattern`` starts with one of the
    prefixes, which spell out its leading ``?`` (at most ``MAX_PREFIXES`` of them) up to the
    last known character before the first ``*``.

    >>> known, prefixes = _anchor("7AB?1*")
    >>> known, len(prefixes), prefixes[0], prefixes[-1], _anchor("*123")
    (4, 36, '7AB01', '7ABZ1', (0, ()))
    """
    prefixes, known = [""], 0
    best: tuple[int, tuple[str, ...]] = (0, ())
    for c in pattern:
        if c == WILDCARD_RUN:
            break
        if c == WILDCARD_ONE:
            if len(prefixes) * len(ORDERED_ALPHABET) > MAX_PREFIXES:
                break
            prefixes = [p + a for p in prefixes for a in ORDERED_ALPHABET]
        else:
            prefixes = [p + c for p in prefixes]
            known += 1
            best = (known, tuple(prefixes))
    return best


def retro_candidates(plate: str, config: MatchConfig | None = None,
                     table: ConfusableTable | None = None) -> Candidates:
    """The index look-ups that find every stored read a listed plate may match.

    A full plate: its misreads (a few hundred texts). A partial plate: the prefixes of its
    known start on the plate, or of its known end on the reversed plate, whichever pins
    more characters (fewer prefixes on a tie).

    >>> len(retro_candidates("7ABC123").texts)
    301
    >>> c = retro_candidates("*4123")
    >>> c.key, c.prefixes, c.like
    ('reversed', ('3214',), '%4123')
    >>> retro_candidates("*ABC*").key is None
    True
    """
    if not is_pattern(plate):
        return Candidates(texts=tuple(t for t, _ in misreads(plate, config, table)))
    head, tail = _anchor(plate), _anchor(plate[::-1])
    like = like_pattern(plate)
    if max(head[0], tail[0]) == 0:
        return Candidates(like=like)
    if (tail[0], -len(tail[1])) > (head[0], -len(head[1])):
        return Candidates(key="reversed", prefixes=tail[1], like=like)
    return Candidates(key="plate", prefixes=head[1], like=like)
