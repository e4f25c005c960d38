"""Human-readable model card (``README.md`` in a model folder) rendered from ``card.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alpr.model_folder import page, pct, provenance, read_card, write_readme

WEAKNESSES = """\
- Validation is small (the held-out 15% of 463 public US crops, ~70 plates): one plate is
  1.4 points. The hidden part of the benchmark is the real judge.
- Extra characters taken from stickers, stacked prefixes and graphics at the plate edges, and
  truncated vanity plates, are the main text errors; letter Q vs digit 0 is the main
  confusion (the labels themselves write 0 for O).
- State of issuance is learned from a few hundred real crops (1-22 per jurisdiction); plate
  designs not in them (new issues, specialty plates, territories) are likely misread — the
  state confidence is then low, and the operator must verify the state anyway (policy III.D.1).
- Confidence is calibrated on the held-out crops plus augmented copies; recalibrate on your own
  verified reads with `alpr calibrate`.
- Trained on tight crops; loose detector boxes with a lot of surround reduce accuracy.
"""


def _figures_heading(card: dict) -> str:
    if "split" in card:
        sp = card["split"]
        return (f"## Validation figures (tune side of the plate-text split: "
                f"{sp['tune']['crops']} crops of {sp['tune']['plates']} plates; the run was "
                f"evaluated and calibrated here, so these are not blind)")
    if (card.get("config") or {}).get("init_from"):
        return "## Held-out figures (real crops this run never trained on; see provenance)"
    return "## Held-out figures (real crops never trained on)"


def _test_section(card: dict) -> list[str]:
    """The test side's figures, measured once for the model about to ship, with what each
    is worth (``figures_test``: {label: text}, ``figures_test_notes``: [text])."""
    figs = card.get("figures_test") or {}
    if not figs:
        return []
    sp = card.get("split", {}).get("test", {})
    head = (f"## Test figures (test side of the split, {sp.get('crops', '?')} crops of "
            f"{sp.get('plates', '?')} plates, read once; benchmarks/bench_frames.py)")
    return [head, *[f"- {k}: {v}" for k, v in figs.items()],
            *[f"- note: {n}" for n in card.get("figures_test_notes", [])], ""]


def render(card: dict[str, Any]) -> str:
    """The card page (``README.md``) for a recognizer's ``card.json``."""
    m = card.get("metrics_val", {})
    cal = card.get("calibration", {})
    data = card.get("data", {})
    intro = ("Plate OCR + state-of-issuance recognizer (CRNN with a CTC text head and a "
             f"layout-aware jurisdiction head), {card.get('parameters', 0):,} parameters, input "
             f"{card['spec']['height']}x{card['spec']['width']} RGB.")
    body = [
        *provenance(card, [
            f"- data: {', '.join(data.get('sources', []))}; {data.get('train_real_crops', '?')} "
            f"real training crops, {data.get('val_real_crops', '?')} held out; plus synthetic "
            f"plates"], started_note="what that model trained on counts as seen too"),
        _figures_heading(card),
        f"- exact match, O folded to 0: {pct(m, 'exact_match_o_folded')} (strict: "
        f"{pct(m, 'exact_match')})",
        f"- character accuracy: {pct(m, 'char_accuracy')}",
        f"- state of issuance top-1: {pct(m, 'state_top1')}",
        f"- reads with confidence >= 0.9: {pct(m, 'accepted_at_0.9')} of all, of which right: "
        f"{pct(m, 'accuracy_at_0.9')}",
        "",
        *_test_section(card),
        "## Calibration",
        f"- char temperature {cal.get('char_temperature')}, state temperature "
        f"{cal.get('state_temperature')}",
        f"- {cal.get('method', '')}",
        "",
    ]
    return page(card.get("name", "plate-ocr"), intro, body, WEAKNESSES,
                "- `model.pt` weights + spec, `model.onnx` the same network for ONNX Runtime, "
                "`card.json` everything needed to use them (alphabet, states, preprocessing, "
                "calibration, config, metrics).")


def render_card(folder: Path) -> str:
    """The card page of the model folder ``folder``."""
    return render(read_card(folder))


def write_card(folder: Path) -> Path:
    """(Re)write ``folder``'s ``README.md`` from its ``card.json``."""
    return write_readme(folder, render)
