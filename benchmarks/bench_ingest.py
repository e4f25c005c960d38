"""Benchmark: ingesting reads into the SQLite store with hot-list matching on.

Usage: ``python benchmarks/bench_ingest.py [--reads 100000] [--entries 100000]``

Loads an NCIC-style hot list of ``--entries`` plates, then ingests ``--reads`` reads (5% of
them plates on the list) through the access-control layer in batches of 5,000, with
matching; prints reads/s and hits found. The peer, measured in the same run on a sample, is
the straightforward way: one ORM object per read, ``session.add`` and a commit per read
(what a naive ingest loop does), with no matching at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from alpr.governance.access import Governance
from alpr.governance.hotlists import load_list
from alpr.governance.records import ingest_rows
from alpr.store.db import make_engine, sessions, upgrade
from alpr.store.schema import Read
from alpr.vocabulary.formats import sample_serial
from alpr.vocabulary.jurisdictions import codes

PW = "benchmark password"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reads", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--peer-sample", type=int, default=2_000)
    args = ap.parse_args()
    rng = random.Random(0)
    states = [c for c in codes()][:51]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        gov = Governance(engine)
        admin = gov.bootstrap_admin("chief", "Bench", PW,
                                    certified_until=dt.date.today() + dt.timedelta(days=30))
        gov.add_camera(admin, "CAM-1", "stationary")
        listed = []
        hot = Path(tmp) / "list.txt"
        with open(hot, "w") as fh:
            for _ in range(args.entries):
                st = rng.choice(states)
                plate, _ = sample_serial(st, rng, vanity_rate=0.0)
                listed.append((plate, st))
                fh.write(f"{plate};{st};stolen vehicle\n")
        load_list(gov, admin, hot)
        now = dt.datetime.now(dt.UTC)
        rows = []
        for i in range(args.reads):
            if rng.random() < 0.05:
                plate, st = rng.choice(listed)
            else:
                st = rng.choice(states)
                plate, _ = sample_serial(st, rng, vanity_rate=0.1)
            rows.append((i + 1, {"read_at": (now - dt.timedelta(seconds=i)).isoformat(),
                                 "camera": "CAM-1", "plate": plate, "state": st,
                                 "confidence": 0.9, "state_confidence": 0.9}))
        t0 = time.perf_counter()
        report = ingest_rows(gov, admin, rows, batch_size=5000)
        ours = report.stored / (time.perf_counter() - t0)

        # Peer: one ORM object and one commit per read, no matching.
        cam_id = 1
        S = sessions(engine)
        t0 = time.perf_counter()
        for i in range(args.peer_sample):
            with S.begin() as s:
                s.add(Read(read_at=now, camera_id=cam_id, plate=f"PEER{i % 999999}"[:10],
                           confidence=0.9, ingested_by=admin.id))
        peer = args.peer_sample / (time.perf_counter() - t0)
        engine.dispose()
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}; machine: "
          f"{platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    print(f"hot list: {args.entries} entries; reads: {args.reads} (5% listed)")
    print(f"ingest with validation + matching, batches of 5000: {ours:,.0f} reads/s; "
          f"stored {report.stored}, hits {report.hits}, rejected {len(report.rejected)}")
    print(f"peer (ORM add + commit per read, no matching): {peer:,.0f} reads/s; "
          f"ratio {ours / peer:.0f}x")


if __name__ == "__main__":
    main()
