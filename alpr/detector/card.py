"""Human-readable model card (``README.md`` in a detector folder) rendered from ``card.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alpr.model_folder import page, provenance, read_card, write_readme
from alpr.model_folder import pct as _pct

WEAKNESSES = """\
- Validation is small (the held-out frames of two public sets, one labelled plate each): one
  plate is several points. The hidden part of the benchmark is the real judge.
- Each validation frame labels one plate; a correct detection of a second, unlabelled plate
  (a parked car behind) counts as a false plate, so precision is a lower bound.
- Boxes are axis-aligned (corners are the box's corners); strongly skewed plates are cropped
  with their surround, not rectified.
- The end-to-end read uses the shipped recognizer, which was trained on crops cut from *all*
  US frames (its config kept no frames aside), so the US end-to-end figure is optimistic for
  the reading half. It was built for US plates: it reads many European serials (same Latin
  letters and digits) but names no country, and long European serials are its main misreads.
- Close-up plates wider than about a third of the frame are larger than any training plate;
  the second look at a smaller input size catches some of them.
- Trained from scratch on about a hundred and fifty real frames plus synthetic scenes; unusual
  plate designs, night IR images and very small plates (< ~20 px wide after letterboxing to
  the input size) are the likely misses.
"""


def _read_check_lines(card: dict[str, Any]) -> list[str]:
    rc = card.get("read_check")
    if not rc:
        return []
    return [f"- read check: a box scored {rc['min_score']} up to the threshold is kept when "
            f"the recognizer reads a whole plate in it ({rc.get('min_chars', 4)}-"
            f"{rc.get('max_chars', 8)} characters with a digit 1-9, at least "
            f"{rc.get('border_px', 2)} px clear of the frame's edge) with confidence >= "
            f"{rc['min_confidence']}"
            + (f" (reads by `{rc['recognizer']}`)" if rc.get("recognizer") else "")
            + f"; that confidence: {rc.get('method', '')}"] + (
        [f"- closer look: a frame with no plate kept is looked at again at up to "
         f"{rc['zoom_size']} px (not beyond its own size), where only boxes the read check "
         f"accepts count; that size: {rc.get('zoom_method', '')}"] if rc.get("zoom_size")
        else [f"- no closer look: {rc['zoom_method']}"] if rc.get("zoom_method") else [])


def render(card: dict[str, Any]) -> str:
    """The card page (``README.md``) for a detector's ``card.json``."""
    m = card.get("metrics_val", {})
    data = card.get("data", {})
    intro = ("Anchor-free single-shot plate detector (CenterNet-style centre heat map + box "
             "size at stride 4, small residual backbone with a feature pyramid), "
             f"{card.get('parameters', 0):,} parameters, trained from scratch. Input: the "
             f"frame letterboxed to {card['spec']['input_size']} px on its long side (RGB); "
             f"output: plate boxes with a score; shipped threshold "
             f"{card.get('score_threshold')}.")
    lines = [
        *provenance(card, [
            f"- real data: {', '.join(data.get('sources', []))}; "
            f"{data.get('train_real_frames', '?')} training frames, "
            f"{data.get('val_real_frames', '?')} held out ({data.get('split_rule', '')}, the "
            f"recognizer's file-name hash rule)",
            f"- synthetic data: {data.get('synthetic', '')}",
            f"- score threshold {card.get('score_threshold')}: "
            f"{card.get('threshold_method', '')}",
            *_read_check_lines(card)]),
        (f"## Validation figures ({card['metrics_val_side']})" if card.get("metrics_val_side")
         else "## Held-out figures (real frames never trained on)"),
        f"- detection recall at IoU >= 0.4: {_pct(m, 'recall')}; precision "
        f"{_pct(m, 'precision')}; false plates per frame "
        f"{m.get('false_plates_per_frame', float('nan')):.3f}",
        f"- end-to-end exact read with `{card.get('end_to_end_recognizer')}`: "
        f"{_pct(m, 'end_to_end_exact_o_folded')} O/0-folded "
        f"(strict {_pct(m, 'end_to_end_exact')})",
    ]
    alone = card.get("metrics_val_detector_only")
    if alone and card.get("read_check"):
        lines.append(f"- the detector alone (no read check): recall {_pct(alone, 'recall')}, "
                     f"false plates per frame {alone.get('false_plates_per_frame', 0):.3f}, "
                     f"end-to-end O/0 {_pct(alone, 'end_to_end_exact_o_folded')}")
    if card.get("fallback_input_size"):
        nf = card.get("metrics_val_without_fallback", {})
        lines.append(f"- frames with no plate at {card['spec']['input_size']} px get a second "
                     f"look at {card['fallback_input_size']} px"
                     + (f" (without it: recall {_pct(nf, 'recall')}, end-to-end O/0 "
                        f"{_pct(nf, 'end_to_end_exact_o_folded')})" if nf else ""))
    if card.get("post_training"):
        lines.append(f"- after training: {card['post_training']}")
    lines += [
        "",
        "| set | frames | recall | precision | false/frame | read O/0 | read strict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in card.get("metrics_val_per_set", {}).items():
        lines.append(f"| {name} | {int(s.get('frames', 0))} | {_pct(s, 'recall')} | "
                     f"{_pct(s, 'precision')} | {s.get('false_plates_per_frame', 0):.3f} | "
                     f"{_pct(s, 'end_to_end_exact_o_folded')} | {_pct(s, 'end_to_end_exact')} |")
    lines += [*(["", "## Test figures (read once; benchmarks/bench_frames.py)",
                 *[f"- {k}: {v}" for k, v in card["figures_test"].items()]]
                if card.get("figures_test") else []),
              "", "By score threshold (all held-out frames, before the tune-side re-choice):"
              if card.get("metrics_val_side") else "By score threshold (all held-out frames):",
              "",
              "| threshold | recall | precision | false/frame |", "| --- | --- | --- | --- |"]
    for r in card.get("thresholds_val", []):
        lines.append(f"| {r['threshold']} | {r['recall']:.1%} | {r['precision']:.1%} | "
                     f"{r['false_plates_per_frame']:.3f} |")
    lines.append("")
    return page(f"plate detector ({card.get('name', 'detector')})", intro, lines, WEAKNESSES,
                "- `model.pt` weights + spec, `model.onnx` the same network (dynamic input "
                "size) for ONNX Runtime, `card.json` everything needed to use them (input "
                "size, preprocessing, output layout, threshold, config, metrics, provenance).")


def render_card(folder: Path) -> str:
    """The card page of the detector folder ``folder``."""
    return render(read_card(folder))


def write_card(folder: Path) -> Path:
    """(Re)write ``folder``'s ``README.md`` from its ``card.json``."""
    return write_readme(folder, render)
