"""Hot-list import: NCIC-style and CSV files, row validation, duplicates, versions, categories."""

import datetime as dt
import hashlib

import pytest

from alpr.hotlist.categories import UnknownCategoryError, categories, get_category, load_categories
from alpr.hotlist.importers import HotListFileError, load_csv, load_hotlist, load_ncic
from alpr.hotlist.versions import ListVersion, describe_age, freshness, latest_versions

T0 = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_categories_load_with_priorities():
    table = load_categories()
    assert {"stolen_vehicle", "stolen_plate", "wanted_person", "missing_person", "amber_alert",
            "bolo"} <= set(table.codes())
    assert get_category("AMBER Alert").priority == 1
    assert get_category("sv").code == "stolen_vehicle"
    with pytest.raises(UnknownCategoryError, match="'parking'"):
        categories().get("parking")


def test_ncic_file_loads_good_rows_and_reports_each_bad_one(tmp_path):
    path = write(tmp_path, "ncic.txt", "\n".join([
        "# extract 2024-05-01",           # 1 comment
        "7ABC123;CA;stolen vehicle;V1",    # 2
        "",                                # 3 blank
        "8X$Y;TX;SV",                      # 4 bad character
        "ABC1234;Ontario;SV",              # 5 unknown jurisdiction
        " ;TX;SV",                         # 6 empty plate
        "XYZ789;TX;parking",               # 7 unknown category
        "XYZ789;TX",                       # 8 too few fields
        "4GHJ567;ca;Stolen Plate",         # 9
        "7AB?12*;NV;BOLO;partial",         # 10 wildcard
        "NOST8;;wanted",                   # 11 state not given
    ]) + "\n")
    hl = load_ncic(path, now=T0)
    assert [(e.plate, e.state, e.category) for e in hl.entries] == [
        ("7ABC123", "CA", "stolen_vehicle"), ("4GHJ567", "CA", "stolen_plate"),
        ("7AB?12*", "NV", "bolo"),
        ("NOST8", None, "wanted_person")]
    assert [(r.line, r.field) for r in hl.rejections] == [
        (4, "plate"), (5, "state"), (6, "plate"), (7, "category"), (8, "line")]
    assert "'$' at position 2" in hl.rejections[0].rule
    v = hl.version
    assert (v.rows_read, v.rows_loaded, v.rows_rejected, v.duplicates_merged) == (9, 4, 5, 0)
    assert v.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert v.source == "ncic.txt" and v.loaded_at == T0 and v.format == "ncic"
    assert "line 5: state='Ontario'" in hl.report()


def test_duplicates_are_merged_and_counted(tmp_path):
    path = write(tmp_path, "l.txt", "7ABC123;CA;SV;V1\n7abc 123;California;stolen_vehicle;V2\n"
                                    "7ABC123;CA;SV;V1\n7ABC123;CA;bolo\n")
    hl = load_ncic(path, now=T0)
    assert len(hl.entries) == 2  # same plate in another category is another entry
    assert hl.entries[0].reference == "V1; V2"
    assert hl.duplicates == [(2, 1), (3, 1)]
    assert hl.version.duplicates_merged == 2 and hl.version.rows_read == 4


def test_csv_with_expiry_and_bad_dates(tmp_path):
    path = write(tmp_path, "l.csv", "plate,state,category,reference,expires_at\n"
                                    "7ABC123,CA,SV,V1,2024-05-31\n"
                                    "8XYZ999,TX,BOLO,,2024-13-01\n"
                                    "9DEF456,NV,wanted,W9,2024-06-01T18:00:00-04:00\n"
                                    ",,,,\n"
                                    "1AAA111,CA,SV,,,extra\n")
    hl = load_csv(path, now=T0)
    assert [e.plate for e in hl.entries] == ["7ABC123", "9DEF456"]
    assert hl.entries[0].expires_at == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    assert hl.entries[1].expires_at == dt.datetime(2024, 6, 1, 22, tzinfo=dt.UTC)
    assert [(r.line, r.field, r.value) for r in hl.rejections] == [
        (3, "expires_at", "2024-13-01"), (6, "row", "extra")]
    assert hl.version.format == "csv"
    assert load_hotlist(path, now=T0).version.sha256 == hl.version.sha256


@pytest.mark.parametrize("header,missing", [("plate,state\n", "category"),
                                            ("plate,state,category,colour\n", "colour")])
def test_csv_header_errors_name_the_column(tmp_path, header, missing):
    with pytest.raises(HotListFileError, match=missing):
        load_csv(write(tmp_path, "l.csv", header))


def test_missing_and_non_utf8_files_are_file_errors(tmp_path):
    with pytest.raises(HotListFileError, match="not found"):
        load_ncic(tmp_path / "nope.txt")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("7ABC123;CA;SV\n8XYZ;CA;SV;Müller\n".encode("latin-1"))
    with pytest.raises(HotListFileError, match="line 2 is not UTF-8"):
        load_ncic(bad)


def test_versions_say_which_is_current_and_how_old(tmp_path):
    path = write(tmp_path, "ncic.txt", "7ABC123;CA;SV\n")
    old = load_ncic(path, now=T0).version
    new = load_ncic(path, now=T0 + dt.timedelta(hours=12)).version
    assert old.sha256 == new.sha256  # same content, loaded twice
    assert latest_versions([old, new]) == {"ncic.txt": new}
    shift = T0 + dt.timedelta(hours=13)
    assert freshness(new, [old], shift).is_current
    assert freshness(new, [old], shift).message() == "ncic.txt: current (loaded 1 h 0 min ago)"
    assert not freshness(old, [new], shift).is_current
    assert "newer version exists" in freshness(old, [new], shift).message()
    stale = freshness(new, [], T0 + dt.timedelta(days=2))
    assert not stale.is_current and "older than the 1 d 0 h allowed" in stale.message()
    assert describe_age(dt.timedelta(seconds=59)) == "0 min"
    assert isinstance(new, ListVersion)
