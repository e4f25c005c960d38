"""Benchmark: the hot-list matcher on a large realistic list, against a scan of every entry.

Usage: ``python benchmarks/bench_matcher.py [--entries 2000000] [--reads 200000]
[--baseline-sample 200] [--seed 0]``.

Writes an NCIC-style list of ``--entries`` plates across every jurisdiction (0.1 % of them
partial plates with ``?``/``*``), imports it, builds the index, then matches a stream of
reads of which a quarter are planted misreads of listed plates (exact, look-alike, one
character missing or extra, fits a partial plate). Prints import and index build time,
resident memory, reads/s in one process, recall and precision on the planted matches, and
the speed ratio against ``BaselineMatcher`` (rapidfuzz scan under the same rules) measured in
the same run on a sample of reads, whose results must be identical.

Then ``alpr match`` as a user runs it (``--cli-small`` > 0): the reads written as JSON lines
(``id``, ``text``, ``state``, ``state_confidence``, ``char_confidences``), the command run on
the first ``--cli-small`` of them and on all of them; the marginal rate is the extra reads
over the extra time (the list's import and index build cancel out). Its output must be the
in-process matcher's, line for line as ``json.dumps`` writes it, with every planted match.
In the same run, in one process on the same lines: the streaming path of ``alpr match``
(``stream.match_lines``) against the general path it replaced (``parse_read_line``, then
``match_many``, then ``json.dumps`` of each result).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from alpr.hotlist.categories import categories
from alpr.hotlist.entries import HotListEntry
from alpr.hotlist.importers import load_ncic
from alpr.matcher.baseline import BaselineMatcher
from alpr.matcher.match import Matcher
from alpr.matcher.reads import Read, parse_read_line
from alpr.matcher.rules import MatchConfig, alternatives_map, classify
from alpr.matcher.stream import match_lines, result_line
from alpr.vocabulary.confusables import confusables
from alpr.vocabulary.formats import sample_serial
from alpr.vocabulary.jurisdictions import codes
from alpr.vocabulary.plate_text import ALPHABET

KINDS = ("exact", "confusable", "edit", "wildcard")


@dataclass(frozen=True)
class BenchConfig:
    entries: int = 2_000_000
    reads: int = 200_000
    planted_share: float = 0.25
    wildcard_share: float = 0.001
    baseline_sample: int = 200
    batch: int = 1000
    cli_small: int = 20_000  # 0: do not run alpr match
    seed: int = 0


def rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_pattern(plate: str, rng: random.Random) -> str:
    """A partial plate from a full one: two unknown characters, or a known prefix."""
    if len(plate) >= 6 and rng.random() < 0.5:
        return plate[:4] + "*"
    chars = list(plate)
    for p in rng.sample(range(len(chars)), k=min(2, len(chars) - 3)):
        chars[p] = "?"
    return "".join(chars)


def write_list(path: Path, cfg: BenchConfig, rng: random.Random) -> None:
    states = codes()
    cats = categories().codes()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("# synthetic NCIC-style extract for the matcher benchmark\n")
        for n in range(cfg.entries):
            state = rng.choice(states)
            plate = sample_serial(state, rng)[0]
            if rng.random() < cfg.wildcard_share and len(plate) >= 5:
                plate = make_pattern(plate, rng)
            fh.write(f"{plate};{state};{rng.choice(cats)};R{n}\n")


def fill_pattern(pattern: str, rng: random.Random) -> str:
    out = []
    for c in pattern:
        if c == "?":
            out.append(rng.choice(ALPHABET))
        elif c == "*":
            out.append("".join(rng.choices(ALPHABET, k=rng.randint(0, 3))))
        else:
            out.append(c)
    return "".join(out)[:10]


def plant(entry: HotListEntry, kind: str, rng: random.Random, alts: dict[str, tuple[str, ...]],
          ) -> str | None:
    """A read of ``entry`` with a planted difference of ``kind``; None if impossible."""
    p = entry.plate
    if kind == "wildcard":
        text = fill_pattern(p, rng)
        return text if classify(text, p, MatchConfig()) else None
    if kind == "exact":
        return p
    if kind == "confusable":
        spots = [i for i, c in enumerate(p) if alts[c]]
        if not spots:
            return None
        i = rng.choice(spots)
        return p[:i] + rng.choice(alts[p[i]]) + p[i + 1:]
    i = rng.randrange(len(p) + 1)
    if (rng.random() < 0.5 or len(p) >= 10) and len(p) > 2:
        return p[:min(i, len(p) - 1)] + p[min(i, len(p) - 1) + 1:]
    return p[:i] + rng.choice(ALPHABET) + p[i:]


def make_reads(entries: list[HotListEntry], cfg: BenchConfig, rng: random.Random,
               ) -> tuple[list[Read], list[tuple[int, int, str]]]:
    """Reads and the planted (read number, entry number, kind) triples."""
    alts = alternatives_map(confusables())
    plain = [i for i, e in enumerate(entries) if not e.is_wildcard]
    wild = [i for i, e in enumerate(entries) if e.is_wildcard]
    states = codes()
    reads: list[Read] = []
    planted: list[tuple[int, int, str]] = []
    while len(reads) < cfg.reads:
        kind = rng.choice(KINDS) if rng.random() < cfg.planted_share else None
        if kind is None:
            state = rng.choice(states)
            text = sample_serial(state, rng)[0]
            target = None
        else:
            target = rng.choice(wild if kind == "wildcard" and wild else plain)
            state = entries[target].state or rng.choice(states)
            if rng.random() < 0.1:
                state = rng.choice(states)
            planted_text = plant(entries[target], kind, rng, alts)
            if planted_text is None:
                continue
            text = planted_text
        confs = tuple(round(rng.uniform(0.5, 1.0), 3) for _ in text)
        if target is not None:
            planted.append((len(reads), target, kind or ""))
        reads.append(Read(text, confs, state, round(rng.uniform(0.3, 1.0), 3), len(reads)))
    return reads, planted


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for f, v in asdict(BenchConfig()).items():
        ap.add_argument("--" + f.replace("_", "-"), type=type(v), default=v)
    cfg = BenchConfig(**vars(ap.parse_args(argv)))
    print(f"date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine may be shared)")
    print(f"machine: {platform.platform()}; python {platform.python_version()}; "
          f"{platform.processor() or platform.machine()}; cpu_count={os.cpu_count()}; "
          f"single process")
    print(f"config: {asdict(cfg)}; matcher: {MatchConfig().model_dump()}")
    rng = random.Random(cfg.seed)
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        failed = run(cfg, Path(tmp), rng, now)
    if failed:
        sys.exit("FAILED: " + "; ".join(failed))


def run(cfg: BenchConfig, tmp: Path, rng: random.Random, now: dt.datetime) -> list[str]:
    """The whole benchmark with its files under ``tmp``; returns the failed checks."""
    path = tmp / "ncic_extract.txt"
    t0 = time.perf_counter()
    write_list(path, cfg, rng)
    print(f"wrote {cfg.entries} synthetic entries in {time.perf_counter() - t0:.1f} s")
    base_rss = rss_mb()
    t0 = time.perf_counter()
    hotlist = load_ncic(path, now=now)
    t_import = time.perf_counter() - t0
    print(f"import (validate every row): {t_import:.1f} s "
          f"({hotlist.version.rows_read / t_import:,.0f} rows/s); {hotlist.version.summary()}")
    entries = hotlist.entries
    gc.collect()
    t0 = time.perf_counter()
    matcher = Matcher(entries)
    t_build = time.perf_counter() - t0
    gc.collect()
    print(f"index build: {t_build:.1f} s for {len(entries):,} entries "
          f"({sum(e.is_wildcard for e in entries)} partial plates); index arrays "
          f"{matcher.index.nbytes / 2**20:.0f} MiB")
    print(f"resident memory: {rss_mb():.0f} MiB with list and index loaded "
          f"({rss_mb() - base_rss:.0f} MiB over the interpreter with its imports); "
          f"peak {peak_rss_mb():.0f} MiB")

    reads, planted = make_reads(entries, cfg, rng)
    # timed as `alpr match` streams: each batch's matches are used and dropped (holding all of
    # them would let Python's cyclic GC rescan the 2 million entries for nothing)
    t0, c0 = time.perf_counter(), time.process_time()
    n_matches = 0
    for s in range(0, len(reads), cfg.batch):
        n_matches += sum(map(len, matcher.match_many(reads[s:s + cfg.batch], now)))
    t_match, c_match = time.perf_counter() - t0, time.process_time() - c0
    rate = len(reads) / t_match
    print(f"matching: {len(reads):,} reads in {t_match:.2f} s = {rate:,.0f} reads/s wall-clock "
          f"({len(reads) / c_match:,.0f} per CPU-second; batches of {cfg.batch}); "
          f"{n_matches:,} matches returned")
    results = [m for s in range(0, len(reads), cfg.batch)
               for m in matcher.match_many(reads[s:s + cfg.batch], now)]  # kept, to check
    t0 = time.perf_counter()
    single = reads[:20000]
    for r in single:
        matcher.match(r, now)
    print(f"matching one read at a time: {len(single) / (time.perf_counter() - t0):,.0f} "
          f"reads/s")

    found = 0
    by_kind = {k: [0, 0] for k in KINDS}
    for ri, ei, kind in planted:
        ok = any(m.entry is entries[ei] and m.kind == kind for m in results[ri])
        found += ok
        by_kind[kind][0] += ok
        by_kind[kind][1] += 1
    correct = sum(classify(r.text, m.entry.plate, matcher.config) == (m.kind, m.substitutions)
                  for r, ms in zip(reads, results, strict=True) for m in ms)
    print(f"recall on planted matches: {found}/{len(planted)} = {found / len(planted):.2%} ("
          + ", ".join(f"{k} {a}/{b}" for k, (a, b) in by_kind.items()) + ")")
    print(f"precision (every returned match re-checked with rules.classify): "
          f"{correct}/{n_matches} = {correct / max(n_matches, 1):.2%}")

    sample_ids = [ri for ri, _, _ in planted[:cfg.baseline_sample // 2]]
    sample_ids += list(range(cfg.baseline_sample - len(sample_ids)))
    sample = [reads[i].text for i in sample_ids]
    baseline = BaselineMatcher(entries, matcher.config, matcher.table)
    t0 = time.perf_counter()
    expected = [baseline.lookup(t) for t in sample]
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = matcher.index.lookup_many(sample)
    t_idx = time.perf_counter() - t0
    same = sum(a == b for a, b in zip(expected, got, strict=True))
    base_rate = len(sample) / t_base
    print(f"baseline (rapidfuzz Levenshtein scan of every entry + the same rules) on "
          f"{len(sample)} reads ({sum(1 for _ in sample_ids[:cfg.baseline_sample // 2])} "
          f"planted): {base_rate:,.1f} reads/s; index on the same reads: "
          f"{len(sample) / t_idx:,.0f} reads/s")
    print(f"identical results to the baseline: {same}/{len(sample)}; "
          f"speed ratio (matcher stream / baseline): {rate / base_rate:,.0f}x")
    failed = []
    if same != len(sample) or found != len(planted) or correct != n_matches:
        failed.append("results differ from the rules")
    if cfg.cli_small:
        failed += bench_cli(cfg, tmp, path, reads, results, planted, entries, now)
    return failed


def read_line(r: Read) -> str:
    return json.dumps({"id": r.id, "text": r.text, "state": r.state,
                       "state_confidence": r.state_confidence,
                       "char_confidences": list(r.char_confidences or ())}) + "\n"


def run_cli(list_path: Path, reads_path: Path, out_path: Path, now: dt.datetime,
            ) -> tuple[float, float, str]:
    """``alpr match`` in its own process: (wall seconds, CPU seconds, stderr's last line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(out_path, "w") as out:
        proc = subprocess.run([sys.executable, "-m", "alpr.cli", "match", "--hotlist",
                               str(list_path), "--reads", str(reads_path), "--at",
                               now.isoformat()], stdout=out, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: alpr match exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, cpu, proc.stderr.strip().splitlines()[-1]


def bench_cli(cfg: BenchConfig, tmp: Path, list_path: Path, reads: list[Read],
              results: list[list], planted: list[tuple[int, int, str]],
              entries: list[HotListEntry], now: dt.datetime) -> list[str]:
    """``alpr match`` through the CLI, marginal reads/s; its output checked. Returns the
    failed checks."""
    lines = [read_line(r) for r in reads]
    small = min(cfg.cli_small, len(lines) // 2)
    small_path, all_path = tmp / "reads_small.jsonl", tmp / "reads.jsonl"
    small_path.write_text("".join(lines[:small]))
    all_path.write_text("".join(lines))
    out_path = tmp / "matches.jsonl"
    w_small, c_small, _ = run_cli(list_path, small_path, out_path, now)
    w_all, c_all, summary = run_cli(list_path, all_path, out_path, now)
    extra = len(lines) - small
    print(f"alpr match through the CLI, {len(entries):,} entries: {small:,} reads in "
          f"{w_small:.1f} s, {len(lines):,} reads in {w_all:.1f} s wall-clock; marginal "
          f"{extra / (w_all - w_small):,.0f} reads/s wall-clock, "
          f"{extra / max(c_all - c_small, 1e-9):,.0f} per CPU-second ({summary})")
    want = [json.dumps(result_line(r, m)) for r, m in zip(reads, results, strict=True)]
    got = out_path.read_text().splitlines()
    identical = got == want
    by_ref = [{(m["reference"], m["kind"]) for m in json.loads(x)["matches"]}
              for x in got] if len(got) == len(reads) else [set() for _ in reads]
    found = sum((entries[ei].reference, kind) in by_ref[ri] for ri, ei, kind in planted)
    print(f"alpr match output identical to the in-process matcher's json.dumps: "
          f"{identical} ({len(got):,} lines); planted recall through the CLI: "
          f"{found}/{len(planted)} = {found / len(planted):.2%}")

    # the streaming path against the general path it replaced, in this process
    matcher = Matcher(entries)
    part = lines[:min(len(lines), 100_000)]
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    general = []
    for s in range(0, len(part), 2000):
        batch = [parse_read_line(x) for x in part[s:s + 2000]]
        general += [json.dumps(result_line(r, m)) + "\n"
                    for r, m in zip(batch, matcher.match_many(batch, now), strict=True)]
    t_gen, c_gen = time.perf_counter() - t0, time.process_time() - c0
    out = io.StringIO()
    t0, c0 = time.perf_counter(), time.process_time()
    match_lines(matcher, part, out, io.StringIO(), now=now)
    t_str, c_str = time.perf_counter() - t0, time.process_time() - c0
    print(f"in one process on {len(part):,} lines: streaming path {len(part) / t_str:,.0f} "
          f"reads/s ({len(part) / c_str:,.0f} per CPU-second); general path (parse_read_line, "
          f"match_many, json.dumps) {len(part) / t_gen:,.0f} reads/s "
          f"({len(part) / c_gen:,.0f} per CPU-second); ratio {c_gen / c_str:.2f}x in CPU; "
          f"same output: {out.getvalue() == ''.join(general)}")
    failed = []
    if not identical or found != len(planted):
        failed.append("alpr match output differs from the matcher's or misses planted matches")
    if out.getvalue() != "".join(general):
        failed.append("the streaming path's output differs from the general path's")
    return failed


if __name__ == "__main__":
    main()
