"""An article's story signature: the names, numbers, dates and words it rests on, and when.

Keys are plain strings with a type prefix, so one inverted index serves them all:

    n:hrkv     a name (person, place, organisation) by its skeleton (store.stories.names)
    #:1500     a number as written (1 500, 1,500 and 1500 are one)
    y:2024     a year
    d:05-12    a day of a month ("12 May", "12 мая", "12. Mai", "5月12日")
    w:sancti   a content word (Latin, or Cyrillic transliterated), cut to six letters

The English translation, when one is stored, is read as a second text: its names and
words meet those of English originals and of other articles' translations, which is
what joins a Chinese article to a German one. Without it, names, numbers and dates
still cross scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from article_triage.store.stories.names import (
    ANCHOR_KINDS,
    MONTHS,
    alias_of,
    entity_key,
    han_aliases,
    is_anchor,
    to_latin,
)

NAME_WEIGHT = 3.0
GERMAN_NOUN_WEIGHT = 1.5
"""German capitalises every noun, so its capitalised words are weaker evidence of a name."""
NUMBER_WEIGHT = 2.0
YEAR_WEIGHT = 1.0
DATE_WEIGHT = 1.0
"""Weak: every report of the day names the day, whatever the event."""
WORD_WEIGHT = 1.0
STRONG_PREFIXES = ("n:", "#:", "d:")
"""Keys that go into the inverted index: a story is found through what it names."""
WORD_LENGTH = 6
LEAD_CHARS = 1500
"""Only the lead is read: news tells the who, where, when and how many first, and a
long page's tail (background, other stories, boilerplate) adds keys that cost time at
every comparison and say little about this event."""

_TOKEN_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-][^\W\d_])*", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"(?:[.!?…:;»\"“”„«]\s+|\n+|[。！？])")
_NUMBER_RE = re.compile(r"\d+(?:[\u00a0\u202f ]\d{3}(?!\d)|[.,]\d+)*")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+$")
_WORD_AFTER_RE = re.compile(r"\.?\s+([^\W\d_]+)")
_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)\s+$")
_HAN_MONTH_DAY_RE = re.compile(r"月(\d{1,2})日")
_ISO_TAIL_RE = re.compile(r"-(\d{2})-(\d{2})(?!\d)")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")

_STOPWORD_TEXT = """
    about above after again against also among amid another around because been before being
    below between both could did does doing down during each even every from further have
    having here hers herself himself into itself just least less like many more most much
    must near never next none only other ought ours over said same says several should since
    some such than that their theirs them then there these they this those though through
    told under until upon very want were what when where which while whom whose will with
    within without would year years your week weeks today yesterday tuesday monday wednesday
    thursday friday saturday sunday according reported report reports statement stated added
    also news people percent including told state first last still

    aber alle allem allen aller auch bereits dass dann darauf diese diesem dieser dieses durch
    eine einem einen einer eines etwa gegen hatte haben nach nicht noch oder ohne sagte seine
    seit sich sind soll sowie über unter wird wurde wurden werden zwei drei

    было быть если есть ещё также того этой этот этого этом которые который которая после
    более менее между через перед когда чтобы сообщил сообщает заявил также года году
    було бути також того цього яка який які після більш через перед коли щоби повідомив
    повідомляє заявив року році його їхні його

    және бойынша туралы деген жылы жылғы болды болып үшін сондай бірақ сәйкес
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
TITLES = frozenset(
    [
        "president",
        "director",
        "general",
        "minister",
        "prime",
        "chancellor",
        "mayor",
        "governor",
        "head",
        "chairman",
        "secretary",
        "commission",
        "ministry",
        "government",
        "foreign",
        "defence",
        "defense",
        "council",
    ]
)
"""Capitalised in English titles and translations ("Director General Rafael Grossi"),
but no name: they say nothing about which event it is."""


@dataclass(frozen=True)
class Signature:
    """What one article is compared on, and the days it may belong to."""

    keys: dict[str, float]
    """Key -> type weight (before inverse document frequency)."""
    anchors: frozenset[str]
    """Keys of the known people and cities it names (store.stories.names.ANCHOR_KINDS)."""
    first_day: int
    """Proleptic ordinal of the earliest day the article can be about (published, else added)."""
    last_day: int

    @property
    def strong_keys(self) -> list[str]:
        return [k for k in self.keys if k.startswith(STRONG_PREFIXES)]


