"""Governance: the policy's rules (General Order 140.3) enforced for every caller."""
