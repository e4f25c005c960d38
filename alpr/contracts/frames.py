"""Files into frames for the contracts: one reader per kind of data, vectorised with pandas.

Each reader keeps the values as written (``Frame.raw``, for examples in reports) and adds the
typed or derived columns the suites check (``Frame.data``), both indexed by line number.
Derived columns use the package's own rules (jurisdictions, categories, plate text), looked
up once per distinct value, so a contract and the loaders never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from alpr.contracts.model import ContractFileError, Frame
from alpr.datasets import (
    CROP_COLUMNS,
    FRAME_COLUMNS,
    LabelledCrop,
    RowError,
    image_size,
    load_corrections,
)
from alpr.vocabulary.plate_text import PlateTextError, fold_o_to_zero, normalize_plate

READ_FIELDS = ("read_at", "camera", "plate", "state", "confidence", "state_confidence",
               "image_sha256", "box_w", "box_h", "char_confidences")
HOTLIST_FIELDS = ("plate", "state", "category", "reference", "expires_at")
VERIFICATION_FIELDS = ("hit_id", "chars_match", "state_match", "dispatch_confirmed", "outcome",
                       "action_taken", "verified_at")
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f"}


def _map_unique(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` applied once per distinct value (lists have millions of rows, few states)."""
    lookup = {v: fn(v) for v in values.dropna().unique()}
    return values.map(lookup).astype(object).where(values.notna(), None)


def _number(raw: pd.Series) -> pd.Series:
    """Numbers as floats; a value that is present but not a number becomes -1 so that a
    range rule flags it (the report shows the value as written)."""
    num = pd.to_numeric(raw, errors="coerce")
    return num.where(raw.isna() | num.notna(), -1.0).astype(float)


def _utc(raw: pd.Series) -> pd.Series:
    return pd.to_datetime(raw.astype("string"), utc=True, errors="coerce", format="ISO8601")


def _state(raw: pd.Series, unknown_ok: bool = False) -> pd.Series:
    """USPS code where the value names a jurisdiction; the value as written otherwise."""
    from alpr.vocabulary.jurisdictions import UNKNOWN, get_jurisdiction, is_jurisdiction

    def canon(v: Any) -> Any:
        text = str(v).strip()
        if unknown_ok and text.upper() in ("", UNKNOWN):
            return None
        return get_jurisdiction(text).code if is_jurisdiction(text) else text
    return _map_unique(raw, canon)


