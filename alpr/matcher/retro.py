"""Retro-matching: when an entry is added, find the past reads it matches, so hits can be
raised on historical reads. Past reads are indexed by text once; each new entry then costs
a few hundred dict look-ups (its misreads), not a scan of every read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from alpr.hotlist.entries import HotListEntry
from alpr.matcher.match import Match, make_match
from alpr.matcher.preview import misreads
from alpr.matcher.reads import Read
from alpr.matcher.rules import MatchConfig, classify
from alpr.vocabulary.confusables import ConfusableTable, confusables


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
