"""The sample articles and their English sidecars agree with each other.

The importer pairs each stored paragraph with a sidecar "original"; a sidecar that
drifts from its source silently leaves paragraphs untranslated in the reader.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from article_triage.store.text import normalise_paragraph, split_paragraphs

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_articles"
SHARED = REPO.parent / "shared"

SIDECAR_SUFFIX = ".translation.json"
SEEDS = ("000_6fe1eb639fd6362b.txt", "004_f2541a07a88647a1.txt")
ENGLISH_SOURCES = {"103_en_kazakhstan_arms_export_moratorium.txt"}
LEADING_DATE = re.compile(r"^date \d{4}-\d{2}(?:-\d{2})?(?:\s+|$)")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def sources() -> list[Path]:
    return sorted(
        p
        for p in SAMPLES.iterdir()
        if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX) and p.name != "README.md"
    )


def sidecars() -> list[Path]:
    return sorted(SAMPLES.glob(f"*{SIDECAR_SUFFIX}"))


def source_of(sidecar: Path) -> Path:
    return sidecar.with_name(sidecar.name.removesuffix(SIDECAR_SUFFIX))


def load_pairs(sidecar: Path) -> list[dict]:
    return json.loads(sidecar.read_text(encoding="utf-8"))["paragraphs"]


def text_paragraphs(path: Path) -> list[str]:
    """Paragraphs of a .txt article as stored: the leading `date ...` is not one."""
    paragraphs = split_paragraphs(path.read_text(encoding="utf-8"))
    title = LEADING_DATE.sub("", paragraphs[0], count=1).strip()
    return ([title] if title else []) + paragraphs[1:]


class _BlockText(HTMLParser):
    """Text of each h1 and p element inside <article>, one string per element."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._in_article = 0
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self._in_article += 1
        elif self._in_article and tag in ("h1", "p"):
            self._current = []

    def handle_endtag(self, tag):
        if tag == "article":
            self._in_article -= 1
        elif tag in ("h1", "p") and self._current is not None:
            self.blocks.append(normalise_paragraph("".join(self._current)))
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)


def html_blocks(path: Path) -> list[str]:
    parser = _BlockText()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.blocks


def feed_items(path: Path) -> list[ET.Element]:
    return list(ET.parse(path).getroot().iter("item"))


def feed_paragraphs(path: Path) -> list[str]:
    paragraphs = []
    for item in feed_items(path):
        paragraphs.append(normalise_paragraph(item.findtext("title")))
        paragraphs.extend(split_paragraphs(item.findtext("description")))
    return paragraphs


def test_seeds_are_unchanged():
    if not (SHARED / "seeds").exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    for name in SEEDS:
        assert (SAMPLES / name).read_bytes() == (SHARED / "seeds" / name).read_bytes(), name


def test_every_non_english_source_has_a_sidecar_and_every_sidecar_a_source():
    expected = {p.name for p in sources() if p.name not in ENGLISH_SOURCES}
    assert {source_of(s).name for s in sidecars()} == expected
    assert len(expected) >= 6


def test_readme_labels_every_sample():
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for path in sources():
        line = next((ln for ln in readme.splitlines() if f"`{path.name}`" in ln), None)
        assert line is not None, f"{path.name} is not listed in sample_articles/README.md"
        label = "seed article" if path.name in SEEDS else "written for this project, fictional"
        assert label in line, path.name


@pytest.mark.parametrize("sidecar", sidecars(), ids=lambda p: p.name)
def test_sidecar_shape(sidecar):
    document = json.loads(sidecar.read_text(encoding="utf-8"))
    assert set(document) == {"target_lang", "provider", "source_lang", "paragraphs"}
    assert document["target_lang"] == "en"
    assert document["provider"] == "sample"
    assert LANGUAGE_CODE.match(document["source_lang"])
    assert document["source_lang"] != "en"
    assert document["paragraphs"]
    for pair in document["paragraphs"]:
        assert set(pair) == {"original", "translation"}
        for field in ("original", "translation"):
            # Stored paragraphs are normalised; a sidecar that is not would never match.
            assert isinstance(pair[field], str) and pair[field], pair
            assert normalise_paragraph(pair[field]) == pair[field], pair[field]


