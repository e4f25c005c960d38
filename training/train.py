"""Train the plate recognizer from a config file (also works under torchrun).

    python training/train.py --config training/configs/full.yaml
    torchrun --nproc_per_node 2 training/train.py --config training/configs/full.yaml
"""

from alpr.cli.train import main

if __name__ == "__main__":
    raise SystemExit(main())
