"""Panel dashboards for administrators: equipment health, misreads, compliance, model quality.

Built the way Panel's structuring guide asks: a data store (:mod:`alpr.dashboards.store`, a
``param.Parameterized`` holding the filters and cached SQL aggregates, reached only through
the access-control layer), views that only build components (:mod:`alpr.dashboards.views`),
and thin app files in ``dashboards/``. :func:`serve` runs them behind a login against the
store's users (:mod:`alpr.dashboards.auth`).
"""

from __future__ import annotations

from typing import Any


def serve(db_url: str | None = None, port: int = 5006, address: str | None = None,
          show: bool = False, **kwargs: Any) -> Any:
    """Serve the dashboards (blocking unless ``threaded=True``); see :mod:`.server`."""
    from alpr.dashboards.server import serve as _serve

    return _serve(db_url, port=port, address=address, show=show, **kwargs)
