"""Benchmark: what the reads contract costs ``alpr ingest``.

Usage: ``python benchmarks/bench_contracts.py [--reads 100000] [--entries 20000]``

Writes ``--reads`` reads (5% of them on a hot list of ``--entries`` plates) as a JSONL file
and ingests it twice into fresh SQLite stores through the access-control layer with
matching: once as ``ingest_file`` does (the peer, no contract) and once behind the reads
contract (``ReadsGate``: Great Expectations in chunks of 25,000 reads, then only the good
rows). Prints reads/s for both, the ratio, and the one-off Great Expectations import time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alpr.governance.access import Governance
from alpr.governance.hotlists import load_list
from alpr.governance.records import ingest_rows
from alpr.store.db import make_engine, upgrade
from alpr.store.read_rows import iter_rows
from alpr.vocabulary.formats import sample_serial
from alpr.vocabulary.jurisdictions import codes

PW = "benchmark password"


def store(tmp: Path, name: str, hot: Path) -> tuple[Governance, object]:
    url = f"sqlite:///{tmp / name}"
    upgrade(url)
    gov = Governance(make_engine(url))
    admin = gov.bootstrap_admin("chief", "Bench", PW,
                                certified_until=dt.date.today() + dt.timedelta(days=30))
    gov.add_camera(admin, "CAM-1", "stationary")
    load_list(gov, admin, hot)
    return gov, admin


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reads", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=20_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import great_expectations"], check=True)
    gx_import = time.perf_counter() - t0
    import data_contracts  # noqa: F401  (the import is timed above, not below)
    from alpr.contracts.gates import ReadsGate

    rng = random.Random(0)
    states = list(codes())[:51]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        listed = []
        hot = tmp / "list.txt"
        with open(hot, "w") as fh:
            for _ in range(args.entries):
                st = rng.choice(states)
                plate, _ = sample_serial(st, rng, vanity_rate=0.0)
                listed.append((plate, st))
                fh.write(f"{plate};{st};stolen vehicle\n")
        now = dt.datetime.now(dt.UTC)
        reads = tmp / "reads.jsonl"
        with open(reads, "w") as fh:
            for i in range(args.reads):
                if rng.random() < 0.05:
                    plate, st = rng.choice(listed)
                else:
                    st = rng.choice(states)
                    plate, _ = sample_serial(st, rng, vanity_rate=0.1)
                fh.write(json.dumps({"read_at": (now - dt.timedelta(seconds=i)).isoformat(),
                                     "camera": "CAM-1", "plate": plate, "state": st,
                                     "confidence": 0.9, "state_confidence": 0.9}) + "\n")
        t0 = time.perf_counter()
        for _ in iter_rows(reads):
            pass
        parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in ReadsGate(reads, log=lambda _: None).rows():
            pass
        gate_only = time.perf_counter() - t0
        gov, admin = store(tmp, "peer.db", hot)
        t0 = time.perf_counter()
        peer_report = ingest_rows(gov, admin, iter_rows(reads))
        peer = peer_report.stored / (time.perf_counter() - t0)
        gov.engine.dispose()
        gov, admin = store(tmp, "ours.db", hot)
        t0 = time.perf_counter()
        gate = ReadsGate(reads, log=lambda _: None)
        report = ingest_rows(gov, admin, gate.rows())
        ours = report.stored / (time.perf_counter() - t0)
        gov.engine.dispose()
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}; machine: "
          f"{platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    print(f"reads: {args.reads} (5% on a list of {args.entries}); great_expectations import "
          f"(once per process): {gx_import:.1f} s")
    print(f"parsing the file: {parse:.2f} s; parsing + contract (no store): {gate_only:.2f} s"
          f" -> the contract itself {gate_only - parse:.2f} s "
          f"({args.reads / max(gate_only - parse, 1e-9):,.0f} reads/s)")
    print(f"ingest behind the reads contract: {ours:,.0f} reads/s (stored {report.stored}, "
          f"hits {report.hits}, contract failures {len(gate.report.failures)})")
    print(f"peer, ingest without contract: {peer:,.0f} reads/s (stored {peer_report.stored}, "
          f"hits {peer_report.hits}); ratio {ours / peer:.2f}")


if __name__ == "__main__":
    main()
