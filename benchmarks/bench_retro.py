"""Benchmark: retro-matching one new manual entry against N stored reads, by index (the plate
indexes, ``alpr.governance.hotlists.retro_match_stored``) against the old way (every stored
read loaded into ``alpr.matcher.retro.ReadIndex``), measured in the same run.

Usage: ``python benchmarks/bench_retro.py [--n 10000000] [--old-n 1000000] [--db URL]
[--keep] [--seed 0]``; ``--n 20000`` is a smoke run.

Builds a migrated store (SQLite under /tmp, deleted afterwards unless ``--keep``; or
``--db``, e.g. PostgreSQL, whose reads are partitioned by month) with N reads of N/5 vehicles
over a year (NCIC-like formats: 1ABC234, ABC1234, ABC123, 123ABC, and 10 % free-form), with
look-alike, missing- and extra-character reads of 7ABC123 planted; the bulk rows go in
through executemany, not ingest (which has its own benchmark). Then, for one entry of each
kind (a full plate, a partial plate known at its start, at its end, with a leading ``?``,
and at neither end), it prints the candidates read, the hits, the time of the indexed path
(median of 3) and of ``add_manual_entry`` as an officer waits on it (once), and the old full
scan over the first ``--old-n`` reads (the old scan's time and memory grow with N; at 10 M
it needs several GB, so it is measured on the first million by default and said so). It also
prints what the new index costs: building it on the N reads (migration 0011) and inserting
100,000 more reads with and without it (best of two each).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, text

from alpr.governance.access import Governance
from alpr.governance.hotlists import add_manual_entry, past_candidates, retro_match_stored
from alpr.hotlist.entries import HotListEntry
from alpr.matcher.reads import Read as MatchRead
from alpr.matcher.retro import ReadIndex, retro_candidates
from alpr.store import partitions
from alpr.store.db import make_engine, upgrade
from alpr.store.schema import PLATE_REVERSED_SQL, Read

PW = "benchmark password"
START = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
YEAR = 365 * 86400
ENTRIES = {"full plate": "7ABC123", "known start": "7AB*", "known end": "*4123",
           "leading ?": "?ABC12?", "known at neither end": "*ABC*"}
PLANTED = {"7ABC123": 20, "7A8C123": 10, "7ABC12": 10, "7ABCX123": 10, "TABC123": 5}
FORMATS = [("DLLLDDD", 0.4), ("LLLDDDD", 0.3), ("LLLDDD", 0.1), ("DDDLLL", 0.1)]
LETTERS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)
DIGITS = np.frombuffer(b"0123456789", np.uint8)
ALNUM = np.concatenate([DIGITS, LETTERS])
COLUMNS = ("read_at", "camera_id", "plate", "state", "confidence", "state_confidence",
           "ingested_by", "read_key")


def vehicles(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` plates: the NCIC-like formats, and 10 % free-form of 5 to 8 characters."""
    out: list[str] = []
    for fmt, share in FORMATS + [("", 0.1)]:
        k = int(n * share)
        if fmt:
            cols = [rng.choice(LETTERS if c == "L" else DIGITS, k) for c in fmt]
            raw = np.stack(cols, axis=1).astype(np.uint8)
            out += raw.view(f"S{len(fmt)}").ravel().astype(str).tolist()
        else:
            for length in (5, 6, 7, 8):
                raw = rng.choice(ALNUM, (k // 4, length)).astype(np.uint8)
                out += raw.view(f"S{length}").ravel().astype(str).tolist()
    return out


def read_rows(lo: int, hi: int, n: int, plates: list[str], rng: np.random.Generator,
              camera: int, user: int, sqlite: bool) -> list[tuple]:
    """Reads ``lo``..``hi`` of ``n`` over a year, in time order (each at its own second)."""
    which = rng.integers(0, len(plates), hi - lo)
    step = YEAR / n
    rows = []
    for i, v in zip(range(lo, hi), which.tolist(), strict=True):
        at = START + dt.timedelta(seconds=int(i * step), microseconds=i % 1000)
        plate = plates[v]
        rows.append((at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
                     if sqlite else at, camera, plate, "CA", 0.9, 0.9, user, f"plate:{plate}"))
    return rows


def planted_rows(camera: int, user: int, sqlite: bool) -> list[tuple]:
    rows = []
    for k, (plate, count) in enumerate(PLANTED.items()):
        for j in range(count):
            at = START + dt.timedelta(days=30 * j % 360, seconds=k, microseconds=999_000 + j)
            rows.append((at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
                         if sqlite else at, camera, plate, "CA" if j % 3 else "NV", 0.9,
                         0.9, user, f"plate:{plate}"))
    return rows


def insert_rows(url: str, engine, rows: list[tuple]) -> None:
    if engine.dialect.name == "sqlite":
        con = sqlite3.connect(url[len("sqlite:///"):])
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-400000")
        with con:
            con.executemany(f"INSERT INTO reads ({', '.join(COLUMNS)}) VALUES "
                            f"({', '.join('?' * len(COLUMNS))})", rows)
        con.close()
        return
    with engine.begin() as c:
        partitions.ensure_partitions(c, (r[0] for r in rows))
        c.execute(insert(Read), [dict(zip(COLUMNS, r, strict=True)) for r in rows])


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def old_scan(gov: Governance, entry: HotListEntry, limit: int) -> int:
    """The old add_manual_entry's matching: every stored read (the first ``limit``) loaded
    into ``ReadIndex``."""
    with gov.Session() as s:
        past = s.execute(select(Read.id, Read.plate, Read.state, Read.state_confidence,
                                Read.read_at).order_by(Read.id).limit(limit)).all()
        index = ReadIndex([MatchRead(text=p, state=st, state_confidence=sc, id=rid)
                           for rid, p, st, sc, _ in past])
        return len(index.retro_match(entry))


def index_costs(url: str, engine, n: int, plates, rng, camera: int, user: int) -> None:
    """Build the index again (migration 0011's statement) and time inserts with and without
    it, twice each, alternating (the best of each is printed: the machine is shared)."""
    sqlite = engine.dialect.name == "sqlite"
    extra, base = 100_000, n + 1000
    with_, without, build = [], [], 0.0
    for _ in range(2):
        with engine.begin() as c:
            c.execute(text("DROP INDEX ix_reads_plate_reversed"))
        rows = read_rows(base, base + extra, n, plates, rng, camera, user, sqlite)
        without.append(timed(insert_rows, url, engine, rows)[0])
        base += extra
        with engine.begin() as c:
            t, _ = timed(c.execute, text(
                f"CREATE INDEX ix_reads_plate_reversed ON reads (({PLATE_REVERSED_SQL}))"))
        build = build or t
        rows = read_rows(base, base + extra, n, plates, rng, camera, user, sqlite)
        with_.append(timed(insert_rows, url, engine, rows)[0])
        base += extra
    print(f"index cost: migration 0011's CREATE INDEX on {n:,} reads {build:.1f} s; "
          f"inserting {extra:,} more reads {min(with_):.2f} s with it, {min(without):.2f} s "
          f"without (+{(min(with_) / min(without) - 1) * 100:.0f} %)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="stored reads")
    ap.add_argument("--old-n", type=int, default=1_000_000,
                    help="reads the old full scan loads (it needs ~0.5 GB per million)")
    ap.add_argument("--db", help="a store URL (default: SQLite under /tmp, deleted after)")
    ap.add_argument("--keep", action="store_true", help="keep the SQLite file")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    tmp = None
    if args.db is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench_retro_", dir="/tmp"))
        url = f"sqlite:///{tmp / 'retro.db'}"
    else:
        url = args.db
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, {url.split(':')[0]}, "
          f"N = {args.n:,}")
    try:
        run(url, args)
    finally:
        if tmp is not None and not args.keep:
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()


def run(url: str, args: argparse.Namespace) -> None:
    upgrade(url)
    engine = make_engine(url)
    gov = Governance(engine)
    admin = gov.bootstrap_admin("chief", "A. Chief", PW,
                                certified_until=dt.date.today() + dt.timedelta(days=30))
    gov.add_camera(admin, "CAM-1", "stationary")
    with engine.connect() as c:
        camera, user = c.execute(text("SELECT c.id, u.id FROM cameras c, users u")).one()
    sqlite = engine.dialect.name == "sqlite"
    rng = np.random.default_rng(args.seed)
    plates = vehicles(max(args.n // 5, 10), rng)
    t0 = time.perf_counter()
    insert_rows(url, engine, planted_rows(camera, user, sqlite))
    chunk = 250_000
    for lo in range(0, args.n, chunk):
        insert_rows(url, engine, read_rows(lo, min(lo + chunk, args.n), args.n, plates, rng,
                                           camera, user, sqlite))
    size = ""
    if sqlite:
        con = sqlite3.connect(url[len("sqlite:///"):])
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        size = f", {Path(url[len('sqlite:///'):]).stat().st_size / 2**30:.2f} GiB"
    print(f"stored {args.n:,} reads in {time.perf_counter() - t0:.0f} s{size}")
    index_costs(url, engine, args.n, plates, rng, camera, user)
    total = args.n + 400_000 + sum(PLANTED.values())
    old_n = min(args.old_n, total)
    print(f"\n{'entry':22} {'plate':8} {'look-ups':>9} {'read':>7} {'hits':>6} "
          f"{'indexed':>9} {'add_manual':>10}   old scan of {old_n:,}")
    for kind, plate in ENTRIES.items():
        entry = HotListEntry(plate, "CA", "bolo", 4, "manual")
        cand = retro_candidates(plate)
        looks = len(cand.texts) or len(cand.prefixes) or "scan"
        times = []
        for _ in range(3):
            with gov.Session() as s:
                t, hits = timed(retro_match_stored, s, entry)
                times.append(t)
        with gov.Session() as s:
            read = len(past_candidates(s, plate))
        t_add, (_, n_hits) = timed(
            add_manual_entry, gov, admin, plate, "CA", "bolo",
            "benchmark entry for retro matching timing", dt.datetime.now(dt.UTC)
            + dt.timedelta(days=5))
        assert n_hits == len(hits)
        t_old, old_hits = timed(old_scan, gov, entry, old_n)
        print(f"{kind:22} {plate:8} {looks!s:>9} {read:>7,} {len(hits):>6,} "
              f"{statistics.median(times) * 1000:>7.1f} ms {t_add * 1000:>7.0f} ms   "
              f"{t_old:.1f} s ({old_hits:,} hits)")
    engine.dispose()


if __name__ == "__main__":
    main()
