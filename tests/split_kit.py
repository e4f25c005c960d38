"""The plate-text split of the shared sets, as the shipped models' cards measure it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def split_sides(shared: Path):
    """The plate-text split of training/configs/frames.yaml over the shared sets."""
    from alpr.recognizer.config import load_config
    from alpr.recognizer.data import split_items

    data = load_config(ROOT / "training" / "configs" / "frames.yaml").data.model_copy(update={
        "real_crops": (str(shared / "openalpr-us-crops" / "labels.csv"),),
        "text_crops": (str(shared / "openalpr-br-crops" / "labels.csv"),),
        "real_frames": tuple(str(shared / n / "labels.csv")
                             for n in ("openalpr-us-frames", "openalpr-eu-frames")),
        "corrections": str(ROOT / "training" / "label_corrections.csv")})
    return split_items(data)
