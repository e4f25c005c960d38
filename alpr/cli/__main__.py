"""``python -m alpr.cli`` (and ``torchrun -m alpr.cli train ...``): the ``alpr`` command."""

from alpr.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
