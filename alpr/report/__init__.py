"""The annual re-evaluation report the policy asks for (General Order 140.3, re-evaluated
annually): ``build_annual_report`` gathers the year's figures through the access-control
layer and writes a self-contained HTML file and a PDF.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alpr.governance import audit
from alpr.governance.access import Actor, Governance
from alpr.governance.records import RetentionPolicy
from alpr.report.collect import ReportData, collect
from alpr.report.render import pdf_page_png, render_html, write_pdf

__all__ = ["ReportData", "build_annual_report", "collect", "pdf_page_png", "render_html"]


def build_annual_report(gov: Governance, actor: Actor, year: int, out: Path,
                        pdf: Path | None = None, now: dt.datetime | None = None,
                        retention: RetentionPolicy | None = None,
                        model_dir: Path | None = None) -> ReportData:
    """Write the report for ``year`` to ``out`` (HTML) and, if given, ``pdf``; audited."""
    data = collect(gov, actor, year, now=now, retention=retention, model_dir=model_dir)
    text = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    if pdf is not None:
        write_pdf(text, pdf)
    with gov._tx() as s:
        audit.append(s, actor.username, "report.annual", str(year),
                     {"html": str(out), "pdf": str(pdf) if pdf else None})
    return data
