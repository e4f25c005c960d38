"""Hit verification contract: the operator's check of a hit before any action (policy III.D,
IV.B). Verified reads become training labels, so a record that breaks these rules is not
used; none of them refuses the whole set except an empty one.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from alpr.contracts.frames import read_verifications
from alpr.contracts.model import Contract, Frame, rule, suite
from data_contracts.reads import ISO_WITH_ZONE


def build(frame: Frame) -> object:
    from alpr.store.schema import OUTCOMES
    from alpr.vocabulary.jurisdictions import codes

    others = [o for o in OUTCOMES if o != "confirmed"]
    checks = [rule(gxe.ExpectColumnValuesToBeInSet, "row", f"{c} is true or false",
                   column=c, value_set=[True, False])
              for c in ("chars_match", "state_match", "dispatch_confirmed")]
    nonnull = [rule(gxe.ExpectColumnValuesToNotBeNull, "row", f"{c} is given", column=c)
               for c in ("hit_id", "chars_match", "state_match", "dispatch_confirmed",
                         "outcome", "verified_at")]
    return suite("verifications", "Operators' verifications of hits.", [
        rule(gxe.ExpectTableRowCountToBeBetween, "dataset",
             "at least one verification", min_value=1),
        *nonnull,
        rule(gxe.ExpectColumnValuesToMatchRegex, "row", "hit_id is a record number",
             column="hit_id", regex=r"^\d+$"),
        *checks,
        rule(gxe.ExpectColumnValuesToBeInSet, "row", f"outcome is one of {', '.join(OUTCOMES)}",
             column="outcome", value_set=list(OUTCOMES)),
        rule(gxe.ExpectColumnPairValuesToBeInSet, "row",
             "'confirmed' needs characters and state visually verified and the hit confirmed "
             "through dispatch/NCIC (III.D, IV.B)", column_A="known_outcome",
             column_B="all_checks", ignore_row_if="either_value_is_missing",
             value_pairs_set=[("confirmed", True)] + [(o, b) for o in others
                                                      for b in (True, False)]),
        rule(gxe.ExpectColumnPairValuesToBeInSet, "row",
             "action is taken only on a confirmed hit (IV.B.2)", column_A="known_outcome",
             column_B="has_action", ignore_row_if="either_value_is_missing",
             value_pairs_set=[("confirmed", True), ("confirmed", False)]
             + [(o, False) for o in others]),
        rule(gxe.ExpectColumnValuesToMatchRegex, "row",
             "verified_at is an ISO 8601 time with a time zone", column="verified_at",
             regex=ISO_WITH_ZONE),
        rule(gxe.ExpectColumnValuesToMatchRegex, "row",
             "seen_plate, when given, is 1-10 capital letters and digits (the plate as seen, "
             "no wildcards)", column="seen_plate", regex=r"^[A-Z0-9]{1,10}$"),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "seen_state, when given, is a jurisdiction code", column="seen_state",
             value_set=list(codes())),
    ])


CONTRACT = Contract(kind="verifications", title="Hit verifications",
                    description="operators' hit verifications (CSV export or store query)",
                    read=read_verifications, suite=build)
