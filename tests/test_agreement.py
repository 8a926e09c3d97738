"""Agreement between analysts (Cohen's kappa, Krippendorff's alpha) and adjudication."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.agreement import (
    Disagreements,
    adjudicate,
    agreement,
    cohen_kappa,
    krippendorff_alpha,
)
from article_triage.store.articles import (
    ArticleFilter,
    insert_article,
    iter_article_ids,
)
from article_triage.store.boundary import shown_json
from article_triage.store.triage import apply_changes, get_decision
from article_triage.tui.cli import cli

# --- textbook values --------------------------------------------------------------------------


def test_cohen_kappa_textbook_example():
    # Wikipedia "Cohen's kappa": 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_cohen_kappa_perfect_and_undefined():
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # chance agreement is total
    assert cohen_kappa([]) is None


def test_krippendorff_alpha_nominal_with_missing_data():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers,
    # 12 units, missing values; nominal alpha = 0.743.
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    units = [[v for v in unit if v is not None] for unit in zip(a, b, c, d, strict=True)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_two_observers_binary():
    # Same source, the binary example for two observers: alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(zip(a, b, strict=True)) == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_alpha_without_variation_is_undefined():
    assert krippendorff_alpha([["x", "x"], ["x", "x", "x"]]) is None
    assert krippendorff_alpha([["x"]]) is None


# --- over the store -----------------------------------------------------------------------------


@pytest.fixture
def graded(db):
    """Four articles graded by two analysts (plus one by a third), one untriaged by ivan."""
    ids = [insert_article(db, [f"article {i}"], title=f"Article {i}") for i in range(5)]
    olena = [
        ("critical", "B", "2", ["single-source"]),
        ("neutral", "B", "3", []),
        ("critical", "C", "2", ["state-media-sourcing"]),
        ("mixed", "A", "1", []),
    ]
    ivan = [
        ("critical", "B", "2", ["single-source"]),
        ("neutral", "C", "3", []),
        ("supportive", "C", "2", []),
        ("mixed", "A", None, []),
    ]
    for analyst, rows in (("olena", olena), ("ivan", ivan)):
        for article_id, (stance, rel, cred, flags) in zip(ids, rows, strict=False):
            changes = {"status": "done", "stance": stance, "reliability": rel, "flags": flags}
            if cred:
                changes["credibility"] = cred
            apply_changes(db, [article_id], analyst, changes)
    apply_changes(db, [ids[4]], "olena", {"status": "done", "stance": "critical"})
    apply_changes(db, [ids[4]], "ivan", {"stance": "neutral"})  # not triaged: status still new
    return ids


def _field(report, name):
    return next(f for f in report.fields if f.field == name)


def test_agreement_per_field_for_two_analysts(db, graded):
    report = agreement(db)
    assert report.analysts == ["ivan", "olena"]
    stance = _field(report, "stance")
    assert (stance.items, stance.agreed) == (4, 3)
    expected = cohen_kappa(
        [
            ("critical", "critical"),
            ("neutral", "neutral"),
            ("supportive", "critical"),
            ("mixed", "mixed"),
        ]
    )
    assert stance.kappa == pytest.approx(expected)
    assert stance.alpha == pytest.approx(
        krippendorff_alpha(
            [
                ["critical", "critical"],
                ["neutral", "neutral"],
                ["supportive", "critical"],
                ["mixed", "mixed"],
            ]
        )
    )
    credibility = _field(report, "credibility")
    assert credibility.items == 3  # ivan left article 3 without credibility
    assert credibility.kappa == pytest.approx(1.0)
    sms = _field(report, "flag:state-media-sourcing")
    assert (sms.items, sms.agreed) == (4, 3)
    assert _field(report, "flag:single-source").kappa == pytest.approx(1.0)


def test_disagreements_are_listed_per_article_and_field(db, graded):
    report = agreement(db)
    listed = {(d.article_id, d.field): d.values for d in report.disagreements}
    assert listed == {
        (graded[1], "reliability"): {"ivan": "C", "olena": "B"},
        (graded[2], "stance"): {"ivan": "supportive", "olena": "critical"},
        (graded[2], "flag:state-media-sourcing"): {"ivan": False, "olena": True},
    }
    assert report.disagreements[0].title == "Article 1"
    # The app's disagreement filter selects exactly these articles: article 3, where
    # only one analyst gave a credibility, is not rated by the other, not disputed
    # (issue 10: the filter used to count it, so the two lists differed).
    disputed = ArticleFilter(disagreement=True)
    assert sorted(iter_article_ids(db, disputed)) == sorted({a for a, _ in listed})


def test_three_analysts_get_alpha_and_pairwise_kappa(db, graded):
    apply_changes(db, [graded[0]], "zara", {"status": "done", "stance": "neutral"})
    apply_changes(db, [graded[2]], "zara", {"status": "done", "stance": "critical"})
    stance = _field(agreement(db, ["stance"]), "stance")
    assert stance.analysts == ["ivan", "olena", "zara"]
    assert stance.kappa is None  # only defined for two
    assert [p.analysts for p in stance.pairs] == [
        ("ivan", "olena"),
        ("ivan", "zara"),
        ("olena", "zara"),
    ]
    units = [
        ["critical", "critical", "neutral"],
        ["neutral", "neutral"],
        ["supportive", "critical", "critical"],
        ["mixed", "mixed"],
    ]
    assert stance.alpha == pytest.approx(krippendorff_alpha(units))


def test_fields_can_be_chosen_by_flag_name(db, graded):
    report = agreement(db, ["single-source", "reliability"])
    assert [f.field for f in report.fields] == ["reliability", "flag:single-source"]


def test_adjudication_records_the_ruling_and_leaves_the_statistics(db, graded):
    before = agreement(db)
    decision = adjudicate(
        db, graded[2], "lead", {"stance": "critical", "flags": ["state-media-sourcing"]}
    )
    assert decision.adjudicated and decision.status == "done" and decision.stance == "critical"
    events = db.execute(
        "SELECT action, field FROM events WHERE analyst = 'lead' ORDER BY id"
    ).fetchall()
    assert {a for a, _ in events} == {"adjudicate"}
    assert {f for _, f in events} >= {"stance", "adjudicated", "status"}
    assert get_decision(db, graded[2], "olena").stance == "critical"  # the raters' are kept
    after = agreement(db)
    assert after.as_dict()["fields"] == before.as_dict()["fields"]
    # The article's two disagreements are settled: counted, no longer to do.
    assert after.settled == 2
    assert {d.article_id for d in after.disagreements} == {graded[1]}
    with pytest.raises(KeyError):
        adjudicate(db, 999, "lead", {"stance": "critical"})
    with pytest.raises(ValueError):
        adjudicate(db, graded[2], "lead", {"stance": "angry"})


def test_cli_agreement(db, db_path, graded):
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "agreement", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {f["field"] for f in data["fields"]} >= {"stance", "flag:single-source"}
    assert len(data["disagreements"]) == 3
    text = runner.invoke(cli, ["--db", str(db_path), "agreement", "--field", "stance"])
    assert text.exit_code == 0
    assert "stance" in text.stdout and "ivan=supportive, olena=critical" in text.stdout


def test_cli_agreement_with_many_analysts_names_those_apart_instead_of_every_pair(db, db_path):
    """40 analysts on two articles: 780 pairs a field. The table lists the ten furthest
    from the others and where the rest are; --json has each analyst and no pairs;
    --pairs lists them all."""
    article_ids = [insert_article(db, [f"text {i}"], title=f"T{i}") for i in range(2)]
    for i in range(40):
        for article_id in article_ids:
            # a39 alone says "neutral" where everybody else says "critical"
            stance = "neutral" if i == 39 and article_id == article_ids[0] else "critical"
            apply_changes(db, [article_id], f"a{i:02d}", {"status": "done", "stance": stance})
    runner = CliRunner()
    args = ["--db", str(db_path), "agreement", "--field", "stance"]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == "analysts: " + ", ".join(f"a{i:02d}" for i in range(20)) + ", and 20 more"
    apart = [line.split()[0] for line in lines if "against the others" in line]
    assert len(apart) == 10 and apart[0] == "a39"
    assert "and 30 more analysts: --json" in text.stdout
    assert " / " not in text.stdout
    data = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    stance = data["fields"][0]
    assert stance["pairs"] is None
    assert len(stance["raters"]) == 40
    assert {r["analyst"]: r["items"] for r in stance["raters"]} == {
        f"a{i:02d}": 2 for i in range(40)
    }
    every_pair = runner.invoke(cli, [*args, "--pairs"])
    assert every_pair.stdout.count(" / ") == 780
    data = json.loads(runner.invoke(cli, [*args, "--pairs", "--json"]).stdout)
    assert len(data["fields"][0]["pairs"]) == 780


def test_cli_adjudicate(db, db_path, graded):
    runner = CliRunner()
    args = ["--db", str(db_path), "--analyst", "lead", "adjudicate", str(graded[2])]
    result = runner.invoke(cli, [*args, "stance=critical", "flags=state-media-sourcing"])
    assert result.exit_code == 0, result.output
    assert "lead ruled done" in result.stdout
    decision = get_decision(db, graded[2], "lead")
    assert decision.adjudicated and decision.flags == ("state-media-sourcing",)
    for bad, message in [
        (["stance=angry"], "'angry' is not a valid stance"),
        (["stance"], "use FIELD=VALUE"),
        (["mood=good"], "unknown decision field"),
    ]:
        failed = runner.invoke(cli, [*args, *bad])
        assert failed.exit_code == 2
        assert message in failed.stderr and "Traceback" not in failed.stderr
    missing = runner.invoke(cli, ["--db", str(db_path), "adjudicate", "999", "stance=critical"])
    assert missing.exit_code == 2 and "no article 999" in missing.stderr


# --- scored per distinct rating set, the same as per article ---------------------------------

RATING = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["new", "done", "skipped"]),
        "stance": st.sampled_from([None, "critical", "neutral"]),
        "reliability": st.sampled_from([None, "A", "C"]),
        "flags": st.lists(st.sampled_from(["single-source", "satire"]), unique=True),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.dictionaries(st.sampled_from(["ann", "bob", "cy"]), RATING), max_size=12))
def test_agreement_equals_scoring_every_article_alone(db, articles):
    """The scoring from kept profile counts (store.agreement_units) against the
    textbook coefficients over each article's own ratings."""
    db.execute("DELETE FROM decisions")
    db.execute("DELETE FROM articles")
    per_article: list[dict[str, dict]] = []
    for i, ratings in enumerate(articles):
        article_id = insert_article(db, [f"text {i} {len(articles)}"], title=f"T{i}")
        for analyst, rating in ratings.items():
            apply_changes(db, [article_id], analyst, rating)
        triaged = {a: r for a, r in ratings.items() if r["status"] != "new"}
        per_article.append({"id": article_id, "ratings": triaged})
    report = agreement(db, ["stance", "reliability", "single-source"])
    by_field = {f.field: f for f in report.fields}
    for name, get in (
        ("stance", lambda r: r["stance"]),
        ("reliability", lambda r: r["reliability"]),
        ("flag:single-source", lambda r: "single-source" in r["flags"]),
    ):
        units = []
        disagreeing = []
        for article in per_article:
            values = {a: get(r) for a, r in article["ratings"].items() if get(r) is not None}
            if len(article["ratings"]) >= 2 and len(values) >= 2:
                units.append(list(values.values()))
                if len(set(values.values())) > 1:
                    disagreeing.append(article["id"])
        assert by_field[name].items == len(units)
        expected_alpha = krippendorff_alpha(units)
        if expected_alpha is None:
            assert by_field[name].alpha is None
        else:
            assert by_field[name].alpha == pytest.approx(expected_alpha)
        assert [d.article_id for d in report.disagreements if d.field == name] == disagreeing
        # Cohen's kappa for each pair, over the articles both of them rated.
        pairs = {}
        for article in per_article:
            values = {a: get(r) for a, r in article["ratings"].items() if get(r) is not None}
            for a in values:
                for b in values:
                    if a < b:
                        pairs.setdefault((a, b), []).append((values[a], values[b]))
        kappas = {key: cohen_kappa(rated) for key, rated in pairs.items()}
        assert {p.analysts: (p.items, p.kappa) for p in by_field[name].pairs} == {
            key: (len(rated), None if kappas[key] is None else pytest.approx(kappas[key]))
            for key, rated in pairs.items()
        }
        # Each analyst against the others: every pair they are in, pooled, their value first.
        against: dict[str, list] = {}
        units_rated: Counter[str] = Counter()
        for article in per_article:
            values = {a: get(r) for a, r in article["ratings"].items() if get(r) is not None}
            if len(values) < 2:
                continue
            for a in values:
                units_rated[a] += 1
                against.setdefault(a, []).extend((values[a], values[b]) for b in values if b != a)
        expected = {
            a: (units_rated[a], sum(x == y for x, y in rated) / len(rated), cohen_kappa(rated))
            for a, rated in against.items()
        }
        assert {r.analyst: (r.items, r.agreed, r.kappa) for r in by_field[name].raters} == {
            a: (items, pytest.approx(agreed), None if kappa is None else pytest.approx(kappa))
            for a, (items, agreed, kappa) in expected.items()
        }
        if len(expected) == 2:
            assert by_field[name].kappa == by_field[name].pairs[0].kappa


