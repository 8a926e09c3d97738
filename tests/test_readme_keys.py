"""The README's key table is the action table's, so it cannot drift from the app."""

from __future__ import annotations

from conftest import REPO

from article_triage.store.taxonomy import Taxonomy
from article_triage.tui.actions import build_actions, markdown_key_table


def test_readme_lists_the_default_keys_of_the_action_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert markdown_key_table(build_actions(Taxonomy())) in readme
