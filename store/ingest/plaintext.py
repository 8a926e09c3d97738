"""Plain text (.txt, .md) as the seeds come: title line, optional ``date`` line, paragraphs.

The first non-empty line is the title. A leading ``date YYYY-MM[-DD]`` is the
publication date; in the German seed it shares the first line with the title.
Nothing else in the text is read as a date: the Ukrainian seed ends with a list of
other posts dated March 2025, which is not its date.
"""

from __future__ import annotations

import re

from article_triage.store.ingest.model import ExtractedArticle, IngestError
from article_triage.store.text import normalise_paragraph, split_paragraphs

EXTRACTOR = "article-triage.plaintext"
EXTRACTOR_VERSION = "1"
_DATE_LINE_RE = re.compile(
    r"^date\s+(\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)\b[ \t]*(.*)$", re.I
)


def parse_plaintext(text: str) -> ExtractedArticle:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    published = None
    title = None
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and (match := _DATE_LINE_RE.match(lines[index].strip())):
        published = match.group(1)
        title = normalise_paragraph(match.group(2)) or None
        index += 1
    if title is None:
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index < len(lines):
            title = normalise_paragraph(lines[index])
            index += 1
    paragraphs = split_paragraphs("\n".join(lines[index:]))
    if not paragraphs and title:
        paragraphs = [title]
    if not paragraphs:
        raise IngestError("empty: no text")
    return ExtractedArticle(
        paragraphs=paragraphs,
        title=title,
        published=published,
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
    )
