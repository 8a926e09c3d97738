"""What the user named, as a stream of inputs: files, folders (walked lazily), URLs, stdin.

Folders are walked one directory at a time so that 100,000 files never sit in
memory as a list; counting them for the progress bar is a separate, cheap pass.
A walk stays inside the folder the user named: links out of it are reported, not read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from article_triage.store.boundary import clean_url
from article_triage.store.ingest.decode import format_size

if TYPE_CHECKING:
    from article_triage.store.ingest.feeds import FeedEntry

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt", ".md"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf"})
IMPORTABLE_SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES | FEED_SUFFIXES
SIDECAR_SUFFIX = ".translation.json"
# Documentation that sits in folders of articles; still imported when named explicitly.
NOT_ARTICLES_IN_FOLDERS = frozenset({"readme", "license", "licence", "changelog", "attribution"})
STDIN = "-"
LINK_LEAVES_FOLDER = "link leaves the folder"


@dataclass(frozen=True)
class Input:
    display: str
    """As the user named it (or the path found in a folder): what reports show."""
    path: str | None = None
    url: str | None = None
    data: bytes | None = None
    error: str | None = None
    """Set when the input failed before it could be read (missing path, stdin too big)."""
    entry: FeedEntry | None = None
    """One entry of a feed already fetched (a refresh found it new): read as `add`
    reads a feed's entries, its linked page fetched; *url* is then the feed's."""


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def kind_hint(name: str) -> str | None:
    """ "html", "text" or "feed" from a file name (``.gz`` looked through), else None."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    suffix = os.path.splitext(lowered)[1]
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in FEED_SUFFIXES:
        return "feed"
    return None


def is_importable_name(name: str) -> bool:
    """Whether a file found in a folder walk is imported (sidecars and hidden files are not)."""
    if name.startswith(".") or name.lower().endswith(SIDECAR_SUFFIX):
        return False
    return kind_hint(name) is not None


@dataclass(frozen=True)
class Found:
    """A file found in a folder walk, or a link the walk refused to follow."""

    path: str
    """Where the walk found it (a link's own path): what reports show."""
    target: str | None = None
    """The file to read: the resolved path, so a link swapped later is not followed."""
    error: str | None = None


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _sorted_entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as scan:
            return sorted(scan, key=lambda e: e.name)
    except OSError:
        return []


def _wanted(name: str) -> bool:
    return is_importable_name(name) and name.split(".", 1)[0].lower() not in NOT_ARTICLES_IN_FOLDERS


def walk_folder(root: str) -> Iterator[Found]:
    """Importable files under *root*, depth first, in name order, one directory at a time.

    Iterative (a stack of directory listings), so depth is bounded by memory, not by
    Python's recursion limit. Symbolic links are resolved: one whose target lies
    outside *root* is reported (the user named this folder, not /etc), one inside is
    read at its target (a link to a folder inside is walked where the folder is).
    """
    real_root = os.path.realpath(root)
    stack = [iter(_sorted_entries(root))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                found = _follow_link(entry, real_root)
                if found is not None:
                    yield found
            elif entry.is_dir(follow_symlinks=False):
                stack.append(iter(_sorted_entries(entry.path)))
            elif entry.is_file(follow_symlinks=False) and _wanted(entry.name):
                yield Found(entry.path, target=os.path.abspath(entry.path))
        except OSError:
            continue


def _follow_link(entry: os.DirEntry[str], real_root: str) -> Found | None:
    target = os.path.realpath(entry.path)
    is_dir = os.path.isdir(target)
    if not (is_dir or _wanted(entry.name)):
        return None  # not something the walk would import anyway
    if not _within(target, real_root):
        return Found(entry.path, error=LINK_LEAVES_FOLDER)
    if is_dir or not os.path.isfile(target):
        return None  # a folder inside is walked at its own place; a dangling link is nothing
    return Found(entry.path, target=target)


def iter_inputs(sources: Iterable[str], max_bytes: int) -> Iterator[Input]:
    for source in sources:
        if source == STDIN:
            yield _read_stdin(max_bytes)
        elif is_url(source):
            # Reports name the URL without the password the user may have typed in it.
            yield Input(display=clean_url(source), url=source)
        else:
            path = Path(source)
            if path.is_dir():
                for found in walk_folder(str(path)):
                    yield Input(display=found.path, path=found.target, error=found.error)
            elif path.is_file():
                if path.name.lower().endswith(SIDECAR_SUFFIX):
                    yield Input(display=source, error="a translation sidecar, not an article")
                else:
                    yield Input(display=source, path=os.path.abspath(source))
            elif path.exists():
                yield Input(display=source, error="not a regular file")
            else:
                yield Input(display=source, error="no such file, folder or URL")


def count_inputs(sources: Iterable[str]) -> int:
    """How many inputs iter_inputs will yield (feeds count once)."""
    total = 0
    for source in sources:
        if source != STDIN and not is_url(source) and os.path.isdir(source):
            total += sum(1 for _ in walk_folder(source))
        else:
            total += 1
    return total


def _read_stdin(max_bytes: int) -> Input:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return Input(display=STDIN, error="standard input is not readable")
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        return Input(display=STDIN, error=f"over the {format_size(max_bytes)} size limit")
    return Input(display=STDIN, data=data)
