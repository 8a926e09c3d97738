"""Who really confirms a story: independent sources and echo chains.

Within a story, an article that attributes the event to an outlet (RT DE "laut RIA
Novosti") is an echo of that outlet, not a source of its own; an article that
attributes it to no one is a source through its publisher. Outlets of one state
group (Sputnik and RIA Novosti both belong to Rossiya Segodnya) are one source.
The independent-source count is the number of distinct sources left.

The credibility hint only says what the count is; the grade stays the analyst's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from article_triage.store.outlets.registry import STATE_MEDIA_CATEGORIES


@dataclass(frozen=True)
class OutletRef:
    key: str
    name: str
    category: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class SourcedArticle:
    """One article of a story as corroboration sees it."""

    id: int
    language: str
    publisher: OutletRef | None
    attributed: tuple[OutletRef, ...] = ()
    hostname: str = ""

    @property
    def label(self) -> str:
        """'RT (de)': the publisher (or host) and the language."""
        name = self.publisher.name if self.publisher else (self.hostname or f"article {self.id}")
        return f"{name} ({self.language})"


@dataclass
class Source:
    """One independent source: the outlet (group) an account traces back to."""

    key: str
    name: str
    originals: list[SourcedArticle] = field(default_factory=list)
    """Articles that are this source's own account (published by it, citing no one)."""
    echoes: list[SourcedArticle] = field(default_factory=list)
    """Articles that attribute the account to it."""


@dataclass(frozen=True)
class Corroboration:
    sources: tuple[Source, ...]

    @property
    def independent_count(self) -> int:
        return len(self.sources)

    @property
    def independent(self) -> list[Source]:
        return [s for s in self.sources if s.originals]

    @property
    def echo_chains(self) -> list[Source]:
        return [s for s in self.sources if s.echoes]

    def describe(self) -> str:
        """'independent: DW (de), Azattyq (kk); echoing RIA Novosti: RT (de), TASS (ru)'."""
        parts = []
        originals = [a.label for s in self.sources for a in s.originals]
        if originals:
            parts.append("independent: " + ", ".join(originals))
        for source in self.echo_chains:
            parts.append(f"echoing {source.name}: " + ", ".join(a.label for a in source.echoes))
        return "; ".join(parts)

    def hint_for(self, article_id: int) -> str | None:
        """The credibility hint for one article of the story, or None below two sources."""
        if self.independent_count < 2:
            return None
        own = {
            s.key for s in self.sources if any(a.id == article_id for a in s.originals + s.echoes)
        }
        others = [s.name for s in self.sources if s.key not in own]
        if not others:
            return None
        return (
            f"{self.independent_count} independent sources report this event "
            f"(others than this article's: {', '.join(others)}): "
            "credibility 1 'confirmed by other sources' may apply (a hint, not a grade)"
        )


def group_key(outlet: OutletRef, parents: Mapping[str, OutletRef]) -> OutletRef:
    """The outlet that stands for *outlet* as a source: its state group's head, else itself."""
    if outlet.category not in STATE_MEDIA_CATEGORIES:
        return outlet
    seen = {outlet.key}
    head = outlet
    while head.parent and head.parent in parents and head.parent not in seen:
        head = parents[head.parent]
        seen.add(head.key)
    return head


def corroborate(
    articles: Iterable[SourcedArticle], outlets: Mapping[str, OutletRef]
) -> Corroboration:
    """Group a story's articles by the source they trace back to."""
    sources: dict[str, Source] = {}

    def source_for(outlet: OutletRef) -> Source:
        head = group_key(outlet, outlets)
        source = sources.get(head.key)
        if source is None:
            # The name the articles use (RIA Novosti), not the holding's (Rossiya Segodnya).
            source = sources[head.key] = Source(head.key, outlet.name)
        return source

    for article in articles:
        own = group_key(article.publisher, outlets).key if article.publisher else None
        cited = [o for o in article.attributed if group_key(o, outlets).key != own]
        if cited:
            for outlet in cited:
                echoes = source_for(outlet).echoes
                if article not in echoes:
                    echoes.append(article)
        elif article.publisher is not None:
            source_for(article.publisher).originals.append(article)
        else:
            key = f"host:{article.hostname or article.id}"
            sources.setdefault(key, Source(key, article.hostname or f"article {article.id}"))
            sources[key].originals.append(article)
    return Corroboration(tuple(sources.values()))
