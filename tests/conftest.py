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


@pytest.fixture(autouse=True)
def _isolated_mlflow(tmp_path, monkeypatch):
    """Each test gets its own MLflow store; nothing is written into the checkout."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_ARTIFACTS_DESTINATION", str(tmp_path / "mlartifacts"))
    os.environ.setdefault("TQDM_DISABLE", "1")
