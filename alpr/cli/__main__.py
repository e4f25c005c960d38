"""``python -m alpr.cli``: the ``alpr`` command."""

from alpr.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
