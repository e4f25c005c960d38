"""Access requests decided by an administrator, and logged data shares (II.A.4, V)."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from store_kit import add_user, department

from alpr.governance.access import AccessDenied
from alpr.governance.sharing import decide, request_access, share
from alpr.store.schema import AccessRequest, DataShare


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    admin2 = add_user(gov, admin, "deputy", "administrator")
    op = add_user(gov, admin, "ofc1")
    yield gov, admin, admin2, op
    gov.engine.dispose()


def test_share_needs_an_approved_request_decided_by_someone_else(world):
    gov, admin, admin2, op = world
    rid = request_access(gov, op, "data_share", "county task force auto theft case",
                         case_number="TF-9")
    with pytest.raises(AccessDenied, match="approved data_share request"):
        share(gov, op, rid, "County Sheriff", "auto theft task force", "reads of 3 plates", 12)
    other = request_access(gov, admin2, "data_access", "audit of last quarter's shares")
    with pytest.raises(AccessDenied, match="role 'operator'"):
        decide(gov, op, other, True, "ok")
    decide(gov, admin, rid, True, "legitimate task-force request")
    with pytest.raises(ValueError, match="already approved"):
        decide(gov, admin2, rid, False, "second thoughts")
    sid = share(gov, op, rid, "County Sheriff", "auto theft task force", "reads of 3 plates", 12)
    own = request_access(gov, admin, "data_access", "reviewing a vendor data export")
    with pytest.raises(AccessDenied, match="own request"):
        decide(gov, admin, own, True, "self")
    with gov.Session() as s:
        assert s.get(DataShare, sid).recipient_agency == "County Sheriff"
        assert s.scalar(select(AccessRequest.status).where(AccessRequest.id == own)) == "pending"


def test_no_self_approval_in_the_database_too(world):
    gov, admin, admin2, op = world
    rid = request_access(gov, admin, "system_use", "temporary use of unit 12 camera")
    with gov.Session() as s:
        req = s.get(AccessRequest, rid)
        req.status, req.decided_by, req.decided_at = "approved", admin.id, dt.datetime.now(dt.UTC)
        with pytest.raises(IntegrityError):
            s.commit()


def test_share_metric_counts_shares_without_an_approved_request(world):
    """Shares written around the API (e.g. imported from an old system) show in the metric."""
    from alpr.governance.compliance import summary

    gov, admin, admin2, op = world
    ok = request_access(gov, op, "data_share", "county task force auto theft case")
    decide(gov, admin, ok, True, "legitimate task-force request")
    share(gov, op, ok, "County Sheriff", "auto theft task force", "reads of 3 plates", 12)
    refused = request_access(gov, op, "data_share", "curiosity about a neighbour's car")
    decide(gov, admin, refused, False, "no law-enforcement purpose")
    now = dt.datetime.now(dt.UTC)
    with gov.Session.begin() as s:
        s.add(DataShare(request_id=refused, shared_by=op.id, shared_at=now,
                        recipient_agency="Unknown", purpose="legacy export of reads",
                        description="reads", record_count=3))
    row = summary(gov, admin, now + dt.timedelta(minutes=1)).set_index("metric").loc[
        "data shares logged with purpose under an approved request"]
    assert (row["value"], row["numerator"], row["denominator"]) == (0.5, 1, 2)
