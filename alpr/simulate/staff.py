"""The department's people: the simulation administrator that bootstraps the store, the
demo administrator, the operators (the last one's SLED/NCIC certification lapses half-way)
and an auditor; and acting as the first of several people the access policy allows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alpr.governance.access import AccessDenied, Actor, Governance
from alpr.simulate.config import SimulationConfig
from alpr.simulate.result import SimulationResult


@dataclass
class Staff:
    """Who works in the department, and the run's tally of denied attempts."""

    gov: Governance
    sim: Actor  # the simulation administrator (system): bootstraps, ingests
    admin: Actor
    operators: list[Actor]
    result: SimulationResult

    def attempt(self, people: list[Actor], act: Callable[..., Any]
                ) -> tuple[Actor, Any] | None:
        """``act`` as the first of ``people`` the policy allows; each denial is audited by
        the access-control layer and counted in the result (None: all were denied)."""
        for who in people:
            try:
                return who, act(who)
            except AccessDenied:
                self.result.denied += 1
        return None

    def rota(self, k: int) -> list[Actor]:
        """The operators, starting with the ``k``-th (whose turn it is) and round."""
        ops = self.operators
        return [ops[(k + i) % len(ops)] for i in range(len(ops))]


def hire(gov: Governance, cfg: SimulationConfig, result: SimulationResult) -> Staff:
    """Bootstrap the empty store as ``simulator`` and create the demo administrator, the
    operators ``ofc-01``.. and the auditor, all certified (``cfg.admin_password``)."""
    pw = cfg.admin_password
    until = cfg.day(cfg.days + 365)
    sim = gov.bootstrap_admin("simulator", "Department simulator (system)", pw,
                              certified_until=until)
    since = cfg.start - dt.timedelta(days=200)

    def certify(name: str, sled_until: dt.date | None = None) -> None:
        gov.record_certification(sim, name, "alpr_training", since, until)
        gov.record_certification(sim, name, "sled_ncic", since, sled_until or until)

    admin = gov.create_user(sim, "admin", "Demo Administrator", "administrator", pw)
    certify("admin")
    operators: list[Actor] = []
    for i in range(cfg.operators):
        name = f"ofc-{i + 1:02d}"
        operators.append(gov.create_user(sim, name, f"Officer {i + 1}", "operator", pw))
        # the last operator's SLED/NCIC certification lapses half-way through (I.B)
        certify(name, cfg.day(max(cfg.days // 2, 1)) if i == cfg.operators - 1 else None)
    gov.create_user(sim, "auditor", "Department Auditor", "auditor", pw)
    certify("auditor")
    return Staff(gov, sim, admin, operators, result)
