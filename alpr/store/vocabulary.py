"""The records store's fixed vocabularies (roles, certifications, camera kinds, hit kinds,
verification outcomes): plain tuples, importable without SQLAlchemy, so the command line can
offer them as choices and start fast. :mod:`alpr.store.schema` enforces them as CHECK
constraints."""

from __future__ import annotations

ROLES = ("operator", "administrator", "data_staff", "auditor")
CERTIFICATIONS = ("alpr_training", "sled_ncic")
CAMERA_KINDS = ("mobile", "stationary")
HIT_KINDS = ("exact", "confusable", "edit", "wildcard")
STATE_AGREEMENT = ("same", "different", "unknown")
OUTCOMES = ("confirmed", "misread", "wrong_state", "entry_no_longer_valid")
