import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alpr.vocabulary.plate_text import ALPHABET, PlateTextError, fold_o_to_zero, normalize_plate

plate_chars = st.sampled_from(ALPHABET + ALPHABET.lower())
separators = st.sampled_from(" -.")


@pytest.mark.parametrize(
    ("raw", "want"),
    [("abc-1234", "ABC1234"), (" 7 xyz.12 ", "7XYZ12"), ("O0", "O0"), ("a-b-c", "ABC")],
)
def test_examples(raw, want):
    assert normalize_plate(raw) == want


def test_error_names_character_and_position():
    with pytest.raises(PlateTextError, match=r"'\*' at position 3"):
        normalize_plate("ABC*123")
    with pytest.raises(PlateTextError, match="'É' at position 0"):
        normalize_plate("É12")


def test_empty_and_too_long():
    with pytest.raises(PlateTextError, match="no letters or digits"):
        normalize_plate(" - ")
    with pytest.raises(PlateTextError, match="more than the 10 allowed"):
        normalize_plate("A" * 11)


@given(st.lists(st.one_of(plate_chars, separators), min_size=1, max_size=14))
def test_normalised_text_is_canonical_and_idempotent(chars):
    raw = "".join(chars)
    core = [c for c in raw if c not in " -."]
    if not core or len(core) > 10:
        with pytest.raises(PlateTextError):
            normalize_plate(raw)
        return
    out = normalize_plate(raw)
    assert set(out) <= set(string.ascii_uppercase + string.digits)
    assert out == "".join(core).upper()
    assert normalize_plate(out) == out


@given(st.text(min_size=1, max_size=12))
def test_any_other_character_is_rejected_never_dropped(raw):
    bad = [c for c in raw if c not in " -.\t" and c.upper() not in ALPHABET or not c.isascii()]
    if bad:
        with pytest.raises(PlateTextError, match="position"):
            normalize_plate(raw)


def test_fold_o_to_zero():
    assert fold_o_to_zero("BOO100") == "B00100"
