"""Labelled frame manifest contract (``image,x,y,w,h,plate``: one plate box per frame, paths
relative to the CSV): what the detector trains on, and the frame plates the recognizer reads.
Bad rows are reported by line, field and rule and left out; an empty manifest is refused.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from alpr.contracts.frames import read_labelled_frames
from alpr.contracts.model import Contract, Frame, rule, suite


def build(frame: Frame) -> object:
    return suite("frames", "Labelled frames: one plate box per full camera frame.", [
        rule(gxe.ExpectTableRowCountToBeBetween, "dataset",
             "the manifest lists at least one frame", min_value=1),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "image is given", column="image"),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "image is a path relative to the manifest", column="image_relative",
             value_set=[True]),
        rule(gxe.ExpectColumnValuesToBeInSet, "row", "the image file exists",
             column="image_found", value_set=[True]),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "the image file is a readable image", column="image_readable", value_set=[True]),
        *[rule(gxe.ExpectColumnValuesToNotBeNull, "row", f"{c} is given", column=c)
          for c in ("x", "y", "w", "h")],
        *[rule(gxe.ExpectColumnValuesToBeBetween, "row",
               f"{c} is a whole number of pixels, 0 or more", column=c, min_value=0)
          for c in ("x", "y")],
        *[rule(gxe.ExpectColumnValuesToBeBetween, "row",
               f"{c} is a whole number of pixels, more than 0", column=c, min_value=1)
          for c in ("w", "h")],
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "the box lies inside the image (x + w <= its width, y + h <= its height)",
             column="box_inside", value_set=[True]),
        rule(gxe.ExpectColumnValuesToNotBeNull, "row", "plate is given", column="plate"),
        rule(gxe.ExpectColumnValuesToBeInSet, "row",
             "plate is 1-10 letters A-Z or digits, with optional separators (space, -, .)",
             column="plate_valid", value_set=[True]),
    ])


CONTRACT = Contract(kind="frames", title="Labelled frame manifests",
                    description="image,x,y,w,h,plate CSVs (detector training, frame plates "
                                "for the recognizer)",
                    read=read_labelled_frames, suite=build)
