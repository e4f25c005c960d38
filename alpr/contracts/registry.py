"""The contract registry: the suites of :mod:`data_contracts` by kind.

:mod:`alpr.contracts` holds the engine (frames, rules, the runner); the suites above it use
the engine; this module, above both, finds a suite by its kind. Nothing in the engine or in
the suites imports it, so the layers stay one-way.
"""

from __future__ import annotations

from pathlib import Path

from alpr.contracts.model import Contract, ContractFileError
from alpr.contracts.runner import ContractReport, validate


def get_contract(kind: str) -> Contract:
    """The suite for ``kind`` (``reads``, ``hotlist``, ``crops``, ``split``, ...)."""
    from data_contracts import CONTRACTS  # the suites, above the engine

    if kind not in CONTRACTS:
        raise ContractFileError(f"unknown contract kind {kind!r}: one of "
                                f"{', '.join(sorted(CONTRACTS))}")
    return CONTRACTS[kind]


def validate_file(kind: str, path: Path, docs_dir: Path | None = None) -> ContractReport:
    """Read ``path`` as ``kind`` and validate it (``ContractFileError`` if unreadable)."""
    contract = get_contract(kind)
    return validate(contract, contract.read(Path(path)), source=str(path), docs_dir=docs_dir)
