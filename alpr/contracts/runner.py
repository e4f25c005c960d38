"""Run a contract's suite over a frame with Great Expectations and report the outcome: each
failed expectation with its rule, scope, count and example rows; which lines are bad; and
whether the set is refused. Optionally writes Data Docs (HTML) for people to read.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpr.contracts.model import Contract, Frame

EXAMPLES = 5
_run_ids = itertools.count()


class ContractRefused(ValueError):
    """A dataset-level rule failed: the whole set is refused. Carries the report."""

    def __init__(self, report: ContractReport) -> None:
        super().__init__(report.summary())
        self.report = report


@dataclass(frozen=True)
class Failure:
    """One failed expectation: its rule and the rows that broke it."""

    expectation: str
    column: str | None
    scope: str
    rule: str
    unexpected: int
    rows: int
    lines: tuple[int, ...]
    examples: tuple[dict[str, Any], ...]
    observed: Any = None

    def __str__(self) -> str:
        where = f" [{self.expectation}" + (f" on {self.column}]" if self.column else "]")
        head = f"{self.scope} rule broken: {self.rule}{where}"
        if self.lines:
            head += f": {self.unexpected} of {self.rows} row(s)"
            ex = "; ".join(_example(e) for e in self.examples)
            return f"{head}, e.g. {ex}"
        return head + (f" (observed {self.observed})" if self.observed is not None else "")


def _example(row: dict[str, Any]) -> str:
    line = row.get("line")
    fields = ", ".join(f"{k}={v!r}" for k, v in row.items() if k != "line")
    return f"line {line}: {fields}"


@dataclass
class ContractReport:
    """The outcome of one contract run over one data set."""

    kind: str
    source: str
    rows: int
    failures: list[Failure] = field(default_factory=list)
    notes: str = ""
    docs: Path | None = None

    @property
    def refused(self) -> bool:
        """A dataset rule failed: nothing of this set may be used."""
        return any(f.scope == "dataset" for f in self.failures)

    @property
    def bad_lines(self) -> frozenset[int]:
        """Lines that break a row rule (drop these, keep the rest)."""
        return frozenset(ln for f in self.failures if f.scope == "row" for ln in f.lines)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        verdict = ("REFUSED (a dataset rule is broken)" if self.refused else
                   f"{len(self.bad_lines)} bad row(s) dropped, {self.rows - len(self.bad_lines)}"
                   f" kept" if self.bad_lines else "passed")
        lines = [f"contract {self.kind} on {self.source}: {self.rows} row(s): {verdict}"]
        lines += [f"  {f}" for f in self.failures]
        if self.notes:
            lines.append(self.notes)
        if self.docs:
            lines.append(f"Data Docs: {self.docs}")
        return "\n".join(lines)


def _quiet_context(docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in list(ctx.variables.data_docs_sites or {}):
        ctx.delete_data_docs_site(site)  # the default site writes to a temporary folder
    if docs_dir is not None:
        ctx.add_data_docs_site("alpr", {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(docs_dir).resolve())}})
    return ctx


def validate(contract: Contract, frame: Frame, source: str = "",
             docs_dir: Path | None = None) -> ContractReport:
    """Validate ``frame`` against ``contract``'s suite; Data Docs go to ``docs_dir``."""
    import great_expectations as gx

    ctx = _quiet_context(docs_dir)
    run = next(_run_ids)
    asset = ctx.data_sources.add_pandas(f"{contract.kind}-{run}").add_dataframe_asset(
        contract.kind)
    batch = asset.add_batch_definition_whole_dataframe(source or contract.kind)
    suite = ctx.suites.add(contract.suite(frame))
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(
        name=f"{contract.kind}: {source}" if source else contract.kind, data=batch, suite=suite))
    params = {"dataframe": frame.data.rename_axis(None)}
    if docs_dir is None:
        result = vd.run(batch_parameters=params, result_format="COMPLETE")
    else:
        cp = ctx.checkpoints.add(gx.Checkpoint(
            name=f"{contract.kind}-check", validation_definitions=[vd],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=["alpr"])],
            result_format={"result_format": "COMPLETE"}))
        result = next(iter(cp.run(batch_parameters=params).run_results.values()))
    report = ContractReport(kind=contract.kind, source=source, rows=len(frame.data))
    for r in result.results:
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(f"contract {contract.kind}: expectation "
                               f"{r.expectation_config.type} could not run: "
                               f"{r.exception_info.get('exception_message')}")
        failure = _failure(r, frame)
        if failure is not None:
            report.failures.append(failure)
    if contract.describe is not None:
        report.notes = contract.describe(frame)
    if docs_dir is not None:
        docs_dir = Path(docs_dir)
        (docs_dir / "summary.txt").write_text(report.summary() + "\n", encoding="utf-8")
        report.docs = docs_dir / "index.html"
    return report


def _failure(r: Any, frame: Frame) -> Failure | None:
    cfg = r.expectation_config
    meta = cfg.meta or {}
    scope = meta.get("scope", "row")
    res = r.result or {}
    lines = tuple(_line(i) for i in res.get("unexpected_index_list") or ())
    if r.success and not (scope == "row" and lines):
        return None
    kwargs = cfg.kwargs
    column = kwargs.get("column") or (
        f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None)
    return Failure(expectation=cfg.type, column=column, scope=scope,
                   rule=meta.get("rule", cfg.type), unexpected=len(lines)
                   or int(res.get("unexpected_count") or 0), rows=len(frame.data), lines=lines,
                   examples=tuple(_examples(frame, lines[:EXAMPLES], column)),
                   observed=res.get("observed_value"))


def _line(index: Any) -> int:
    """A line number from GX's unexpected index (a dict when the index is named)."""
    return int(next(iter(index.values())) if isinstance(index, dict) else index)


def _examples(frame: Frame, lines: tuple[int, ...], column: str | None) -> list[dict[str, Any]]:
    cols: list[str] = []
    for c in (column or "").split(","):
        if not c:
            continue
        for src in frame.sources.get(c, (c,)):
            if src not in cols:
                cols.append(src)
    out = []
    for ln in lines:
        row: dict[str, Any] = {"line": ln}
        for c in cols:
            table = frame.raw if c in frame.raw.columns else frame.data
            if c in table.columns:
                row[c] = _plain(table.at[ln, c])
        if column and "," not in column and column not in row and column in frame.data:
            row[column] = _plain(frame.data.at[ln, column])
        out.append(row)
    return out


def _plain(v: Any) -> Any:
    if v is None:
        return None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v.item() if hasattr(v, "item") else v