@pytest.mark.parametrize(
    "sidecar", [s for s in sidecars() if source_of(s).suffix == ".txt"], ids=lambda p: p.name
)
def test_text_sidecar_covers_exactly_the_stored_paragraphs(sidecar):
    paragraphs = text_paragraphs(source_of(sidecar))
    originals = [pair["original"] for pair in load_pairs(sidecar)]
    assert [o for o in originals if o not in paragraphs] == []
    assert [p for p in paragraphs if p not in originals] == []


def test_text_sources_have_a_title_and_at_most_a_leading_date():
    for path in sources():
        if path.suffix != ".txt":
            continue
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        assert len(text_paragraphs(path)) >= 4, path.name
        assert not any(LEADING_DATE.match(ln) for ln in lines[1:]), path.name


@pytest.mark.parametrize(
    "sidecar", [s for s in sidecars() if source_of(s).suffix == ".html"], ids=lambda p: p.name
)
def test_html_sidecar_matches_the_article_body(sidecar):
    blocks = html_blocks(source_of(sidecar))
    originals = [pair["original"] for pair in load_pairs(sidecar)]
    assert [o for o in originals if o not in blocks] == []
    # Title, lead and at least three body paragraphs are translated.
    assert len(originals) >= 5


def test_html_page_has_what_publisher_and_date_detection_read():
    page = next(p for p in sources() if p.suffix == ".html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="[a-z]{2}">', page)
    assert '<meta charset="utf-8">' in page
    assert re.search(r'<link rel="canonical" href="https://de\.rt\.com/[^"]+">', page)
    assert re.search(r'<meta property="article:published_time" content="\d{4}-\d\d-\d\dT', page)
    # The boilerplate the extractor must drop is there to be dropped.
    for marker in ('class="cookie-banner"', "<nav", "<aside", "<footer"):
        assert marker in page


@pytest.mark.parametrize(
    "sidecar", [s for s in sidecars() if source_of(s).suffix == ".xml"], ids=lambda p: p.name
)
def test_feed_sidecar_covers_every_entry(sidecar):
    paragraphs = feed_paragraphs(source_of(sidecar))
    originals = [pair["original"] for pair in load_pairs(sidecar)]
    assert [o for o in originals if o not in paragraphs] == []
    assert [p for p in paragraphs if p not in originals] == []


def test_feed_entries_are_offline_multisentence_and_dated():
    feed = next(p for p in sources() if p.suffix == ".xml")
    assert ET.parse(feed).getroot().get("version") == "2.0"
    items = feed_items(feed)
    assert len(items) == 3
    for item in items:
        assert item.findtext("link").startswith("https://example.invalid/")
        assert parsedate_to_datetime(item.findtext("pubDate")).year == 2023
        assert len(re.findall(r"[.。]", item.findtext("description"))) >= 3


def test_importing_the_folder_gives_every_sample_its_translation(db):
    """The README's first command: every sample imports and reads side by side."""
    from article_triage.store.ingest import ImportOptions, import_sources

    # The feed links to example.invalid, which never resolves; fetching stays off all the same
    # (tests never leave 127.0.0.1), so entries are built from the feed.
    report = import_sources(db, [str(SAMPLES)], ImportOptions(workers=1, fetch_feed_links=False))
    assert (report.failed, report.duplicates, report.near_duplicates) == (0, 0, 0), report.failures
    feed = next(p for p in sources() if p.suffix == ".xml")
    assert report.imported == len(sources()) - 1 + len(feed_items(feed))

    rows = db.execute(
        """SELECT a.source, a.language, a.paragraph_count, count(t.paragraph_index)
           FROM articles a LEFT JOIN translations t
             ON t.article_id = a.id AND t.target_lang = 'en' AND t.provider = 'sample'
           GROUP BY a.id"""
    ).fetchall()
    untranslated = {
        Path(source).name: (language, total, translated)
        for source, language, total, translated in rows
        if translated != (0 if language == "en" else total)
    }
    assert untranslated == {}
    assert sorted(language for _, language, _, _ in rows) == sorted(
        ["uk", "de", "ru", "kk", "en", "de", "zh", "uk", "kk"]
    )
