"""Benchmark: first view of each dashboard page in a real headless Chromium.

Usage: ``python benchmarks/bench_dashboards.py [--reads-per-camera-day 20] [--days 14]
[--repeat 3] [--bulk-reads 10000000]``

Builds the sample department (``alpr.dashboards.sample``: 3 cameras, ``--days`` days of
``--reads-per-camera-day`` reads each, hits, verifications, checks), starts ``alpr serve`` on
it and, for each page, signs in afresh and times from navigation until the page's key
figures are on screen (data queried, figures built, rendered). "cold" is the first view
after the server starts (empty query cache); "warm" the median of ``--repeat`` later first
views by new sessions (cached aggregates, as when several administrators open the page).
The peer, measured in the same run, is the same page's data-store work in-process (every SQL
aggregate and figure it builds, no server or browser): the ratio is what serving and
rendering add. Target: ≤ 3 s per page on the demo store, ≤ 5 s with 10 million reads
(``--bulk-reads`` adds plain reads straight into the SQLite file to reach that size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

PAGES = ("equipment", "misreads", "compliance", "model")
FIND = """
function find(n, pred) {
  if (n.nodeType === 1 && pred(n)) return n;
  const kids = [...(n.shadowRoot ? [n.shadowRoot] : []), ...(n.children || [])];
  for (const c of kids) { const r = find(c, pred); if (r) return r; }
  return null;
}
const e = find(document.body, n => n.id === arguments[0]); return e && e.textContent;
"""


def _kpi(page: str) -> str:
    return "kpi-model-live" if page == "model" else f"kpi-{page}"


def _browser(chrome: str, driver: str):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1800"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=opts)


def _first_view(b, base: str, page: str, password: str,  # type: ignore[no-untyped-def]
                user: str = "chief") -> float:
    from selenium.webdriver.common.by import By

    b.delete_all_cookies()
    b.get(base + "/login")
    b.find_element(By.ID, "username").send_keys(user)
    b.find_element(By.ID, "password").send_keys(password)
    b.find_element(By.ID, "login-submit").click()
    while b.current_url.endswith("/login"):
        time.sleep(0.02)
    start = time.perf_counter()
    b.get(f"{base}/{page}")
    while not b.execute_script(FIND, _kpi(page)):
        if time.perf_counter() - start > 120:
            raise RuntimeError(f"{page}: key figures not shown within 120 s")
        time.sleep(0.02)
    return time.perf_counter() - start


def _in_process(url: str, today: dt.date, page: str, user: str = "chief") -> float:
    from alpr.dashboards import model_source
    from alpr.dashboards.store import DashboardStore, actor_for, clear_cache
    from alpr.dashboards.views import compliance, equipment, misreads, model
    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    gov = Governance(make_engine(url), today=lambda: today)
    clear_cache()
    models = model_source.models()
    start = time.perf_counter()
    store = DashboardStore(gov, actor_for(gov, user), page)
    view = {"equipment": equipment.view, "misreads": misreads.view,
            "compliance": compliance.view, "model": lambda s: model.view(s, models)}[page]
    view(store).get_root()
    took = time.perf_counter() - start
    gov.engine.dispose()
    return took


def bulk_reads(path: Path, n: int, days: int, today: dt.date, seed: int = 0) -> float:
    """Add ``n`` plain reads over the last ``days`` days straight into the SQLite file (a
    benchmark fixture: the governed ingest would take minutes for millions); seconds taken."""
    import sqlite3

    import numpy as np

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    cams = [r[0] for r in con.execute("SELECT id FROM cameras ORDER BY id")]
    user = con.execute("SELECT id FROM users WHERE username = 'chief'").fetchone()[0]
    t0 = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time())
    chunk = 500_000
    # Spread over the days in time order, as cameras' reads arrive; chunk by chunk.
    edges = np.linspace(0, days * 86400, (n + chunk - 1) // chunk + 1).astype(int)
    for k, lo in enumerate(range(0, n, chunk)):
        m = min(chunk, n - lo)
        secs = np.sort(rng.integers(edges[k], max(edges[k] + 1, edges[k + 1]), m))
        cam = rng.integers(0, len(cams), m)
        conf = rng.uniform(0.5, 1.0, m).round(3)
        bx, by = rng.integers(380, 420, m), rng.integers(280, 320, m)
        rows = [((t0 + dt.timedelta(seconds=int(t))).strftime("%Y-%m-%d %H:%M:%S.000000"),
                 cams[c], f"BLK{lo + i:07d}", "CA", float(cf), 0.9, int(x), int(y), 120, 40,
                 user, f"plate:BLK{lo + i:07d}")
                for i, (t, c, cf, x, y) in enumerate(zip(secs, cam, conf, bx, by, strict=True))]
        con.executemany("INSERT INTO reads (read_at, camera_id, plate, state, confidence, "
                        "state_confidence, box_x, box_y, box_w, box_h, ingested_by, read_key) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    con.close()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reads-per-camera-day", type=int, default=20)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bulk-reads", type=int, default=0,
                    help="add this many plain reads straight into the store (e.g. 10000000)")
    ap.add_argument("--bulk-days", type=int, default=365,
                    help="spread the bulk reads over this many days up to today")
    ap.add_argument("--demo", action="store_true",
                    help="time the demo department (`alpr demo`: simulated, with camera "
                         "diagnostics) instead of the sample one")
    args = ap.parse_args()
    chrome, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chrome and driver):
        sys.exit("needs chromium and chromedriver: apt-get install chromium chromium-driver")
    from alpr.dashboards.sample import SampleConfig, build

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        user = "chief"
        if args.demo:
            from alpr.simulate.config import SimulationConfig
            from alpr.simulate.demo import build_demo, demo_url

            result = build_demo(None, Path(tmp), progress=False)
            user = "admin"
            sample = SimpleNamespace(url=demo_url(Path(tmp)), today=dt.date.today(),
                                     password=SimulationConfig().admin_password)
            print(f"demo department: {result.summary()}; built in "
                  f"{time.perf_counter() - t0:.1f} s")
        else:
            sample = build(f"sqlite:///{Path(tmp) / 'alpr.db'}",
                           SampleConfig(days=args.days,
                                        reads_per_camera_day=args.reads_per_camera_day))
            reads = 3 * args.days * args.reads_per_camera_day
            print(f"sample department: {reads:,} reads, built in "
                  f"{time.perf_counter() - t0:.1f} s")
        if args.bulk_reads:
            took = bulk_reads(Path(tmp) / "alpr.db", args.bulk_reads, args.bulk_days,
                              sample.today)
            print(f"added {args.bulk_reads:,} reads straight into SQLite in {took:.0f} s")
        port = _port()
        env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{Path(tmp) / 'mlflow.db'}"}
        proc = subprocess.Popen([sys.executable, "-m", "alpr.cli", "serve", "--db", sample.url,
                                 "--port", str(port), "--address", "127.0.0.1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        b = _browser(chrome, driver)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            cold = {p: _first_view(b, base, p, sample.password, user) for p in PAGES}
            warm = {p: statistics.median(_first_view(b, base, p, sample.password, user)
                                         for _ in range(args.repeat)) for p in PAGES}
        finally:
            b.quit()
            proc.terminate()
            proc.wait(timeout=10)
        peer = {p: _in_process(sample.url, sample.today, p, user) for p in PAGES}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{'page':<12}{'cold (s)':>10}{'warm (s)':>10}{'peer: in-process (s)':>22}"
          f"{'ratio warm/peer':>17}")
    for p in PAGES:
        print(f"{p:<12}{cold[p]:>10.2f}{warm[p]:>10.2f}{peer[p]:>22.2f}"
              f"{warm[p] / peer[p]:>17.1f}")
    worst = max(max(cold.values()), max(warm.values()))
    print(f"slowest first view: {worst:.2f} s (target <= 3 s on the demo store)")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(base: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/login", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("alpr serve did not start within 60 s")


if __name__ == "__main__":
    main()
