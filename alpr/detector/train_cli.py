"""``python -m alpr.detector.train_cli`` (also under ``torchrun``): ``alpr train --task
detector``, kept for the command lines written before the CLI package (alpr/cli/train.py);
``torchrun ... -m alpr.cli train --config training/configs/detector-*.yaml`` does the same.
"""

from alpr.cli.train import main

if __name__ == "__main__":
    raise SystemExit(main(task="detector"))
