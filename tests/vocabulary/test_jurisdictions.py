from pathlib import Path

import pytest

from alpr.vocabulary.jurisdictions import (
    UnknownJurisdictionError,
    all_jurisdictions,
    codes,
    get_jurisdiction,
    is_jurisdiction,
    load_jurisdictions,
)


def test_table_covers_states_dc_and_territories():
    kinds = [j.kind for j in all_jurisdictions()]
    assert kinds.count("state") == 50
    assert kinds.count("district") == 1
    assert {"PR", "GU", "VI", "AS", "MP"} <= set(codes())


@pytest.mark.parametrize("key", ["CA", "ca", "California", "CALIFORNIA", "  california "])
def test_lookup_by_code_or_name_any_case(key):
    assert get_jurisdiction(key).code == "CA"


def test_multiword_names_and_display_names():
    assert get_jurisdiction("new   hampshire").code == "NH"
    assert get_jurisdiction("district of columbia").code == "DC"
    assert get_jurisdiction("Washington, D.C.").code == "DC"
    assert get_jurisdiction("WA").name == "Washington"


def test_unknown_jurisdiction_names_the_value():
    with pytest.raises(UnknownJurisdictionError, match="'Ontario'"):
        get_jurisdiction("Ontario")
    assert not is_jurisdiction("ZZ")


def test_duplicate_codes_rejected(tmp_path: Path):
    bad = tmp_path / "j.yaml"
    bad.write_text(
        "- {code: AA, name: Aaa, kind: state}\n- {code: AA, name: Bbb, kind: state}\n"
    )
    with pytest.raises(ValueError, match="duplicate jurisdiction code: AA"):
        load_jurisdictions(bad)


def test_bad_code_rejected(tmp_path: Path):
    bad = tmp_path / "j.yaml"
    bad.write_text("- {code: aaa, name: Aaa, kind: state}\n")
    with pytest.raises(ValueError, match="code"):
        load_jurisdictions(bad)