def day_range(published: str | None, added_at: str | None) -> tuple[int, int]:
    """(first, last) day as ordinals: the published day, month or year, else the import day.

    A year alone says too little to place an event; the import day stands in for it
    as for a missing date.
    """
    for value in (published, added_at):
        if not value:
            continue
        parts = value[:10].split("-")
        try:
            if len(parts) >= 3:
                day = date(int(parts[0]), int(parts[1]), int(parts[2])).toordinal()
                return day, day
            if len(parts) == 2 and value is published:
                year, month = int(parts[0]), int(parts[1])
                first = date(year, month, 1).toordinal()
                nxt = date(year + month // 12, month % 12 + 1, 1).toordinal()
                return first, nxt - 1
        except ValueError:
            continue
    return 0, 0


def signature(
    title: str | None,
    text: str,
    language: str,
    translation: str | None,
    published: str | None,
    added_at: str | None,
) -> Signature:
    """The signature of one article from its title, text and (English) translation."""
    keys: dict[str, float] = {}
    anchors: set[str] = set()
    body = f"{title or ''}\n{text or ''}"
    _read(body[:LEAD_CHARS], language, keys, anchors)
    if translation:
        _read(translation[:LEAD_CHARS], "en", keys, anchors)
    first, last = day_range(published, added_at)
    return Signature(keys, frozenset(anchors), first, last)


def _add(keys: dict[str, float], key: str, weight: float) -> None:
    if keys.get(key, 0.0) < weight:
        keys[key] = weight


def _read(text: str, language: str, keys: dict[str, float], anchors: set[str]) -> None:
    has_han = _HAN_RE.search(text) is not None
    if has_han:
        for spelling, key, kind in han_aliases():
            if spelling in text:
                _add(keys, key, NAME_WEIGHT)
                if kind in ANCHOR_KINDS:
                    anchors.add(key)
    _numbers_and_dates(text, keys)
    name_weight = GERMAN_NOUN_WEIGHT if language == "de" else NAME_WEIGHT
    for sentence in _SENTENCE_END_RE.split(text):
        tokens = _TOKEN_RE.findall(sentence)
        for position, token in enumerate(tokens):
            if has_han and _HAN_RE.search(token):
                continue
            if token[0].isupper():
                alias = alias_of(token)
                if alias is not None:
                    _add(keys, alias[0], NAME_WEIGHT)
                    if alias[1] in ANCHOR_KINDS:
                        anchors.add(alias[0])
                    continue
                lower = token.lower()
                if lower in TITLES or lower in MONTHS or lower in STOPWORDS:
                    continue
                acronym = len(token) >= 2 and token.isupper()
                if position > 0 or acronym:
                    if len(token) >= 3 or acronym:
                        key = entity_key(token, language)
                        if len(key) > 3:
                            _add(keys, key, NAME_WEIGHT if acronym else name_weight)
                            if is_anchor(key):
                                anchors.add(key)
                    continue
            key = word_key(token)
            if key is not None:
                _add(keys, key, WORD_WEIGHT)


@lru_cache(maxsize=262_144)
def word_key(token: str) -> str | None:
    """'w:' and the word in folded Latin cut to six letters; None for short and stop words."""
    word = token.lower()
    if len(word) < 4 or word in STOPWORDS or word in MONTHS:
        return None
    return "w:" + to_latin(word)[:WORD_LENGTH]


def _numbers_and_dates(text: str, keys: dict[str, float]) -> None:
    """Numbers, years and dates in one pass over the figures of *text*.

    A figure next to a month name ("12 May", "May 12", "12. Mai", "12 мая"), in a
    Chinese date (5月12日) or an ISO date is a date, not a figure of the event.
    """
    skip_until = -1
    for match in _NUMBER_RE.finditer(text):
        start, end, raw = match.start(), match.end(), match.group()
        if start < skip_until:
            continue
        if raw.isdigit() and len(raw) <= 2:
            day = int(raw)
            han = _HAN_MONTH_DAY_RE.match(text, end)
            if han:
                _date_key(keys, day, int(han.group(1)))
                skip_until = han.end()
                continue
            after = _WORD_AFTER_RE.match(text, end)
            if after and (month := MONTHS.get(after.group(1).lower())):
                _date_key(keys, month, day)
                continue
            before = _WORD_BEFORE_RE.search(text, max(0, start - 24), start)
            if before and (month := MONTHS.get(before.group(1).lower())):
                _date_key(keys, month, day)
                continue
        elif len(raw) == 4 and raw.isdigit():
            iso = _ISO_TAIL_RE.match(text, end)
            if iso:
                _date_key(keys, int(iso.group(1)), int(iso.group(2)))
                skip_until = iso.end()
        value = _number(raw)
        if value is None:
            continue
        if value.isdigit() and 1900 <= int(value) <= 2099:
            _add(keys, f"y:{value}", YEAR_WEIGHT)
        elif not (value.isdigit() and int(value) < 10):
            _add(keys, f"#:{value}", NUMBER_WEIGHT)


def _date_key(keys: dict[str, float], month: int, day: int) -> None:
    if 1 <= month <= 12 and 1 <= day <= 31:
        _add(keys, f"d:{month:02d}-{day:02d}", DATE_WEIGHT)


def _number(raw: str) -> str | None:
    """'1 500', '1,500', '1.500' -> '1500'; '1,5' -> '1.5'; None for nothing usable."""
    if _THOUSANDS_RE.match(raw):
        return re.sub(r"\D", "", raw).lstrip("0") or "0"
    raw = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if raw.count(".") > 1:
        return None
    whole, _, fraction = raw.partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole
