"""Every command the parser registers, run on bad input: a missing file, an empty file, a
store that cannot be opened, a URL that is none. Each answers with a documented exit code
(docs/cli.md), no traceback, and a message that names the file or the flag.

The list of commands comes from ``alpr.cli.build_parser``, and each command line is built
from its parser's own arguments, so a command added later is covered without editing this
file.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from store_kit import PW, cli_store

from alpr.cli import EXIT_BAD_INPUT, EXIT_FINDINGS, build_parser, main

# not files: filled with a fixed value, not the case's bad path
SPECIAL = {"db", "user", "out"}
DATE_TYPES = {"date_option": "2030-01-01", "utc_option": "2030-01-01T00:00:00+00:00"}


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
                  ) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every runnable command (``("audit", "verify")``, ...) with its parser."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        return [(prefix, parser)]
    return [leaf for name, sub in groups[0].choices.items()
            for leaf in leaf_commands(sub, (*prefix, name))]


COMMANDS = leaf_commands(build_parser())


def _needed(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The arguments a command line must give: positionals, required options, the first of
    each required either-or group, and --db/--out wherever the command has them."""
    out = [a for a in parser._actions
           if not isinstance(a, argparse._HelpAction)
           and (not a.option_strings or a.required or a.dest in SPECIAL)]
    for group in parser._mutually_exclusive_groups:
        if group.required:
            out.append(group._group_actions[0])
    return out


def _is_file(action: argparse.Action) -> bool:
    return action.dest not in SPECIAL and action.type is Path


def command_line(cmd: tuple[str, ...], parser: argparse.ArgumentParser, bad_file: Path,
                 db: str, out: Path) -> list[str]:
    argv = list(cmd)
    for action in _needed(parser):
        if action.nargs == 0:  # a flag (an either-or group's choice)
            value: list[str] = []
        elif action.dest == "db":
            value = [db]
        elif action.dest == "user":
            value = ["chief"]
        elif action.dest == "out":
            value = [str(out)]
        elif action.choices:
            value = [str(next(iter(action.choices)))]
        elif action.type is int:
            value = ["1"]
        elif action.type is float:
            value = ["0.5"]
        elif getattr(action.type, "__qualname__", "").split(".")[0] in DATE_TYPES:
            value = [DATE_TYPES[action.type.__qualname__.split(".")[0]]]
        else:
            value = [str(bad_file)]
        argv += [*action.option_strings[:1], *value]
    return argv


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """A working folder with nothing in it but a plain file ``blocker`` (nothing can be
    created under it); passwords come from the environment, no terminal is attached."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    monkeypatch.setenv("ALPR_NEW_PASSWORD", "a new password 123")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    (tmp_path / "blocker").write_text("a file, not a folder\n")
    return tmp_path


def run(capsys, argv: list[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as done:  # argparse's usage errors
        code = done.code if isinstance(done.code, int) else EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    return code, out + err


def assert_answered(argv: list[str], code: int, said: str, names: list[str]) -> None:
    assert code in (EXIT_BAD_INPUT, EXIT_FINDINGS), (argv, code, said[-2000:])
    assert "Traceback" not in said, (argv, said[-2000:])
    assert any(n in said for n in names), (argv, names, said[-2000:])


def _names(parser: argparse.ArgumentParser, *paths: Path | str) -> list[str]:
    """What a message may name: the given paths, or one of the command's own flags or
    positionals (``username '...'``, ``case_number:``)."""
    fields = [o for a in parser._actions if not isinstance(a, argparse._HelpAction)
              for o in (a.option_strings or [f"{a.dest} ", f"{a.dest}:"])]
    return [*fields, *(str(p) for p in paths), *(Path(str(p)).name for p in paths)]


def test_the_parser_lists_every_command_group() -> None:
    groups = {cmd[0] for cmd, _ in COMMANDS}
    assert {"read", "evaluate", "train", "match", "hotlist", "ingest", "users", "health",
            "contracts", "audit", "db", "serve", "simulate", "report", "evidence"} <= groups
    assert len(COMMANDS) >= 30


@pytest.mark.parametrize("cmd, parser", COMMANDS, ids=[" ".join(c) for c, _ in COMMANDS])
def test_a_missing_file_and_an_unopenable_store(cmd, parser, isolated, capsys) -> None:
    missing = isolated / "missing" / "input.csv"
    db = f"sqlite:///{isolated / 'blocker' / 'alpr.db'}"  # under a plain file: cannot be
    argv = command_line(cmd, parser, missing, db, isolated / "blocker" / "out")
    code, said = run(capsys, argv)
    assert_answered(argv, code, said, _names(parser, missing, "blocker"))
    assert not (isolated / "missing").exists()


@pytest.mark.parametrize("cmd, parser", COMMANDS, ids=[" ".join(c) for c, _ in COMMANDS])
def test_an_empty_file_and_a_url_that_is_none(cmd, parser, isolated, capsys) -> None:
    empty = isolated / "empty.csv"
    empty.touch()
    argv = command_line(cmd, parser, empty, "notaurl", isolated / "blocker" / "out")
    code, said = run(capsys, argv)
    assert_answered(argv, code, said, _names(parser, empty, "blocker"))
    assert sorted(p.name for p in isolated.iterdir()) in (
        ["blocker", "empty.csv"], ["blocker", "empty.csv", "mlflow.db"])  # nothing made


STORE_COMMANDS = [(c, p) for c, p in COMMANDS
                  if any(a.dest == "db" for a in p._actions) and any(map(_is_file, _needed(p)))]


@pytest.mark.parametrize("cmd, parser", STORE_COMMANDS,
                         ids=[" ".join(c) for c, _ in STORE_COMMANDS])
def test_an_empty_file_given_to_a_working_store(cmd, parser, isolated, capsys) -> None:
    """Past the sign-in: the file itself is refused, by name, and nothing is stored."""
    url = cli_store(isolated)
    empty = isolated / "empty.csv"
    empty.touch()
    argv = command_line(cmd, parser, empty, url, isolated / "blocker" / "out")
    code, said = run(capsys, argv)
    assert_answered(argv, code, said, _names(parser, empty, "blocker"))


def test_store_commands_with_files_are_covered() -> None:
    covered = {c for c, _ in STORE_COMMANDS}
    assert {("ingest",), ("hotlist", "load")} <= covered, covered
