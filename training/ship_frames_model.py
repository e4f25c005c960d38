"""Ship a recognizer trained for camera frames, as issue #15's protocol asks (docs/evaluation.md).

    python training/ship_frames_model.py runs/frames-finetune/model [--config training/configs/frames.yaml]

1. The model's calibration is refitted on the tune side of the split (never the test side).
2. The model folder is copied into ``models/plate-ocr`` with its split's counts in the card.
3. The shipped detector's threshold, read check and closer look are re-chosen on the tune-side
   frames with the new recognizer's confidences (``retune_on_tune``); only its card changes.

The test side is then read once, by ``benchmarks/bench_frames.py``, and its figures go into
both cards with ``--record-test FIGURES.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OCR = ROOT / "models" / "plate-ocr"
DETECTOR = ROOT / "models" / "plate-detector"


def ship(model: Path, config: Path) -> None:
    from alpr.detector.threshold import retune_on_tune
    from alpr.recognizer.card import write_card
    from alpr.recognizer.config import load_config
    from alpr.recognizer.data import split_items
    from alpr.recognizer.recalibrate import recalibrate_on_tune
    from alpr.recognizer.recognizer import Recognizer

    recalibrate_on_tune(model, config)
    for name in ("model.pt", "model.onnx", "card.json"):
        shutil.copy2(model / name, OCR / name)
    (OCR / "val_report.txt").unlink(missing_ok=True)
    card = json.loads((OCR / "card.json").read_text())
    data = load_config(config).data
    card["split"] = {"rule": "alpr.splits.split_by_plate", "config": str(config.relative_to(ROOT)),
                     **split_items(data).counts()}
    card["data"]["sources"] = [*data.real_crops, *data.text_crops, *data.real_frames]
    (OCR / "card.json").write_text(json.dumps(card, indent=2, default=str))
    write_card(OCR)
    det = retune_on_tune(DETECTOR, Recognizer.load(OCR), config)
    print(f"shipped {model} -> {OCR}; detector threshold {det['score_threshold']}, "
          f"read check {det.get('read_check', {}).get('min_confidence')}, closer look "
          f"{det.get('read_check', {}).get('zoom_size')}")


def record_test(figures: Path) -> None:
    """Write the test side's figures (bench_frames --json) into both model cards."""
    from alpr.detector.card import write_card as write_det_card
    from alpr.recognizer.card import write_card

    f = json.loads(figures.read_text())
    e2e, tb = f["end_to_end"], f["true-box"]
    tight, fl = f["tight"]["tight"], f["frame-like"]["degraded"]
    when = f"{f['date']}, {f['machine']}"

    def pct(x: float) -> str:
        return f"{x:.1%}"

    ocr = json.loads((OCR / "card.json").read_text())
    margin = tb["margin"]["all"]
    ocr["figures_test"] = {
        "measured": when,
        "true-box frame plates, pipeline margin, O/0-folded":
            f"{pct(margin['all']['ours_folded'])} of {margin['all']['n']} "
            f"(fast-plate-ocr {pct(margin['all'].get('peer_folded', float('nan')))})",
        "tight US crops, O/0-folded / state":
            f"{pct(tight['us']['all']['ours_folded'])} / {pct(tight['us']['all']['ours_state'])}"
            f" of {tight['us']['all']['n']}",
        "frame-like US crops (22-60 px), O/0-folded / state":
            f"{pct(fl['us']['all']['ours_folded'])} / {pct(fl['us']['all']['ours_state'])} "
            f"of {fl['us']['all']['n']}",
        "Brazilian crops, tight / frame-like":
            f"{pct(tight['br']['all']['ours_folded'])} / {pct(fl['br']['all']['ours_folded'])}",
    }
    (OCR / "card.json").write_text(json.dumps(ocr, indent=2, default=str))
    write_card(OCR)
    det = json.loads((DETECTOR / "card.json").read_text())
    det["figures_test"] = {"measured": when, **{
        f"{k} frames ({int(v['frames'])})":
            f"recall {pct(v['recall'])}, {v['false_plates_per_frame']:.3f} false plates per "
            f"frame, end to end {pct(v['end_to_end_exact_o_folded'])} O/0-folded (strict "
            f"{pct(v['end_to_end_exact'])})"
        for k, v in e2e.items() if "frames" in v}}
    (DETECTOR / "card.json").write_text(json.dumps(det, indent=2, default=str))
    write_det_card(DETECTOR)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path, nargs="?")
    ap.add_argument("--config", type=Path, default=ROOT / "training" / "configs" / "frames.yaml")
    ap.add_argument("--record-test", type=Path, help="bench_frames --json output of the test side")
    args = ap.parse_args()
    if args.model:
        ship(args.model, args.config.resolve())
    if args.record_test:
        record_test(args.record_test)


if __name__ == "__main__":
    main()
