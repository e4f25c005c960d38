"""Benchmark: a statewide department's store (10 M reads) on PostgreSQL, with SQLite beside it.

Usage: ``python benchmarks/bench_pg_scale.py [--n 10000000] [--pg URL] [--sqlite PATH]
[--backends sqlite,postgresql] [--drop]``

Builds the same store on each backend: the schema through the project's migrations
(``alpr.store.db.upgrade``, as ``alpr db upgrade``), users, certifications, cameras, the hot
list and a few manual entries through the governance layer, then the bulk rows straight in
(COPY on PostgreSQL, ``executemany`` on SQLite; the benchmark measures the store at size, not
ingestion, which has its own benchmark): ``--n`` reads over 13 months from 30 cameras (so
PostgreSQL's monthly partitions are all used and the oldest month is past a 365-day
retention), plates drawn with repeats (a few plates seen thousands of times, most once or
twice), one read in 500 a hot-list plate with its hit and, for 95 % of hits, a verification;
mobile patrol shifts with their camera sessions, weekly equipment checks, malfunction
reports, historical searches, holds, shares. Then it times, on each backend, as an
administrator calls them: every compliance metric (the summary and each metric's records),
each dashboard page's queries over the default 30 days and over a year, a historical search
(``alpr.governance.records.search_reads``, audited), retro-matching one new manual entry
(only where the indexed retro-match exists, or ``--n`` is at most 1 M: the older one loads
every read), and last, since it deletes, the retention purge of the oldest month. Each figure
is the second of two calls (the first warms the database's caches, as a page opened before
would); the table puts SQLite and PostgreSQL side by side with the target.

PostgreSQL set-up (as ``.ci/run`` does; as root on Debian's packages)::

    pg_ctlcluster 15 main start
    su postgres -c "psql -c \\"CREATE ROLE alpr LOGIN PASSWORD 'alpr' CREATEDB\\""
    su postgres -c "createdb -O alpr alpr_scale"

The role ``alpr`` may create databases, so the script creates ``alpr_scale`` itself when it
is missing; ``--drop`` drops it at the end. The SQLite file (under /tmp by default) is
always deleted at the end. 10 M reads take about 3 GB on each backend.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from alpr.dashboards.store import PAGES, DashboardStore, clear_cache
from alpr.governance import compliance, hotlists, records
from alpr.governance.access import Actor, Governance
from alpr.governance.compliance_metrics import metric_keys
from alpr.governance.hotlists import add_manual_entry, load_list
from alpr.store import partitions
from alpr.store.audit_key import checkpoint_dir, key_path
from alpr.store.db import make_engine, upgrade
from alpr.store.schema import (
    AccessRequest,
    Camera,
    CameraSession,
    DataShare,
    EquipmentCheck,
    EquipmentReport,
    HistoricalSearch,
    Hit,
    HitVerification,
    HotListEntryRow,
    Read,
    RetentionHold,
    Shift,
    User,
)

PW = "benchmark password"
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
PG_URL = "postgresql+psycopg://alpr:alpr@127.0.0.1:5432/alpr_scale"
PURPOSE = "follow-up of a reported vehicle theft"
HOT_EVERY = 500  # one read in this many is a hot-list plate (and a hit)
READ_COLUMNS = ("id", "read_at", "camera_id", "plate", "state", "confidence",
                "state_confidence", "box_x", "box_y", "box_w", "box_h", "model_version",
                "ingested_by", "read_key")
STATES = np.array(["CA", "NV", "OR", "AZ", "TX"])
ALPHABET = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))


@dataclass(frozen=True)
class ScaleConfig:
    """One run of the benchmark (printed whole beside its figures)."""

    n: int = 10_000_000
    cameras: int = 30
    mobile: int = 10  # the first ``mobile`` cameras are on patrol units
    users: int = 40
    hotlist: int = 5000
    chunk: int = 500_000
    seed: int = 0
    days: int = 395  # 13 months before END: the oldest is past a 365-day retention
    retention_days: int = 365
    limit_s: float = 120.0  # an act still running after this long is stopped and shown so
    periods: tuple[int, ...] = (30, 365)  # the pages' periods timed, in days up to END

    @property
    def start(self) -> dt.datetime:
        return END - dt.timedelta(days=self.days)


@dataclass(frozen=True)
class Target:
    label: str
    seconds: float | None  # None: no target (shown for information)


# -- building -----------------------------------------------------------------------------
def _plates(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct-looking 7-character plates."""
    idx = rng.integers(0, len(ALPHABET), size=(n, 7))
    return np.array(["".join(r) for r in ALPHABET[idx]])


