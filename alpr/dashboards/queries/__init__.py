"""SQL aggregates behind the pages, one module per page (``equipment``, ``misreads``,
``compliance``, ``model``) and what they share (``common``): each takes an open session and the
filters and returns a small DataFrame, so only aggregates (never millions of rows) leave the
database.

They run on SQLite and PostgreSQL. Callers reach them through
:class:`~alpr.dashboards.store.DashboardStore`, which checks permissions and writes the audit
trail first.
"""
