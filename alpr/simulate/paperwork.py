"""The rest of a day's work, all dated at its simulated time: weekly equipment checks, a
manual hot-list entry every third day (half removed by their owner at expiry, half left past
it), one or two historical searches (15 % without a case number), and a weekly data share
under a request the administrator decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from alpr.governance import equipment, hotlists, records, sharing
from alpr.governance.access import Actor
from alpr.simulate.clock import at_hour
from alpr.simulate.staff import Staff
from alpr.simulate.traffic import Vehicle

PURPOSES = ("Burglary investigation, suspect vehicle seen near scene",
            "Hit and run follow-up, partial plate from witness",
            "Missing person welfare check, last known vehicle",
            "Stolen vehicle recovery, reviewing recent sightings")


class Paperwork:
    """The day's paperwork of ``cameras``; ``verify(d, at)`` verifies the new hits (a manual
    entry is matched against past reads when added)."""

    def __init__(self, staff: Staff, cameras: list[str], commuters: list[Vehicle],
                 verify: Callable[[int, dt.datetime], None]) -> None:
        self.staff = staff
        self.cameras = cameras
        self.commuters = commuters
        self.verify = verify
        self.pending_removal: list[tuple[Actor, int, dt.date]] = []  # manual entries

    def day(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        self._checks(d, day)
        self._manual_entry(d, day, r)
        self._searches(d, day, r)
        if d % 7 == 3:
            self._share(d, day, r)

    def _checks(self, d: int, day: dt.date) -> None:
        staff, g = self.staff, self.staff.gov
        for i, cam in enumerate(self.cameras):  # weekly equipment checks
            if (d + i) % 7 == 0:
                at = at_hour(day, 9.0 + 0.1 * (i % 10))
                staff.attempt(staff.rota(d + i), lambda a, c=cam, t=at: equipment.record_check(
                    g, a, c, True, True, at=t))

    def _manual_entry(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        staff, g = self.staff, self.staff.gov
        if d % 3 == 1 and self.commuters:  # a manual entry, some left past expiry
            v = self.commuters[int(r.integers(len(self.commuters)))]
            now = at_hour(day, 10.0)
            expires = now + dt.timedelta(days=int(r.integers(2, 5)))
            got = staff.attempt(staff.rota(d + 1), lambda a: hotlists.add_manual_entry(
                g, a, v.plate, v.state, "bolo", PURPOSES[d % len(PURPOSES)], expires,
                case_number=f"2026-{1000 + d:05d}", now=now))
            if got is not None:
                staff.result.manual_entries += 1
                self.verify(d, now)
                if r.random() < 0.5:  # the owner removes it at expiry; others linger
                    self.pending_removal.append((got[0], got[1][0], expires.date()))
        for owner, entry_id, on in list(self.pending_removal):
            if on <= day:
                staff.attempt([owner, staff.admin], lambda a, e=entry_id:
                              hotlists.remove_manual_entry(g, a, e,
                                                           "Case closed; vehicle located"))
                self.pending_removal.remove((owner, entry_id, on))

    def _searches(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        staff, g = self.staff, self.staff.gov
        rules = records.SearchRules(require_case_number=False)
        for k in range(int(r.integers(1, 3))):  # historical searches
            if not self.commuters:
                break
            v = self.commuters[int(r.integers(len(self.commuters)))]
            case = None if r.random() < 0.15 else f"2026-{2000 + d * 3 + k:05d}"
            why = PURPOSES[(d + k) % len(PURPOSES)]
            when = at_hour(day, 11.0 + 2.5 * k + float(r.uniform(0, 2)))
            got = staff.attempt(staff.rota(d + k + 2), lambda a, p=v.plate, c=case, w=why,
                                t=when: records.search_reads(g, a, purpose=w, case_number=c,
                                                             plate=p, rules=rules, at=t))
            staff.result.searches += got is not None

    def _share(self, d: int, day: dt.date, r: np.random.Generator) -> None:
        """A data share under an approved request."""
        staff, g = self.staff, self.staff.gov
        asker = staff.rota(d + 3)[0]
        got = staff.attempt([asker, *staff.operators], lambda a: sharing.request_access(
            g, a, "data_share", "Regional task force request, auto theft ring",
            case_number=f"2026-{3000 + d:05d}", at=at_hour(day, 13.0)))
        if got is not None:
            who, req = got
            approve = r.random() < 0.85
            sharing.decide(g, staff.admin, req, approve,
                           "Approved: legitimate purpose" if approve else "Denied: no case",
                           at=at_hour(day, 15.0))
            if approve and staff.attempt([who], lambda a: sharing.share(
                    g, a, req, "State Police Auto Theft Unit",
                    "Regional task force request, auto theft ring",
                    f"reads of 3 plates, {day.isoformat()}", int(r.integers(5, 60)),
                    at=at_hour(day, 16.5))):
                staff.result.shares += 1
