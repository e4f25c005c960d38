import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture
def shared_datasets() -> Path:
    """The real benchmark crops beside the checkout; skipped where they are absent."""
    if not (SHARED / "openalpr-us-crops" / "labels.csv").exists():
        pytest.skip(f"real datasets not present at {SHARED} (only on developer machines)")
    return SHARED


def _postgres_url() -> str | None:
    url = os.environ.get("ALPR_TEST_POSTGRES_URL")
    if url is None and os.environ.get("CI") == "true":
        pytest.fail("CI=true but ALPR_TEST_POSTGRES_URL is not set: .ci/run must start "
                    "PostgreSQL and export it")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A migrated, empty store: SQLite in tmp_path, and the real PostgreSQL server when
    ALPR_TEST_POSTGRES_URL is set (in CI it must be; elsewhere the PostgreSQL case skips)."""
    from alpr.store.db import downgrade, upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'alpr.db'}"
    else:
        url = _postgres_url()
        if url is None:
            pytest.skip("PostgreSQL tests need ALPR_TEST_POSTGRES_URL (set by .ci/run)")
        downgrade(url, "base")  # leftovers from an interrupted run
    upgrade(url)
    yield url
    if request.param == "postgresql":
        from sqlalchemy import text

        from alpr.store.db import make_engine

        eng = make_engine(url)
        with eng.begin() as c:  # the audit log refuses deletes; drop the trigger first
            c.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"))
        eng.dispose()
        downgrade(url, "base")


@pytest.fixture(autouse=True)
def _isolated_audit_keys(tmp_path, monkeypatch):
    """Each test's stores get their audit keys and checkpoints under tmp_path (a SQLite
    store's sit beside it anyway); nothing from the developer's environment leaks in."""
    for name in ("ALPR_AUDIT_KEY", "ALPR_AUDIT_KEY_FILE", "ALPR_AUDIT_CHECKPOINT_DIR",
                 "ALPR_AUDIT_CHECKPOINT_EVERY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALPR_AUDIT_KEY_DIR", str(tmp_path / "audit-keys"))


@pytest.fixture(autouse=True)
def _isolated_image_root(tmp_path, monkeypatch):
    """Each test's store keeps its images in its own folder (the store's image root), never
    in the checkout's data/images."""
    monkeypatch.setenv("ALPR_IMAGE_ROOT", str(tmp_path / "images"))


@pytest.fixture(autouse=True)
def _isolated_mlflow(tmp_path, monkeypatch):
    """Each test gets its own MLflow store; nothing is written into the checkout."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_ARTIFACTS_DESTINATION", str(tmp_path / "mlartifacts"))
    os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture
def dept(db_url):
    """(governance, sample) of a small sample department (``dashboard_kit.SMALL``) in the
    test's store: SQLite, and PostgreSQL where ``db_url`` gives it."""
    from dashboard_kit import SMALL

    from alpr.dashboards.sample import build
    from alpr.dashboards.store import clear_cache
    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    clear_cache()
    sample = build(db_url, SMALL)
    gov = Governance(make_engine(db_url), today=lambda: sample.today)
    yield gov, sample
    gov.engine.dispose()
