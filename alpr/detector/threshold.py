"""Choosing the detector's score threshold on the *training* frames, never the held-out ones.

The threshold trades recall for false plates. ``pick_threshold`` takes the lowest threshold
whose false plates per frame on the training frames stay within a target; ``retune`` applies
it to a model folder (only ``card.json`` and its ``README.md`` change, like the recognizer's
``alpr calibrate``) and re-measures the held-out figures at the new threshold.
``pick_read_check`` chooses, on the same frames, how confident a read must be to keep a box
scored below the threshold (:class:`alpr.detector.detector.ReadCheck`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from alpr.datasets import LabelledCrop
from alpr.detector.artifact import DETECTOR
from alpr.detector.detector import Detection, PlateDetector, ReadCheck
from alpr.detector.evaluation import IOU_THRESHOLD, Box, build_report
from alpr.detector.geometry import iou
from alpr.model_folder import read_card
from alpr.paths import TRAINING
from alpr.recognizer.preprocess import load_rgb

GRID = tuple(round(0.2 + 0.05 * i, 2) for i in range(15))  # 0.2 .. 0.9


def pick_threshold(items: list[LabelledCrop], dets: list[list[Detection]],
                   max_false_per_frame: float,
                   known: list[list[Box]] | None = None) -> float:
    """Lowest grid threshold with false plates per frame <= the target (else the highest).

    ``known`` boxes per frame (plates the labels leave out, unsure regions) are not counted
    as false plates.

    >>> from pathlib import Path
    >>> it = LabelledCrop(Path("a.jpg"), "ABC", None, (0, 0, 10, 10))
    >>> dets = [[Detection((0, 0, 10, 10), 0.9), Detection((50, 50, 10, 10), 0.42)]]
    >>> pick_threshold([it], dets, 0.0)
    0.45
    """
    for th in GRID:
        kept = [[d for d in ds if d.score >= th] for ds in dets]
        if build_report(items, kept, known=known).false_per_frame <= max_false_per_frame:
            return th
    return GRID[-1]


def retune(model_dir: Path, train_items: list[LabelledCrop], train_frames: list[np.ndarray],
           max_false_per_frame: float, val_items: list[LabelledCrop] | None = None,
           val_frames: list[np.ndarray] | None = None, recognizer: Any = None
           ) -> dict[str, Any]:
    """Set ``score_threshold`` in a model folder's card from its training frames, and
    re-measure the card's held-out figures at it when ``val_items`` are given."""
    det = PlateDetector.load(model_dir, threshold=min(GRID))
    dets = [det.detect(f) for f in train_frames]
    th = pick_threshold(train_items, dets, max_false_per_frame)
    rep = build_report(train_items, [[d for d in ds if d.score >= th] for ds in dets])
    method = (f"lowest of {GRID[0]}..{GRID[-1]} with at most {max_false_per_frame} false plates "
              f"per frame on the {len(train_items)} training frames (there: recall "
              f"{rep.recall:.3f}, {rep.false_per_frame:.3f} false plates per frame); set after "
              f"training by alpr.detector.threshold.retune")
    return set_threshold(model_dir, th, method, val_items, val_frames, recognizer)


def set_threshold(model_dir: Path, threshold: float, method: str,
                  val_items: list[LabelledCrop] | None = None,
                  val_frames: list[np.ndarray] | None = None, recognizer: Any = None
                  ) -> dict[str, Any]:
    """Write ``threshold`` (and how it was chosen) into a model folder's card, re-measuring
    the card's held-out figures at it when ``val_items`` are given."""
    th = threshold
    card = read_card(model_dir)
    card["score_threshold"] = th
    card["threshold_method"] = method
    if val_items:
        from alpr.detector.evaluation import evaluate_frames, per_set_reports

        at = PlateDetector.load(model_dir, threshold=th)
        card["metrics_val"] = evaluate_frames(at, val_items, recognizer,
                                              frames=val_frames).metrics()
        card["metrics_val_per_set"] = per_set_reports(at, val_items, val_frames or [],
                                                      recognizer)
    DETECTOR.write_card(model_dir, card)
    return card