def test_pairs_are_left_out_above_the_limit_and_each_analyst_still_gets_a_kappa(db):
    """Kappa per pair is quadratic in the analysts on an article: above the limit the
    report has no pairs (None, not an empty list), unless asked for all of them."""
    article_ids = [insert_article(db, [f"text {i}"], title=f"T{i}") for i in range(2)]
    for i in range(8):
        for n, article_id in enumerate(article_ids):
            stance = "critical" if (i + n) % 4 else "neutral"
            apply_changes(db, [article_id], f"a{i}", {"status": "done", "stance": stance})
    limited = {f.field: f for f in agreement(db, ["stance"], max_paired_analysts=7).fields}
    assert limited["stance"].pairs is None
    assert len(limited["stance"].raters) == 8
    whole = {f.field: f for f in agreement(db, ["stance"], max_paired_analysts=None).fields}
    assert len(whole["stance"].pairs) == 28
    assert whole["stance"].raters == limited["stance"].raters
    assert whole["stance"].alpha == limited["stance"].alpha
    assert agreement(db, ["stance"], max_paired_analysts=8).fields[0].pairs == whole["stance"].pairs


# --- a million articles: the disagreements are counted, then listed a page at a time --------


def test_disagreements_are_read_a_page_at_a_time_in_article_order(db, graded, monkeypatch):
    apply_changes(db, [graded[2]], "zara", {"status": "done", "stance": "neutral"})
    adjudicate(db, graded[1], "lead", {"reliability": "B"})
    whole = agreement(db)
    listed = [d.__dict__ for d in whole.disagreements]
    assert len(whole.disagreements) == len(listed) == 2  # graded[1]'s is settled
    assert whole.settled == 1
    assert listed == [
        {
            "article_id": graded[2],
            "title": "Article 2",
            "field": "stance",
            "values": {"ivan": "supportive", "olena": "critical", "zara": "neutral"},
        },
        {
            "article_id": graded[2],
            "title": "Article 2",
            "field": "flag:state-media-sourcing",
            "values": {"ivan": False, "olena": True, "zara": False},
        },
    ]
    # Pages smaller than an article's decisions, and ending inside an article.
    for page in (1, 2, 3, 5):
        monkeypatch.setattr(Disagreements, "_PAGE", page)
        report = agreement(db)
        assert [d.__dict__ for d in report.disagreements] == listed, page
        assert report.disagreements[1].field == "flag:state-media-sourcing"
        assert [d.field for d in report.disagreements[:1]] == ["stance"]


