"""The command line's one error path: the documented exit codes, and the one line that
explains a user's mistake or a missing resource (:func:`explain`) instead of a traceback.

``alpr.cli.main`` catches what reaches the top of a command and prints ``error: <line>``;
``ALPR_DEBUG=1`` shows the traceback instead. docs/cli.md lists the codes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

# Exit codes, for every command: 0 done; 1 done, with findings or bad rows reported (a
# failed contract, a broken audit chain, unreadable images among good ones); 2 nothing done:
# bad input or a store, file or model that cannot be used, said in one line on stderr (also
# argparse's own usage errors); 130 interrupted.
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


# An optional dependency's import name -> the extra of pyproject.toml that brings it.
EXTRAS = {"torch": "train", "torchvision": "train", "onnx": "train", "mlflow": "train",
          "albumentations": "synth", "matplotlib": "synth", "font_roboto": "synth",
          "font_source_sans_pro": "synth", "font_fjallaone": "synth",
          "panel": "dashboards", "bokeh": "dashboards", "param": "dashboards",
          "jinja2": "report", "weasyprint": "report", "pypdfium2": "report",
          "nbclient": "notebooks", "nbformat": "notebooks", "jupyterlab": "notebooks",
          "ipykernel": "notebooks", "psycopg": "postgres"}


def bad_input(problem: str | BaseException) -> int:
    """Print ``error: <problem>`` on stderr (an exception as :func:`explain` says it);
    :data:`EXIT_BAD_INPUT` back, for ``return``."""
    message = problem if isinstance(problem, str) else (explain(problem) or str(problem))
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def missing_extra(exc: BaseException) -> str | None:
    """For an import of an optional dependency that is not installed, the line that says
    which extra brings it; else ``None``.

    >>> missing_extra(ModuleNotFoundError("No module named 'panel'", name="panel"))[:52]
    "this needs 'panel', from the optional 'dashboards' d"
    >>> missing_extra(ValueError("x")) is None
    True
    """
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or name not in EXTRAS:
        return None
    extra = EXTRAS[name]
    return (f"this needs {name!r}, from the optional '{extra}' dependencies: "
            f"pip install 'alpr-workbench[{extra}]' (in a checkout: pip install -e '.[{extra}]')")


def _store_error(exc: BaseException) -> str | None:
    """The line for a database error, when SQLAlchemy is loaded at all (a command that
    never opened a store cannot raise one, and need not pay for importing it)."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    if isinstance(exc, (OperationalError, ProgrammingError)):
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        if "no such table" in first or "does not exist" in first:
            return (f"the store has no tables yet ({first}); create them with "
                    f"`alpr db upgrade --db URL`")
        return f"the store cannot be used: {first}"
    if isinstance(exc, DBAPIError):
        return f"the store refused the request: {str(exc.orig).strip().splitlines()[0]}"
    return None


def explain(exc: BaseException) -> str | None:
    """One line for a user's mistake or a missing resource that reached the top of a
    command, or ``None`` for a fault of the program (its traceback is the report).

    >>> explain(IsADirectoryError(21, "Is a directory", "lists/"))
    'lists/: is a folder; give a file'
    >>> explain(FileNotFoundError(2, "No such file or directory", "reads.jsonl"))
    'reads.jsonl: No such file or directory'
    >>> explain(FileExistsError(17, "File exists", "out/plates"))
    'out/plates: a file is in the way where a folder is needed'
    >>> explain(KeyError("x")) is None
    True
    """
    extra = missing_extra(exc)
    if extra:
        return extra
    store = _store_error(exc)
    if store:
        return store
    kind = type(exc).__name__
    module = type(exc).__module__
    if module.startswith("mlflow"):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        return f"MLflow: {first} (check MLFLOW_TRACKING_URI and the model's name or alias)"
    if kind == "EmptyDataError":
        return "the file is empty: it has no header row and no rows"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: is a folder; give a file"
    if isinstance(exc, (FileExistsError, NotADirectoryError)) and exc.filename:
        # mkdir under a plain file: name the file that is in the way
        return f"{exc.filename}: a file is in the way where a folder is needed"
    if isinstance(exc, (FileNotFoundError, PermissionError, NotADirectoryError)):
        return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
    if isinstance(exc, (ValueError, OSError)):  # the package's errors name field and rule
        return str(exc)
    return None


def run_command(func: Callable[[Any], int], args: Any) -> int:
    """Run one command's handler: a user's mistake that reaches the top becomes one
    ``error:`` line and :data:`EXIT_BAD_INPUT`, Ctrl-C :data:`EXIT_INTERRUPTED`; a fault of
    the program (or anything, with ``ALPR_DEBUG=1``) keeps its traceback."""
    try:
        return int(func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        message = explain(exc)
        if message is None or os.environ.get("ALPR_DEBUG"):
            raise
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
