"""Typed CSV exports of the dashboards' tables: numbers read back as numbers, "no data" as an
empty cell, the period and filters on every row, and each export audited."""

import datetime as dt
import io
import json

import pandas as pd
import pytest
from sqlalchemy import select

from alpr.dashboards.export import typed_csv, typed_frame
from alpr.dashboards.filters import Filters
from alpr.dashboards.sample import SampleConfig, build
from alpr.dashboards.store import DashboardStore, actor_for, clear_cache
from alpr.governance.access import Governance
from alpr.store.db import make_engine
from alpr.store.schema import AuditEntry

MAY = Filters(dt.date(2026, 5, 1), dt.date(2026, 5, 31), camera="CAM-N1")


def test_numbers_stay_numbers_and_no_data_stays_empty():
    df = pd.DataFrame({"camera": ["CAM-N1", "CAM-N2"], "reads": [12, 0],
                       "availability": [0.889, float("nan")], "ok": [True, False],
                       "last_check": pd.to_datetime(["2026-05-03 14:05:09.123", None], utc=True),
                       "day": pd.to_datetime(["2026-05-03", "2026-05-04"])})
    text = typed_csv(df, MAY)
    lines = text.splitlines()
    assert lines[0] == "period_from,period_to,filter_camera,camera,reads,availability,ok," \
                       "last_check,day"
    # the rate is the number 0.889, not "88.9%"; the camera with no reads has an empty rate
    # (no data), not 0 or 100 %; times are UTC to the second, days are dates
    assert lines[1] == "2026-05-01,2026-05-31,CAM-N1,CAM-N1,12,0.889,True," \
                       "2026-05-03T14:05:09Z,2026-05-03"
    assert lines[2] == "2026-05-01,2026-05-31,CAM-N1,CAM-N2,0,,False,,2026-05-04"
    back = pd.read_csv(io.StringIO(text))
    assert back["availability"].dtype == float and back["reads"].dtype == int
    assert back["availability"].isna().tolist() == [False, True]
    assert back["ok"].dtype == bool


def test_every_row_carries_the_period_even_an_empty_table():
    assert typed_frame(pd.DataFrame({"x": [1, 2, 3]}), MAY)["period_to"].tolist() == [
        "2026-05-31"] * 3
    assert typed_csv(pd.DataFrame(columns=["x"]), MAY).strip() == \
        "period_from,period_to,filter_camera,x"
    with pytest.raises(ValueError, match="columns period_from: reserved"):
        typed_frame(pd.DataFrame({"period_from": [1]}), MAY)


def test_the_download_button_exports_typed_audited_csv(tmp_path):
    pytest.importorskip("panel")
    from alpr.dashboards.views.common import csv_download

    clear_cache()
    url = f"sqlite:///{tmp_path / 'alpr.db'}"
    sample = build(url, SampleConfig())
    gov = Governance(make_engine(url), today=lambda: sample.today)
    st = DashboardStore(gov, actor_for(gov, "chief"), "misreads", args={"unit": "North"})
    button = csv_download(st, "misreads-by-camera", lambda: st.verification_rates("camera"))
    text = button.callback().getvalue()
    back = pd.read_csv(io.StringIO(text))
    # North's cameras: N1 verified 2 (one wrong state), N2 verified 2
    assert back[["camera", "verified", "wrong_state_rate"]].values.tolist() == [
        ["CAM-N1", 2, 0.5], ["CAM-N2", 2, 0.0]]
    assert set(back["period_to"]) == {st.filters.end.isoformat()}
    assert set(back["filter_unit"]) == {"North"}
    with gov.Session() as s:
        actor, target, detail = s.execute(
            select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail)
            .where(AuditEntry.action == "dashboards.export")
            .order_by(AuditEntry.id.desc())).first()
    assert (actor, target) == ("chief", "misreads/misreads-by-camera")
    assert json.loads(detail)["rows"] == 2 and json.loads(detail)["unit"] == "North"
    gov.engine.dispose()
