"""The import's own parse of a page gives what trafilatura's would, and costs the workers less.

store.ingest.extract parses each page once, with trafilatura's parser options but
lxml's C-level element classes, and hands that one tree to the metadata and to
trafilatura; the workers inherit everything reading a page needs from the parent.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from article_triage.store.ingest import extract
from article_triage.store.ingest.decode import decode_bytes
from article_triage.store.ingest.model import IngestError


def _through_trafilaturas_parse(monkeypatch, text: str) -> dict | str:
    with monkeypatch.context() as patched:
        patched.setattr(extract, "parse_html", load_html)
        return _extracted(text)


def _extracted(text: str) -> dict | str:
    try:
        return asdict(extract.extract_html(text, url="https://example.org/page"))
    except IngestError as exc:
        return f"IngestError: {exc}"


def _pages(samples, corpus_root) -> list:
    pages = sorted(samples.glob("*.html"))
    if corpus_root is not None:
        html = corpus_root / "html"
        pages += sorted((html / "encoding-edge").iterdir())
        for folder in ("trafilatura", "postlight"):
            pages += sorted(p for p in (html / folder).rglob("*") if p.is_file())[::12]
    return pages


@pytest.fixture
def corpus_or_none():
    """The shared corpus when it is beside this checkout; the sample pages alone otherwise."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return corpus if corpus.exists() else None


def test_pages_extract_the_same_from_our_parse_as_from_trafilaturas(
    monkeypatch, samples, corpus_or_none
):
    pages = _pages(samples, corpus_or_none)
    assert pages
    for page in pages:
        text = decode_bytes(page.read_bytes()).text
        ours = _extracted(text)
        assert ours == _through_trafilaturas_parse(monkeypatch, text), page.name
        tree = extract.parse_html(text)
        # every element an lxml.html element, as trafilatura expects, without
        # lxml.html's per-element Python lookup
        assert all(isinstance(e, HtmlElement) for e in tree.iter(etree.Element))
        assert type(tree) is HtmlElement


@pytest.mark.parametrize(
    "text",
    [
        "<p>one paragraph, no document around it</p>",  # dubious: rejected as not HTML
        "just words, no markup at all",
        "<?xml version='1.0' encoding='iso-8859-1'?><html><body><p>declared</p></body></html>",
        "<!DOCTYPE html/><html><body><p>doctype with a slash</p></body></html>",
        "<html/>\n<body><p>self-closing html</p></body>",
        "<html><body><p>control \x01\x0b characters \ufffe here</p></body></html>",
        "<html><head><title>t</title></head><body><form><input value='x'>"
        "<label>l</label><select><option>o</option></select></form><p>text</p></body></html>",
        "   ",
    ],
)
def test_parse_takes_the_same_repairs_and_fallbacks_as_trafilatura(text):
    ours = extract.parse_html(text)
    theirs = load_html(text)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)


def test_simhash_values_hold_without_importing_numpy_ma():
    # Stored simhashes are compared with new ones, so the values must never change;
    # np.unique's first call imports numpy.ma, which every worker then paid for.
    script = (
        "import sys\n"
        "from article_triage.store.ingest.simhash import simhash64\n"
        "print([simhash64(t) for t in (['a b c a b c d e f g a b c'], ['x'], ['x y'], [''],"
        " ['Казахстан на рік призупиняє експорт військової продукції ' * 5])])\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == (
        "[3305331084460395462, 5395104992458594383, 757449460845641807, 0, 374666054607134332]"
    )
    assert out[1] == "False"


def test_workers_forked_after_the_preload_import_nothing_to_read_a_page(samples, tmp_path):
    # What a worker would import on its first page (trafilatura, htmldate, the feed
    # sniffer, numpy, outlets' domains) is imported once in the parent instead.
    page = sorted(samples.glob("*.html"))[0]
    script = (
        "import sys\n"
        "from article_triage.store.ingest.language import DEFAULT_LANGUAGES\n"
        "from article_triage.store.ingest.pipeline import _preload_for_workers\n"
        "from article_triage.store.ingest.read import WorkerSettings, read_input\n"
        "from article_triage.store.ingest.sources import Input\n"
        "settings = WorkerSettings(20.0, 1 << 24, False, DEFAULT_LANGUAGES, False)\n"
        "_preload_for_workers(settings)\n"
        "before = set(sys.modules)\n"
        f"[result] = read_input(Input('page', path={str(page)!r}), settings)\n"
        "assert result.article is not None, result.error\n"
        "print(sorted(m for m in set(sys.modules) - before if not m.startswith('encodings.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
