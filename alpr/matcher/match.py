"""Matching reads against hot lists: every active entry a read may be, with the kind of match,
the substitutions, a confidence-aware score and the state agreement, most urgent first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from alpr.hotlist.entries import HotListEntry
from alpr.matcher.index import Hits, HotListIndex
from alpr.matcher.reads import Read
from alpr.matcher.rules import (
    KIND_RANK,
    Kind,
    MatchConfig,
    StateAgreement,
    Substitution,
    Verdict,
    score,
    state_agreement,
)
from alpr.vocabulary.confusables import ConfusableTable, confusables


@dataclass(frozen=True, slots=True)
class Match:
    """One listed entry a read matches."""

    entry: HotListEntry
    kind: Kind
    substitutions: tuple[Substitution, ...]
    score: float
    state_agreement: StateAgreement

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {"plate": e.plate, "state": e.state, "category": e.category,
                "priority": e.priority, "reference": e.reference, "source": e.source,
                "kind": self.kind,
                "substitutions": [s.to_list() for s in self.substitutions],
                "state_agreement": self.state_agreement, "score": self.score}

    def sort_key(self) -> tuple[int, int, int, float, str]:
        """Most urgent category, then agreeing state, then closest kind, then best score."""
        state_rank = {"same": 0, "unknown": 1, "different": 2}[self.state_agreement]
        return (self.entry.priority, state_rank, KIND_RANK[self.kind], -self.score,
                self.entry.plate)


def make_match(read: Read, entry: HotListEntry, verdict: Verdict, config: MatchConfig,
               table: ConfusableTable) -> Match:
    """A ``Match`` for a verdict of ``rules.classify`` (scored, state compared)."""
    return Match(entry=entry, kind=verdict[0], substitutions=verdict[1],
                 score=score(verdict, read.text, entry.plate, config, read.char_confidences,
                             table),
                 state_agreement=state_agreement(read.state, read.state_confidence,
                                                 entry.state, config))


class Matcher:
    """Hot lists indexed for matching. Expired entries (``expires_at`` at or before ``now``)
    are skipped at match time, so one index serves a whole shift.

    >>> e = HotListEntry("7ABC123", "CA", "stolen_vehicle", 2, "ncic.txt")
    >>> [m.to_dict()["kind"] for m in Matcher([e]).match(Read("7A8C123", state="CA"))]
    ['confusable']
    """

    def __init__(self, entries: Iterable[HotListEntry], config: MatchConfig | None = None,
                 table: ConfusableTable | None = None) -> None:
        self.config = config or MatchConfig()
        self.table = table or confusables()
        self.index = HotListIndex(list(entries), self.config, self.table)

    def __len__(self) -> int:
        return len(self.index)

    def match(self, read: Read, now: dt.datetime | None = None) -> list[Match]:
        """Every active entry ``read`` matches, most urgent first."""
        return self.match_many([read], now)[0]

    def match_many(self, reads: Sequence[Read], now: dt.datetime | None = None,
                   ) -> list[list[Match]]:
        """``match`` for a batch of reads (faster: one search of the deletion index)."""
        now = now or dt.datetime.now(dt.UTC)
        hits = self.index.lookup_many([r.text for r in reads])
        return [self._matches(r, h, now) for r, h in zip(reads, hits, strict=True)]

    def _matches(self, read: Read, hits: Hits, now: dt.datetime) -> list[Match]:
        if not hits:
            return []
        entries = self.index.entries
        out = [make_match(read, entries[i], v, self.config, self.table)
               for i, v in hits.items() if entries[i].is_active(now)]
        out.sort(key=Match.sort_key)
        return out
