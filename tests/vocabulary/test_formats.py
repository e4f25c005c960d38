import random
from pathlib import Path

import pytest

from alpr.vocabulary.confusables import confusables, load_confusables
from alpr.vocabulary.formats import (
    SerialFormat,
    all_formats,
    fits_any_format,
    load_formats,
    sample_serial,
)
from alpr.vocabulary.jurisdictions import codes


def test_every_shipped_format_loads_and_covers_every_jurisdiction():
    table = all_formats()
    assert set(codes()) <= set(table)
    for fmts in table.values():
        assert fmts and all(isinstance(f, SerialFormat) for f in fmts)


def test_pattern_semantics():
    f = SerialFormat(pattern="LLL-DDDD")
    assert f.slots == "LLLDDDD"
    assert f.matches("ABC1234") and not f.matches("AB12345") and not f.matches("ABC-1234")
    assert fits_any_format("7ABC123", "CA")
    assert not fits_any_format("ABC12", "CA")


@pytest.mark.parametrize("code", ["CA", "NY", "TX", "DC", "PR"])
def test_samples_fit_their_format(code):
    rng = random.Random(3)
    for _ in range(50):
        text, printed = sample_serial(code, rng, vanity_rate=0.0)
        assert fits_any_format(text, code)
        assert printed.replace("-", "").replace(" ", "") == text


def test_unknown_code_in_formats_file_is_rejected(tmp_path: Path):
    bad = tmp_path / "f.yaml"
    bad.write_text("ZZ: [{pattern: LLL}]\n")
    with pytest.raises(ValueError, match="unknown jurisdiction codes: ZZ"):
        load_formats(bad)


def test_bad_pattern_is_rejected(tmp_path: Path):
    text = "\n".join(f"{c}: [{{pattern: LLL}}]" for c in codes()) + '\n"*": [{pattern: "LQ1"}]\n'
    bad = tmp_path / "f.yaml"
    bad.write_text(text)
    with pytest.raises(ValueError, match=r"formats of \*"):
        load_formats(bad)


def test_confusables_table():
    table = confusables()
    assert table.cost("O", "0") < 0.5
    assert table.cost("0", "O") == table.cost("O", "0")
    assert table.cost("A", "Z") == 1.0
    assert {"0", "D", "Q"} <= table.alternatives("O")
    assert load_confusables() == table


def test_confusables_reject_lowercase(tmp_path: Path):
    bad = tmp_path / "c.yaml"
    bad.write_text("groups:\n  - {chars: 'o0', cost: 0.2}\n")
    with pytest.raises(ValueError, match="chars"):
        load_confusables(bad)
