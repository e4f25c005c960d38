"""The training core shared by the recognizer and the detector: ``fit(task)``, run configs
with dotted ``--set``, and MLflow tracking. The tasks live with their models
(:mod:`alpr.recognizer.loop`, :mod:`alpr.detector.loop`)."""
