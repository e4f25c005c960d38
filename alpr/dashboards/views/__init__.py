"""Views: each page's components, built from a :class:`~alpr.dashboards.store.DashboardStore`.

Views only build components (they hold no queries and no state); the same functions work in
a notebook: ``equipment.view(store)``.
"""