CONFIDENCE_GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.5 .. 0.95


def pick_read_check(detector: PlateDetector, recognizer: Any, items: list[LabelledCrop],
                    frames: list[np.ndarray], min_score: float = 0.2,
                    max_false_per_frame: float = 0.0,
                    known: list[list[Box]] | None = None
                    ) -> tuple[ReadCheck | None, dict[str, Any]]:
    """The read check's confidence from the *training* frames: the lowest of 0.5..0.95 at
    which the boxes it would keep (scored from ``min_score`` up to the detector's threshold)
    add at most ``max_false_per_frame`` false plates per frame there (else no check: None).

    Detections on a labelled plate or on a ``known`` box (plates the labels leave out,
    unsure regions) are not false. The detector's scores on its own training frames are
    optimistic, so those frames offer fewer low-scored boxes than new frames will; the
    recognizer never trained on false plates, so its confidence on them is fair.
    """
    from alpr.detector.pipeline import read_detections

    th = detector.threshold
    cands = [[d for d in detector.detect(f, floor=min_score) if d.score < th] for f in frames]
    plates = [read_detections([f], [ds], recognizer)[0] for f, ds in zip(frames, cands,
                                                                        strict=True)]
    kinds: list[tuple[bool, bool, float]] = []  # (is false, plausible, confidence) each
    for k, (it, ps) in enumerate(zip(items, plates, strict=True)):
        if not ps:
            continue
        good = _on_plates([p.detection.box for p in ps], it, known[k] if known else None)
        probe = ReadCheck(min_score, 0.0)
        kinds += [(not g, probe.plausible(p.read.text, p.detection.box, frames[k].shape),
                   p.read.confidence) for g, p in zip(good, ps, strict=True)]
    return choose_read_check(kinds, len(items), min_score, th, max_false_per_frame)


def _on_plates(boxes: list[tuple[int, int, int, int]], item: LabelledCrop,
               known: list[Box] | None) -> np.ndarray:
    """Per box: on the frame's labelled plate or on a known box (IoU >= the threshold)."""
    b = np.array(boxes, np.float64).reshape(-1, 4)
    good: np.ndarray = iou(b, np.array([item.box], np.float64))[:, 0] >= IOU_THRESHOLD
    if known:
        good |= iou(b, np.array(known, np.float64)).max(axis=1) >= IOU_THRESHOLD
    return good


def choose_read_check(candidates: list[tuple[bool, bool, float]], frames: int,
                      min_score: float, threshold: float, max_false_per_frame: float
                      ) -> tuple[ReadCheck | None, dict[str, Any]]:
    """The lowest grid confidence at which the kept candidates — ``(is false, plausible as a
    plate, read confidence)`` — are at most ``max_false_per_frame`` false per frame, and the
    table; no check (None) when even the grid's top keeps more.

    >>> cands = [(True, True, 0.72), (False, True, 0.9), (True, False, 0.99)]
    >>> rc, info = choose_read_check(cands, 10, 0.2, 0.7, 0.0)
    >>> rc.min_confidence, info["table"][0]["false"]
    (0.75, 1)
    >>> choose_read_check([(True, True, 0.99)], 10, 0.2, 0.7, 0.0)[0] is None
    True
    """
    n = max(frames, 1)
    table = []
    chosen = None
    for c in CONFIDENCE_GRID:
        false = sum(bad and ok and conf >= c for bad, ok, conf in candidates)
        kept = sum(ok and conf >= c for _, ok, conf in candidates)
        table.append({"min_confidence": c, "kept": kept, "false": false,
                      "false_per_frame": false / n})
        if chosen is None and false / n <= max_false_per_frame:
            chosen = c
    info = {"candidates": len(candidates), "table": table}
    if chosen is None:
        return None, info
    row = next(r for r in table if r["min_confidence"] == chosen)
    method = (f"lowest of {CONFIDENCE_GRID[0]}..{CONFIDENCE_GRID[-1]} at which boxes scored "
              f"{min_score}..{threshold} add at most {max_false_per_frame} false plates per "
              f"frame on the {frames} training frames (there: {len(candidates)} such boxes, "
              f"{sum(b for b, _, _ in candidates)} of them false, "
              f"{sum(b and ok for b, ok, _ in candidates)} of those plausible as a plate; the "
              f"check keeps {row['kept']}, {row['false']} false)")
    return ReadCheck(min_score, chosen, method=method), info


