"""The ``alpr`` command line: one module per command group, each with ``register(sub)``
that adds its parsers (``set_defaults(func=handler)``); :func:`main` runs one command through
the one error path (:mod:`alpr.cli.errors`). docs/cli.md maps the modules and exit codes.

Start-up stays light (``alpr read`` is timed): the command modules import only the standard
library at the top; each handler imports what it uses.
"""

from __future__ import annotations

import argparse

from alpr.cli import (
    calibrate,
    contracts,
    demo,
    evaluate,
    health,
    hotlist,
    match,
    read,
    records,
    report,
    review,
    serve,
    simulate,
    store,
    synth,
    train,
    users,
)
from alpr.cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXTRAS,
    explain,
    missing_extra,
    run_command,
)

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_FINDINGS", "EXIT_INTERRUPTED", "EXIT_OK",
           "EXTRAS", "build_parser", "explain", "main", "missing_extra"]

# in the order ``alpr --help`` lists them
COMMANDS = (demo, synth, read, evaluate, calibrate, store, records, users, report, train,
            review, match, serve, hotlist, contracts, simulate, health)


def build_parser() -> argparse.ArgumentParser:
    from alpr import __version__

    p = argparse.ArgumentParser(prog="alpr", description="ALPR workbench")
    p.add_argument("--version", action="version", version=f"alpr {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every user error ends as one ``error:`` line and exit code 2 (see
    :data:`EXIT_BAD_INPUT`), never a traceback; set ``ALPR_DEBUG=1`` to see the traceback."""
    args = build_parser().parse_args(argv)
    return run_command(args.func, args)
