"""The read model for the app's reader: one article with all the reader shows beside it.

One call gathers the article's paragraphs, its translation aligned paragraph by
paragraph, its publisher and the outlets it cites (with character spans to
highlight), the flags the detectors suggest with the analyst's verdict on each,
and the analyst's decision. The UI renders this; it never queries tables itself.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property

import sqlite_utils

from article_triage.store.articles import ArticleFilter, article_paragraphs, get_article
from article_triage.store.outlets.domains import host_of
from article_triage.store.outlets.registry import describe_outlet
from article_triage.store.text import strip_control
from article_triage.store.translations import TranslatedParagraph, get_translation
from article_triage.store.triage import Decision, decisions_for_article, next_untriaged


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    category: str | None = None
    country: str | None = None
    designations: tuple[str, ...] = ()
    """e.g. "EU broadcast ban 2022", oldest first."""

    def describe(self) -> str:
        """'RT: state-controlled, RU' (the hint the triage bar shows)."""
        return describe_outlet(self.name, self.category, self.country)

    def describe_with_designations(self) -> str:
        """'RT: state-controlled, RU (EU broadcast ban 2022; US foreign mission 2024)'."""
        if not self.designations:
            return self.describe()
        return f"{self.describe()} ({'; '.join(self.designations)})"


@dataclass(frozen=True)
class Citation:
    """An outlet the text names, with where (paragraph, character span) it is named."""

    outlet: Outlet
    role: str
    """'attributed' (the text attributes a claim to it) or 'mention'."""
    paragraph_index: int | None
    start: int | None
    end: int | None
    matched_text: str = ""
    cue: str = ""


@dataclass(frozen=True)
class Suggestion:
    flag: str
    reason: str
    outlet: Outlet | None
    state: str
    """'pending', 'accepted' (the flag is in the decision) or 'rejected'."""

    def describe(self) -> str:
        """The detector's reason ("cites RIA Novosti: state-controlled, RU"); a bare
        keyword reason ("cites") is completed with the outlet."""
        if self.outlet is not None and " " not in self.reason.strip():
            return f"{self.reason} {self.outlet.describe()}".strip()
        return self.reason


@dataclass(frozen=True)
class ArticleView:
    id: int
    title: str
    language: str
    url: str
    source: str
    sitename: str
    published: str
    added_at: str
    paragraphs: list[str]
    target_lang: str
    translation: list[TranslatedParagraph | None]
    decision: Decision
    publisher: Outlet | None = None
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    others: tuple[Decision, ...] = ()
    """Other analysts' decisions on this article (triaged ones), for adjudication."""
    story_id: int | None = None
    story_line: str = ""
    """'Same event: 6 articles, 4 languages — independent: ...; echoing ...' when the
    article's story has other articles (store.stories)."""
    credibility_hint: str | None = None
    """Set when the story has two or more independent sources: a hint, never a grade."""
    canonical_claim: str = ""
    """The site a fetched page's canonical link names when it is not the site it was
    fetched from: what the page claims to be, never taken as its publisher."""
    fetched_from: str = ""
    """The host a fetched page came from (empty for local files)."""

    # Each counts over every paragraph (1,500 in a long article): computed once, by
    # load_article_view in the thread that reads the article, not by every redraw.
    @cached_property
    def providers(self) -> list[str]:
        """Providers of the stored translation, most paragraphs first."""
        counts: dict[str, int] = {}
        for paragraph in self.translation:
            if paragraph is not None:
                counts[paragraph.provider] = counts.get(paragraph.provider, 0) + 1
        return sorted(counts, key=lambda p: (-counts[p], p))

    @cached_property
    def translated_count(self) -> int:
        return sum(p is not None for p in self.translation)

    @cached_property
    def text_lengths(self) -> tuple[list[int], list[int | None]]:
        """Characters of each paragraph, and of its translation (None where there is
        none): what a reader sizes the paragraphs by before it draws them."""
        return (
            [len(p) for p in self.paragraphs],
            [len(t.text) if t is not None else None for t in self.translation],
        )

    @property
    def pending_suggestions(self) -> list[Suggestion]:
        return [s for s in self.suggestions if s.state == "pending"]

    def citations_in(self, paragraph_index: int) -> list[Citation]:
        return [c for c in self.citations if c.paragraph_index == paragraph_index]

    @property
    def sources(self) -> list[str]:
        """What the text rests on, one phrase per outlet: 'published by RT: ...',
        'cites Radio Free Europe/Radio Liberty: ...', 'mentions RT: ...'."""
        phrases = []
        if self.canonical_claim:
            fetched = f" (fetched from {self.fetched_from})" if self.fetched_from else ""
            phrases.append(f"claims to be {self.canonical_claim}{fetched}")
        if self.publisher is not None:
            phrases.append(f"published by {self.publisher.describe_with_designations()}")
        # The publisher named in its own text is no news: list each outlet once.
        seen: set[str] = {self.publisher.key} if self.publisher is not None else set()
        for role, verb in (("attributed", "cites"), ("mention", "mentions")):
            for citation in self.citations:
                if citation.role == role and citation.outlet.key not in seen:
                    seen.add(citation.outlet.key)
                    phrases.append(f"{verb} {citation.outlet.describe()}")
        return phrases


