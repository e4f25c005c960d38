"""Access to the data files shipped inside the package (formats, jurisdictions, confusables)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser where PyYAML was built with it (5-10x faster: the tables load at start-up)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def data_path(name: str) -> Path:
    """Path of a file in ``alpr/data``."""
    return Path(str(resources.files("alpr") / "data" / name))


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, naming the file in the error if it is malformed."""
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
