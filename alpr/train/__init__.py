"""Training the recognizer: typed config, data pipeline, loop and experiment tracking."""
