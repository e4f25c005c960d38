"""What a review leaves behind: every crop's score (``review.csv``), the flags ranked
(``flags.csv``), a gallery of the flags (``gallery.html`` with every flag, ``gallery.png``
with the top ones), the run's config, and the corrections chosen, merged into the
``image,old,new`` file the loaders apply (:func:`alpr.datasets.load_corrections`)."""

from __future__ import annotations

import base64
import csv
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from alpr.recognizer.label_review.review import Review, ReviewRow
from alpr.recognizer.preprocess import load_rgb
from alpr.vocabulary.plate_text import PlateTextError, normalize_plate

CORRECTION_COLUMNS = ("image", "old", "new")


@dataclass(frozen=True)
class Correction:
    image: str  # as the labels CSV writes it
    old: str  # the label as the CSV writes it (the loaders apply a fix only to this value)
    new: str


def write_rows(path: Path, rows: Sequence[ReviewRow]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["rank", *ReviewRow.columns()])
        for i, r in enumerate(rows, start=1):
            w.writerow([i, *r.as_dict().values()])
    return path


def _thumb(path: Path, height: int = 64) -> str:
    img = load_rgb(path)
    scale = height / img.shape[0]
    img = cv2.resize(img, (max(1, round(img.shape[1] * scale)), height))
    ok, png = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return base64.b64encode(png.tobytes()).decode() if ok else ""


def write_gallery_html(path: Path, review: Review) -> Path:
    """Every flag, ranked: image, label, read, scores, state; one self-contained page."""
    cfg = review.config
    rows = []
    for i, r in enumerate(review.flags, start=1):
        d = r.as_dict()
        rows.append(
            f"<tr><td>{i}</td><td><img src='data:image/png;base64,{_thumb(r.item.image)}'>"
            f"</td><td class=t>{html.escape(r.item.plate)}</td>"
            f"<td class=t>{html.escape(r.read.text)}</td><td>{d['score']}</td>"
            f"<td>{d['confidence']}</td><td>{d['p_label']}</td>"
            f"<td>{html.escape(str(d['state']) or '?')} &rarr; {html.escape(r.read.state)}"
            f" ({d['state_score'] if d['state_score'] != '' else '-'})</td>"
            f"<td>{d['fold'] or '-'}</td><td>{d['base_trained']}</td>"
            f"<td>{html.escape(r.image)}</td></tr>")
    page = f"""<!doctype html><meta charset=utf-8><title>label review</title>
<style>body{{font:13px sans-serif}} td{{padding:2px 8px;border-bottom:1px solid #ddd}}
.t{{font:15px monospace}}</style>
<h2>Label review: {len(review.flags)} of {len(review.rows)} crops flagged
(score &ge; {cfg.threshold:g})</h2>
<p>{html.escape(cfg.labels)}; {html.escape(review.base_note)}</p>
<p>score: the model's probability of its read minus that of the label (O/0 folded), or the
same margin for the state; confidence: the read's; p(label): the label's probability.</p>
<table><tr><th>rank</th><th>crop</th><th>label</th><th>read</th><th>score</th>
<th>confidence</th><th>p(label)</th><th>state &rarr; read (score)</th><th>fold</th>
<th>base trained on it</th><th>image</th></tr>
{chr(10).join(rows)}
</table>"""
    path.write_text(page, encoding="utf-8")
    return path


def gallery_figure(review: Review, n: int = 24, cols: int = 4) -> Any:
    """A matplotlib figure of the top ``n`` flags (None when nothing is flagged)."""
    from alpr.recognizer.gallery import image_grid

    top = review.flags[:n]
    if not top:
        return None
    tiles = []
    for i, r in enumerate(top, start=1):
        state = (f" · {r.item.state}→{r.read.state}" if r.score.state_score else "")
        tiles.append((r.item.image, f"#{i} label {r.item.plate}\nread {r.read.text} · score "
                                    f"{r.score.score:.2f}{state}"))
    return image_grid(tiles, f"{len(review.flags)} flagged of {len(review.rows)}; highest "
                             f"score first", cols, tile=(2.8, 1.9))


def write_outputs(review: Review, out: Path, gallery_size: int = 24) -> dict[str, Path]:
    """review.csv, flags.csv, gallery.html, gallery.png (when something is flagged) and
    review_config.json in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"review": write_rows(out / "review.csv", review.rows),
             "flags": write_rows(out / "flags.csv", review.flags),
             "gallery_html": write_gallery_html(out / "gallery.html", review)}
    (out / "review_config.json").write_text(review.config.model_dump_json(indent=2))
    paths["config"] = out / "review_config.json"
    fig = gallery_figure(review, n=gallery_size)
    if fig is not None:
        import matplotlib.pyplot as plt

        fig.savefig(out / "gallery.png", dpi=110)
        plt.close(fig)
        paths["gallery_png"] = out / "gallery.png"
    return paths


def accepted_by_score(review: Review, min_score: float) -> list[Correction]:
    """The text flags at or above ``min_score``, corrected to the model's read."""
    return [Correction(r.image, r.raw_plate, r.read.text) for r in review.flags
            if r.score.text_score >= min_score and r.read.text]


def accepted_from_file(review: Review, path: Path) -> list[Correction]:
    """The crops listed in ``path``: one image per line as the labels CSV writes it, or a
    CSV with an ``image`` column (e.g. an edited flags.csv) and optionally ``new``, the
    right text where the read is wrong too. An image not in the review, or one with nothing
    to correct it to, is a ``ValueError`` naming the line."""
    if not path.is_file():
        raise FileNotFoundError(2, "accept file not found", str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    by_image = {r.image: r for r in review.rows}
    header = next(iter(csv.reader(lines[:1])), [])
    if "image" in header:
        entries = [(i, r.get("image", "").strip(), (r.get("new") or "").strip())
                   for i, r in enumerate(csv.DictReader(lines), start=2)]
    else:
        entries = [(i, ln.strip(), "") for i, ln in enumerate(lines, start=1)]
    out = []
    for line, image, new in entries:
        if not image:
            continue
        row = by_image.get(image)
        if row is None:
            raise ValueError(f"{path} line {line}: image={image!r}: not a crop of this "
                             f"review (write it as {review.config.labels} does)")
        try:
            text = normalize_plate(new) if new else row.read.text
        except PlateTextError as exc:
            raise ValueError(f"{path} line {line}: new={new!r}: {exc}") from None
        if not text or text == row.item.plate:
            raise ValueError(f"{path} line {line}: image={image!r}: the read is the label "
                             f"({row.item.plate}); give the right text in a 'new' column")
        out.append(Correction(image, row.raw_plate, text))
    return out


def write_corrections(path: Path, chosen: Sequence[Correction]) -> int:
    """Merge ``chosen`` into the corrections file (a new row per image replaces its old
    one; the file is created with its header if needed); the number of rows written."""
    rows: dict[str, tuple[str, str]] = {}
    if path.is_file() and path.stat().st_size:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if list(reader.fieldnames or []) != list(CORRECTION_COLUMNS):
                raise ValueError(f"{path}: a corrections file has the header "
                                 f"{','.join(CORRECTION_COLUMNS)}, got "
                                 f"{','.join(reader.fieldnames or [])}")
            rows = {r["image"]: (r["old"], r["new"]) for r in reader}
    for c in chosen:
        rows[c.image] = (c.old, c.new)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CORRECTION_COLUMNS)
        w.writerows([image, old, new] for image, (old, new) in rows.items())
    return len(chosen)
