"""The plate vocabulary: plate text and its normalisation, jurisdictions (states of issuance),
plate formats and the OCR confusables. Pure Python (no torch, no database), imported by the
recognizer, the matcher, the store and the simulator alike."""
