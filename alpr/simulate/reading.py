"""Each pass captured by its camera and read, as a deployed camera reads it: the passing
vehicle's plate rendered (:class:`PlateImages`), captured under the camera's conditions
(:func:`~alpr.simulate.scene.view_plate`), put into the camera's detection zone of that hour
and found and read there by the shipped pipeline (:mod:`alpr.detector.pipeline`), or, without
the detector, its crop read by the recognizer; each read's crop kept under the store's image
root, and the reads as rows for ingestion."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
from typing import Any

import cv2
import numpy as np

from alpr.detector.pipeline import best_plates, plate_crop
from alpr.governance.access import Governance
from alpr.simulate.clock import at_hour, naive
from alpr.simulate.faults import Fault, camera_state
from alpr.simulate.result import SimulationResult
from alpr.simulate.scene import (
    DETECTION_ZONE,
    CameraRig,
    PlateView,
    detection_zone,
    render_frame,
    view_plate,
)
from alpr.simulate.traffic import Pass, Vehicle

DETECT_BATCH = 64  # detection-zone frames per detector call: bounds memory (a day is ~500)


class PlateImages:
    """Each vehicle's plate image from one synthetic renderer used in a fixed order (the
    same seed gives the same plates); a commuter's plate is rendered once and kept."""

    def __init__(self, seed: int) -> None:
        from alpr.synth.render import PlateRenderer

        self.renderer = PlateRenderer(seed, size=(192, 96))
        self.kept: dict[tuple[str, str], np.ndarray] = {}

    def image(self, v: Vehicle) -> np.ndarray:
        key = (v.plate, v.state)
        img = self.kept.get(key)
        if img is None:
            img = self.renderer.render(state=v.state, text=v.plate).image
            if v.commuter:  # a commuter's plate looks the same every day
                self.kept[key] = img
        return img


def zone_detector(detector: Any) -> Any:
    """The plate detector as the simulated cameras run it: on their detection zone
    (:data:`~alpr.simulate.scene.DETECTION_ZONE`) at the frame's own scale, the zone's long
    side as its input size (the same weights, threshold and read check; a quarter of the
    pixels of the whole frame, so a quarter of the time). Shares the loaded network."""
    size = max(DETECTION_ZONE)
    if getattr(detector, "spec", None) is None or detector.spec.input_size == size:
        return detector
    zoned = copy.copy(detector)
    zoned.spec = dataclasses.replace(detector.spec, input_size=size)
    return zoned


