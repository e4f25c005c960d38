"""``alpr match`` and ``alpr hotlist preview`` as a user runs them."""

import json

from alpr.cli import main

LIST = """# NCIC-style extract
7ABC123;CA;stolen vehicle;V1
BAD!;CA;SV
7AB?1*;NV;bolo
"""
READS = [
    '{"id": 1, "text": "7A8C123", "state": "CA", "char_confidences": [0.9, 0.9, 0.5, 0.9, 0.9, 0.9, 0.9]}',
    '{"id": 2, "text": "7ABX1999", "state": "CA", "state_confidence": 0.9}',
    "not json",
    '{"id": 4, "text": "Q!"}',
    "",
    '{"id": 5, "text": "9ZZZ000"}',
]


def setup_files(tmp_path):
    (tmp_path / "list.txt").write_text(LIST)
    (tmp_path / "reads.jsonl").write_text("\n".join(READS) + "\n")
    return ["match", "--hotlist", str(tmp_path / "list.txt"),
            "--reads", str(tmp_path / "reads.jsonl")]


def test_match_writes_one_line_per_good_read_and_reports_bad_lines(tmp_path, capsys):
    assert main(setup_files(tmp_path)) == 1  # 1: some read lines were bad
    out, err = capsys.readouterr()
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["id"] for x in lines] == [1, 2, 5]
    assert lines[0]["matches"] == [{
        "plate": "7ABC123", "state": "CA", "category": "stolen_vehicle", "priority": 2,
        "reference": "V1", "source": "list.txt", "kind": "confusable",
        "substitutions": [[2, "8", "B"]], "state_agreement": "same", "score": 0.85}]
    assert [(m["kind"], m["state_agreement"]) for m in lines[1]["matches"]] == [
        ("wildcard", "different")]
    assert lines[2]["matches"] == []
    assert "line 3: line='not json'" in err and "line 4: text='Q!'" in err
    assert "rejected line 3: plate='BAD!'" in err  # the hot list's own rejection report
    assert "3 rows, 2 entries, 1 rejected" in err


def test_match_table_format_and_tolerance_flags(tmp_path, capsys):
    args = setup_files(tmp_path)
    main([*args, "--format", "table", "--max-confusable", "0"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1\t7A8C123\tno match"
    assert out[1].startswith("2\t7ABX1999\t7AB?1*/NV bolo wildcard score=0.60")


def test_match_expiry_cut_off_with_at(tmp_path, capsys):
    (tmp_path / "l.csv").write_text("plate,state,category,expires_at\n7ABC123,CA,SV,2024-05-01\n")
    (tmp_path / "r.jsonl").write_text('{"id": 1, "text": "7ABC123"}\n')
    args = ["match", "--hotlist", str(tmp_path / "l.csv"), "--reads", str(tmp_path / "r.jsonl")]
    assert main([*args, "--at", "2024-05-01T23:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out)["matches"][0]["kind"] == "exact"
    assert main([*args, "--at", "2024-05-02T00:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out)["matches"] == []
    assert main([*args, "--at", "tomorrow"]) == 2
    assert "--at 'tomorrow'" in capsys.readouterr().err


def test_match_unusable_files_exit_2_naming_them(tmp_path, capsys):
    args = setup_files(tmp_path)
    assert main(["match", "--hotlist", str(tmp_path / "missing.txt"), "--reads", args[-1]]) == 2
    assert "missing.txt: hot-list file not found" in capsys.readouterr().err
    assert main([*args[:3], "--reads", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl: reads file not found" in capsys.readouterr().err


def test_hotlist_preview_command(capsys):
    assert main(["hotlist", "preview", "7abc-123"]) == 0
    assert "301 different reads match it" in capsys.readouterr().out
    assert main(["hotlist", "preview", "AB", "--max-confusable", "0", "--no-edit",
                 "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "AB\texact"
    assert main(["hotlist", "preview", "7AB!"]) == 2
    assert "'!' at position 3" in capsys.readouterr().err
