"""Stories: articles about the same event, across languages, and who really confirms them.

    assign_article(db, article_id)        # at import (the post-insert hook), and again
                                          # when a translation is stored
    rebuild_stories(db, progress=...)     # everything from scratch; merges and splits replayed
    merge_stories(db, keep, other, analyst) / split_article(db, article_id, analyst)
    list_stories(db) / story_detail(db, story_id, analyst) / story_of(db, article_id)

Modules: ``names`` (one skeleton for a name in any script), ``signature`` (what an
article is compared on), ``cluster`` (scoring and assignment through the key index),
``rebuild``, ``decisions`` (merge, split), ``corroboration`` (independent sources and
echo chains), ``queries`` (the read model for the CLI and the app).
"""

from __future__ import annotations

from article_triage.store.stories.cluster import (
    assign_article,
    reassign_if_assigned,
)
from article_triage.store.stories.corroboration import Corroboration, corroborate
from article_triage.store.stories.decisions import StoryError, merge_stories, split_article
from article_triage.store.stories.queries import (
    StoryArticle,
    StoryDetail,
    StorySummary,
    count_stories,
    list_stories,
    story_detail,
    story_of,
    unassigned_count,
)
from article_triage.store.stories.rebuild import RebuildReport, rebuild_stories

__all__ = [
    "Corroboration",
    "RebuildReport",
    "StoryArticle",
    "StoryDetail",
    "StoryError",
    "StorySummary",
    "assign_article",
    "corroborate",
    "count_stories",
    "list_stories",
    "merge_stories",
    "reassign_if_assigned",
    "rebuild_stories",
    "split_article",
    "story_detail",
    "story_of",
    "unassigned_count",
]
