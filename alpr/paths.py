"""Where the project's folders are, in one place: everything else asks here.

The package lives in ``alpr/`` inside the project (an editable install, the way the
workbench is used); the shipped models, training configs, dashboard apps and the default
store sit beside it.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODELS = PROJECT_ROOT / "models"  # the shipped recognizer and detector
TRAINING = PROJECT_ROOT / "training"  # configs, label corrections, known boxes
DASHBOARD_APPS = PROJECT_ROOT / "dashboards"  # the thin Panel app files
DATA = PROJECT_ROOT / "data"  # the embedded default store and its images
