"""Misreads page of the administrators' dashboards (served by `alpr serve`)."""

from alpr.dashboards.app import page

page("misreads").servable()