class CameraReader:
    """The department's cameras at work: capture each pass, find and read its plate, keep
    the crop; ``truth`` gathers the true (plate, state) of every read by (camera, naive
    UTC read time)."""

    def __init__(self, gov: Governance, rigs: dict[str, CameraRig], faults: list[Fault],
                 images: PlateImages, recognizer: Any, detector: Any,
                 result: SimulationResult, seed: int, reread: bool = False) -> None:
        self.gov = gov
        self.rigs = rigs
        self.faults = faults
        self.images = images
        self.rec = recognizer
        self.detector = zone_detector(detector) if detector is not None else None
        self.result = result
        self.seed = seed
        self.reread = reread  # unsure reads read again from several views (alpr read's default)
        self.model_version = str(recognizer.artifact.card.get("version", "plate-ocr"))[:100]
        self.truth: dict[tuple[str, dt.datetime], tuple[str, str]] = {}
        # today's detection-zone backgrounds, per (camera, hour): at most cameras x 24
        self.backgrounds: dict[tuple[str, int], np.ndarray] = {}
        self._backgrounds_day = -1

    def read_day(self, d: int, day: dt.date, passes: list[Pass]) -> list[dict[str, Any]]:
        """The day's passes captured and read: one ingestion row per plate read (a pass not
        captured, not found or read as nothing is counted unreadable)."""
        r = np.random.default_rng([self.seed, 1111, d])
        self.result.passes += len(passes)
        views, kept = [], []
        for p in sorted(passes, key=lambda p: (p.camera, p.at)):
            state = camera_state(self.faults, p.camera, d)
            hour = (p.at - at_hour(day, 0)).total_seconds() / 3600
            v = view_plate(self.rigs[p.camera], state, self.images.image(p.vehicle), hour, r)
            if v is not None:
                views.append(v)
                kept.append(p)
        self.result.no_reads += len(passes) - len(kept)
        if self.detector is not None and views:
            kept, views, reads = self._detect(d, day, kept, views)
        else:
            reads = (self.rec.read_crops([v.crop for v in views], reread=self.reread) if views
                     else [])
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for p, v, rd in zip(kept, views, reads, strict=True):
            if not rd.text:
                self.result.no_reads += 1
                continue
            n = seen[p.camera] = seen.get(p.camera, 0) + 1
            at = p.at.replace(microsecond=0) + dt.timedelta(microseconds=n)
            self.truth[(p.camera, naive(at))] = (p.vehicle.plate, p.vehicle.state)
            x, y, w, h = v.box
            image, sha = self.keep_crop(p.camera, at, v.crop)
            rows.append({"read_at": at.isoformat(), "camera": p.camera, "plate": rd.text,
                         "state": None if rd.state == "UNK" else rd.state,
                         "confidence": min(max(float(rd.confidence), 0.0), 1.0),
                         "state_confidence": min(max(float(rd.state_confidence), 0.0), 1.0),
                         "char_confidences": [round(min(max(float(c), 0.0), 1.0), 4)
                                              for c in rd.char_confidences],
                         "box_x": x, "box_y": y, "box_w": w, "box_h": h,
                         "image_path": image, "image_sha256": sha,
                         "model_version": self.model_version})
        return rows

    def keep_crop(self, camera: str, at: dt.datetime, crop: np.ndarray) -> tuple[str, str]:
        """The plate crop the camera read, as a JPEG under ``reads/CAMERA/DAY/`` (what the
        store's image path and hash refer to: galleries, evidence, verified crops), under
        the store's image root, where ingestion accepts images."""
        folder = self.gov.images.root / "reads" / camera / at.date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{at:%H%M%S}-{at.microsecond:06d}.jpg"
        _, buf = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, 90])
        data = buf.tobytes()
        path.write_bytes(data)
        return str(path.resolve()), hashlib.sha256(data).hexdigest()

    def _detect(self, d: int, day: dt.date, kept: list[Pass], views: list[PlateView]
                ) -> tuple[list[Pass], list[PlateView], list[Any]]:
        """Put each plate into its camera's detection zone at that hour and let the deployed
        pipeline find and read it, in batches of :data:`DETECT_BATCH` zones: the zone's best
        plate as :func:`alpr.detector.pipeline.best_plates` gives it (the first plate
        ``alpr read`` lists for that zone image at its own scale), its box moved into the
        frame and its crop (the pipeline's margin) kept. A pass with no plate found is a
        miss (not read)."""
        assert self.detector is not None
        if d != self._backgrounds_day:  # only today's light: the cache stays small
            self.backgrounds.clear()
            self._backgrounds_day = d
        out_p, out_v, out_r = [], [], []
        for i in range(0, len(kept), DETECT_BATCH):
            ps, vs = kept[i:i + DETECT_BATCH], views[i:i + DETECT_BATCH]
            zones = [self.zone(d, day, p, v) for p, v in zip(ps, vs, strict=True)]
            plates = best_plates([z for z, _ in zones], self.detector, self.rec,
                                 reread=self.reread)
            for p, v, (zone, (zx, zy)), fp in zip(ps, vs, zones, plates, strict=True):
                if fp is None:
                    self.result.no_reads += 1
                    self.result.detector_misses += 1
                    continue
                x, y, w, h = fp.detection.box
                crop = np.ascontiguousarray(plate_crop(zone, (x, y, w, h)))
                out_p.append(p)
                out_v.append(PlateView(crop, (x + zx, y + zy, w, h), v.angle_deg))
                out_r.append(fp.read)
        return out_p, out_v, out_r

    def zone(self, d: int, day: dt.date, p: Pass, v: PlateView
             ) -> tuple[np.ndarray, tuple[int, int]]:
        """The camera's detection zone at the pass's hour with the plate in it, and the
        zone's offset in the frame (part of a plate outside the zone is cut off)."""
        rig = self.rigs[p.camera]
        zx, zy, zw, zh = detection_zone(rig)
        hour = int((p.at - at_hour(day, 0)).total_seconds() // 3600)
        key = (p.camera, hour)
        if key not in self.backgrounds:
            state = camera_state(self.faults, p.camera, d)
            self.backgrounds[key] = render_frame(rig, hour + 0.5, state, seed=d * 100 + hour,
                                                 vehicles=0, region=(zx, zy, zw, zh))
        zone = self.backgrounds[key].copy()
        x, y, w, h = v.box
        x0, y0 = max(x - zx, 0), max(y - zy, 0)
        x1, y1 = min(x + w - zx, zw), min(y + h - zy, zh)
        if x1 > x0 and y1 > y0:
            zone[y0:y1, x0:x1] = v.crop[y0 - (y - zy):y1 - (y - zy), x0 - (x - zx):x1 - (x - zx)]
        return zone, (zx, zy)
