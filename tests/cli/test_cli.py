"""The `alpr` command line as a user runs it."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from alpr.cli import main

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "plate-ocr"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alpr.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_synth_writes_the_crop_contract(tmp_path):
    assert main(["synth", "--n", "5", "--out", str(tmp_path / "s"), "--seed", "2"]) == 0
    rows = read_rows(tmp_path / "s" / "labels.csv")
    assert list(rows[0]) == ["image", "state", "plate"] and len(rows) == 5
    assert all((tmp_path / "s" / r["image"]).exists() for r in rows)


@pytest.mark.parametrize("n", ["0", "-3"])
def test_synth_rejects_non_positive_n(tmp_path, capsys, n):
    assert main(["synth", "--n", n, "--out", str(tmp_path / "s")]) == 2
    assert f"--n {n}" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_synth_restricts_states_and_rejects_unknown_ones(tmp_path, capsys):
    assert main(["synth", "--n", "4", "--out", str(tmp_path / "s"), "--state", "ca",
                 "--state", "Texas"]) == 0
    rows = read_rows(tmp_path / "s" / "labels.csv")
    assert [r["state"] for r in rows] == ["CA", "TX", "CA", "TX"]
    assert main(["synth", "--n", "4", "--out", str(tmp_path / "t"), "--state", "Ontario"]) == 2
    assert "'Ontario'" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


def test_synth_unwritable_output_names_the_path(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["synth", "--n", "2", "--out", str(blocker / "out")]) == 2
    assert str(blocker) in capsys.readouterr().err


def test_demo_writes_gallery_and_labelled_plates(tmp_path):
    # the simulated department has its own tests (tests/simulate/test_simulate.py)
    assert main(["demo", "--out", str(tmp_path / "demo"), "--n", "8", "--no-department"]) == 0
    assert (tmp_path / "demo" / "synthetic_gallery.png").stat().st_size > 10_000
    rows = read_rows(tmp_path / "demo" / "synthetic_plates" / "labels.csv")
    assert len(rows) == 8


@pytest.mark.skipif(not (MODEL / "model.pt").exists(), reason="no shipped model in models/")
def test_read_reports_bad_files_and_still_reads_the_good_ones(tmp_path):
    from PIL import Image

    from alpr.synth.render import PlateRenderer

    plate = PlateRenderer(seed=4).render(state="CA", text="7ABC123")
    good = tmp_path / "good.png"
    Image.fromarray(plate.image).save(good)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    res = run_cli("read", "--crops", "--format", "jsonl", str(tmp_path / "missing.png"),
                  str(empty), str(good), str(corrupt), str(text))
    assert res.returncode == 1
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["image"] for x in lines] == [str(tmp_path / "missing.png"), str(empty), str(good),
                                           str(corrupt), str(text)]
    assert "no such file" in lines[0]["error"] and "empty" in lines[1]["error"]
    assert "not a readable image" in lines[3]["error"] and "error" in lines[4]
    read = lines[2]["plates"][0]
    assert set(read) == {"text", "confidence", "char_confidences", "state", "state_confidence",
                         "candidates"}
    assert len(read["char_confidences"]) == len(read["text"])
    assert read["candidates"][0]["text"]
    assert read["text"] == "7ABC123"


def test_read_with_missing_model_is_a_clear_error(tmp_path):
    res = run_cli("read", "--crops", "--model", str(tmp_path / "nomodel"), str(tmp_path / "x.png"))
    assert res.returncode == 2 and "not found" in res.stderr


@pytest.mark.skipif(not (MODEL / "model.pt").exists(), reason="no shipped model in models/")
def test_evaluate_prints_logs_and_writes_the_report(tmp_path, monkeypatch):
    from alpr.synth.writer import write_dataset

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"  # the run goes here, not the project's store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)

    labels = write_dataset(tmp_path / "set", n=6, seed=9, progress=False, states=["CA", "NY"])
    with open(labels, "a") as fh:
        fh.write("images/missing.png,CA,ABC123\n")
    res = run_cli("evaluate", "--labels", str(labels), "--out", str(tmp_path / "rep"))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "exact match (O folded to 0)" in res.stdout
    assert "state of issuance top-1" in res.stdout
    assert "accuracy by confidence threshold" in res.stdout
    assert "line 8: image='images/missing.png': file not found" in res.stderr
    assert (tmp_path / "rep" / "plots" / "calibration.png").exists()
    rows = read_rows(tmp_path / "rep" / "reads.csv")
    assert len(rows) == 6 and {"truth", "read", "confidence", "correct"} <= set(rows[0])
    assert "logged to MLflow" in res.stdout
    import mlflow

    mlflow.set_tracking_uri(uri)  # an earlier in-process test may have pointed it elsewhere
    runs = mlflow.search_runs(experiment_names=["alpr-evaluations"])
    assert len(runs) == 1 and runs.iloc[0]["params.n"] == "6"


@pytest.mark.skipif(not (MODEL / "model.pt").exists(), reason="no shipped model in models/")
def test_calibrate_checks_the_crops_then_rewrites_only_the_card(tmp_path):
    import shutil

    from alpr.synth.writer import write_dataset

    model = tmp_path / "model"
    shutil.copytree(MODEL, model)
    weights = (model / "model.pt").read_bytes()
    labels = write_dataset(tmp_path / "set", n=8, seed=4, progress=False, states=["CA", "TX"])
    with open(labels, "a") as fh:
        fh.write("images/missing.png,CA,ABC123\n")  # reported by the contract, left out
    res = run_cli("calibrate", "--model", str(model), "--labels", str(labels))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "contract crops" in res.stderr and "line 10" in res.stderr
    cal = json.loads((model / "card.json").read_text())["calibration"]
    assert cal["char_temperature"] > 0 and cal["source"] == str(labels)
    assert (model / "model.pt").read_bytes() == weights  # the weights are untouched
    broken = tmp_path / "broken.csv"
    broken.write_text("image,state,plate\nnothing.png,ZZ,\n")
    res = run_cli("calibrate", "--model", str(model), "--labels", str(broken))
    assert res.returncode == 2 and "error:" in res.stderr
    res = run_cli("calibrate", "--model", str(model), "--labels", str(tmp_path / "no.csv"))
    assert res.returncode == 2 and "not found" in res.stderr


@pytest.mark.skipif(not (MODEL / "model.pt").exists(), reason="no shipped model in models/")
def test_calibrate_on_a_configs_tune_side_never_its_test_side(tmp_path):
    import shutil

    from alpr.recognizer.config import load_config
    from alpr.recognizer.data import split_items
    from alpr.synth.writer import write_dataset

    model = tmp_path / "model"
    shutil.copytree(MODEL, model)
    labels = write_dataset(tmp_path / "set", n=20, seed=6, progress=False, states=["CA", "TX"])
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"name: c\ndata: {{real_crops: [{labels}]}}\n"
                   "stages: [{name: a, steps: 1}]\n")
    sides = split_items(load_config(cfg).data)
    assert sides.tune and sides.test
    res = run_cli("calibrate", "--model", str(model), "--config", str(cfg))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "tune side" in res.stdout
    cal = json.loads((model / "card.json").read_text())["calibration"]
    assert cal["source"] == f"tune side of {cfg}"
    assert f"on {len(sides.tune) * 4} tune-side crops" in cal["method"]  # + 3 copies each
    res = run_cli("calibrate", "--model", str(model))
    assert res.returncode == 2 and "--labels" in res.stderr
