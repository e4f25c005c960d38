"""Benchmark: four processes ingesting at once, with hot-list matching on.

Usage: ``python benchmarks/bench_concurrency.py [--writers 4] [--reads 50000] [--db URL]``

Each writer logs in and ingests ``--reads`` reads of its own (1% of them listed plates)
through the access-control layer in batches of 5,000, all started together against one
store (a fresh SQLite file by default; ``--db`` a PostgreSQL database, emptied first). Checks
that every read is stored exactly once, every expected hit recorded, and the audit chain is
intact, and prints the wall time. The peer, measured in the same run, is one process
ingesting the same total alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from alpr.governance import audit
from alpr.governance.access import Governance
from alpr.governance.hotlists import load_list
from alpr.store.db import downgrade, make_engine, sessions, upgrade
from alpr.store.schema import Hit, Read

PW = "benchmark password"
WRITER = """
import sys, datetime as dt
from alpr.governance.access import Governance
from alpr.governance.records import ingest_rows
from alpr.store.db import make_engine
url, worker, n, pw, offset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
gov = Governance(make_engine(url))
actor = gov.login("chief", pw)
t0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC) + dt.timedelta(days=offset)
rows = [(i, {"read_at": (t0 + dt.timedelta(seconds=i)).isoformat(), "camera": "CAM-1",
             "plate": f"H{i // 100:05d}" if i % 100 == 0 else f"W{worker}X{i:06d}",
             "confidence": 0.9}) for i in range(n)]
r = ingest_rows(gov, actor, rows, batch_size=5000)
print(r.stored, r.hits, len(r.rejected))
"""


def fresh_store(url: str, tmp: Path, listed: int) -> None:
    if url.startswith("postgresql"):
        downgrade(url, "base")
    upgrade(url)
    engine = make_engine(url)
    gov = Governance(engine)
    admin = gov.bootstrap_admin("chief", "Bench", PW,
                                certified_until=dt.date.today() + dt.timedelta(days=30))
    gov.add_camera(admin, "CAM-1", "stationary")
    hot = tmp / "list.txt"
    hot.write_text("".join(f"H{i:05d};CA;stolen_vehicle\n" for i in range(listed)))
    load_list(gov, admin, hot)
    engine.dispose()


def run(url: str, writers: int, n: int) -> tuple[float, list[str]]:
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(w), str(n), PW, str(w)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(writers)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=1800)
        if p.returncode != 0:
            raise SystemExit(f"writer failed:\n{err[-3000:]}")
        outs.append(out.strip())
    return time.perf_counter() - t0, outs


def check(url: str, writers: int, n: int) -> str:
    engine = make_engine(url)
    with sessions(engine)() as s:
        stored = s.scalar(select(func.count(Read.id))) or 0
        pairs = select(Read.plate, Read.read_at).distinct().subquery()
        distinct = s.scalar(select(func.count()).select_from(pairs)) or 0
        hits = s.scalar(select(func.count(Hit.id))) or 0
        chain = audit.verify(s)
    engine.dispose()
    want_hits = writers * ((n + 99) // 100)
    ok = stored == distinct == writers * n and hits == want_hits and chain.ok
    return (f"stored {stored:,} (expected {writers * n:,}, distinct {distinct:,}), hits "
            f"{hits:,} (expected {want_hits:,}), audit chain {'intact' if chain.ok else 'BROKEN'}"
            f" -> {'OK' if ok else 'FAILED'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--reads", type=int, default=50_000, help="reads per writer")
    ap.add_argument("--listed", type=int, default=10_000, help="hot-list entries")
    ap.add_argument("--db", help="PostgreSQL URL (emptied!); default: a fresh SQLite file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url = args.db or f"sqlite:///{tmp / 'bench.db'}"
        fresh_store(url, tmp, args.listed)
        together, outs = run(url, args.writers, args.reads)
        verdict = check(url, args.writers, args.reads)
        url_peer = args.db or f"sqlite:///{tmp / 'peer.db'}"
        fresh_store(url_peer, tmp, args.listed)
        alone, _ = run(url_peer, 1, args.writers * args.reads)
    total = args.writers * args.reads
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}; machine: "
          f"{platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    print(f"store: {url.split(':')[0]}; {args.writers} writers x {args.reads:,} reads, "
          f"matching against {args.listed:,} entries")
    print(f"writers' reports (stored hits rejected): {outs}")
    print(f"together: {together:.1f} s wall, {total / together:,.0f} reads/s; {verdict}")
    print(f"peer (one process, {total:,} reads alone): {alone:.1f} s, {total / alone:,.0f} "
          f"reads/s; ratio {alone / together:.2f}x")


if __name__ == "__main__":
    main()
