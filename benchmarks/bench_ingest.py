"""Benchmark: ingesting reads into the store with hot-list matching on, on SQLite and on
PostgreSQL, checking that nothing is lost or stored twice.

Usage: ``python benchmarks/bench_ingest.py [--reads 100000] [--entries 100000]
[--pg-url postgresql+psycopg://alpr:alpr@127.0.0.1:5432/alpr_ci | --pg-url ""]``

For each store (a new SQLite file; the PostgreSQL database at ``--pg-url``, emptied and
migrated first: give a database nothing else uses, or ``""`` to skip it): loads an
NCIC-style hot list of ``--entries`` plates through governance, then ingests ``--reads``
reads (5% plates on the list, 2% look-alike misreads of listed plates, 0.5% bad rows)
through the access-control layer in batches of ``--batch``, with matching; prints reads/s
(wall-clock and per CPU-second of this process) and checks that

- every good row is stored once (the count of rows, and of distinct natural keys) and every
  bad row is reported;
- the hits stored are exactly what the matcher finds for those reads in one process, one per
  (read, entry);
- ingesting the same file again stores nothing and counts every read as already stored.

The peer, measured in the same run on a sample, is the straightforward way: one ORM object
per read, ``session.add`` and a commit per read (what a naive ingest loop does), with no
matching at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from alpr.governance.access import Governance
from alpr.governance.hotlists import active_entries, load_list
from alpr.governance.records import ingest_rows
from alpr.matcher.match import Matcher
from alpr.matcher.reads import Read as MatchRead
from alpr.matcher.rules import alternatives_map
from alpr.store.db import downgrade, make_engine, sessions, upgrade
from alpr.store.schema import Hit, Read
from alpr.vocabulary.confusables import confusables
from alpr.vocabulary.formats import sample_serial
from alpr.vocabulary.jurisdictions import codes

PW = "benchmark password"
PG_URL = "postgresql+psycopg://alpr:alpr@127.0.0.1:5432/alpr_ci"


@dataclass(frozen=True)
class BenchConfig:
    reads: int = 100_000
    entries: int = 100_000
    batch: int = 5000
    peer_sample: int = 2000
    pg_url: str = PG_URL
    seed: int = 0


def _fresh(url: str) -> None:
    """An empty, migrated store at ``url`` (PostgreSQL: everything in it dropped first)."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as c:  # the audit log refuses deletes; drop its trigger first
            c.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"))
        engine.dispose()
        downgrade(url, "base")
    upgrade(url)


def make_rows(cfg: BenchConfig, listed: list[tuple[str, str]], rng: random.Random,
              now: dt.datetime) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """(line, raw row) of the reads to ingest, and how many of them are bad."""
    states = list(codes())[:51]
    alts = alternatives_map(confusables())
    rows, bad = [], 0
    for i in range(cfg.reads):
        r = rng.random()
        if r < 0.05:
            plate, st = rng.choice(listed)
        elif r < 0.07:  # a look-alike misread of a listed plate
            plate, st = rng.choice(listed)
            spots = [p for p, c in enumerate(plate) if alts[c]]
            if spots:
                p = rng.choice(spots)
                plate = plate[:p] + rng.choice(alts[plate[p]]) + plate[p + 1:]
        else:
            st = rng.choice(states)
            plate, _ = sample_serial(st, rng, vanity_rate=0.1)
        row: dict[str, Any] = {
            "read_at": (now - dt.timedelta(seconds=i)).isoformat(), "camera": "CAM-1",
            "plate": plate, "state": st, "confidence": 0.9,
            "state_confidence": round(rng.uniform(0.3, 1.0), 3),
            "char_confidences": [round(rng.uniform(0.5, 1.0), 3) for _ in plate]}
        if rng.random() < 0.005:  # a bad row: reported with its line, the rest still stored
            row["confidence"] = 1.5
            bad += 1
        rows.append((i + 1, row))
    return rows, bad


def expected_hits(gov: Governance, rows: list[tuple[int, dict[str, Any]]],
                  now: dt.datetime) -> int:
    """The hits one in-process matcher finds for the good rows (the check, not timed)."""
    with gov.Session() as s:
        matcher = Matcher(active_entries(s, now))
    reads = [MatchRead(text=r["plate"], state=r["state"], state_confidence=r["state_confidence"],
                       char_confidences=tuple(r["char_confidences"]))
             for _, r in rows if r["confidence"] <= 1]
    return sum(len(m) for i in range(0, len(reads), 5000)
               for m in matcher.match_many(reads[i:i + 5000], now))