def load_article_view(
    db: sqlite_utils.Database, article_id: int, analyst: str, target_lang: str = "en"
) -> ArticleView | None:
    """Everything the reader shows for one article, or None if it is not in the store."""
    article = get_article(db, article_id)
    if article is None:
        return None
    paragraphs = article_paragraphs(article)
    decisions = decisions_for_article(db, article_id)
    decision = next((d for d in decisions if d.analyst == analyst), None) or Decision(
        article_id, analyst
    )
    translation = get_translation(db, article_id, target_lang)
    if len(translation) != len(paragraphs):
        # paragraph_count and the text disagree only if the row was edited by hand.
        translation = (translation + [None] * len(paragraphs))[: len(paragraphs)]
    publisher, citations = _citations(db, article_id)
    story_id, story_line, hint = _story(db, article_id, analyst)
    view = ArticleView(
        id=article_id,
        title=strip_control(article.get("title") or ""),
        language=article.get("language") or "und",
        url=article.get("url") or article.get("final_url") or "",
        source=article.get("source") or "",
        sitename=strip_control(article.get("sitename") or article.get("hostname") or ""),
        published=article.get("published") or "",
        added_at=article.get("added_at") or "",
        paragraphs=paragraphs,
        target_lang=target_lang,
        translation=translation,
        decision=decision,
        publisher=publisher,
        citations=citations,
        suggestions=_suggestions(db, article_id, decision),
        others=tuple(d for d in decisions if d.analyst != analyst and d.status != "new"),
        canonical_claim=host_of(article.get("canonical_claim")),
        fetched_from=host_of(article.get("final_url")),
        story_id=story_id,
        story_line=story_line,
        credibility_hint=hint,
    )
    # Counted here, in the thread that reads the article, not by the redraw that shows it.
    _ = (view.text_lengths, view.providers, view.translated_count)
    return view


def _story(
    db: sqlite_utils.Database, article_id: int, analyst: str
) -> tuple[int | None, str, str | None]:
    """(story id, story line, credibility hint); the line only for stories of 2+ articles."""
    from article_triage.store.stories import story_detail, story_of

    story_id = story_of(db, article_id)
    if story_id is None:
        return None, "", None
    detail = story_detail(db, story_id, analyst)
    if detail is None or detail.summary.size < 2:
        return story_id, "", None
    return story_id, detail.line(), detail.corroboration.hint_for(article_id)


def _outlet(
    key: str,
    name: str | None,
    category: str | None,
    country: str | None,
    designations: str | None = None,
) -> Outlet:
    return Outlet(key, strip_control(name or key), category, country, _designations(designations))


