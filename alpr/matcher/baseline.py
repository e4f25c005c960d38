"""The straightforward matcher the index is measured and checked against: a scan of every
entry under ``rules.classify``, prefiltered with rapidfuzz's Levenshtein distance when it is
installed (``pip install rapidfuzz``, in the ``dev`` extra), else plain Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from alpr.hotlist.entries import HotListEntry
from alpr.matcher.index import Hits
from alpr.matcher.rules import MatchConfig, classify
from alpr.vocabulary.confusables import ConfusableTable, confusables

try:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein
except ImportError:  # pragma: no cover - the plain scan below is the fallback
    process = None  # type: ignore[assignment]


class BaselineMatcher:
    """Scan-everything matcher with the same ``lookup`` interface as ``HotListIndex``."""

    def __init__(self, entries: Sequence[HotListEntry], config: MatchConfig | None = None,
                 table: ConfusableTable | None = None, use_rapidfuzz: bool = True) -> None:
        self.entries = list(entries)
        self.config = config or MatchConfig()
        self.table = table or confusables()
        self.plates = [e.plate for e in self.entries]
        self.use_rapidfuzz = use_rapidfuzz and process is not None
        self._wild = [i for i, e in enumerate(self.entries) if e.is_wildcard]

    def lookup(self, text: str) -> Hits:
        """Every entry (by number) matching ``text``, by checking each one."""
        if not self.use_rapidfuzz:
            candidates: Sequence[int] = range(len(self.entries))
        else:
            # both confusable (<= k swaps) and edit (one indel) matches are within this
            # Levenshtein distance; wildcard entries are checked separately
            cutoff = max(self.config.max_confusable_positions, 1)
            near = process.extract(text, self.plates, scorer=Levenshtein.distance,
                                   score_cutoff=cutoff, limit=None)
            candidates = sorted({i for _, _, i in near} | set(self._wild))
        hits: Hits = {}
        for i in candidates:
            verdict = classify(text, self.plates[i], self.config, self.table)
            if verdict is not None:
                hits[i] = verdict
        return hits