def _first_line(df: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """Line of the first row with the same ``keys``; None on the first row itself."""
    lines = pd.Series(df.index, index=df.index)
    first = lines.groupby([df[k] for k in keys], dropna=False, sort=False).transform("first")
    later = first.to_numpy() != lines.to_numpy()
    out = pd.Series(None, index=df.index, dtype=object)
    out[later] = [int(v) for v in first[later]]
    return out


def _text(raw: pd.Series) -> pd.Series:
    """Values as strings; missing or blank ones None."""
    text = raw.astype(str)
    return text.where(raw.notna() & (text.str.strip() != ""), None).astype(object)


def _bools(raw: pd.Series) -> pd.Series:
    def parse(v: Any) -> Any:
        if isinstance(v, bool):
            return v
        text = str(v).strip().lower()
        return True if text in TRUE else False if text in FALSE else str(v)
    return _map_unique(raw, parse)


# -- reads -----------------------------------------------------------------------------------
def reads_frame(rows: Iterable[tuple[int, dict[str, Any] | RowError]]) -> Frame:
    """Reads (as ``alpr.store.read_rows.iter_rows`` yields them) to a frame."""
    lines: list[int] = []
    records: list[dict[str, Any]] = []
    for line, row in rows:
        lines.append(line)
        if isinstance(row, RowError):
            records.append({"parse_error": f"{row.value}: {row.rule}"})
        else:
            box = row.get("box")
            if isinstance(box, list | tuple) and len(box) == 4:
                row = {**row, "box_w": box[2], "box_h": box[3]}
            records.append(row)  # from_records picks the fields (no copy per row)
    raw = pd.DataFrame.from_records(records, index=pd.Index(lines, name="line"),
                                    columns=["parse_error", *READ_FIELDS])
    raw = raw.astype(object).where(raw.notna(), None)
    data = pd.DataFrame(index=raw.index)
    data["parse_error"] = raw["parse_error"]
    data["read_at"] = raw["read_at"].astype(str).where(raw["read_at"].notna(), None)
    data["read_at_utc"] = _utc(data["read_at"])
    for col in ("camera", "plate", "image_sha256"):
        data[col] = _text(raw[col])
    data["state"] = _state(_text(raw["state"]))
    for col in ("confidence", "state_confidence", "box_w", "box_h"):
        data[col] = _number(raw[col])
    data["plate_key"] = data["plate"].str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    data["duplicate_of"] = _first_line(data, ("camera", "read_at_utc", "plate_key")).where(
        data["parse_error"].isna(), None)
    return Frame(data=data, raw=raw.drop(columns=["char_confidences"]),
                 sources={"read_at_utc": ("read_at",), "plate_key": ("plate",),
                          "duplicate_of": ("camera", "read_at", "plate")})


def read_reads(path: Path) -> Frame:
    from alpr.store.read_rows import iter_rows

    path = Path(path)
    if not path.is_file():
        raise ContractFileError(f"{path}: reads file not found")
    try:
        return reads_frame(iter_rows(path))
    except ValueError as exc:
        if "missing column" not in str(exc):
            raise
        raise ContractFileError(str(exc)) from None


# -- labelled crop manifests -----------------------------------------------------------------
def _csv(path: Path, required: Sequence[str], what: str,
         allowed: Sequence[str] | None = None) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise ContractFileError(f"{path}: {what} file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ContractFileError(f"{path}: empty file; a {what} CSV starts with the header "
                                f"{','.join(required)}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ContractFileError(f"{path}: not a readable CSV: {exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    unknown = [c for c in df.columns if allowed is not None and c not in allowed]
    if missing or unknown:
        problem = (f"missing column(s) {', '.join(missing)}" if missing
                   else f"unknown column(s) {', '.join(unknown)}")
        raise ContractFileError(f"{path}: {problem}; expected header {','.join(required)}")
    df.index = pd.Index(range(2, len(df) + 2), name="line")
    return df.astype(object).where(df.map(lambda v: str(v).strip() != ""), None)


def crops_frame(raw: pd.DataFrame, root: Path) -> Frame:
    """An ``image,state,plate`` manifest (paths relative to ``root``) to a frame."""
    data = pd.DataFrame(index=raw.index)
    data["image"] = raw["image"]
    data["image_found"] = _map_unique(raw["image"], lambda v: (root / str(v)).is_file())
    data["image_relative"] = _map_unique(raw["image"], lambda v: not Path(str(v)).is_absolute())
    data["plate"] = raw["plate"]
    data["state"] = _state(raw["state"])
    data["duplicate_of"] = _first_line(data, ("image",)).where(data["image"].notna(), None)
    return Frame(data=data, raw=raw, sources={"image_found": ("image",),
                                              "image_relative": ("image",),
                                              "duplicate_of": ("image",)})


def _corrected(raw: pd.DataFrame, corrections: Path | None) -> pd.DataFrame:
    """``raw`` with its label corrections (``image,old,new``) applied, as the loaders do."""
    fixes = load_corrections(corrections)
    if not fixes:
        return raw
    fixed = [fixes[i][1] if i in fixes and fixes[i][0] == (p or "") else p
             for i, p in zip(raw["image"], raw["plate"], strict=True)]
    return raw.assign(plate=fixed)


def read_crops(path: Path, corrections: Path | None = None) -> Frame:
    """A crop manifest with its label corrections applied (the labels training will use)."""
    path = Path(path)
    raw = _csv(path, CROP_COLUMNS, "labels")[list(CROP_COLUMNS)]
    return crops_frame(_corrected(raw, corrections), path.parent)


# -- labelled frames (one plate box each) ----------------------------------------------------
BOX_FIELDS = ("x", "y", "w", "h")
NOT_WHOLE = -0.5  # a box value present but not a whole number: every range rule flags it


def _whole(raw: pd.Series) -> pd.Series:
    """Box values as ints (as the loaders parse them); present but not a whole number:
    ``NOT_WHOLE``; missing: None."""
    def parse(v: Any) -> Any:
        try:
            return int(str(v).strip())
        except ValueError:
            return NOT_WHOLE
    return _map_unique(raw, parse)


def _plate_text(v: Any) -> str | None:
    try:
        return normalize_plate(str(v))
    except PlateTextError:
        return None


def frames_frame(raw: pd.DataFrame, root: Path) -> Frame:
    """An ``image,x,y,w,h,plate`` manifest (paths relative to ``root``) to a frame; besides
    the checked columns it carries each row's resolved ``image_path`` and ``plate_text``, from
    which the good rows become training items (:func:`alpr.contracts.gates.checked_frames`)."""
    data = pd.DataFrame(index=raw.index)
    data["image"] = raw["image"]
    data["image_relative"] = _map_unique(raw["image"], lambda v: not Path(str(v)).is_absolute())
    data["image_found"] = _map_unique(raw["image"], lambda v: (root / str(v)).is_file())
    sizes = _map_unique(raw["image"], lambda v: image_size(root / str(v))
                        if (root / str(v)).is_file() else None)
    data["image_readable"] = pd.Series(
        [None if found is not True else size is not None
         for found, size in zip(data["image_found"], sizes, strict=True)],
        index=raw.index, dtype=object)
    for col in BOX_FIELDS:
        data[col] = _whole(raw[col])

    def inside(size: Any, x: Any, y: Any, w: Any, h: Any) -> bool | None:
        """None where another rule already judges the row (no size, a bad box value)."""
        if size is None or any(v is None or v == NOT_WHOLE for v in (x, y, w, h)) \
                or x < 0 or y < 0 or w <= 0 or h <= 0:
            return None
        return bool(x + w <= size[0] and y + h <= size[1])
    data["box_inside"] = pd.Series(
        [inside(*row) for row in zip(sizes, *(data[c] for c in BOX_FIELDS), strict=True)],
        index=raw.index, dtype=object)
    data["plate"] = raw["plate"]
    data["plate_text"] = _map_unique(raw["plate"], _plate_text)
    data["plate_valid"] = data["plate_text"].notna().astype(object).where(
        raw["plate"].notna(), None)
    data["image_path"] = _map_unique(raw["image"], lambda v: str((root / str(v)).resolve()))
    return Frame(data=data, raw=raw, sources={
        "image_relative": ("image",), "image_found": ("image",), "image_readable": ("image",),
        "box_inside": ("image", *BOX_FIELDS), "plate_valid": ("plate",)})


def read_labelled_frames(path: Path, corrections: Path | None = None) -> Frame:
    """A frame manifest (``image,x,y,w,h,plate``) with its label corrections applied."""
    path = Path(path)
    raw = _csv(path, FRAME_COLUMNS, "frame labels")[list(FRAME_COLUMNS)]
    return frames_frame(_corrected(raw, corrections), path.parent)


# -- hot-list files --------------------------------------------------------------------------
def _ncic_raw(path: Path) -> pd.DataFrame:
    records, lines = [], []
    with open(path, "rb") as fh:
        for line, blob in enumerate(fh, start=1):
            try:
                text = blob.decode("utf-8").removeprefix("\ufeff").strip()
            except UnicodeDecodeError:
                raise ContractFileError(f"{path}: line {line} is not UTF-8 text: export the "
                                        f"list as UTF-8") from None
            if not text or text.startswith("#"):
                continue
            parts = text.split(";")
            padded = (parts + [None] * 4)[:4]
            records.append({"plate": padded[0], "state": padded[1], "category": padded[2],
                            "reference": padded[3], "expires_at": None, "fields": len(parts)})
            lines.append(line)
    df = pd.DataFrame.from_records(records, index=pd.Index(lines, name="line"),
                                   columns=[*HOTLIST_FIELDS, "fields"])
    return df.astype(object).where(df.notna(), None)


def read_hotlist(path: Path) -> Frame:
    """A hot-list file: ``.csv`` with a header, anything else NCIC-style ``;``-separated."""
    from alpr.hotlist.categories import UnknownCategoryError, get_category
    from alpr.hotlist.entries import normalize_entry_plate
    from alpr.hotlist.importers import parse_expiry

    path = Path(path)
    if not path.is_file():
        raise ContractFileError(f"{path}: " + ("a folder, not a hot-list file" if path.is_dir()
                                               else "hot-list file not found"))
    if path.suffix.lower() == ".csv":
        raw = _csv(path, ("plate", "state", "category"), "hot-list", allowed=HOTLIST_FIELDS)
        for col in HOTLIST_FIELDS:
            if col not in raw.columns:
                raw[col] = None
        raw = raw[list(HOTLIST_FIELDS)].assign(fields=3)
    else:
        raw = _ncic_raw(path)

    def plate(v: Any) -> Any:
        try:
            return normalize_entry_plate(str(v))
        except PlateTextError:
            return None

    def category(v: Any) -> Any:
        try:
            return get_category(str(v).strip()).code
        except UnknownCategoryError:
            return None

    def expiry(v: Any) -> bool:
        try:
            parse_expiry(str(v))
            return True
        except ValueError:
            return False

    data = pd.DataFrame(index=raw.index)
    data["fields"] = raw["fields"].astype(int)
    data["plate_canonical"] = _map_unique(raw["plate"], plate)
    data["state"] = _state(raw["state"], unknown_ok=True)
    data["category_code"] = _map_unique(raw["category"], category)
    data["expires_at_valid"] = _map_unique(raw["expires_at"], expiry).where(
        raw["expires_at"].notna(), True)
    return Frame(data=data, raw=raw, sources={"plate_canonical": ("plate",),
                                              "category_code": ("category",),
                                              "expires_at_valid": ("expires_at",),
                                              "fields": ("plate", "state", "category")})


# -- hit verifications -----------------------------------------------------------------------
def verifications_frame(raw: pd.DataFrame) -> Frame:
    """Verification records (from the store, or a CSV export) to a frame."""
    missing = [c for c in VERIFICATION_FIELDS if c not in raw.columns]
    if missing:
        raise ContractFileError(f"hit verifications: missing column(s) {', '.join(missing)}")
    raw = raw.astype(object).where(raw.notna(), None)
    data = pd.DataFrame(index=raw.index)
    data["hit_id"] = raw["hit_id"].map(lambda v: None if v is None else str(v).strip())
    for col in ("chars_match", "state_match", "dispatch_confirmed"):
        data[col] = _bools(raw[col])
    from alpr.store.schema import OUTCOMES

    data["outcome"] = raw["outcome"]
    # for the pair rules: an unknown outcome is the outcome rule's business, not theirs
    data["known_outcome"] = raw["outcome"].where(raw["outcome"].isin(OUTCOMES), None)
    checks = data[["chars_match", "state_match", "dispatch_confirmed"]]
    data["all_checks"] = checks.apply(lambda r: all(v is True for v in r), axis=1)
    data["has_action"] = raw["action_taken"].map(lambda v: v is not None and str(v).strip() != "")
    data["verified_at"] = raw["verified_at"].map(_iso)
    for col in ("seen_plate", "seen_state"):  # optional: what the officer saw on the vehicle
        data[col] = (raw[col].map(lambda v: None if v is None or str(v).strip() == ""
                                  else str(v).strip())
                     if col in raw.columns else None)
    return Frame(data=data, raw=raw, sources={
        "all_checks": ("chars_match", "state_match", "dispatch_confirmed"),
        "known_outcome": ("outcome",), "has_action": ("action_taken",)})


def _iso(v: Any) -> str | None:
    """A time as written; a stored time without a zone is UTC (SQLite drops the zone)."""
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return (v if v.tzinfo else v.replace(tzinfo=dt.UTC)).isoformat()
    return str(v)


def read_verifications(path: Path) -> Frame:
    return verifications_frame(_csv(Path(path), VERIFICATION_FIELDS, "hit verifications"))


# -- training / evaluation splits ------------------------------------------------------------
def split_frame(train: Sequence[LabelledCrop], evaluation: Sequence[LabelledCrop]) -> Frame:
    """The two sides of a split as one frame (``split`` is ``train`` or ``eval``); the index
    counts rows (train first)."""
    rows = [{"split": name, "image": str(it.image), "state": it.state, "plate": it.plate}
            for name, items in (("train", train), ("eval", evaluation)) for it in items]
    raw = pd.DataFrame.from_records(rows, columns=["split", "image", "state", "plate"])
    raw.index = pd.Index(range(1, len(raw) + 1), name="line")
    return _split_data(raw.astype(object).where(raw.notna(), None))


def _split_data(raw: pd.DataFrame) -> Frame:
    data = pd.DataFrame(index=raw.index)
    data["split"] = raw["split"]
    data["state"] = _state(raw["state"])
    data["plate_folded"] = raw["plate"].map(lambda v: None if v is None else
                                            fold_o_to_zero(str(v).upper()))
    data["image_name"] = raw["image"].map(lambda v: None if v is None else Path(str(v)).name)
    for col, key in (("plate_in_both", "plate_folded"), ("image_in_both", "image_name")):
        train = set(data.loc[data["split"] == "train", key].dropna())
        other = set(data.loc[data["split"] == "eval", key].dropna())
        both = train & other
        data[col] = data[key].map(lambda v, both=both: v in both)
    return Frame(data=data, raw=raw, sources={"plate_in_both": ("split", "plate", "image"),
                                              "image_in_both": ("split", "image"),
                                              "plate_folded": ("plate",)})


def read_split(path: Path) -> Frame:
    """A split as a CSV ``image,state,plate,split`` (a training config's split, as training
    makes it, comes from :func:`alpr.recognizer.data.config_split_frame`)."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        raise ContractFileError(f"{path}: a training config's split is read by "
                                "alpr.recognizer.data.config_split_frame (alpr contracts validate "
                                "split CONFIG.yaml does so)")
    raw = _csv(path, ("image", "state", "plate", "split"), "split")
    return _split_data(raw)


def balance(frame: Frame) -> pd.DataFrame:
    """Rows per jurisdiction in each split, with each split's share (class balance).

    Two train CA, one train NY and one eval CA give CA: train 2 (67%), eval 1 (100%).
    """
    d = frame.data.assign(state=frame.data["state"].fillna("?"))
    counts = d.groupby(["state", "split"]).size().unstack(fill_value=0)
    for side in ("train", "eval"):
        if side not in counts.columns:
            counts[side] = 0
    out = counts[["train", "eval"]].copy()
    for side in ("train", "eval"):
        total = out[side].sum()
        out[f"{side}_share"] = out[side] / total if total else 0.0
    return out.sort_values(["train", "eval"], ascending=False)
