"""Where MLflow puts a run's artifacts: beside the tracking store, never in the folder the
command happened to run from."""

from alpr.train import tracking


def test_artifacts_go_beside_the_sqlite_store_whatever_the_current_folder(tmp_path, monkeypatch):
    store = tmp_path / "tracking" / "mlflow.db"
    store.parent.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}")
    mlflow = tracking.setup("where-artifacts-go")
    with mlflow.start_run():
        mlflow.log_text("hello", "note.txt")
        uri = mlflow.get_artifact_uri()
    assert uri.startswith((store.parent / "mlartifacts").as_uri()), uri
    assert list((store.parent / "mlartifacts").rglob("note.txt"))
    assert not (elsewhere / "mlruns").exists()
