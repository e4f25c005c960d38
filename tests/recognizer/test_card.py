"""A model card says what its own run measured and trained on, not the shipped model's
story (a department model on 4 crops, a smoke model)."""

import json

from alpr.recognizer.card import render
from alpr.recognizer.recognizer import default_model_dir


def test_a_department_card_speaks_of_its_own_data_and_has_no_empty_bullet():
    shipped = json.loads((default_model_dir() / "card.json").read_text())
    card = {"spec": shipped["spec"], "name": "department", "parameters": 1,
            "data": {"train_real_crops": 4, "val_real_crops": 0, "sources": ["dept.csv"]},
            "calibration": {}, "metrics_val": {}}
    page = render(card)
    assert "463" not in page and "~70 plates" not in page
    assert "Trained on 4 real crops" in page
    assert "No real crops were held out" in page
    assert "not calibrated" in page
    assert not [line for line in page.splitlines() if line.strip() in ("-", "- ")]


def test_the_shipped_card_counts_its_tune_side_and_lists_its_weaknesses():
    card = json.loads((default_model_dir() / "card.json").read_text())
    page = render(card)
    tune = card["split"]["tune"]
    assert f"{tune['crops']} crops of {tune['plates']} plates" in page
    assert all(w in page for w in card["weaknesses"])
    assert "model.int8.onnx" in page
    assert page == (default_model_dir() / "README.md").read_text()