def test_cli_agreement_lists_the_first_disagreements_and_where_the_rest_are(db, db_path, graded):
    runner = CliRunner()
    base = ["--db", str(db_path), "agreement"]
    text = runner.invoke(cli, [*base, "--limit", "2"]).stdout
    assert "3 disagreements to adjudicate:" in text
    rows = [line for line in text.splitlines() if line.startswith("  ") and "=" in line]
    assert len(rows) == 2
    assert "and 1 more: triage export --where 'disagree:any'" in text
    stance = runner.invoke(cli, [*base, "--field", "stance", "--limit", "1"]).stdout
    assert "more" not in stance  # one stance disagreement, shown
    assert "ivan=supportive, olena=critical" in stance
    flags = runner.invoke(cli, [*base, "--field", "flag:state-media-sourcing", "-n", "1"])
    assert "more" not in flags.stdout
    bad = runner.invoke(cli, [*base, "--limit", "0"])
    assert bad.exit_code == 2 and "--limit" in bad.stderr
    # JSON lists them all, written as they are read, one line each, and reads as the report.
    streamed = runner.invoke(cli, [*base, "--json", "--limit", "1"]).stdout
    assert json.loads(streamed) == agreement(db).as_dict()
    assert len(json.loads(streamed)["disagreements"]) == 3
    listed = [line for line in streamed.splitlines() if '"article_id"' in line]
    assert [json.loads(line.strip().rstrip(",")) for line in listed] == [
        d.__dict__ for d in agreement(db).disagreements
    ]


def test_cli_agreement_json_without_disagreements_is_the_report(db, db_path):
    runner = CliRunner()
    streamed = runner.invoke(cli, ["--db", str(db_path), "agreement", "--json"]).stdout
    assert streamed == shown_json(agreement(db).as_dict(), indent=2) + "\n"
