"""Label review: find likely label errors in a crop set with out-of-fold reads.

The crops are cut into folds by plate text (:mod:`.folds`); a fold model fine-tuned from a
base model on the other folds (:mod:`.finetune`, the project's one training core) reads the
held-out fold, and each crop is scored by how confidently the read disagrees with its label
(:mod:`.score`). :mod:`.review` runs it, :mod:`.outputs` writes the flags, the gallery and
the chosen corrections (docs/review.md).
"""
