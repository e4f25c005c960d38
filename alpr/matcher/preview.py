"""What the tolerance setting accepts, for administrators: every misread of a listed plate
that would still match it, and a plain-language preview of them. Retro-matching uses the
same enumeration to find past reads of a newly listed plate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from alpr.hotlist.entries import WILDCARD_ONE, WILDCARD_RUN, is_pattern
from alpr.matcher.rules import (
    EXACT,
    MatchConfig,
    Substitution,
    Verdict,
    alternatives_map,
    indel,
)
from alpr.vocabulary.confusables import ConfusableTable, confusables
from alpr.vocabulary.plate_text import ALPHABET, MAX_PLATE_LENGTH


def misreads(plate: str, config: MatchConfig | None = None,
             table: ConfusableTable | None = None) -> Iterator[tuple[str, Verdict]]:
    """Every read text that matches a (non-wildcard) listed plate, with its verdict, exactly
    as ``rules.classify`` would give it; each text once.

    >>> [t for t, v in misreads("B8", MatchConfig(allow_edit=False))]
    ['B8', '38', '88', 'BB']
    """
    if is_pattern(plate):
        raise ValueError(f"plate {plate!r}: a partial plate matches an open-ended set of "
                         f"reads; use preview() for its description")
    config = config or MatchConfig()
    alts = alternatives_map(table or confusables())
    n = len(plate)
    yield plate, EXACT
    if config.max_confusable_positions >= 1:
        for p in range(n):
            for c in alts[plate[p]]:
                one = plate[:p] + c + plate[p + 1:]
                yield one, ("confusable", (Substitution(p, c, plate[p]),))
                if config.max_confusable_positions >= 2:
                    for q in range(p + 1, n):
                        for d in alts[plate[q]]:
                            two = one[:q] + d + one[q + 1:]
                            yield two, ("confusable", (Substitution(p, c, plate[p]),
                                                       Substitution(q, d, plate[q])))
    if config.allow_edit:
        seen: set[str] = set()
        candidates = [plate[:p] + plate[p + 1:] for p in range(n)] if n > 1 else []
        if n < MAX_PLATE_LENGTH:
            candidates += [plate[:p] + c + plate[p:] for p in range(n + 1) for c in ALPHABET]
        for text in candidates:
            if text not in seen:
                seen.add(text)
                sub = indel(text, plate)
                assert sub is not None
                yield text, ("edit", (sub,))


def describe(sub: Substitution) -> str:
    """A difference in words.

    >>> describe(Substitution(2, "8", "B")), describe(Substitution(6, "", "3"))
    ('B read as 8 (position 3)', '3 missing (position 7)')
    """
    if not sub.read:
        return f"{sub.listed} missing (position {sub.position + 1})"
    if not sub.listed:
        return f"extra {sub.read} (position {sub.position + 1})"
    return f"{sub.listed} read as {sub.read} (position {sub.position + 1})"


@dataclass(frozen=True)
class Preview:
    """Which misreads of a plate match, counted by kind, with examples."""

    plate: str
    config: MatchConfig
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    not_matching: list[str] = field(default_factory=list)

    def text(self) -> str:
        cfg = self.config
        lines = [f"Listed plate {self.plate}. Tolerance: up to "
                 f"{cfg.max_confusable_positions} look-alike character(s) "
                 f"(from the confusable table); one character missing or extra: "
                 f"{'yes' if cfg.allow_edit else 'no'}."]
        if is_pattern(self.plate):
            lines.append(_pattern_words(self.plate))
            lines.append("Known characters must be read exactly; no look-alikes or missing "
                         "characters are allowed in a partial plate.")
        else:
            total = sum(self.counts.values())
            lines.append(f"{total} different reads match it:")
            titles = {"exact": "read exactly", "confusable": "with look-alike characters",
                      "edit": "with one character missing or extra"}
            for kind, title in titles.items():
                if self.counts[kind]:
                    ex = "; ".join(self.examples[kind])
                    more = " ..." if self.counts[kind] > len(self.examples[kind]) else ""
                    lines.append(f"  - {title}: {self.counts[kind]}, e.g. {ex}{more}")
        if self.not_matching:
            lines.append("Reads that do NOT match, e.g. " + "; ".join(self.not_matching))
        return "\n".join(lines)


def _pattern_words(plate: str) -> str:
    parts = []
    for c in plate:
        parts.append({WILDCARD_ONE: "one unknown character",
                      WILDCARD_RUN: "any run of characters (or none)"}.get(c, c))
    return "Partial plate: a read matches when it is, in order: " + ", ".join(parts) + "."


def preview(plate: str, config: MatchConfig | None = None,
            table: ConfusableTable | None = None, examples: int = 4) -> Preview:
    """Count and illustrate the misreads of ``plate`` that still match it.

    >>> p = preview("7ABC123")
    >>> # 7:T,Y  A:4  B:8,3  C:G,6  1:I,L,T  2:Z  3:B; 7 deletions + 8*36-7 insertions
    >>> p.counts["exact"], p.counts["confusable"], p.counts["edit"]
    (1, 12, 288)
    """
    config = config or MatchConfig()
    table = table or confusables()
    out = Preview(plate=plate, config=config)
    if is_pattern(plate):
        return out
    found: dict[str, list[tuple[str, Verdict]]] = {}
    for text, verdict in misreads(plate, config, table):
        out.counts[verdict[0]] += 1
        found.setdefault(verdict[0], []).append((text, verdict))
    for kind, items in found.items():  # examples spread along the plate, not all at its start
        step = max(1, len(items) // examples)
        out.examples[kind] = [_example(t, v) for t, v in items[::step][:examples]]
    out.not_matching.extend(_outside(plate, config, table))
    return out


def _example(text: str, verdict: Verdict) -> str:
    why = ", ".join(describe(s) for s in verdict[1])
    return f"{text} ({why})" if why else text


def _outside(plate: str, config: MatchConfig, table: ConfusableTable) -> list[str]:
    """Near misses just beyond the tolerance, to show where it stops."""
    alts = alternatives_map(table)
    swappable = [p for p, c in enumerate(plate) if alts[c]]
    out = []
    k = config.max_confusable_positions
    if len(swappable) > k:
        text = list(plate)
        for p in swappable[:k + 1]:
            text[p] = alts[plate[p]][0]
        out.append(f"{''.join(text)} ({k + 1} look-alikes)")
    other = next(c for c in ALPHABET if c != plate[0] and c not in alts[plate[0]])
    out.append(f"{other}{plate[1:]} ({plate[0]} read as {other}: not look-alikes)")
    if len(plate) > 2:
        out.append(f"{plate[:-2]} (two characters missing)")
    return out
