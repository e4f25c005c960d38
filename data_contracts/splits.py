"""Training/evaluation split contract: no plate text (O/0 folded) and no image on both
sides, else evaluation measures memory, not reading (dataset rules: the split is refused).
Class balance by jurisdiction is reported: every evaluated jurisdiction should have been
trained on.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from alpr.contracts.frames import balance, read_split
from alpr.contracts.model import Contract, Frame, rule, suite


def build(frame: Frame) -> object:
    trained = sorted(set(frame.data.loc[frame.data["split"] == "train", "state"].dropna()))
    return suite("split", "The train and evaluation sides of a labelled set.", [
        rule(gxe.ExpectColumnValuesToBeInSet, "dataset", "split is 'train' or 'eval'",
             column="split", value_set=["train", "eval"]),
        rule(gxe.ExpectColumnValuesToBeInSet, "dataset",
             "no plate text (O/0 folded) is in both the train and the evaluation split",
             column="plate_in_both", value_set=[False]),
        rule(gxe.ExpectColumnValuesToBeInSet, "dataset",
             "no image (by file name) is in both the train and the evaluation split",
             column="image_in_both", value_set=[False]),
        rule(gxe.ExpectColumnValuesToBeInSet, "report",
             "every jurisdiction in the evaluation split has training crops",
             column="state", value_set=trained or [""],
             row_condition=Column("split") == "eval"),
    ])


def describe(frame: Frame) -> str:
    """Class balance by jurisdiction: crops per state on each side, with shares."""
    table = balance(frame)
    lines = ["class balance by jurisdiction (crops, share of the split):",
             "  state   train  share    eval  share"]
    for state, r in table.iterrows():
        lines.append(f"  {state:<5} {int(r['train']):>7d}  {r['train_share']:>5.1%}"
                     f" {int(r['eval']):>7d}  {r['eval_share']:>5.1%}")
    return "\n".join(lines)


CONTRACT = Contract(kind="split", title="Training/evaluation splits",
                    description="train vs evaluation crops (alpr train); a CSV "
                                "image,state,plate,split or a training config YAML",
                    read=read_split, suite=build, describe=describe)
