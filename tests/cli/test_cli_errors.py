"""Bad input at the command line gets one ``error:`` line naming the file or field and a
documented exit code, never a traceback; a store is never created by a command that only
reads or adds to one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from alpr.cli import EXIT_BAD_INPUT, build_parser, main


def _subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _subcommands(sub, (*prefix, name))


def test_every_commands_help_prints(capsys) -> None:
    commands = list(_subcommands(build_parser()))
    assert len(commands) > 30
    for cmd in commands:
        with pytest.raises(SystemExit) as done:
            main([*cmd, "--help"])
        assert done.value.code == 0, cmd
        assert "usage: alpr" in capsys.readouterr().out, cmd


def _fails(capsys, argv: list[str], *needles: str) -> str:
    assert main(argv) == EXIT_BAD_INPUT, argv
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


@pytest.mark.parametrize("url, needle", [
    ("notaurl", "not a database URL"),
    ("postgresql+pg8000://u@localhost/db", "driver 'pg8000' is not installed"),
])
def test_db_upgrade_refuses_a_bad_url_plainly(tmp_path, monkeypatch, capsys, url, needle):
    monkeypatch.chdir(tmp_path)
    _fails(capsys, ["db", "upgrade", "--db", url], needle)
    assert list(tmp_path.iterdir()) == []  # no key file, no database made


def test_commands_on_a_missing_store_create_nothing(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ALPR_PASSWORD", "whatever-password")
    url = f"sqlite:///{tmp_path / 'none.db'}"
    reads = tmp_path / "reads.jsonl"
    reads.write_text("{}\n", encoding="utf-8")
    _fails(capsys, ["audit", "verify", "--db", url], "no store at", "alpr db upgrade")
    _fails(capsys, ["ingest", str(reads), "--db", url, "--user", "admin"], "no store at")
    assert not (tmp_path / "none.db").exists()


def test_a_store_without_tables_says_how_to_make_them(tmp_path, capsys) -> None:
    (tmp_path / "empty.db").touch()
    err = _fails(capsys, ["audit", "verify", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert "no tables yet" in err and "alpr db upgrade" in err


def test_no_password_and_no_terminal_says_so_without_a_warning(tmp_path, monkeypatch,
                                                                capsys) -> None:
    import io

    from alpr.store.db import upgrade

    url = upgrade(f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.delenv("ALPR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    reads = tmp_path / "r.jsonl"
    reads.write_text("{}\n", encoding="utf-8")
    err = _fails(capsys, ["ingest", str(reads), "--db", url, "--user", "admin"],
                 "set ALPR_PASSWORD")
    assert "may be echoed" not in err


def test_empty_files_and_folders_are_named(tmp_path, capsys) -> None:
    empty = tmp_path / "empty.csv"
    empty.touch()
    _fails(capsys, ["contracts", "validate", "hotlist", str(empty)], "empty.csv: empty file")
    folder = tmp_path / "lists"
    folder.mkdir()
    reads = tmp_path / "r.jsonl"
    reads.write_text(json.dumps({"id": 1, "text": "ABC123"}) + "\n", encoding="utf-8")
    _fails(capsys, ["match", "--hotlist", str(folder), "--reads", str(reads)],
           "a folder, not a hot-list file")


def test_a_registry_model_without_a_registry_is_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    img = Path(__file__).resolve().parents[2] / "models" / "plate-ocr"  # any path: not read
    _fails(capsys, ["read", "--model", "models:/no-such-model/1", "--crops", str(img)],
           "MLflow")


def test_bad_char_confidences_do_not_lose_a_hit(tmp_path, capsys) -> None:
    hot = tmp_path / "hot.txt"
    hot.write_text("ABC123;CA;stolen_vehicle;N1\n", encoding="utf-8")
    reads = tmp_path / "r.jsonl"
    reads.write_text(json.dumps({"id": 9, "text": "ABC123", "state": "CA",
                                 "char_confidences": [0.9, 0.9]}) + "\n", encoding="utf-8")
    assert main(["match", "--hotlist", str(hot), "--reads", str(reads)]) == 1
    out, err = capsys.readouterr()
    line = json.loads(out.strip().splitlines()[-1])
    assert line["id"] == 9 and line["matches"], out  # still matched
    assert "line 1: char_confidences" in err and "matched without them" in err


def test_evaluate_reports_a_corrupt_image_and_measures_the_rest(tmp_path, capsys) -> None:
    from alpr.synth.writer import write_dataset

    labels = write_dataset(tmp_path / "set", n=4, seed=3, augment=False)
    first = next(p for p in sorted((tmp_path / "set").rglob("*.png")))
    first.write_bytes(b"not an image")
    code = main(["evaluate", "--labels", str(labels), "--no-track"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"{first.name}" in err and "not a readable image" in err
    assert "plates: 3" in out  # the other three were measured


def test_a_missing_extra_names_the_install_that_brings_it(monkeypatch, capsys) -> None:
    """On a core install (no training stack) ``alpr train`` says what to install."""
    import builtins

    real = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args, **kwargs)

    import sys

    for mod in [m for m in sys.modules
                if m.startswith(("alpr.train", "alpr.detector.loop", "alpr.recognizer.loop"))]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setattr(builtins, "__import__", no_torch)
    config = Path(__file__).resolve().parents[2] / "training" / "configs" / "smoke.yaml"
    err = _fails(capsys, ["train", "--config", str(config)], "'train' dependencies",
                 "pip install 'alpr-workbench[train]'")
    assert "Traceback" not in err
