"""The labelled citation set is well-formed, so the benchmark's scores mean something.

Each line labels one short news text: the outlets it attributes a claim to, the
outlets it only names, and (for lines with a URL) the publisher the URL belongs to.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from article_triage.store.outlets.registry import SHARED_OUTLET_KEYS
from article_triage.store.text import strip_control

LABELLED = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "citations_labelled.jsonl"
LANGUAGES = {"uk", "ru", "de", "en", "kk", "zh"}
FIELDS = {"id", "lang", "text", "url", "publisher", "attributed", "mentioned"}

# The vocabulary shared with the outlet registry (store/outlets): a label outside it
# could never be matched and would silently count as a miss.
# The keys the labels may use are the registry's shared vocabulary.
OUTLET_KEYS = frozenset(SHARED_OUTLET_KEYS)

# URLs the publisher detector must get right, including look-alike hosts.
REQUIRED_HOSTS = {
    "de.rt.com": "rt",
    "russian.rt.com": "rt",
    "www.art.com": None,
    "tass.example.org": None,
    "www.ukrinform.ua": "ukrinform",
    "ria.ru": "ria-novosti",
    "sputnik.kz": "sputnik",
    "ru.sputnik.kz": "sputnik",
    "www.radiosvoboda.org": "rferl",
    "primeminister.kz": "kz-government",
    "www.rt.com.evil.example": None,
}

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Letters of one Cyrillic alphabet and not the others (Kazakh and Ukrainian share і).
KAZAKH_ONLY = re.compile(r"[әғқңөұүһӘҒҚҢӨҰҮҺ]")
NOT_RUSSIAN = re.compile(r"[іїєґІЇЄҐ]")
SENTENCE_END = re.compile(r"[.!?](?:\s|$)|[。？！]")


def load_rows() -> list[dict]:
    rows = []
    for number, line in enumerate(LABELLED.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"blank line {number}"
        row = json.loads(line)
        assert isinstance(row, dict), f"line {number} is not an object"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load_rows()


def is_trap(row: dict) -> bool:
    return not row["attributed"] and not row["mentioned"]


def test_every_line_has_exactly_the_agreed_fields(rows):
    assert len(rows) >= 90
    for row in rows:
        assert set(row) == FIELDS, row.get("id")
        assert isinstance(row["text"], str) and row["text"].strip(), row["id"]
        assert isinstance(row["attributed"], list) and isinstance(row["mentioned"], list)


def test_ids_are_unique_and_name_their_language(rows):
    ids = [row["id"] for row in rows]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for row in rows:
        assert re.fullmatch(rf"{row['lang']}-\d{{3}}", row["id"]), row["id"]


def test_languages_are_covered(rows):
    counts = Counter(row["lang"] for row in rows)
    assert set(counts) == LANGUAGES
    assert min(counts.values()) >= 12, counts


def test_labels_use_only_the_shared_outlet_keys(rows):
    for row in rows:
        labels = row["attributed"] + row["mentioned"]
        assert set(labels) <= OUTLET_KEYS, (row["id"], set(labels) - OUTLET_KEYS)
        assert len(labels) == len(set(labels)), f"{row['id']}: an outlet is listed twice"
        assert row["publisher"] is None or row["publisher"] in OUTLET_KEYS, row["id"]


def test_enough_look_alike_traps(rows):
    assert sum(is_trap(row) for row in rows) >= 20
    # Traps in every language, not just the easy ones.
    assert {row["lang"] for row in rows if is_trap(row)} == LANGUAGES


def test_urls_are_absolute_and_publisher_only_comes_with_a_url(rows):
    with_url = [row for row in rows if row["url"] is not None]
    assert len(with_url) >= 15
    for row in rows:
        if row["url"] is None:
            assert row["publisher"] is None, row["id"]
            continue
        parts = urlsplit(row["url"])
        assert parts.scheme in ("http", "https") and parts.hostname, row["id"]


def test_tricky_hosts_are_labelled(rows):
    labelled = {urlsplit(row["url"]).hostname: row["publisher"] for row in rows if row["url"]}
    for host, publisher in REQUIRED_HOSTS.items():
        assert host in labelled, host
        assert labelled[host] == publisher, host


def test_texts_are_short_clean_and_in_their_language(rows):
    for row in rows:
        text, lang = row["text"], row["lang"]
        assert strip_control(text) == text, row["id"]
        assert len(text) <= 300, row["id"]
        assert 1 <= len(SENTENCE_END.findall(text)) <= 3, row["id"]
        if lang == "zh":
            assert HAN.search(text), row["id"]
        elif lang in ("ru", "uk", "kk"):
            assert CYRILLIC.search(text) and not HAN.search(text), row["id"]
            assert bool(KAZAKH_ONLY.search(text)) == (lang == "kk"), row["id"]
            if lang != "kk":
                assert bool(NOT_RUSSIAN.search(text)) == (lang == "uk"), row["id"]
        else:
            assert not CYRILLIC.search(text) and not HAN.search(text), row["id"]
