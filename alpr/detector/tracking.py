"""MLflow logging of the detector: a pyfunc model (frame paths in, boxes out), registered as
``alpr-plate-detector``; store, champion alias and promotion gate are the recognizer's
(:mod:`alpr.train.tracking`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MODEL_NAME = "alpr-plate-detector"


class _PlateDetectorModel:
    """pyfunc wrapper: a DataFrame/array of frame paths in, JSON-able detections out."""

    def load_context(self, context: Any) -> None:
        from alpr.detector.detector import PlateDetector

        self.det = PlateDetector.load(context.artifacts["model_dir"])

    def predict(self, context: Any, model_input: Any, params: Any = None) -> list[list[dict]]:
        from alpr.recognizer.preprocess import load_rgb

        paths = list(model_input["image"]) if hasattr(model_input, "columns") else list(model_input)
        return [[d.to_dict() for d in self.det.detect(load_rgb(p))] for p in paths]


def log_model(mlflow: Any, model_dir: Path, register_as: str | None) -> Any:
    """Log the model folder as a pyfunc model (with signature) and register it."""
    import pandas as pd
    from mlflow.models import infer_signature
    from mlflow.pyfunc import PythonModel

    wrapper = type("PlateDetectorModel", (_PlateDetectorModel, PythonModel), {})()
    example = pd.DataFrame({"image": ["frame.jpg"]})
    signature = infer_signature(example, [{"box": [10, 20, 90, 45], "score": 0.93}])
    return mlflow.pyfunc.log_model(
        name="model", python_model=wrapper, artifacts={"model_dir": str(model_dir)},
        signature=signature, registered_model_name=register_as,
        pip_requirements=["alpr-workbench"],
    )
