"""Human-readable model card (``README.md`` in a model folder) rendered from ``card.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alpr.model_folder import page, pct, provenance, read_card, write_readme


def weaknesses(card: dict[str, Any]) -> str:
    """What this model's figures cannot tell, from the card's own data and figures (a
    department model trained on a handful of crops is described as such, not as the shipped
    model)."""
    data, split = card.get("data", {}), card.get("split", {})
    tune = split.get("tune", {})
    held = tune.get("plates") or data.get("val_real_crops") or 0
    unit = "plates" if tune.get("plates") else "crops"
    out = []
    if held:
        where = (f"the tune side of the plate-text split, {tune.get('crops', '?')} crops of "
                 f"{held} plates" if tune.get("plates") else f"{held} held-out real crops")
        out.append(f"- Validation is {where}: one {unit[:-1]} is {100 / held:.1f} points"
                   f"{'; fewer than 100, so read the figures with their interval' if held < 100 else ''}.")
    else:
        out.append("- No real crops were held out: the figures above say nothing about real "
                   "plates; judge this model on verified reads before use.")
    train = data.get("train_real_crops")
    if train is not None and train < 200:
        out.append(f"- Trained on {train} real crops (plus synthetic plates): plate designs, "
                   f"states and cameras not among them are likely misread.")
    out += [f"- {w}" for w in card.get("weaknesses", [])]
    out.append("- The state of issuance must be verified by the operator before action (policy "
               "III.D.1): a design the model never saw gets a low state confidence.")
    cal = card.get("calibration", {})
    if cal.get("method"):
        out.append(f"- Confidence calibrated by {cal['method']}; recalibrate on your own "
                   f"verified reads with `alpr calibrate`.")
    else:
        out.append("- Confidence is not calibrated: run `alpr calibrate` on verified reads "
                   "before trusting a threshold.")
    return "\n".join(out) + "\n"


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
        f"- char temperature {cal.get('char_temperature', 1.0)}, state temperature "
        f"{cal.get('state_temperature', 1.0)}",
        *([f"- {cal['method']}"] if cal.get("method") else ["- not calibrated (temperatures 1)"]),
        "",
    ]
    return page(card.get("name", "plate-ocr"), intro, body, weaknesses(card),
                "- `model.pt` weights + spec, `model.onnx` the same network for ONNX Runtime, "
                "`card.json` everything needed to use them (alphabet, states, preprocessing, "
                "calibration, config, metrics)."
                + (f" `model.int8.onnx` its 8-bit copy ({card['int8']['note']})"
                   if card.get("int8") else ""))


def render_card(folder: Path) -> str:
    """The card page of the model folder ``folder``."""
    return render(read_card(folder))


def write_card(folder: Path) -> Path:
    """(Re)write ``folder``'s ``README.md`` from its ``card.json``."""
    return write_readme(folder, render)