def _designations(raw: str | None) -> tuple[str, ...]:
    """The outlets table's JSON list of {name, date, source} as "EU broadcast ban 2022"."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    items = sorted(
        (i for i in items if isinstance(i, dict) and i.get("name")),
        key=lambda i: str(i.get("date") or ""),
    )
    return tuple(
        strip_control(f"{i['name']} {str(i.get('date') or '')[:4]}".strip()) for i in items
    )


def _citations(db: sqlite_utils.Database, article_id: int) -> tuple[Outlet | None, list[Citation]]:
    publisher: Outlet | None = None
    citations: list[Citation] = []
    rows = db.execute(
        "SELECT c.outlet_key, o.name, o.category, o.country, o.designations, c.role, c.paragraph_index, "
        "c.start, c.end, coalesce(c.matched_text, ''), coalesce(c.cue, '') "
        "FROM citations c LEFT JOIN outlets o ON o.key = c.outlet_key "
        "WHERE c.article_id = ? ORDER BY c.paragraph_index, c.start, c.id",
        [article_id],
    ).fetchall()
    for key, name, category, country, designations, role, index, start, end, matched, cue in rows:
        outlet = _outlet(key, name, category, country, designations)
        if role == "publisher":
            publisher = publisher or outlet
            continue
        citations.append(Citation(outlet, role, index, start, end, matched, cue))
    return publisher, citations


def resume_article_id(
    db: sqlite_utils.Database, analyst: str, flt: ArticleFilter | None = None
) -> int | None:
    """Where *analyst* left off: the article of their last decision, or the next untriaged
    one after it when that decision closed it (done, skipped, escalated: the app had moved
    on); with no decision yet, their first untriaged article. None when nothing is left."""
    last = db.execute(
        "SELECT article_id, field, new FROM events WHERE analyst = ? AND article_id IS NOT NULL "
        "ORDER BY group_id DESC, id DESC LIMIT 1",
        [analyst],
    ).fetchone()
    if last is None:
        return next_untriaged(db, analyst, 0, flt)
    article_id, changed, new = last
    if changed == "status" and _json_value(new) not in (None, "new"):
        return next_untriaged(db, analyst, article_id, flt) or article_id
    return article_id


def _json_value(raw: str | None) -> object:
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return raw


def with_decision(view: ArticleView, decision: Decision) -> ArticleView:
    """The view after a committed decision change (suggestion states follow the decision)."""
    return replace(
        view,
        decision=decision,
        suggestions=[replace(s, state=_review_state(s.flag, decision)) for s in view.suggestions],
    )


def _review_state(flag: str, decision: Decision) -> str:
    if flag in decision.rejected_suggestions:
        return "rejected"
    if flag in decision.flags:
        return "accepted"
    return "pending"


def _suggestions(
    db: sqlite_utils.Database, article_id: int, decision: Decision
) -> list[Suggestion]:
    rows = db.execute(
        "SELECT s.flag, s.reason, s.outlet_key, o.name, o.category, o.country "
        "FROM suggested_flags s LEFT JOIN outlets o ON o.key = s.outlet_key "
        "WHERE s.article_id = ? ORDER BY s.flag, s.reason",
        [article_id],
    ).fetchall()
    out = []
    for flag, reason, key, name, category, country in rows:
        outlet = _outlet(key, name, category, country) if key else None
        out.append(Suggestion(flag, strip_control(reason), outlet, _review_state(flag, decision)))
    return out


_RTL_BIDI = {"R", "AL"}
_LTR_BIDI = {"L"}


def is_rtl(text: str) -> bool:
    """True when the first strongly directional character is right-to-left (Arabic, Hebrew...).

    The same rule as the Unicode bidi algorithm's paragraph level (P2), which is
    how browsers pick a paragraph's direction for dir="auto".
    """
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in _RTL_BIDI:
            return True
        if direction in _LTR_BIDI:
            return False
    return False
