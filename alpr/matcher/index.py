"""The hot-list index: finds every entry a read matches under ``rules.classify`` without
scanning the list, for whole batches of reads at once.

Plates are coded as int64 (base 36, times 16, plus the length). The index holds two sorted
arrays: the codes of the listed plates, and the codes of every single-character deletion of
every listed plate (symmetric delete). For a read R:

- exact: code(R) among the plates;
- R has an extra character: some deletion of R among the plates;
- R misses a character: code(R) among the plates' deletions;
- look-alike swap: R's one-swap variants (about 14 for 7 characters), coded in numpy from
  R's code, among the plates;
- two swaps (``max_confusable_positions=2``): the read's two-swap variants among the plates;
- partial plates: a small bucketed list of compiled patterns.

All searches of a batch are a handful of ``numpy.searchsorted`` calls; 2 million entries
cost about 160 MB of arrays, against several GB for dicts of 16 million strings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from alpr.hotlist.entries import WILDCARD_ONE, WILDCARD_RUN, HotListEntry
from alpr.matcher.rules import (
    EXACT,
    WILDCARD,
    MatchConfig,
    Substitution,
    Verdict,
    alternatives_map,
    indel,
    pattern_regex,
)
from alpr.vocabulary.confusables import ConfusableTable, confusables

Hits = dict[int, Verdict]  # entry number -> (kind, substitutions)
Bucket = list[tuple[re.Pattern[str], int]]
_CANONICAL = re.compile(r"[A-Z0-9]{1,10}")
_AFFIX = 3  # patterns with '*' are bucketed by up to 3 known leading (or trailing) characters
_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_POW36 = 36 ** np.arange(12, dtype=np.int64)
_DIGIT = np.full(256, -1, dtype=np.int64)
for _v, _c in enumerate(_CHARS):
    _DIGIT[ord(_c)] = _v


def text_code(text: str) -> int:
    """A unique int64 for canonical text: base-36 value times 16 plus the length (the
    length keeps ``0A`` apart from ``A``).

    >>> text_code("A"), text_code("0A")
    (161, 162)
    """
    return int(text, 36) * 16 + len(text)


def _digits(texts: Sequence[str]) -> np.ndarray:
    """(N, n) base-36 digit values of N canonical texts of one length n."""
    n = len(texts[0])
    raw = np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8)
    digits = _DIGIT[raw.reshape(-1, n)] if len(raw) == n * len(texts) else _DIGIT[:1]
    if (digits < 0).any():
        bad = next(t for t in texts if not _CANONICAL.fullmatch(t))
        raise ValueError(f"plate text {bad!r} is not canonical (A-Z and 0-9 only): pass it "
                         f"through alpr.vocabulary.plate_text.normalize_plate first")
    return digits


def _codes(digits: np.ndarray) -> np.ndarray:
    """(N,) codes of (N, n) digit rows, as ``text_code``."""
    code = np.zeros(len(digits), dtype=np.int64)
    for col in range(digits.shape[1]):
        code = code * 36 + digits[:, col]
    return code * 16 + digits.shape[1]


def _deletion_codes(digits: np.ndarray) -> np.ndarray:
    """(N, n) codes of each row with column d deleted, for every d."""
    n = digits.shape[1]
    return np.stack([_codes(np.delete(digits, d, axis=1)) for d in range(n)], axis=1)


def _search(keys: np.ndarray, owners: np.ndarray, queries: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray]:
    """(query numbers, owners) of every pair of a query and an equal entry of sorted ``keys``.

    Queries are searched in sorted order: numpy narrows each binary search with the previous
    result, which keeps a batch's searches in cache.
    """
    flat = queries.ravel()
    if not len(keys) or not len(flat):
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    lo = np.searchsorted(keys, ordered, "left")
    found = np.flatnonzero(keys[np.minimum(lo, len(keys) - 1)] == ordered)
    if not len(found):
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    hi = np.searchsorted(keys, ordered[found], "right")
    counts = hi - lo[found]
    starts = np.repeat(lo[found] - np.cumsum(counts) + counts, counts)
    positions = starts + np.arange(int(counts.sum()))
    return np.repeat(order[found], counts), owners[positions]


def _literal_run(plate: str) -> str:
    """The known characters before the first wildcard."""
    for p, c in enumerate(plate):
        if c in (WILDCARD_ONE, WILDCARD_RUN):
            return plate[:p]
    return plate


class HotListIndex:
    """All entries of one or more hot lists, indexed for ``lookup``; immutable once built."""

    def __init__(self, entries: Sequence[HotListEntry], config: MatchConfig | None = None,
                 table: ConfusableTable | None = None) -> None:
        self.entries = list(entries)
        self.config = config or MatchConfig()
        self._alts = {c: a for c, a in alternatives_map(table or confusables()).items() if a}
        by_length: dict[int, list[int]] = defaultdict(list)
        # fixed-length patterns: length -> positions of the first two known characters ->
        # those two characters -> patterns
        fixed: dict[int, dict[tuple[int, int], dict[str, Bucket]]] = {}
        self._star_first: dict[str, Bucket] = {}  # by known head
        self._star_last: dict[str, Bucket] = {}  # by known tail
        self._star_scan: Bucket = []
        for i, e in enumerate(self.entries):
            if WILDCARD_ONE in e.plate or WILDCARD_RUN in e.plate:
                self._add_pattern(e.plate, i, fixed)
            else:
                by_length[len(e.plate)].append(i)
        # only the (position, bucket) pairs and affix lengths that hold patterns are tried
        self._fixed = {n: list(slots.items()) for n, slots in fixed.items()}
        self._head_lengths = sorted({len(k) for k in self._star_first})
        self._tail_lengths = sorted({len(k) for k in self._star_last})
        codes, owners = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
        dcodes, downers = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
        for length, ids in by_length.items():
            digits = _digits([self.entries[i].plate for i in ids])
            id_arr = np.asarray(ids, dtype=np.int32)
            codes.append(_codes(digits))
            owners.append(id_arr)
            if length >= 2:
                dels = _deletion_codes(digits)  # (N, n)
                # deleting any character of a run gives the same text: keep the last of each
                keep = np.ones_like(dels, dtype=bool)
                keep[:, :-1] = digits[:, :-1] != digits[:, 1:]
                dcodes.append(dels[keep])
                downers.append(np.broadcast_to(id_arr[:, None], dels.shape)[keep])
        width = max((len(a) for a in self._alts.values()), default=1)
        self._alt_digits = np.full((36, width), -1, dtype=np.int64)  # digit -> look-alikes
        for a, alts in self._alts.items():
            self._alt_digits[_CHARS.index(a), :len(alts)] = [_CHARS.index(b) for b in alts]
        self._codes, self._owners = self._sorted(codes, owners)
        self._del_codes, self._del_owners = self._sorted(dcodes, downers)

    @staticmethod
    def _sorted(codes: list[np.ndarray], owners: list[np.ndarray],
                ) -> tuple[np.ndarray, np.ndarray]:
        all_codes = np.concatenate(codes)
        order = np.argsort(all_codes, kind="stable")
        return all_codes[order], np.concatenate(owners)[order].astype(np.int32)

    def _add_pattern(self, plate: str, i: int,
                     fixed: dict[int, dict[tuple[int, int], dict[str, Bucket]]]) -> None:
        item = (pattern_regex(plate), i)
        if WILDCARD_RUN not in plate:
            p1, p2 = [p for p, c in enumerate(plate) if c != WILDCARD_ONE][:2]
            by_chars = fixed.setdefault(len(plate), {}).setdefault((p1, p2), {})
            by_chars.setdefault(plate[p1] + plate[p2], []).append(item)
        elif head := _literal_run(plate)[:_AFFIX]:
            self._star_first.setdefault(head, []).append(item)
        elif tail := _literal_run(plate[::-1])[:_AFFIX][::-1]:
            self._star_last.setdefault(tail, []).append(item)
        else:
            self._star_scan.append(item)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def nbytes(self) -> int:
        """Bytes held by the code arrays."""
        return sum(int(a.nbytes) for a in (self._codes, self._owners, self._del_codes,
                                           self._del_owners))

    def lookup(self, text: str) -> Hits:
        """Every entry (by number) matching canonical ``text``, with its verdict.

        >>> from alpr.hotlist.entries import HotListEntry
        >>> idx = HotListIndex([HotListEntry("7ABC123", "CA", "bolo", 4, "t")])
        >>> idx.lookup("7A8C123"), idx.lookup("7ABC12")[0][0]
        ({0: ('confusable', (Substitution(position=2, read='8', listed='B'),))}, 'edit')
        """
        return self.lookup_many([text])[0]

    def lookup_many(self, texts: Sequence[str]) -> list[Hits]:
        """``lookup`` for a batch of canonical texts."""
        hits: list[Hits] = [{} for _ in texts]
        by_length: dict[int, list[int]] = defaultdict(list)
        for r, t in enumerate(texts):
            by_length[len(t)].append(r)
        for rows in by_length.values():
            self._lookup_length([texts[r] for r in rows], [hits[r] for r in rows])
        if self._fixed or self._star_first or self._star_last or self._star_scan:
            for t, h in zip(texts, hits, strict=True):
                self._wildcards(t, h)
        return hits

    def _lookup_length(self, texts: list[str], hits: list[Hits]) -> None:
        """Exact, look-alike and edit matches of reads that all have one length n."""
        entries, cfg = self.entries, self.config
        n = len(texts[0])
        digits = _digits(texts)
        full = _codes(digits)
        qs, owners = _search(self._codes, self._owners, full)
        for q, i in zip(qs.tolist(), owners.tolist(), strict=True):
            hits[q][i] = EXACT
        if cfg.allow_edit:
            qs, owners = _search(self._del_codes, self._del_owners, full)
            for q, i in zip(qs.tolist(), owners.tolist(), strict=True):
                sub = indel(texts[q], entries[i].plate)  # the read misses a character
                if sub is not None:
                    hits[q][i] = ("edit", (sub,))
        if cfg.allow_edit and n >= 2:
            dels = _deletion_codes(digits)  # (B, n)
            qs, owners = _search(self._codes, self._owners, dels)
            for q, i in zip(qs.tolist(), owners.tolist(), strict=True):
                sub = indel(texts[q // n], entries[i].plate)  # the read has an extra one
                if sub is not None:
                    hits[q // n][i] = ("edit", (sub,))
        if cfg.max_confusable_positions >= 1:
            # every one-swap look-alike variant of every read, coded in numpy: the read's code
            # with digit d replaced by each character confusable with it
            alts = self._alt_digits[digits]  # (B, n, A), -1 where there are fewer look-alikes
            place = (_POW36[n - 1 - np.arange(n)] * 16)[None, :, None]
            variants = full[:, None, None] + (alts - digits[:, :, None]) * place
            valid = np.flatnonzero(alts.ravel() >= 0)
            qs, owners = _search(self._codes, self._owners, variants.ravel()[valid])
            r, rest = np.divmod(valid[qs], n * alts.shape[2])
            for rr, dd, i in zip(r.tolist(), (rest // alts.shape[2]).tolist(),
                                 owners.tolist(), strict=True):
                read = texts[rr]
                hits[rr][i] = ("confusable", (Substitution(dd, read[dd], entries[i].plate[dd]),))
        if cfg.max_confusable_positions >= 2:
            self._two_swaps(texts, digits, full, hits)

    def _two_swaps(self, texts: list[str], digits: np.ndarray, full: np.ndarray,
                   hits: list[Hits]) -> None:
        """Variants of each read with look-alikes at two positions p < q, coded in numpy."""
        entries, n = self.entries, digits.shape[1]
        if n < 2:
            return
        alts = self._alt_digits[digits]  # (B, n, A)
        width = alts.shape[2]
        delta = (alts - digits[:, :, None]) * (_POW36[n - 1 - np.arange(n)] * 16)[None, :, None]
        first, second = np.triu_indices(n, k=1)  # (P,) position pairs
        variants = (full[:, None, None, None] + delta[:, first, :, None]
                    + delta[:, second, None, :])  # (B, P, A, A)
        valid = np.flatnonzero(((alts[:, first, :, None] >= 0)
                                & (alts[:, second, None, :] >= 0)).ravel())
        qs, owners = _search(self._codes, self._owners, variants.ravel()[valid])
        r, rest = np.divmod(valid[qs], len(first) * width * width)
        for rr, pair, i in zip(r.tolist(), (rest // (width * width)).tolist(), owners.tolist(),
                               strict=True):
            read, plate = texts[rr], entries[i].plate
            p, q = int(first[pair]), int(second[pair])
            hits[rr][i] = ("confusable", (Substitution(p, read[p], plate[p]),
                                          Substitution(q, read[q], plate[q])))

    def _wildcards(self, text: str, hits: Hits) -> None:
        n = len(text)
        slots = self._fixed.get(n)
        if slots:
            for (p1, p2), by_chars in slots:
                for rx, i in by_chars.get(text[p1] + text[p2], ()):
                    if rx.fullmatch(text):
                        hits[i] = WILDCARD
        for j in self._head_lengths:
            for rx, i in self._star_first.get(text[:j], ()):
                if rx.fullmatch(text):
                    hits[i] = WILDCARD
        for j in self._tail_lengths:
            for rx, i in self._star_last.get(text[-j:], ()):
                if rx.fullmatch(text):
                    hits[i] = WILDCARD
        for rx, i in self._star_scan:
            if rx.fullmatch(text):
                hits[i] = WILDCARD