def read_chunks(cfg: ScaleConfig, cam_ids: list[int], admin_id: int,
                hot_plates: list[str]) -> Iterator[pd.DataFrame]:
    """The reads, in time order, ``cfg.chunk`` at a time (ids 1..n)."""
    rng = np.random.default_rng(cfg.seed)
    START = cfg.start  # noqa: N806
    # A pool of a fifth as many plates as reads, drawn with a heavy head (index = pool x u²):
    # the most seen plates (a commuter's, a delivery van's) are read thousands of times a
    # year at 10 M reads, most plates once or twice.
    pool = _plates(rng, max(1000, cfg.n // 5))
    span_us = int((END - START).total_seconds() * 1e6)
    weights = np.where(np.arange(cfg.cameras) < cfg.mobile, 0.5, 1.0)
    weights /= weights.sum()
    t0 = np.datetime64(START.replace(tzinfo=None), "us")
    for lo in range(0, cfg.n, cfg.chunk):
        i = np.arange(lo, min(lo + cfg.chunk, cfg.n))
        m = len(i)
        at = t0 + (i * (span_us / cfg.n)).astype("int64").astype("timedelta64[us]")
        plate = pool[(len(pool) * rng.random(m) ** 2).astype(np.int64)]
        hot = i % HOT_EVERY == 0
        plate[hot] = np.array(hot_plates)[rng.integers(0, len(hot_plates), hot.sum())]
        yield pd.DataFrame({
            "id": i + 1, "read_at": at,
            "camera_id": np.array(cam_ids)[rng.choice(cfg.cameras, m, p=weights)],
            "plate": plate,
            "state": np.where(rng.random(m) < 0.9, "CA", STATES[rng.integers(1, 5, m)]),
            "confidence": np.clip(rng.beta(8, 1.2, m), 0, 1).round(3),
            "state_confidence": rng.uniform(0.6, 1.0, m).round(3),
            "box_x": rng.integers(380, 420, m), "box_y": rng.integers(280, 320, m),
            "box_w": 120, "box_h": 40, "model_version": "recognizer-2026.11",
            "ingested_by": admin_id, "read_key": np.char.add("plate:", plate.astype(str)),
        })


def _match_key_default() -> Callable[[dict[str, Any]], Any] | None:
    """The reads' ``match_key`` column default (the indexed retro-match's key), as a function
    of a row, when the schema has that column; None before it."""
    col = Read.__table__.c.get("match_key")
    if col is None or col.default is None or not callable(col.default.arg):
        return None
    fn = col.default.arg

    class _Ctx:
        def __init__(self, row: dict[str, Any]) -> None:
            self.row = row

        def get_current_parameters(self) -> dict[str, Any]:
            return self.row

    return lambda row: fn(_Ctx(row))


def _with_match_key(df: pd.DataFrame) -> pd.DataFrame:
    key = _match_key_default()
    if key is not None:
        df["match_key"] = [key({"plate": p, "state": s}) for p, s in
                           zip(df["plate"], df["state"], strict=True)]
    return df


def _copy_pg(engine: Engine, df: pd.DataFrame) -> None:
    buf = io.StringIO()
    out = df.copy()
    out["read_at"] = np.datetime_as_string(df["read_at"].to_numpy(), unit="us", timezone="UTC")
    out.to_csv(buf, header=False, index=False)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY reads ({', '.join(out.columns)}) FROM STDIN (FORMAT csv)") as cp:
            cp.write(buf.getvalue())
        raw.commit()
    finally:
        raw.close()


def _insert_sqlite(engine: Engine, df: pd.DataFrame) -> None:
    out = df.copy()
    out["read_at"] = np.char.replace(np.datetime_as_string(df["read_at"].to_numpy(), unit="us"),
                                     "T", " ")
    rows = list(zip(*(out[c].tolist() for c in out.columns), strict=True))
    raw = engine.raw_connection()
    try:
        cols = ", ".join(out.columns)
        marks = ", ".join("?" * len(out.columns))
        raw.cursor().execute("BEGIN")
        raw.cursor().executemany(f"INSERT INTO reads ({cols}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()


def build(url: str, cfg: ScaleConfig) -> dict[str, float]:
    """Build the store at ``url``; seconds per step."""
    took: dict[str, float] = {}
    START = cfg.start  # noqa: N806
    t = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    gov = Governance(engine, today=lambda: END.date())
    admin = gov.bootstrap_admin("chief", "Bench Chief", PW,
                                certified_until=END.date() + dt.timedelta(days=365))
    rng = random.Random(cfg.seed)
    for i in range(cfg.users):
        role = ("operator", "auditor", "data_staff")[i % 3]
        gov.create_user(admin, f"user{i:02d}", f"User {i}", role, PW)
        until = max(END.date() + dt.timedelta(days=rng.randint(-60, 300)),
                    START.date() + dt.timedelta(days=1))
        for kind in ("alpr_training", "sled_ncic"):
            gov.record_certification(admin, f"user{i:02d}", kind, START.date(), until)
    for c in range(cfg.cameras):
        if c < cfg.mobile:
            gov.add_camera(admin, f"CAR-{c:02d}", "mobile", unit=f"Unit {c:02d}",
                           vehicle=f"Car {c}")
        else:
            gov.add_camera(admin, f"CAM-{c:02d}", "stationary", location=f"Site {c}")
    hot_path = Path(f"/tmp/bench_pg_scale_list_{os.getpid()}.txt")
    hot_plates = [f"HOT{i:04d}" for i in range(cfg.hotlist)]
    hot_path.write_text("".join(f"{p};CA;stolen_vehicle\n" for p in hot_plates))
    try:
        version_id, _ = load_list(gov, admin, hot_path, now=START)
    finally:
        hot_path.unlink()
    for k in range(6):  # manual entries, two left on the list past their expiry
        add_manual_entry(gov, admin, f"MAN{k:03d}", "CA", "stolen_vehicle",
                         "suspect vehicle in robbery case 26-1183", END + dt.timedelta(
                             days=20 - 10 * k), now=END - dt.timedelta(days=10 + 5 * k))
    with engine.connect() as conn:
        cam_ids = list(conn.scalars(select(Camera.id).order_by(Camera.id)))  # CAR-00 first
        users = list(conn.scalars(select(User.id).where(User.role == "operator")))
        entry_of = dict(conn.execute(select(HotListEntryRow.plate, HotListEntryRow.id)
                                     .where(HotListEntryRow.version_id == version_id)).all())
    took["users, cameras, lists (governance)"] = time.perf_counter() - t

    t = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        month = partitions.month_of(START)
        while month.start < END:
            partitions.ensure_partitions(conn, [month.start])
            month = partitions.month_of(month.end)
    hot_reads: list[tuple[int, dt.datetime, str]] = []
    for df in read_chunks(cfg, cam_ids, admin.id, hot_plates):
        hot = df[df["id"] % HOT_EVERY == 1]
        hot_reads += [(int(r), pd.Timestamp(a).tz_localize("UTC").to_pydatetime(), p)
                      for r, a, p in zip(hot["id"], hot["read_at"], hot["plate"], strict=True)]
        df = _with_match_key(df)
        (_copy_pg if pg else _insert_sqlite)(engine, df)
        print(f"  reads: {int(df['id'].iloc[-1]):,} of {cfg.n:,} "
              f"({time.perf_counter() - t:.0f} s)", flush=True)
    if pg:
        with engine.begin() as conn:
            conn.execute(text("SELECT setval('reads_id_seq', (SELECT max(id) FROM reads))"))
    took["reads (bulk)"] = time.perf_counter() - t

    t = time.perf_counter()
    with engine.begin() as conn:
        hits: list[dict[str, Any]] = [{"read_id": rid, "read_at": at, "entry_id": entry_of[p], "kind": "exact",
                 "substitutions": "[]", "state_agreement": "same", "score": 1.0,
                 "created_at": at, "retro": False} for rid, at, p in hot_reads]
        if hits:
            conn.execute(insert(Hit), hits)
        hit_ids = list(conn.scalars(select(Hit.id).order_by(Hit.id)))
        verifications = []
        for hid, (_, at, plate) in zip(hit_ids, hot_reads, strict=True):
            if rng.random() < 0.05:
                continue  # not verified yet (III.D)
            outcome = rng.choices(["confirmed", "misread", "wrong_state",
                                   "entry_no_longer_valid"], [0.8, 0.1, 0.05, 0.05])[0]
            ok = outcome == "confirmed"
            verifications.append({
                "hit_id": hid, "user_id": rng.choice(users),
                "chars_match": ok or outcome in ("wrong_state", "entry_no_longer_valid"),
                "state_match": ok or outcome in ("misread", "entry_no_longer_valid"),
                "dispatch_confirmed": ok, "outcome": outcome,
                "action_taken": "stop made" if ok and rng.random() < 0.3 else None,
                "verified_at": at + dt.timedelta(minutes=2),
                # the officer saw an O where the recognizer read a 0, or another state
                "seen_plate": "H0T" + plate[3:] if outcome == "misread" else None,
                "seen_state": "NV" if outcome == "wrong_state" else None})
        if verifications:
            conn.execute(insert(HitVerification), verifications)
        days = (END - START).days
        shifts: list[dict[str, Any]] = []
        for d in range(days):
            for c in range(cfg.mobile):
                for start_h in (6, 16):
                    st = START + dt.timedelta(days=d, hours=start_h)
                    shifts.append({"user_id": rng.choice(users), "unit": f"Unit {c:02d}",
                                   "started_at": st, "ended_at": st + dt.timedelta(hours=9),
                                   "hotlist_version_id": version_id,
                                   "hotlist_age_seconds": rng.randrange(0, 7200),
                                   "hotlist_current": rng.random() < 0.97})
        conn.execute(insert(Shift), shifts)
        conn.execute(insert(CameraSession), [
            {"camera_id": cam_ids[int(sh["unit"][-2:])], "recorded_by": admin.id,
             "started_at": sh["started_at"] + dt.timedelta(minutes=rng.randrange(0, 30)),
             "ended_at": sh["ended_at"] - dt.timedelta(minutes=rng.randrange(0, 60))}
            for sh in shifts])
        conn.execute(insert(EquipmentCheck), [
            {"camera_id": cid, "checked_by": admin.id, "functional": True,
             "alignment_ok": True, "checked_at": START + dt.timedelta(days=w * 7)}
            for cid in cam_ids for w in range(days // 7)])
        conn.execute(insert(EquipmentReport), [
            {"camera_id": cam_ids[k % cfg.mobile], "kind": "malfunction",
             "description": "camera stopped reading", "reported_by": admin.id,
             "reported_at": START + dt.timedelta(days=17 * k, hours=8),
             "resolved_at": START + dt.timedelta(days=17 * k + 1)} for k in range(20)])
        conn.execute(insert(HistoricalSearch), [
            {"user_id": rng.choice(users), "at": START + dt.timedelta(
                minutes=rng.randrange(days * 1440)), "query": "{}", "purpose": PURPOSE,
             "case_number": None if rng.random() < 0.05 else f"C-{i}", "result_count": 3}
            for i in range(5000)])
        conn.execute(insert(RetentionHold), [
            {"case_number": f"H-{i}", "reason": "homicide investigation evidence",
             "plate": None, "starts_at": START + dt.timedelta(days=3 * i),
             "ends_at": START + dt.timedelta(days=3 * i, hours=2), "created_by": admin.id,
             "created_at": END} for i in range(5)])
        req = conn.execute(insert(AccessRequest).returning(AccessRequest.id), [
            {"requested_by": users[0], "requested_at": START, "kind": "data_share",
             "purpose": "regional auto theft task force", "status": "approved",
             "decided_by": admin.id, "decided_at": START}]).scalar_one()
        conn.execute(insert(DataShare), [
            {"request_id": req, "shared_by": users[0],
             "shared_at": START + dt.timedelta(days=i * 3), "recipient_agency": "County Sheriff",
             "purpose": "regional auto theft task force", "description": "reads",
             "record_count": 10} for i in range(100)])
    took["hits, verifications, shifts, sessions, checks, searches"] = time.perf_counter() - t
    t = time.perf_counter()
    # Statistics (and on PostgreSQL the visibility map, for index-only counts), as the
    # server's autovacuum would have them in a store that grew over a year.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if pg else "ANALYZE"))
    took["VACUUM ANALYZE" if pg else "ANALYZE"] = time.perf_counter() - t
    engine.dispose()
    return took


# -- timing -------------------------------------------------------------------------------
class _Stopped(BaseException):  # not Exception: library code catches those
    pass


def _stop(_signum: int, _frame: Any) -> None:
    raise _Stopped


def _limited(fn: Callable[[], Any], limit: float) -> Any:
    """``fn()``, stopped (:class:`_Stopped`) after ``limit`` seconds of wall time."""
    old = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def timed(fn: Callable[[], Any], limit: float) -> tuple[float | None, Any]:
    """Seconds of the second call (the first warms the database's caches); None when the
    first call ran past ``limit`` seconds and was stopped (its transaction rolled back)."""
    try:
        _limited(fn, limit)
    except _Stopped:
        return None, None
    t0 = time.perf_counter()
    got = _limited(fn, limit)
    return time.perf_counter() - t0, got


def _page_calls(store: DashboardStore, page: str) -> dict[str, Callable[[], Any]]:
    """What each page's view asks its data store for (alpr/dashboards/views/)."""
    if page == "equipment":
        cam = next(iter(store.units))
        return {"camera_status": store.camera_status, "quality_series": store.quality_series,
                "fault_events": store.fault_events, "frames": lambda: store.frames(cam),
                "decision_trail": store.decision_trail,
                "service_history": store.service_history,
                "checks_overdue": store.checks_overdue}
    if page == "misreads":
        return {f"verification_rates/{by}": (lambda by=by: store.verification_rates(by))
                for by in ("day", "camera", "state")} | {
            "confusions": store.confusions, "rejected_by_entry": store.rejected_by_entry,
            "rejected_hits": store.rejected_hits}
    if page == "compliance":
        return {"compliance (every metric's records)": store.compliance}
    return {"confidence_histogram": store.confidence_histogram}


def measure(url: str, cfg: ScaleConfig, sample_plate: str
            ) -> dict[str, tuple[Target, float | None]]:
    """Every timed act on the store at ``url``: label -> (target, seconds)."""
    engine = make_engine(url)
    gov = Governance(engine, today=lambda: END.date())
    admin: Actor = gov.login("chief", PW)
    year = max(cfg.start, END - dt.timedelta(days=365))
    policy = records.RetentionPolicy(reads_days=cfg.retention_days)
    out: dict[str, tuple[Target, float | None]] = {}

    def put(label: str, target: float | None, fn: Callable[[], Any]) -> Any:
        secs, got = timed(fn, cfg.limit_s)
        out[label] = (Target(label, target), secs)
        shown = f"{secs:8.3f} s" if secs is not None else f"stopped after {cfg.limit_s:g} s"
        print(f"  {label:<58} {shown}", flush=True)
        return got

    put("compliance summary: all 14 metrics, the year", 1.0,
        lambda: compliance.summary(gov, admin, END, policy, since=year))
    # the summary's parts that are functions of their own, each timed alone
    put("summary part: certified_users", 1.0,
        lambda: compliance.certified_users(gov, admin, compliance.last_day(END)))
    put("summary part: cameras_needing_attention (diagnostics)", 1.0,
        lambda: compliance.cameras_needing_attention(gov, admin, END))
    put("summary part: patrol_time, the year", 1.0,
        lambda: compliance.patrol_time(gov, admin, year, END))

    def in_session(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def call() -> Any:
            with gov.Session() as s:
                return fn(s)
        return call

    cutoff = END - dt.timedelta(days=policy.reads_days)
    put("summary part: past_retention_count", 1.0,
        in_session(lambda s: compliance.past_retention_count(s, cutoff)))
    put("summary part: cameras_existing", 1.0,
        in_session(lambda s: compliance.cameras_existing(s, END)))
    for key in metric_keys():
        def drill(key: str = key) -> Any:
            return compliance.exceptions(gov, admin, key, year, END, retention=policy)

        put(f"metric {key}: its records (drill-down)", 1.0, drill)
    for days in cfg.periods:
        args = {"start": (END.date() - dt.timedelta(days=days)).isoformat(),
                "end": (END.date() - dt.timedelta(days=1)).isoformat()}
        for page in PAGES:
            def open_page(page: str = page, args: dict[str, str] = args) -> DashboardStore:
                clear_cache()
                return DashboardStore(gov, admin, page, args=args, today=lambda: END.date())

            store = put(f"page {page} ({days} d): open (menus, latest day)", 2.0, open_page)
            for name, call in _page_calls(store, page).items():
                def cold(call: Callable[[], Any] = call) -> Any:
                    clear_cache()
                    return call()

                put(f"page {page} ({days} d): {name}", 2.0, cold)
    n_found = put("historical search: one plate, the year (audited)", 2.0,
                  lambda: len(records.search_reads(gov, admin, purpose=PURPOSE,
                                                   case_number="C-1", plate=sample_plate,
                                                   since=year, until=END)))
    put("historical search: plate prefix wildcard, the year", 2.0,
        lambda: len(records.search_reads(gov, admin, purpose=PURPOSE, case_number="C-1",
                                         plate=sample_plate[:3] + "*", since=year,
                                         until=END)))
    print(f"  (the plate search found {n_found} reads)")
    indexed = _match_key_default() is not None or hasattr(hotlists, "past_candidates")
    if indexed or cfg.n <= 1_000_000:
        k = iter(range(10**6))

        def retro() -> int:
            return add_manual_entry(gov, admin, sample_plate, "CA", "stolen_vehicle",
                                    f"suspect vehicle in robbery case 26-{next(k)}",
                                    END + dt.timedelta(days=20), now=END)[1]

        put("retro-match one new manual entry" + ("" if indexed else " (scan of every read)"),
            1.0, retro)
    else:
        print("  retro-match: not timed (no indexed retro-match in this checkout; the scan "
              "would load every read)")
    t0 = time.perf_counter()  # once: it deletes
    report = records.purge(gov, admin, policy, now=END)
    secs = time.perf_counter() - t0
    out["retention purge of the oldest month (once)"] = (Target("purge", None), secs)
    print(f"  retention purge: {report} ({secs:.1f} s)", flush=True)
    engine.dispose()
    return out


# -- the run ------------------------------------------------------------------------------
def _ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names if it is missing (the role may)."""
    u = make_url(url)
    admin_engine = make_engine(u.set(database="postgres").render_as_string(
        hide_password=False))
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                           {"d": u.database}):
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin_engine.dispose()


def _drop_pg_database(url: str) -> None:
    u = make_url(url)
    admin_engine = make_engine(u.set(database="postgres").render_as_string(
        hide_password=False))
    with admin_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        except DBAPIError:  # FORCE may not end the server's own workers (autovacuum): wait
            time.sleep(5)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}"'))
    admin_engine.dispose()


def _empty(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.scalar(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'reads'"))
    finally:
        engine.dispose()


def _sample_plate(url: str) -> str:
    """The most read plate (a historical search's and a retro-match's subject)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        plate = conn.scalar(select(Read.plate).where(Read.id <= 100_000).group_by(Read.plate)
                            .order_by(func.count().desc(), Read.plate).limit(1))
    engine.dispose()
    return str(plate)


def run(cfg: ScaleConfig, backends: list[str], pg_url: str, sqlite_path: Path,
        drop: bool) -> dict[str, dict[str, tuple[Target, float | None]]]:
    results: dict[str, dict[str, tuple[Target, float | None]]] = {}
    for backend in backends:
        url = pg_url if backend == "postgresql" else f"sqlite:///{sqlite_path}"
        print(f"{backend}: building {cfg.n:,} reads at "
              f"{make_url(url).render_as_string(hide_password=True)}", flush=True)
        try:
            if backend == "postgresql":
                _ensure_pg_database(url)
                if not _empty(url):  # a rerun: start from an empty store
                    _drop_pg_database(url)
                    _ensure_pg_database(url)
            else:
                sqlite_path.unlink(missing_ok=True)
            took = build(url, cfg)
            for step, secs in took.items():
                print(f"  built {step}: {secs:.1f} s")
            size = _size(url, sqlite_path)
            print(f"  store size: {size}")
            results[backend] = measure(url, cfg, _sample_plate(url))
        finally:
            if backend == "sqlite":
                for suffix in ("", "-wal", "-shm", ".audit-key"):
                    Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
                shutil.rmtree(checkpoint_dir(url), ignore_errors=True)
            elif drop:
                _drop_pg_database(url)
                key_path(url).unlink(missing_ok=True)
                shutil.rmtree(checkpoint_dir(url), ignore_errors=True)
    return results


def _size(url: str, sqlite_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"{sqlite_path.stat().st_size / 2**30:.2f} GiB file"
    engine = make_engine(url)
    with engine.connect() as conn:
        got = conn.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        settings = {k: conn.scalar(text(f"SHOW {k}")) for k in
                    ("shared_buffers", "work_mem", "max_parallel_workers_per_gather")}
    engine.dispose()
    return f"{got} database; {settings}"


def table(results: dict[str, dict[str, tuple[Target, float | None]]], limit: float) -> str:
    """SQLite and PostgreSQL side by side, with each figure's target."""
    labels: list[str] = []
    for got in results.values():
        labels += [k for k in got if k not in labels]
    lines = [f"{'act':<60}{'target':>8}{'SQLite':>10}{'PostgreSQL':>12}  PG"]
    for label in labels:
        target = next(got[label][0].seconds for got in results.values() if label in got)
        cells = []
        for backend in ("sqlite", "postgresql"):
            secs = results.get(backend, {}).get(label)
            cells.append("-" if secs is None else f"> {limit:g}" if secs[1] is None
                         else f"{secs[1]:.3f}")
        pg = results.get("postgresql", {}).get(label)
        verdict = ("" if target is None or pg is None
                   else "met" if pg[1] is not None and pg[1] <= target else "MISSED")
        lines.append(f"{label:<60}{f'≤ {target:g} s' if target else 'info':>8}"
                     f"{cells[0]:>10}{cells[1]:>12}  {verdict}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--n", type=int, default=ScaleConfig.n, help="reads to store")
    ap.add_argument("--pg", default=PG_URL, help="the PostgreSQL database (created if missing)")
    ap.add_argument("--sqlite", type=Path, default=Path(f"/tmp/bench_pg_scale_{os.getpid()}.db"))
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--drop", action="store_true", help="drop the PostgreSQL database at the end")
    ap.add_argument("--limit", type=float, default=ScaleConfig.limit_s,
                    help="stop an act that runs longer than this many seconds")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = [b for b in backends if b not in ("sqlite", "postgresql")]
    if bad:
        ap.error(f"--backends {','.join(bad)}: each must be sqlite or postgresql")
    cfg = ScaleConfig(n=args.n, limit_s=args.limit)
    print(f"config: {asdict(cfg)}")
    started = dt.datetime.now(dt.UTC)
    results = run(cfg, backends, args.pg, args.sqlite, args.drop)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"date: {started:%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load: {load}")
    print(table(results, cfg.limit_s))


if __name__ == "__main__":
    main()
