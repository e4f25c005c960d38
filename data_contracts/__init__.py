"""The workbench's data contracts: one module per kind of data, each a Great Expectations
suite written in code (reviewed like code) plus how a file of that kind is read.

``CONTRACTS`` maps the kind (as in ``alpr contracts validate KIND PATH``) to its contract.
"""

from __future__ import annotations

from alpr.contracts.model import Contract
from data_contracts import crops, frames, hotlists, reads, splits, verifications

CONTRACTS: dict[str, Contract] = {c.kind: c for c in (
    reads.CONTRACT, hotlists.CONTRACT, crops.CONTRACT, frames.CONTRACT, verifications.CONTRACT,
    splits.CONTRACT)}
