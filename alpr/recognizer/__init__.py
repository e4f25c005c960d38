"""The plate recognizer: model, preprocessing, decoding, re-reading, its training task,
data pipeline, calibration, evaluation and the retraining path data staff use.

Reading needs only ONNX Runtime (:mod:`alpr.recognizer.recognizer`); the training modules
(:mod:`alpr.recognizer.loop`, :mod:`alpr.recognizer.data`) import torch."""
