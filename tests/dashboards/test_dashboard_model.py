"""The Model page against a real MLflow store in tmp_path: a champion registered without
training shows the figures of the card it carries; a trained champion its run's figures and
the promotion gate's decision; a challenger the gate refused says so."""

import json
import shutil

import pytest

from alpr.dashboards import model_source
from alpr.recognizer.recognizer import default_model_dir

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """An MLflow store in tmp_path (conftest) with artifacts kept there too, and a copy of
    the shipped model's card and validation report as the model folder to register."""
    monkeypatch.chdir(tmp_path)  # experiments without an artifact location write ./mlruns
    folder = tmp_path / "plate-ocr"
    folder.mkdir()
    for name in ("card.json", "val_report.txt"):
        shutil.copy(default_model_dir() / name, folder / name)
    return folder


def _train_and_gate(folder, exact, baseline_score, side="test (412 crops)"):
    """What training's finish() and gate() log for a new version (alpr.recognizer.loop)."""
    from alpr.train import tracking

    ml = tracking.setup("alpr-plate-ocr")
    with ml.start_run():
        ml.log_metrics({"final_exact_match_o_folded": exact, "final_char_accuracy": 0.99,
                        "final_accuracy_at_0.9": 0.995, "final_accepted_at_0.9": 0.8})
        info = tracking.log_model(ml, folder, tracking.MODEL_NAME)
        version = str(info.registered_model_version)
        tracking.promotion_gate(ml, tracking.MODEL_NAME, version, exact, baseline_score)
        ml.set_tag("gate_side", side)
    return version


def test_champion_registered_without_training_shows_its_cards_figures(registry):
    from alpr.recognizer.retrain import ensure_champion

    ensure_champion(registry)
    (champion,) = model_source.models()
    card = json.loads((registry / "card.json").read_text())
    assert champion.source.startswith("MLflow registry: alpr-plate-ocr version 1")
    assert champion.metrics["exact_match_o_folded"] == pytest.approx(
        card["metrics_val"]["exact_match_o_folded"])
    assert champion.calibration == card["calibration"]
    assert champion.per_state.set_index("state").loc["NJ", "plates"] > 0
    assert champion.gate is None  # registered directly: no gate to show


def test_model_page_shows_the_champions_figures_and_the_gates_decision(registry):
    from alpr.recognizer.retrain import ensure_champion

    ensure_champion(registry)  # v1: the shipped model
    promoted = _train_and_gate(registry, 0.95, 0.93)  # v2 beats it
    refused = _train_and_gate(registry, 0.91, 0.95)  # v3 does not beat v2
    champion, challenger = model_source.models()
    assert (champion.name, challenger.name) == (f"alpr-plate-ocr v{promoted}",
                                                f"alpr-plate-ocr v{refused}")
    assert champion.metrics["exact_match_o_folded"] == 0.95
    assert champion.gate.text() == ("promoted: 95.0% exact (O/0) against the champion's "
                                    "93.0% on the test side (412 crops)")
    assert challenger.gate.text() == ("not promoted: the champion stays: 91.0% exact (O/0) "
                                      "against the champion's 95.0% on the test side "
                                      "(412 crops)")
    # the run logs no report: the per-state table comes from the model folder it carries
    assert not champion.per_state.empty

    # the page itself, built on the sample department with these models
    pn = pytest.importorskip("panel")
    from alpr.dashboards.sample import build
    from alpr.dashboards.store import DashboardStore, actor_for, clear_cache
    from alpr.dashboards.views import model
    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    clear_cache()
    url = f"sqlite:///{registry.parent / 'alpr.db'}"
    sample = build(url)
    gov = Governance(make_engine(url), today=lambda: sample.today)
    layout = model.view(DashboardStore(gov, actor_for(gov, "chief"), "model"),
                        [champion, challenger])
    layout.get_root()
    html = " ".join(p.object for p in layout.select(pn.pane.HTML) if isinstance(p.object, str))
    assert 'id="kpi-model-champion" style="font-size:1.15em">exact match (O/0 folded): ' \
           "<b>95.0%</b>" in html
    assert "Promotion gate: promoted: 95.0% exact (O/0) against the champion&#x27;s 93.0%" in html
    assert "Promotion gate: not promoted: the champion stays: 91.0%" in html
    gov.engine.dispose()
