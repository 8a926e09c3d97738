"""Finding outlet names in article text, compiled once per registry.

Detection runs at import for every article, so nothing here loops over outlets
per paragraph. Aliases are split into word tokens; every Cyrillic word of four
letters or more is expanded into its inflected forms (Russian, Ukrainian and
Kazakh case endings: Укрінформ -> Укрінформу, «Первый канал» -> «Первого канала»,
Азаттық радиосы -> Азаттық радиосының). Each surface form points at its alias
word, and aliases form a trie over those words. A paragraph is first reduced to
the set of its words and checked against the forms that can start an alias (one
C-level set operation); only paragraphs that share a word are walked token by
token. Chinese has no spaces, so Chinese aliases are one regular expression run
only over paragraphs that contain CJK characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from article_triage.store.outlets.cues import COORDINATION_RE, cue_after, cue_before, has_descriptor

if TYPE_CHECKING:
    from article_triage.store.outlets.registry import Registry

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# Word characters other than CJK ones, so that "据RT报道" yields the token "RT".
_WORD = rf"[^\W{_CJK}]"
TOKEN_RE = re.compile(rf"{_WORD}+(?:['’ʼ]{_WORD}+)*")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
# What may stand between the words of one name: spaces, hyphens, slashes, quotes
# ("Радио «Свобода»", "RIA-Nowosti", "RFE/RL"), or a bare dot ("tass.ru", "Lenta.ru").
_GAP_RE = re.compile(r"[\s\-‐‑–/\"'«»„“”‘’‚‹›]{1,4}|\.")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_BYLINE_RE = re.compile(r"\s*(?:/[\w/ ]{1,20})?\)")
_OPEN_QUOTES = "\"'«„“‚‹‘"
_CLOSE_QUOTES = "\"'»“”’›‘"

# Endings stripped from a nominative alias word to get its stem (longest first).
_BASE_ENDINGS = sorted(
    [
        "ия",
        "ая",
        "яя",
        "ый",
        "ий",
        "ой",
        "ое",
        "ее",
        "ие",
        "ые",
        "а",
        "я",
        "о",
        "е",
        "ы",
        "и",
        "ь",
        "ъ",
        "й",
        "і",
        "ї",
        "є",
        "у",
        "ю",
    ],
    key=len,
    reverse=True,
)
_RU_UK_ENDINGS = [
    "а",
    "я",
    "у",
    "ю",
    "е",
    "є",
    "и",
    "і",
    "ї",
    "ы",
    "о",
    "ь",
    "й",
    "ом",
    "ем",
    "ём",
    "єм",
    "ой",
    "ою",
    "ей",
    "ею",
    "ам",
    "ям",
    "ами",
    "ями",
    "ах",
    "ях",
    "ов",
    "ев",
    "ів",
    "їв",
    "ий",
    "ый",
    "ій",
    "ая",
    "яя",
    "ое",
    "ее",
    "ого",
    "его",
    "ому",
    "ему",
    "ым",
    "им",
    "ім",
    "ую",
    "юю",
    "ых",
    "их",
    "іх",
    "ыми",
    "ими",
    "іми",
    "ої",
    "ьому",
    "ього",
    "ові",
    "еві",
    "єві",
    "ия",
    "ии",
    "ию",
    "ией",
    "иях",
    "иям",
    "иями",
    "ие",
    "ые",
]
_KK_POSSESSIVE = ["", "ы", "і", "сы", "сі"]
_KK_CASE = [
    "",
    "ның",
    "нің",
    "дың",
    "дің",
    "тың",
    "тің",
    "ға",
    "ге",
    "қа",
    "ке",
    "на",
    "не",
    "а",
    "е",
    "ны",
    "ні",
    "ды",
    "ді",
    "ты",
    "ті",
    "н",
    "да",
    "де",
    "та",
    "те",
    "нда",
    "нде",
    "дан",
    "ден",
    "тан",
    "тен",
    "нан",
    "нен",
    "мен",
    "бен",
    "пен",
    "дағы",
    "дегі",
    "тағы",
    "тегі",
    "ндағы",
    "ндегі",
]
CYRILLIC_ENDINGS = tuple(
    sorted({*_RU_UK_ENDINGS, *(p + c for p in _KK_POSSESSIVE for c in _KK_CASE)} - {""})
)
KAZAKH_ENDINGS = tuple(sorted({p + c for p in _KK_POSSESSIVE for c in _KK_CASE} - {""}))
LATIN_ENDINGS = ("s", "'s")


def fold(text: str) -> str:
    """Casefolded, with one apostrophe (str.replace is far faster than str.translate here)."""
    return text.casefold().replace("’", "'").replace("ʼ", "'")


token_key = fold


@dataclass(frozen=True)
class Citation:
    """One outlet named in a paragraph; the span is within the paragraph as stored."""

    outlet_key: str
    role: str  # 'attributed' | 'mention'
    paragraph_index: int
    start: int
    end: int
    matched_text: str
    cue: str = ""


@dataclass(frozen=True)
class _WordCheck:
    mode: str  # 'acronym', 'exact' (CamelCase), 'title' (capitalised), 'lower', 'any'
    stem: str

    def accepts(self, token: str) -> bool:
        if self.mode == "acronym":
            token = token.translate(_APOSTROPHES)
            return token == self.stem or token == self.stem + "'s"
        if self.mode == "exact":
            return token.translate(_APOSTROPHES).startswith(self.stem)
        if self.mode == "title":
            return token[:1].isupper()
        if self.mode == "lower":
            return token.islower()
        return True


@dataclass(frozen=True)
class _Alias:
    outlet_key: str
    checks: tuple[_WordCheck, ...]
    strict: bool
    source: bool
    order: int


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    aliases: list[_Alias] = field(default_factory=list)


@dataclass
class _Found:
    outlet_key: str
    start: int
    end: int
    strict: bool
    source: bool


def _word_forms(word: str, lone: bool) -> tuple[str, _WordCheck, set[str]]:
    """(trie id of the word, its case check, every surface form as a casefolded key)."""
    letters = [c for c in word if c.isalpha()]
    uppers = sum(c.isupper() for c in letters)
    acronym = bool(letters) and uppers == len(letters) and len(letters) >= 2
    if acronym:
        mode = "acronym"  # RT is not RTS, ARD is not ARDS
    elif uppers >= 2:
        mode = "exact"  # CamelCase: InoSMI, ҚазАқпарат
    elif word[:1].isupper():
        mode = "title"
    elif lone and word.isascii() and word.isalpha():
        mode = "lower"  # dpa, tagesschau: the party DPA is not the agency
    else:
        mode = "any"
    key = token_key(word)
    if _CYRILLIC_RE.search(word) and not acronym and len(word) >= 4:
        stem = word
        for ending in _BASE_ENDINGS:
            if key.endswith(ending) and len(word) - len(ending) >= 3:
                stem = word[: -len(ending)]
                break
        stem_key = token_key(stem)
        # Kazakh case endings also attach to the whole word: Ақорда -> Ақорданың.
        forms = (
            {key, stem_key}
            | {stem_key + e for e in CYRILLIC_ENDINGS}
            | {key + e for e in KAZAKH_ENDINGS}
        )
        check = _WordCheck(mode, stem.translate(_APOSTROPHES))
        return stem_key + "~", check, forms
    endings = ("'s",) if acronym else LATIN_ENDINGS
    forms = {key} | ({key + e for e in endings} if word.isascii() else set())
    return key, _WordCheck(mode, word.translate(_APOSTROPHES)), forms


class AliasMatcher:
    """Every alias of a registry, compiled for :meth:`find`."""

    def __init__(self, registry: Registry):
        self.root = _Node()
        self.word_ids: dict[str, tuple[str, ...]] = {}
        self.first_forms: set[str] = set()
        # Each alias's longest word: a paragraph without any of them names no outlet.
        # ("The Guardian" starts with "the", which every English paragraph has.)
        self.anchor_forms: set[str] = set()
        registered: set[tuple[str, str]] = set()
        starters: set[tuple[str, str]] = set()
        anchors: set[tuple[str, str]] = set()
        cjk: dict[str, tuple[str, bool, bool]] = {}
        self.exclude_before: dict[str, list[re.Pattern[str]]] = {}
        self.exclude_after: dict[str, list[re.Pattern[str]]] = {}
        order = 0
        for outlet in registry:
            if outlet.exclude_before:
                self.exclude_before[outlet.key] = [re.compile(p) for p in outlet.exclude_before]
            if outlet.exclude_after:
                self.exclude_after[outlet.key] = [re.compile(p) for p in outlet.exclude_after]
            strict, source = set(outlet.strict_aliases), set(outlet.source_aliases)
            for alias in dict.fromkeys((*outlet.aliases, outlet.name)):
                flags = (alias in strict, alias in source)
                if _CJK_RE.search(alias):
                    cjk.setdefault(alias, (outlet.key, *flags))
                    continue
                words = TOKEN_RE.findall(alias)
                if not words:
                    continue
                node, checks = self.root, []
                anchor = max(range(len(words)), key=lambda n: (len(words[n]), n))
                for position, word in enumerate(words):
                    word_id, check, forms = _word_forms(word, len(words) == 1)
                    if (word_id, word) not in registered:  # Россия and России share a stem
                        registered.add((word_id, word))
                        self._add_forms(forms, word_id)
                    if position == 0 and (word_id, word) not in starters:
                        starters.add((word_id, word))
                        self.first_forms |= forms
                    if position == anchor and (word_id, word) not in anchors:
                        anchors.add((word_id, word))
                        self.anchor_forms |= forms
                    node = node.children.setdefault(word_id, _Node())
                    checks.append(check)
                node.aliases.append(_Alias(outlet.key, tuple(checks), *flags, order))
                order += 1
        # "BILD" (unambiguous) and "Bild" (also "picture") share a trie node: try the
        # unambiguous spelling first so that its match is not dropped as a strict one.
        stack = [self.root]
        while stack:
            node = stack.pop()
            node.aliases.sort(key=lambda a: (a.strict, a.order))
            stack.extend(node.children.values())
        self.cjk_aliases = cjk
        self.cjk_re = (
            re.compile("|".join(re.escape(a) for a in sorted(cjk, key=len, reverse=True)))
            if cjk
            else None
        )

    def _add_forms(self, forms: set[str], word_id: str) -> None:
        # Bulk insert (tens of thousands of forms); only forms two words share need merging.
        clash = self.word_ids.keys() & forms
        for form in clash:
            if word_id not in self.word_ids[form]:
                self.word_ids[form] = (*self.word_ids[form], word_id)
        self.word_ids.update(dict.fromkeys(forms - clash, (word_id,)))

    # --- finding names ---------------------------------------------------------------------

    def _walk(
        self, node: _Node, tokens: list[re.Match[str]], keys: list[str], text: str, j: int
    ) -> tuple[int, _Alias] | None:
        """The longest alias continuing from *node* at token *j* (the last token index, alias)."""
        best: tuple[int, _Alias] | None = None
        for word_id in self.word_ids.get(keys[j], ()):
            child = node.children.get(word_id)
            if child is None:
                continue
            first = j - len(child.aliases[0].checks) + 1 if child.aliases else j
            for alias in child.aliases:  # non-strict before strict: see __init__
                if all(
                    check.accepts(tokens[first + k].group()) for k, check in enumerate(alias.checks)
                ):
                    if best is None or j > best[0]:
                        best = (j, alias)
                    break
            if child.children and j + 1 < len(tokens):
                gap = text[tokens[j].end() : tokens[j + 1].start()]
                if _GAP_RE.fullmatch(gap):
                    longer = self._walk(child, tokens, keys, text, j + 1)
                    if longer is not None and (best is None or longer[0] > best[0]):
                        best = longer
        return best

    def _names(self, text: str) -> list[_Found]:
        found: list[_Found] = []
        keys = TOKEN_RE.findall(fold(text))
        if not self.anchor_forms.isdisjoint(keys):
            tokens = list(TOKEN_RE.finditer(text))
            if len(keys) != len(tokens):  # casefolding split a token (İ -> i + combining dot)
                keys = [token_key(t.group()) for t in tokens]
            first_forms = self.first_forms
            starts = [n for n, key in enumerate(keys) if key in first_forms]
            i = 0
            for first in starts:
                if first < i:
                    continue  # inside the previous match
                i = first
                hit = self._walk(self.root, tokens, keys, text, i)
                if hit is None:
                    continue
                last, alias = hit
                start, end = tokens[i].start(), tokens[last].end()
                # Радио «Свобода»: a quote opened inside the name closes with it.
                inner = text[start:end]
                if (
                    end < len(text)
                    and text[end] in _CLOSE_QUOTES
                    and any(q in inner for q in "«„“")
                ):
                    end += 1
                found.append(_Found(alias.outlet_key, start, end, alias.strict, alias.source))
                i = last + 1
        if self.cjk_re is not None and _CJK_RE.search(text):
            for match in self.cjk_re.finditer(text):
                key, strict, source = self.cjk_aliases[match.group()]
                found.append(_Found(key, match.start(), match.end(), strict, source))
            found.sort(key=lambda f: f.start)
        return found

    def may_name_an_outlet(self, text: str) -> bool:
        """A cheap test (C-level set and regex operations) that rules out most texts."""
        if not self.anchor_forms.isdisjoint(TOKEN_RE.findall(fold(text))):
            return True
        return self.cjk_re is not None and bool(_CJK_RE.search(text))

    def _excluded(self, found: _Found, text: str) -> bool:
        before = text[max(0, found.start - 40) : found.start]
        after = text[found.end : found.end + 40]
        return any(p.search(before) for p in self.exclude_before.get(found.outlet_key, ())) or any(
            p.match(after) for p in self.exclude_after.get(found.outlet_key, ())
        )

    def find(self, text: str, paragraph_index: int = 0) -> list[Citation]:
        """Outlets named in one paragraph, each an attribution or a mere mention."""
        found = [f for f in self._names(text) if not self._excluded(f, text)]
        out: list[Citation] = []
        for n, item in enumerate(found):
            prev_end = found[n - 1].end if n else 0
            next_start = found[n + 1].start if n + 1 < len(found) else len(text)
            matched = text[item.start : item.end]
            if item.source:
                cue = TOKEN_RE.findall(matched)[0]
            elif _BYLINE_RE.match(text, item.end) and text[item.start - 1 : item.start] == "(":
                cue = "(byline)"  # "Hamburg (dpa/lno) –", "MOSCOW (Reuters) -"
            else:
                cue = cue_before(text[max(prev_end, item.start - 100) : item.start]) or cue_after(
                    text[item.end : min(next_start, item.end + 100)]
                )
            quoted = (
                item.start > 0
                and text[item.start - 1] in _OPEN_QUOTES
                and text[item.end : item.end + 1] in tuple(_CLOSE_QUOTES)
            )
            if (
                item.strict
                and not cue
                and not quoted
                and not has_descriptor(
                    text[max(0, item.start - 40) : item.start], text[item.end : item.end + 40]
                )
            ):
                continue  # an ordinary word that happens to be an outlet's name
            role = "attributed" if cue else "mention"
            out.append(
                Citation(
                    item.outlet_key, role, paragraph_index, item.start, item.end, matched, cue or ""
                )
            )
        _share_cues(out, text)
        return out


def _share_cues(citations: list[Citation], text: str) -> None:
    """ "ТАСС и РИА Новости сообщили": outlets joined by 'and' or a comma share the cue."""
    changed = True
    while changed:
        changed = False
        for n in range(len(citations) - 1):
            a, b = citations[n], citations[n + 1]
            if (a.role == "attributed") == (b.role == "attributed"):
                continue
            if not COORDINATION_RE.match(text[a.end : b.start]):
                continue
            source = a if a.role == "attributed" else b
            target = n + 1 if source is a else n
            citations[target] = Citation(
                citations[target].outlet_key,
                "attributed",
                citations[target].paragraph_index,
                citations[target].start,
                citations[target].end,
                citations[target].matched_text,
                source.cue,
            )
            changed = True


def alias_matcher(registry: Registry) -> AliasMatcher:
    """The registry's aliases compiled once (cached on the registry)."""
    return registry.derived("alias_matcher", AliasMatcher)


def find_citations(paragraphs: list[str], registry: Registry) -> list[Citation]:
    """Every outlet named in *paragraphs*, with its paragraph index and character span."""
    matcher = alias_matcher(registry)
    out: list[Citation] = []
    if not matcher.may_name_an_outlet("\n".join(paragraphs)):
        return out  # most articles: one test instead of one per paragraph
    for index, paragraph in enumerate(paragraphs):
        if paragraph:
            out.extend(matcher.find(paragraph, index))
    return out
