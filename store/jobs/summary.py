"""One summariser for every job report: (text, severity), the same in the CLI and the app.

The severity is decided here from the report's counts, never from the text.
Outside data in the text (sources, reasons) passes the door out (boundary.shown_line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from article_triage.store.boundary import shown_identity, shown_line

if TYPE_CHECKING:
    from article_triage.store.exchange import MergeReport
    from article_triage.store.feeds.refresh import RefreshReport
    from article_triage.store.ingest.model import ImportReport
    from article_triage.store.jobs.detecting import DetectReport
    from article_triage.store.jobs.exporting import ExportReport
    from article_triage.store.jobs.translating import TranslateJobReport

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Summary:
    text: str
    """One line."""
    severity: Severity
    details: tuple[str, ...] = field(default=())
    """One line per failure, for front ends that list them (the CLI does)."""
    stopped: bool = False
    """The job was asked to stop before the end; what it did is kept (the CLI exits 130)."""

    def __iter__(self):  # text, severity = summarise(report)
        return iter((self.text, self.severity))

    def one_line(self) -> str:
        """The text with the first detail, for a front end with room for one line."""
        return f"{self.text} ({self.details[0]})" if self.details else self.text


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


_SUMMARIES: dict[str, Callable[[Any], Summary]] = {}
"""Summary functions by the full name of the report class they say ("module.Class")."""


def summarises(report_class: str) -> Callable[[Callable[[Any], Summary]], Callable[[Any], Summary]]:
    """Register the summary of the report class named *report_class*. By name, not by
    class: importing every report's module here would load every job's code (ingest and
    numpy, the feeds, the merge rules) into a command that runs one."""

    def register(function: Callable[[Any], Summary]) -> Callable[[Any], Summary]:
        _SUMMARIES[report_class] = function
        return function

    return register


def summary_classes() -> tuple[str, ...]:
    """The report classes there is a summary for (their full names)."""
    return tuple(_SUMMARIES)


def summarise(report: object) -> Summary:
    for cls in type(report).__mro__:
        function = _SUMMARIES.get(f"{cls.__module__}.{cls.__qualname__}")
        if function is not None:
            return function(report)
    raise TypeError(f"no summary for {type(report).__name__}")


@summarises("article_triage.store.ingest.model.ImportReport")
def _(report: ImportReport) -> Summary:
    parts = [f"{report.imported:,} imported"]
    if report.near_duplicates:
        parts.append(f"{_plural(report.near_duplicates, 'near-duplicate')} (stored, linked)")
    parts.append(f"{_plural(report.duplicates, 'duplicate')} skipped")
    parts.append(f"{report.failed:,} failed")
    text = "Imported sources: " + ", ".join(parts)
    if report.interrupted:
        text += " (stopped)"
    details = tuple(
        f"failed: {shown_line(f.source)}: {shown_line(f.reason)}" for f in report.failures
    )
    severity: Severity = "information"
    if report.failed:
        severity = "error" if not (report.imported or report.near_duplicates) else "warning"
    return Summary(text, severity, details, stopped=report.interrupted)


@summarises("article_triage.store.jobs.translating.TranslateJobReport")
def _(job: TranslateJobReport) -> Summary:
    report = job.report
    if not job.selected:
        return Summary(f"Nothing to translate into {job.target}.", "information")
    parts = [f"translated {report.translated:,}"]
    if report.from_cache:
        parts.append(f"{report.from_cache:,} from cache")
    if report.skipped:
        parts.append(f"{report.skipped:,} already in {job.target}")
    parts.append(f"failed {job.failed:,}")
    text = f"Into {job.target}: " + ", ".join(parts)
    details = tuple(f"article {i}: {shown_line(reason)}" for i, reason in report.failed)
    if job.not_reached:
        details += (f"{_plural(job.not_reached, 'article')} not translated: the provider stopped",)
    if job.unreachable:
        stopped = f"{text}; stopped: {shown_line(job.unreachable)}"
        if job.hint:
            stopped += f"; {shown_line(job.hint)}"
        return Summary(stopped, "error", details)
    if report.interrupted:
        text += " (stopped; what was translated is saved, run again to resume)"
        return Summary(text, "warning", details, stopped=True)
    done = report.translated + report.from_cache + report.skipped
    severity: Severity = "information"
    if job.failed:
        severity = "warning" if done else "error"
    return Summary(text, severity, details)


@summarises("article_triage.store.jobs.exporting.ExportReport")
def _(report: ExportReport) -> Summary:
    where = shown_line(str(report.path)) if report.path is not None else "standard output"
    if report.interrupted and report.path is None:
        text = f"Export to {where} stopped after {_plural(report.records, 'record')}"
        return Summary(text, "warning", stopped=True)
    if report.interrupted:
        return Summary(f"Export stopped; {where} not written", "warning", stopped=True)
    return Summary(f"Exported {_plural(report.records, 'record')} to {where}", "information")


@summarises("article_triage.store.exchange.MergeReport")
def _(report: MergeReport) -> Summary:
    text = (
        f"{shown_line(report.path)}: {report.records} records, "
        f"{report.added_articles} articles added, {report.matched} matched; decisions: "
        f"{report.decisions_added} added, {report.decisions_updated} updated, "
        f"{report.unchanged} unchanged, {len(report.conflicts)} conflicting fields, "
        f"{len(report.errors)} records not merged"
    )
    details = tuple(shown_line(e) for e in report.errors)
    severity: Severity = "warning" if report.errors or report.conflicts else "information"
    return Summary(text, severity, details)


@summarises("article_triage.store.jobs.detecting.DetectReport")
def _(report: DetectReport) -> Summary:
    text = (
        f"Outlet detection rerun over {_plural(report.articles, 'article')}: "
        f"{report.publisher:,} with a known publisher, "
        f"{_plural(report.attributed, 'attribution')}, {_plural(report.mention, 'mention')}, "
        f"{_plural(report.suggested_flags, 'suggested flag')} "
        f"({_plural(report.outlets, 'outlet')} in the registry)"
    )
    if report.interrupted:
        text += " (stopped; run again to finish)"
        return Summary(text, "warning", stopped=True)
    return Summary(text, "information")


@summarises("article_triage.store.feeds.refresh.RefreshReport")
def _(report: RefreshReport) -> Summary:
    from article_triage.store.feeds.refresh import FAILED, GONE

    if not report.due:
        return Summary("Feeds: none is due", "information")
    counts = report.counts()
    text = (
        f"Feeds: {_plural(counts['articles_new'], 'new article')} from "
        f"{_plural(counts['feeds_new'], 'feed')}, {counts['feeds_unchanged']:,} unchanged, "
        f"{report.failed:,} failed"
    )
    if report.failed_entries:
        n = report.failed_entries
        text += f", {n:,} {'entry' if n == 1 else 'entries'} not imported"
    if report.stopped:
        text += " (stopped; the next refresh carries on)"
    details = tuple(
        f"{shown_identity(o.title)}: {shown_line(o.reason or o.status)}"
        for o in report.feeds
        if o.status in (FAILED, GONE)
    ) + tuple(
        f"{shown_identity(o.title)}: {shown_line(e)}" for o in report.feeds for e in o.entry_errors
    )
    failed = report.failed or report.failed_entries
    return Summary(text, "warning" if failed else "information", details, stopped=report.stopped)
