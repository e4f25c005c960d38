"""Officers verify every new hit against the vehicle actually there (the true plate): the
characters and state checked, dispatch/NCIC confirmation, and action only on confirmed hits
(policy III.D, IV.B); the plate and state the officer saw are recorded."""

from __future__ import annotations

import datetime as dt
import fnmatch

import numpy as np
from sqlalchemy import exists, select

from alpr.governance import hotlists
from alpr.simulate.clock import naive
from alpr.simulate.staff import Staff
from alpr.store.schema import Camera, Hit, HitVerification, HotListEntryRow, Read


def plate_matches(listed: str, plate: str) -> bool:
    """Whether the true plate is the listed one (``?`` one character, ``*`` any run).

    >>> plate_matches("ABC1234", "ABC1234"), plate_matches("AB?12*", "ABX1299"), \
plate_matches("ABC1234", "A8C1234")
    (True, True, False)
    """
    return fnmatch.fnmatchcase(plate, listed.replace("[", "[[]"))


def verify_new_hits(staff: Staff, truth: dict[tuple[str, dt.datetime], tuple[str, str]],
                    seed: int, d: int, at: dt.datetime) -> None:
    """Each hit not verified yet, verified by the operator on duty (day ``d``'s rota) a few
    minutes after ``at``: ``confirmed`` (half with an action; 5 % of those
    ``entry_no_longer_valid``), ``wrong_state`` or ``misread``, from the true plate."""
    gov = staff.gov
    with gov.Session() as s:
        rows = s.execute(
            select(Hit.id, Hit.read_id, Read.read_at, Camera.name, HotListEntryRow.plate,
                   HotListEntryRow.state)
            .join(Read, Read.id == Hit.read_id).join(Camera, Camera.id == Read.camera_id)
            .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id)
            .where(~exists().where(HitVerification.hit_id == Hit.id))
            .order_by(Hit.id)).all()
    r = np.random.default_rng([seed, 1212, d, int(at.timestamp())])
    for hit_id, _read_id, read_at, camera, listed, listed_state in rows:
        true = truth.get((camera, naive(read_at)))
        if true is None:
            continue
        plate, state = true
        chars = plate_matches(listed, plate)
        same_state = listed_state is None or listed_state == state
        if chars and same_state:
            if r.random() < 0.05:  # recovered since the list was made
                kw = dict(chars_match=True, state_match=True, dispatch_confirmed=False,
                          outcome="entry_no_longer_valid")
            else:
                kw = dict(chars_match=True, state_match=True, dispatch_confirmed=True,
                          outcome="confirmed", action_taken=(
                              "vehicle stopped, occupant identified" if r.random() < 0.5
                              else None))
        elif chars:
            kw = dict(chars_match=True, state_match=False, dispatch_confirmed=False,
                      outcome="wrong_state")
        else:
            kw = dict(chars_match=False, state_match=same_state, dispatch_confirmed=False,
                      outcome="misread")
        when = at + dt.timedelta(minutes=float(r.uniform(1, 20)))
        kw.update(seen_plate=plate, seen_state=state)  # what the officer saw
        got = staff.attempt(staff.rota(d), lambda a, h=hit_id, k=kw, w=when: hotlists.verify_hit(
            gov, a, h, at=w, **k))
        if got is not None:
            o = str(kw["outcome"])
            staff.result.verifications[o] = staff.result.verifications.get(o, 0) + 1
