"""Notebook 01's figures: the split shows every crop, the comparison and the trust table say
what the reads say, and the gate's sentence matches its decision."""

from pathlib import Path

import numpy as np
import pytest

from alpr.datasets import LabelledCrop
from alpr.recognizer import retrain_story as story
from alpr.recognizer.evaluation import evaluate_reads
from alpr.recognizer.recognizer import PlateRead


def _read(text: str, conf: float = 0.95, state: str = "CA") -> PlateRead:
    return PlateRead(text=text, confidence=conf, char_confidences=(conf,) * len(text),
                     state=state, state_confidence=0.9, candidates=())


def _items(plates: list[str], states: list[str]) -> list[LabelledCrop]:
    return [LabelledCrop(image=Path(f"{i}.png"), plate=p, state=s or None)
            for i, (p, s) in enumerate(zip(plates, states, strict=True))]


def test_comparison_by_height_and_state_counts_what_each_model_read():
    items = _items(["ABC123", "XYZ789", "QRS456", "LMN000"], ["CA", "CA", "TX", ""])
    new = evaluate_reads(items, [_read("ABC123"), _read("XYZ789"), _read("QRS456", state="TX"),
                                 _read("LMN000", state="?")])
    old = evaluate_reads(items, [_read("ABC128"), _read("XYZ789"), _read("QR5456", state="CA"),
                                 _read("LMNOOO", state="?")])  # O/0: still right
    cmp = story.Comparison("test", "champion", new, old, heights=[30, 40, 45, 80])
    heights = cmp.by_height()
    assert list(heights.index) == ["< 35 px", "35-50 px", "> 50 px"]
    assert heights.loc["< 35 px", "champion"] == 0.0 and heights.loc["< 35 px", "new model"] == 100
    assert heights.loc["35-50 px", "champion"] == 50.0 and heights.loc["35-50 px", "crops"] == 2
    states = cmp.by_state()
    assert states.loc["CA", "crops"] == 2 and states.loc["CA", "champion"] == 50.0
    assert states.loc["TX", "new model: state"] == 100 and states.loc["TX", "champion: state"] == 0
    assert np.isnan(states.loc["?", "new model: state"])  # no state label: nothing to judge
    fig = story.plot_comparison(heights, "by height")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "< 35 px\n1 crop"
    assert max(b.get_height() for b in ax.patches) <= 100 < ax.get_ylim()[1]  # legend band free


def test_trust_table_and_sentence_say_where_reads_can_be_relied_on():
    n = 500
    items = _items([f"AB{i:04d}" for i in range(n)], ["CA"] * n)
    reads = [_read(f"AB{i:04d}", conf=0.97) for i in range(n - 20)]
    reads += [_read("WRONG1", conf=0.85) for _ in range(20)]  # the misses are unsure
    table = story.trust_table(evaluate_reads(items, reads))
    assert table.loc[0.9, "wrong"] == 0 and table.loc[0.8, "wrong"] == 20
    assert table.loc[0.9, "accuracy, 95% lower bound"] > 0.99
    sentence = story.trust_sentence(table, n)
    assert sentence.startswith("at confidence >= 0.90: 480 of 500") and "trusted" in sentence
    few = story.trust_table(evaluate_reads(items[:10], reads[:10]))
    assert "too few crops to show 99%" in story.trust_sentence(few, 10)
    wrong = story.trust_table(evaluate_reads(items[-5:], [_read("X", conf=0.999)] * 5))
    assert "every read needs the operator's visual check" in story.trust_sentence(wrong, 5)


def test_split_summary_accounts_for_every_loaded_crop(tmp_path):
    import cv2

    from alpr.recognizer.config import load_config
    from alpr.recognizer.retrain import DEPARTMENT_CONFIG

    rows = ["image,state,plate"]
    for i in range(30):  # 10 plates, 3 crops each: a plate's crops stay on one side
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((40, 90, 3), 200, np.uint8))
        rows.append(f"{i}.png,CA,PLT{i % 10:03d}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    cfg = load_config(DEPARTMENT_CONFIG, {"output": str(tmp_path / "run")})
    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(
        update={"real_crops": (str(tmp_path / "labels.csv"),)})})
    table = story.split_summary(cfg)
    assert table.attrs["loaded"] == 30 == table.loc["all sides", "crops"]
    assert table.loc["all sides", "plates"] == 10
    assert table.loc["train", "crops"] % 3 == 0 and table.loc["test", "crops"] > 0


@pytest.mark.slow
def test_gate_sentence_matches_a_gate_that_keeps_a_better_champion(tmp_path, monkeypatch):
    """A worse new model is not promoted, and the sentence gives both figures and the rule."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    from alpr.train import tracking

    mlflow = tracking.setup("story-test")
    client = mlflow.MlflowClient()
    client.create_registered_model("m")
    with mlflow.start_run() as run:
        promoted = tracking.promotion_gate(mlflow, "m", "1", 0.80, 0.875)
        mlflow.set_tag("gate_side", "test (24 crops)")
    assert not promoted
    text = story.gate_reason(run.info.run_id, "story-test")
    assert text.startswith("kept_champion: on the test side (24 crops)")
    assert "80.0%" in text and "87.5%" in text and "strictly more" in text
    assert story.latest_run("story-test") == run.info.run_id
