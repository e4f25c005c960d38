"""Hot-list contract: rows of an NCIC-style (``PLATE;STATE;CATEGORY[;REFERENCE]``) or CSV
hot-list file. Bad rows are reported and the rest load; a file where most rows have no known
category is the wrong file (or the wrong format) and is refused as a whole.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from alpr.contracts.frames import read_hotlist
from alpr.contracts.model import Contract, Frame, rule, suite

MIN_KNOWN_CATEGORY_SHARE = 0.5


def build(frame: Frame) -> object:
    from alpr.vocabulary.jurisdictions import codes

    return suite("hotlist", "Hot-list files as the state or a partner agency sends them.", [
        rule(gxe.ExpectTableRowCountToBeBetween, "dataset",
             "the list holds at least one entry", min_value=1),
        rule(gxe.ExpectColumnValuesToNotBeNull, "dataset",
             f"at least {MIN_KNOWN_CATEGORY_SHARE:.0%} of rows have a known category (else "
             f"the file is not a hot list in this format)", column="category_code",
             mostly=MIN_KNOWN_CATEGORY_SHARE),
        rule(gxe.ExpectColumnValuesToBeBetween, "row",
             "an NCIC-style line has 3 or 4 fields separated by ';'", column="fields",
             min_value=3, max_value=4),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row",
             "plate is 1-10 letters/digits with separators; '?' and '*' wildcards need at "
             "least 3 known characters", column="plate_canonical"),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "state is a US jurisdiction, or empty/UNK when the list does not say",
             column="state", value_set=list(codes())),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row",
             "category is one of the department's hot-list categories", column="category_code"),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "expires_at, when given, is an ISO date or date-time", column="expires_at_valid",
             value_set=[True]),
    ])


CONTRACT = Contract(kind="hotlist", title="Hot-list files",
                    description="NCIC-style or CSV hot lists (alpr hotlist load)",
                    read=read_hotlist, suite=build)
