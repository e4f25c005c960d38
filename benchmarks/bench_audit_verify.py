"""Benchmark: a full ``alpr audit verify`` (keyed chain and every audited record's digest)
over a store of ``--reads`` reads ingested through the governance layer.

Usage: ``python benchmarks/bench_audit_verify.py [--reads 100000] [--store DIR]``

Ingests the reads in batches of 5000 (each batch one audited act whose row commits to its
reads' digests), then times ``audit.verify``. The peer, in the same run, is the chain alone
(``records=False``): what the record digests add. Prints wall and CPU seconds (CPU is the
fairer figure on a shared machine), the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

from alpr.governance import audit
from alpr.governance.access import Governance
from alpr.governance.records import ingest_rows
from alpr.store.db import make_engine, upgrade


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=100_000)
    ap.add_argument("--store", type=Path, help="folder for the SQLite store (default: a temp one)")
    args = ap.parse_args()
    folder = args.store or Path(tempfile.mkdtemp(prefix="bench-audit-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ALPR_IMAGE_ROOT", str(folder / "images"))
    url = f"sqlite:///{folder / 'alpr.db'}"
    upgrade(url)
    gov = Governance(make_engine(url))
    admin = gov.bootstrap_admin("chief", "A. Chief", "correct horse battery",
                                certified_until=dt.date.today() + dt.timedelta(days=30))
    gov.add_camera(admin, "CAM-1", "stationary")
    t0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    rows = ((i, {"read_at": (t0 + dt.timedelta(seconds=i)).isoformat(), "camera": "CAM-1",
                 "plate": f"P{i:06d}", "confidence": 0.9}) for i in range(args.reads))
    rep, iw, ic = _timed(lambda: ingest_rows(gov, admin, rows, match=False))
    with gov.Session() as s:
        full, fw, fc = _timed(lambda: audit.verify(s))
        chain, cw, cc = _timed(lambda: audit.verify(s, records=False))
    gov.engine.dispose()
    print(f"{platform.node()} {platform.processor() or platform.machine()} "
          f"{os.cpu_count()} cores, {dt.date.today()}, SQLite")
    print(rep)
    print(full)
    print(f"ingest {args.reads} reads: wall {iw:.1f} s, cpu {ic:.1f} s")
    print(f"full verify ({full.rows} rows, {full.records} records): wall {fw:.2f} s, "
          f"cpu {fc:.2f} s")
    print(f"chain only (peer): wall {cw:.2f} s, cpu {cc:.2f} s; records add "
          f"{fc - cc:.2f} s cpu")


if __name__ == "__main__":
    main()
