"""The scale benchmark (benchmarks/bench_pg_scale.py) at a tiny size: it builds the same store
on SQLite and, when ALPR_TEST_POSTGRES_URL names a server, on PostgreSQL (a database of its own
beside the test one, dropped afterwards), times every act it promises, and leaves no file or
database behind."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from alpr.governance.compliance_metrics import metric_keys
from alpr.store.db import make_engine
from alpr.store.schema import Hit, HitVerification, Read

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pg_scale.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_pg_scale", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_pg_scale"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_pg_scale", None)


def _tiny(bench):
    # 40 days of 3 cameras (1 on a patrol unit), 30-day retention: the oldest 10 days go
    return bench.ScaleConfig(n=3000, cameras=3, mobile=1, users=3, hotlist=50, chunk=1000,
                             days=40, retention_days=30, limit_s=600, periods=(30,))


def _postgres(bench) -> str | None:
    url = os.environ.get("ALPR_TEST_POSTGRES_URL")
    if url is None and os.environ.get("CI") == "true":
        pytest.fail("CI=true but ALPR_TEST_POSTGRES_URL is not set: .ci/run must start "
                    "PostgreSQL and export it")
    if url is None:
        return None
    # a database of the benchmark's own on the same server: it creates and drops it
    return make_url(url).set(database="alpr_scale_test").render_as_string(hide_password=False)


def test_build_stores_the_rows_it_promises(bench, tmp_path):
    cfg = _tiny(bench)
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    bench.build(url, cfg)
    engine = make_engine(url)
    with engine.connect() as conn:
        reads = conn.scalar(select(func.count(Read.id)))
        hits = conn.scalar(select(func.count(Hit.id)))
        verified = conn.scalar(select(func.count(HitVerification.id)))
        first, last = conn.execute(select(func.min(Read.read_at), func.max(Read.read_at))).one()
        plates = conn.scalar(select(func.count(func.distinct(Read.plate))))
    engine.dispose()
    assert reads == 3000 and first is not None and last is not None
    assert hits == 3000 // bench.HOT_EVERY  # one read in 500 is a hot-list plate
    assert verified is not None and hits is not None and 0 < verified <= hits
    assert (last - first).days == cfg.days - 1  # spread over the whole period
    assert plates is not None and reads is not None and plates < reads  # plates repeat


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_run_times_every_act_and_cleans_up(bench, tmp_path, backend, capsys):
    cfg = _tiny(bench)
    pg_url = _postgres(bench) if backend == "postgresql" else bench.PG_URL
    if pg_url is None:
        pytest.skip("the PostgreSQL run needs ALPR_TEST_POSTGRES_URL (set by .ci/run)")
    sqlite = tmp_path / "scale.db"
    results = bench.run(cfg, [backend], pg_url, sqlite, drop=True)[backend]
    for key in metric_keys():
        assert f"metric {key}: its records (drill-down)" in results
    for page in ("equipment", "misreads", "compliance", "model"):
        assert any(label.startswith(f"page {page} (30 d)") for label in results)
    assert "historical search: one plate, the year (audited)" in results
    assert "retro-match one new manual entry" in " ".join(results)
    assert "retention purge of the oldest month (once)" in results
    assert all(secs is not None for _, secs in results.values())  # none ran past the limit
    out = capsys.readouterr().out
    assert "retention purge: reads older than" in out and "deleted 0 reads" not in out
    assert not sqlite.exists()  # the SQLite file goes at the end
    table = bench.table({backend: results}, cfg.limit_s)
    assert "SQLite" in table and "PostgreSQL" in table
    if backend == "postgresql":  # --drop: the database is gone
        engine = make_engine(make_url(pg_url).set(database="postgres").render_as_string(
            hide_password=False))
        with engine.connect() as conn:
            from sqlalchemy import text

            assert not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = "
                                        "'alpr_scale_test'"))
        engine.dispose()