ZOOM_SIZES = (960, 1280, 1600)


def pick_zoom(detector: PlateDetector, recognizer: Any, check: ReadCheck,
              items: list[LabelledCrop], frames: list[np.ndarray],
              known: list[list[Box]] | None = None, sizes: tuple[int, ...] = ZOOM_SIZES,
              max_false_per_frame: float = 0.0) -> ReadCheck:
    """The read check's closer look, chosen on the *training* frames: the smallest size at
    which looking again at **every** training frame (not only those without a plate, as in
    use) keeps at most ``max_false_per_frame`` false plates per frame through the check;
    none (``zoom_size`` None) when no size does."""
    from alpr.detector.pipeline import read_detections

    counts = []
    for size in sizes:
        false = kept = looked = 0
        for k, (it, f) in enumerate(zip(items, frames, strict=True)):
            zc = detector.zoom(f, size, check.min_score)
            looked += max(f.shape[:2]) > detector.spec.input_size
            ps = [p for p in read_detections([f], [zc], recognizer)[0]
                  if check.accepts(p.read.text, p.read.confidence, p.detection.box, f.shape)]
            if not ps:
                continue
            good = _on_plates([p.detection.box for p in ps], it, known[k] if known else None)
            kept += len(ps)
            false += int((~good).sum())
        counts.append((size, looked, kept, false))
        if false / max(len(items), 1) <= max_false_per_frame:
            method = (f"smallest of {', '.join(map(str, sizes))} at which a closer look at "
                      f"every one of the {len(items)} training frames ({looked} larger than "
                      f"the input size) keeps no more than {max_false_per_frame} false plates "
                      f"per frame through the check (there: {kept} kept, {false} false"
                      + "".join(f"; at {z}: {kp} kept, {fl} false" for z, _, kp, fl
                                in counts[:-1]) + ")")
            return replace(check, zoom_size=size, zoom_method=method)
    method = "no size kept few enough false plates: " + "; ".join(
        f"at {z}: {kp} kept, {fl} false" for z, _, kp, fl in counts)
    return replace(check, zoom_size=None, zoom_method=method)


def set_read_check(model_dir: Path, check: ReadCheck | None,
                   val_items: list[LabelledCrop] | None = None,
                   val_frames: list[np.ndarray] | None = None, recognizer: Any = None
                   ) -> dict[str, Any]:
    """Write (or, with None, remove) the read check in a model folder's card and README,
    re-measuring the card's held-out figures with it (and without it) when ``val_items``
    and a recognizer are given."""
    card = read_card(model_dir)
    card.pop("metrics_val_detector_only", None)
    if check is None:
        card.pop("read_check", None)
    else:
        if recognizer is not None and check.recognizer is None:  # whose confidences chose it
            check = replace(check, recognizer=str(recognizer.artifact.card.get("name", "?")))
        card["read_check"] = check.to_dict()
    DETECTOR.write_card(model_dir, card)  # the re-measure below loads the new check
    if val_items and recognizer is not None:
        from alpr.detector.evaluation import evaluate_frames, per_set_reports

        frames = val_frames if val_frames is not None else [load_rgb(it.image)
                                                            for it in val_items]
        det = PlateDetector.load(model_dir)
        card["metrics_val"] = evaluate_frames(det, val_items, recognizer,
                                              frames=frames).metrics()
        card["metrics_val_per_set"] = per_set_reports(det, val_items, frames, recognizer)
        if check is not None:
            alone = PlateDetector.load(model_dir, read_check=False)
            card["metrics_val_detector_only"] = evaluate_frames(
                alone, val_items, recognizer, frames=frames).metrics()
    DETECTOR.write_card(model_dir, card)
    return card