def _distinct(s: Any, *columns: Any) -> int:
    """How many distinct value tuples the columns hold (SQLite has no COUNT(DISTINCT (a, b)))."""
    return int(s.scalar(select(func.count()).select_from(
        select(*columns).distinct().subquery())) or 0)


def bench_store(url: str, cfg: BenchConfig, label: str) -> list[str]:
    """Ingest with matching into one store; returns the failed checks."""
    rng = random.Random(cfg.seed)
    _fresh(url)
    engine = make_engine(url)
    gov = Governance(engine)
    admin = gov.bootstrap_admin("chief", "Bench", PW,
                                certified_until=dt.date.today() + dt.timedelta(days=30))
    gov.add_camera(admin, "CAM-1", "stationary")
    states = list(codes())[:51]
    listed = []
    with tempfile.TemporaryDirectory() as tmp:
        hot = Path(tmp) / "list.txt"
        with open(hot, "w") as fh:
            for _ in range(cfg.entries):
                st = rng.choice(states)
                plate, _ = sample_serial(st, rng, vanity_rate=0.0)
                listed.append((plate, st))
                fh.write(f"{plate};{st};stolen vehicle\n")
        load_list(gov, admin, hot)
    now = dt.datetime.now(dt.UTC)
    rows, bad = make_rows(cfg, listed, rng, now)
    good = len(rows) - bad

    t0, c0 = time.perf_counter(), time.process_time()
    report = ingest_rows(gov, admin, rows, batch_size=cfg.batch, at=now)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{label}: ingest with validation + matching, batches of {cfg.batch}: "
          f"{len(rows) / wall:,.0f} reads/s wall-clock ({len(rows) / cpu:,.0f} per CPU-second "
          f"of this process; the database server's own CPU is not in it); {report}")

    failed = []
    with gov.Session() as s:
        n_reads = s.scalar(select(func.count()).select_from(Read))
        n_keys = _distinct(s, Read.camera_id, Read.read_at, Read.read_key)
        n_hits = s.scalar(select(func.count()).select_from(Hit))
        n_pairs = _distinct(s, Hit.read_id, Hit.entry_id)
    want_hits = expected_hits(gov, rows, now)
    checks = {
        "every good row stored": report.stored == good == n_reads,
        "no natural key twice": n_keys == n_reads,
        "every bad row reported": len(report.rejected) == bad,
        "hits = the matcher's, in one process": report.hits == n_hits == want_hits,
        "one hit per (read, entry)": n_pairs == n_hits,
    }
    again = ingest_rows(gov, admin, rows, batch_size=cfg.batch, at=now)
    with gov.Session() as s:
        n_after = s.scalar(select(func.count()).select_from(Read))
        hits_after = s.scalar(select(func.count()).select_from(Hit))
    checks["a second run stores nothing"] = (again.stored == 0 and again.already_stored == good
                                             and n_after == n_reads and hits_after == n_hits)
    print(f"{label}: stored {n_reads:,} reads ({n_keys:,} distinct natural keys) of {good:,} "
          f"good rows, {len(report.rejected)} of {bad} bad rows reported; hits {n_hits:,} "
          f"(matcher in one process: {want_hits:,}; distinct (read, entry): {n_pairs:,}); "
          f"again: {again}")
    for name, ok in checks.items():
        print(f"  {'ok ' if ok else 'FAILED'} {name}")
        if not ok:
            failed.append(f"{label}: {name}")

    # Peer: one ORM object and one commit per read, no matching.
    cam_id = 1
    S = sessions(engine)
    t0 = time.perf_counter()
    for i in range(cfg.peer_sample):
        with S.begin() as s:
            s.add(Read(read_at=now, camera_id=cam_id, plate=f"PEER{i % 999999}"[:10],
                       confidence=0.9, ingested_by=admin.id))
    peer = cfg.peer_sample / (time.perf_counter() - t0)
    print(f"{label}: peer (ORM add + commit per read, no matching): {peer:,.0f} reads/s; "
          f"ratio {len(rows) / wall / peer:.0f}x")
    engine.dispose()
    return failed


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for f, v in asdict(BenchConfig()).items():
        ap.add_argument("--" + f.replace("_", "-"), type=type(v), default=v)
    cfg = BenchConfig(**vars(ap.parse_args(argv)))
    print(f"date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; machine: "
          f"{platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"config: {asdict(cfg) | {'pg_url': cfg.pg_url.split('@')[-1]}}")
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        failed += bench_store(f"sqlite:///{Path(tmp) / 'bench.db'}", cfg, "SQLite")
    if cfg.pg_url:
        failed += bench_store(cfg.pg_url, cfg, "PostgreSQL")
    if failed:
        sys.exit("FAILED: " + "; ".join(failed))


if __name__ == "__main__":
    main()
