"""Labelled crop manifest contract (``image,state,plate``, paths relative to the CSV): what
training, calibration and evaluation accept. Bad rows are reported and skipped; an empty
manifest is refused.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from alpr.contracts.frames import read_crops
from alpr.contracts.model import Contract, Frame, rule, suite
from data_contracts.reads import PLATE


def build(frame: Frame) -> object:
    from alpr.vocabulary.jurisdictions import codes

    return suite("crops", "Labelled plate crops: the data the recognizer learns from.", [
        rule(gxe.ExpectTableRowCountToBeBetween, "dataset",
             "the manifest lists at least one crop", min_value=1),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "image is given", column="image"),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "image is a path relative to the manifest", column="image_relative",
             value_set=[True]),
        rule(gxe.ExpectColumnValuesToBeInSet, "row", "the image file exists",
             column="image_found", value_set=[True]),
        rule(gxe.ExpectColumnValuesToBeNull, "row",
             "each image is labelled once (a later row for the same image is dropped)",
             column="duplicate_of"),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "plate is given", column="plate"),
        rule(gxe.ExpectColumnValuesToMatchRegex, "row",
             "plate is 1-10 letters A-Z or digits, with optional separators (space, -, .)",
             column="plate", regex=PLATE),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "state, when given, is a US jurisdiction (USPS code or full name)",
             column="state", value_set=list(codes())),
    ])


CONTRACT = Contract(kind="crops", title="Labelled crop manifests",
                    description="image,state,plate CSVs (alpr train, evaluate, calibrate)",
                    read=read_crops, suite=build)