def retune_read_check(model_dir: Path, recognizer: Any, min_score: float = 0.2,
                      max_false_per_frame: float = 0.0, zoom: bool = True) -> dict[str, Any]:
    """Choose a model folder's read check (and its closer look, with ``zoom``) on the
    training frames its card's config names (the same split, corrections and extra boxes as
    training), write it into the card and re-measure the held-out figures with it. Returns
    the card."""
    from alpr.detector.config import DetDataConfig
    from alpr.detector.data import frame_items, frame_key, load_extra_boxes

    card = read_card(model_dir)
    data = DetDataConfig.model_validate(card["config"]["data"])
    train, val = frame_items(data)
    extra = load_extra_boxes(data.extra_boxes)
    known = [[b for kind in ("plate", "ignore") for b in extra.get(frame_key(it.image), {})
              .get(kind, [])] for it in train]
    det = PlateDetector.load(model_dir, read_check=False)
    frames = [load_rgb(it.image) for it in train]
    check, _ = pick_read_check(det, recognizer, train, frames, min_score, max_false_per_frame,
                               known)
    if check is not None and zoom:
        check = pick_zoom(det, recognizer, check, train, frames, known,
                          max_false_per_frame=max_false_per_frame)
    return set_read_check(model_dir, check, val, [load_rgb(it.image) for it in val],
                          recognizer)


KNOWN_BOXES = TRAINING / "detector_val_known_plates.csv"


def retune_on_tune(model_dir: Path, recognizer: Any, config: Path,
                   max_false_per_frame: float = 0.05,
                   known_boxes: Path | None = KNOWN_BOXES) -> dict[str, Any]:
    """Re-derive a detector's threshold, read check and closer look on the *tune* frames of
    a recognizer config's split (docs/evaluation.md) — frames the detector never trained on
    and the test side never touched: the lowest threshold with at most
    ``max_false_per_frame`` false plates per frame there, then the read check's confidence
    and the closer look's size adding no false plate there. Only the card changes; returns it.
    """
    from alpr.detector.data import frame_key, load_extra_boxes
    from alpr.recognizer.config import load_config
    from alpr.recognizer.data import split_items

    items = [it for it in split_items(load_config(config).data).tune if it.box is not None]
    if not items:
        raise ValueError(f"{config}: its split has no tune-side frames")
    frames = [load_rgb(it.image) for it in items]
    extra = load_extra_boxes(known_boxes if known_boxes and Path(known_boxes).exists() else None)
    known = [[b for kind in ("plate", "ignore") for b in extra.get(frame_key(it.image), {})
              .get(kind, [])] for it in items]
    det = PlateDetector.load(model_dir, threshold=min(GRID), read_check=False)
    dets = [det.detect(f) for f in frames]
    th = pick_threshold(items, dets, max_false_per_frame, known)
    rep = build_report(items, [[d for d in ds if d.score >= th] for ds in dets], known=known)
    where = f"the {len(items)} tune-side frames of {Path(config).name}'s split"
    set_threshold(model_dir, th,
                  f"lowest of {GRID[0]}..{GRID[-1]} with at most {max_false_per_frame} false "
                  f"plates per frame on {where} (there: recall {rep.recall:.3f}, "
                  f"{rep.false_per_frame:.3f} false plates per frame; other plates the labels "
                  f"leave out not counted); set by alpr.detector.threshold.retune_on_tune")
    det = PlateDetector.load(model_dir, read_check=False)
    check, _ = pick_read_check(det, recognizer, items, frames, known=known)
    if check is not None:
        check = pick_zoom(det, recognizer, check, items, frames, known)
        check = replace(check, method=check.method.replace(
            f"the {len(items)} training frames", where),
            zoom_method=(check.zoom_method or "").replace(
                f"the {len(items)} training frames", where))
    card = set_read_check(model_dir, check, items, frames, recognizer)  # re-measured there
    card["metrics_val_side"] = (f"tune side of {Path(config).name}'s plate-text split "
                                f"({len(items)} frames; threshold, read check and closer look "
                                f"were chosen on them: validation figures)")
    DETECTOR.write_card(model_dir, card)
    return card
