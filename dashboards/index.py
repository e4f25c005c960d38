"""Landing page of the administrators' dashboards: the pages the signed-in user may open."""

from alpr.dashboards.app import home

home().servable()
