"""Build a realistic synthetic store for benchmarks and for trying the app at scale.

    python benchmarks/synth.py --db PATH --articles N [--seed S] [--baseline M [--repeats R]]

Articles in uk, ru, kk, de, en and zh with multi-paragraph text drawn from word
lists, hostnames, URLs and published dates (some only a year or a month, a few
none); about 40% translated into English (provider "synthetic", through
store.translations.save_translation); about 30% graded by one analyst through
store.triage.apply_changes and half of those by a second analyst who mostly
agrees (so agreement has data), with flags; publisher and attributed citations of
RIA Novosti, RT, TASS, Xinhua and RFE/RL with the matching outlets rows and
state-media suggestions. The same seed gives the same store.

Speed: everything is one write transaction; articles go in with executemany, and
the FTS triggers are dropped for the bulk and the index is rebuilt once at the end
(store.db.ensure_fts_triggers), so a crash leaves the store as it was. Prints the
time taken and the row counts. With ``--baseline M`` it also builds M articles both
ways in temporary stores, R times, and prints the median rates and their ratio: the
baseline writes the same rows one article (insert_article) and one decision
(apply_changes) per transaction with the FTS triggers live.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from article_triage.store.articles import ARTICLE_COLUMNS, insert_article  # noqa: E402
from article_triage.store.db import ensure_fts_triggers, open_db, utcnow, write_transaction  # noqa: E402
from article_triage.store.text import join_paragraphs, split_paragraphs, text_sha256, word_count  # noqa: E402
from article_triage.store.translations import save_translation  # noqa: E402
from article_triage.store.triage import apply_changes  # noqa: E402

PROVIDER = "synthetic"
ANALYSTS = ("olena", "taras")
BATCH = 5000
CACHE_KIB = 262_144  # the build's page cache, at most 256 MiB (filled only as needed)
GROUP_SIZE = 25  # articles per apply_changes call: one undo group, like a small bulk action

LANGUAGE_WEIGHTS = {"uk": 30, "ru": 25, "kk": 8, "de": 12, "en": 17, "zh": 8}


def _vocabulary(words: str) -> list[str]:
    return words.split()


WORDS: dict[str, list[str]] = {
    "uk": _vocabulary(
        """
        уряд міністр заява енергетика обстріл область місто президент парламент закон бюджет
        економіка експорт зерно порт безпека переговори армія фронт громада відновлення
        допомога санкції ринок ціни газ електроенергія мережа ремонт школа лікарня жителі
        влада рішення засідання депутати реформа суд корупція розслідування журналісти
        джерело дані звіт агентство регіон кордон делегація угода партнери підтримка оборона
        техніка дрон атака укриття евакуація і в на з що як для та але після через під час
        також вже ще понад близько
        """
    ),
    "ru": _vocabulary(
        """
        правительство министр заявление энергетика удар область город президент парламент
        закон бюджет экономика экспорт зерно порт безопасность переговоры армия фронт жители
        помощь санкции рынок цены газ электроэнергия сеть ремонт школа больница власти
        решение заседание депутаты реформа суд коррупция расследование журналисты источник
        данные доклад агентство регион граница делегация соглашение партнёры поддержка
        оборона техника беспилотник атака эвакуация и в на с что как для но после через во
        время также уже ещё более около
        """
    ),
    "kk": _vocabulary(
        """
        үкімет министр мәлімдеме энергетика облыс қала президент парламент заң бюджет
        экономика экспорт астық порт қауіпсіздік келіссөздер әскер тұрғындар көмек
        санкциялар нарық бағалар газ электр желі жөндеу мектеп аурухана билік шешім отырыс
        депутаттар реформа сот сыбайлас тергеу журналистер дереккөз мәліметтер баяндама
        агенттік аймақ шекара делегация келісім серіктестер қолдау қорғаныс және мен да де
        үшін бірақ кейін арқылы кезінде сондай-ақ әлі шамамен
        """
    ),
    "de": _vocabulary(
        """
        Regierung Minister Erklärung Energie Angriff Region Stadt Präsident Parlament Gesetz
        Haushalt Wirtschaft Export Getreide Hafen Sicherheit Verhandlungen Armee Front
        Bewohner Hilfe Sanktionen Markt Preise Gas Strom Netz Reparatur Schule Krankenhaus
        Behörden Entscheidung Sitzung Abgeordnete Reform Gericht Korruption Ermittlungen
        Journalisten Quelle Daten Bericht Agentur Grenze Delegation Abkommen Partner
        Unterstützung Verteidigung Drohne Evakuierung und in auf mit dass wie für aber nach
        durch während auch bereits noch mehr etwa der die das
        """
    ),
    "en": _vocabulary(
        """
        government minister statement energy strike region city president parliament law
        budget economy exports grain port security talks army front residents aid sanctions
        market prices gas power grid repairs school hospital authorities decision session
        lawmakers reform court corruption investigation journalists source data report
        agency border delegation agreement partners support defence drone evacuation and in
        on with that as for but after through during also already still more about the a of
        to
        """
    ),
    "zh": _vocabulary(
        """
        政府 部长 声明 能源 袭击 地区 城市 总统 议会 法律 预算 经济 出口 粮食 港口 安全 谈判 军队 前线 居民 援助 制裁 市场 价格 天然气 电力 电网 维修
        学校 医院 当局 决定 会议 议员 改革 法院 腐败 调查 记者 消息 数据 报告 通讯社 边境 代表团 协议 伙伴 支持 国防 无人机 撤离 和 在 对 与 但是
        之后 期间 已经 仍然 超过 大约
        """
    ),
}

HOSTS: dict[str, list[str]] = {
    "uk": ["pravda.com.ua", "ukrinform.ua", "suspilne.media", "radiosvoboda.org", "unian.ua"],
    "ru": ["ria.ru", "tass.ru", "russian.rt.com", "meduza.io", "svoboda.org", "kommersant.ru"],
    "kk": ["tengrinews.kz", "kaztag.kz", "azattyq.org", "inform.kz"],
    "de": ["de.rt.com", "tagesschau.de", "spiegel.de", "dw.com"],
    "en": ["bbc.co.uk", "reuters.com", "rferl.org", "rt.com", "apnews.com"],
    "zh": ["news.cn", "xinhuanet.com", "zaobao.com.sg"],
}

# The outlets rows, as the built-in registry (store/outlets/data/outlets.toml) states them.
OUTLETS: list[dict[str, Any]] = [
    {
        "key": "ria-novosti",
        "name": "RIA Novosti",
        "country": "RU",
        "category": "state-controlled",
        "domains": ["ria.ru"],
        "aliases": ["RIA Novosti", "РИА Новости", "РІА Новини", "RIA Nowosti"],
    },
    {
        "key": "rt",
        "name": "RT",
        "country": "RU",
        "category": "state-controlled",
        "domains": ["rt.com", "de.rt.com", "russian.rt.com"],
        "aliases": ["RT", "RT DE", "Russia Today"],
    },
    {
        "key": "tass",
        "name": "TASS",
        "country": "RU",
        "category": "state-controlled",
        "domains": ["tass.ru", "tass.com"],
        "aliases": ["TASS", "ТАСС"],
    },
    {
        "key": "xinhua",
        "name": "Xinhua",
        "country": "CN",
        "category": "state-controlled",
        "domains": ["news.cn", "xinhuanet.com"],
        "aliases": ["Xinhua", "新华社", "Синьхуа"],
    },
    {
        "key": "rferl",
        "name": "Radio Free Europe/Radio Liberty",
        "country": "US",
        "category": "state-funded-independent",
        "domains": ["rferl.org", "svoboda.org", "radiosvoboda.org", "azattyq.org"],
        "aliases": ["Radio Free Europe/Radio Liberty", "Radio Svoboda", "Радіо Свобода", "Азаттық"],
    },
]
OUTLET_BY_KEY = {o["key"]: o for o in OUTLETS}
PUBLISHER_BY_HOST = {domain: o["key"] for o in OUTLETS for domain in o["domains"]}
STATE_MEDIA = {o["key"] for o in OUTLETS if o["category"] == "state-controlled"}

# How each language attributes a claim: (cue, the outlet's name as written there).
ATTRIBUTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "uk": {
        "ria-novosti": ("як повідомляє", "РІА Новини"),
        "tass": ("як повідомляє", "ТАРС"),
        "rferl": ("як повідомляє", "Радіо Свобода"),
    },
    "ru": {
        "ria-novosti": ("со ссылкой на", "РИА Новости"),
        "tass": ("как сообщает", "ТАСС"),
        "rt": ("как сообщает", "RT"),
    },
    "kk": {"ria-novosti": ("хабарлауынша", "РИА Новости"), "rferl": ("хабарлауынша", "Азаттық")},
    "de": {
        "ria-novosti": ("laut", "RIA Nowosti"),
        "rt": ("laut", "RT DE"),
        "tass": ("laut", "TASS"),
    },
    "en": {
        "ria-novosti": ("according to", "RIA Novosti"),
        "rt": ("according to", "RT"),
        "rferl": ("according to", "Radio Free Europe/Radio Liberty"),
        "xinhua": ("according to", "Xinhua"),
    },
    "zh": {"xinhua": ("据", "新华社"), "tass": ("据", "塔斯社")},
}
FLAGS = ["single-source", "anonymous-source", "unverified-claim", "denial-issued"]
STANCES = ["supportive", "critical", "neutral", "mixed", "unclear"]

ARTICLE_INSERT = (
    "INSERT INTO articles (id, source, url, title, sitename, hostname, published, language, "
    "text, paragraph_count, word_count, text_sha256, extractor, extractor_version, "
    "content_type, encoding, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ARTICLE_INSERT_COLUMNS = (
    ARTICLE_INSERT.split("(", 1)[1].split(")", 1)[0].replace(" ", "").split(",")
)
OUTLET_INSERT = (
    "INSERT OR REPLACE INTO outlets (key, name, country, category, domains, aliases, origin) "
    "VALUES (?, ?, ?, ?, ?, ?, 'builtin')"
)
CITATION_INSERT = (
    "INSERT INTO citations (article_id, outlet_key, role, paragraph_index, start, end, "
    "matched_text, cue) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
SUGGESTION_INSERT = "INSERT OR IGNORE INTO suggested_flags (article_id, flag, reason, outlet_key) VALUES (?, ?, ?, ?)"
FTS_TRIGGERS = ("articles_ai", "articles_ad", "articles_au")
COUNTED_TABLES = (
    "articles",
    "translations",
    "decisions",
    "events",
    "citations",
    "suggested_flags",
    "outlets",
    "articles_fts",
)


class SyntheticText:
    """Sentences, paragraphs and titles from a language's word list.

    Paragraphs are drawn from a pool of sentences made once per language: drawing
    from the pool is what makes 100,000 articles quick to write, and a figure in
    every article's first sentence keeps the texts distinct.
    """

    def __init__(self, rng: random.Random, pool_size: int = 3000):
        self.rng = rng
        self.pools = {lang: [self.sentence(lang) for _ in range(pool_size)] for lang in WORDS}

    def sentence(self, lang: str, low: int = 6, high: int = 16) -> str:
        words = self.rng.choices(WORDS[lang], k=self.rng.randint(low, high))
        if lang == "zh":
            middle = len(words) // 2
            return "".join(words[:middle]) + "，" + "".join(words[middle:]) + "。"
        first = words[0]
        words[0] = first[:1].upper() + first[1:]
        if len(words) > 8 and self.rng.random() < 0.5:
            words[len(words) // 2] += ","
        return " ".join(words) + "."

    def paragraph(self, lang: str) -> str:
        joiner = "" if lang == "zh" else " "
        return joiner.join(self.rng.choices(self.pools[lang], k=self.rng.randint(1, 4)))

    def paragraphs(self, lang: str, count: int) -> list[str]:
        out = [self.paragraph(lang) for _ in range(count)]
        figure = f"{self.rng.randint(2, 99_999):,}".replace(",", " ")
        if lang == "zh":
            out[0] = self.sentence(lang, 3, 7).rstrip("。") + f"{figure}。" + out[0]
        else:
            out[0] = self.sentence(lang, 3, 7).rstrip(".") + f" {figure}. " + out[0]
        return out

    def title(self, lang: str) -> str:
        return self.sentence(lang, 4, 9).rstrip(".。")

    def attributed(self, lang: str, cue: str, name: str) -> tuple[str, int]:
        """A sentence that attributes a claim to *name*, and where *name* starts in it."""
        claim = self.rng.choice(self.pools[lang])
        if lang == "zh":
            return cue + name + "报道，" + claim, len(cue)
        head = cue[:1].upper() + cue[1:] + " "
        return head + name + ", " + claim[:1].lower() + claim[1:], len(head)


def _published(rng: random.Random) -> str | None:
    year, month, day = rng.randint(2022, 2024), rng.randint(1, 12), rng.randint(1, 28)
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.10:
        return f"{year}"
    if roll < 0.20:
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{day:02d}"


def _decision(rng: random.Random, cites_state_media: bool) -> dict[str, Any]:
    flags = sorted(set(rng.sample(FLAGS, k=rng.choice([0, 0, 0, 1, 1, 2]))))
    if cites_state_media and rng.random() < 0.8:
        flags = ["state-media-sourcing", *flags]
    return {
        "status": rng.choices(["done", "escalated", "skipped"], weights=[80, 12, 8])[0],
        "stance": rng.choice(STANCES),
        "reliability": rng.choices("ABCDEF", weights=[5, 25, 30, 20, 10, 10])[0],
        "credibility": rng.choices("123456", weights=[10, 30, 30, 15, 5, 10])[0],
        "flags": flags,
    }


def _second_opinion(rng: random.Random, first: dict[str, Any]) -> dict[str, Any]:
    """A second analyst's decision: the same as the first about 70% of the time per field."""
    other = dict(first)
    if rng.random() < 0.3:
        other["reliability"] = rng.choice("ABCDEF")
    if rng.random() < 0.3:
        other["credibility"] = rng.choice("123456")
    if rng.random() < 0.2:
        other["stance"] = rng.choice(STANCES)
    if rng.random() < 0.15:
        other["flags"] = sorted(set(other["flags"]) ^ {rng.choice(FLAGS)})
    return other


@dataclass
class Batch:
    """Rows for a batch of articles, written together."""

    articles: list[tuple[Any, ...]] = field(default_factory=list)
    citations: list[tuple[Any, ...]] = field(default_factory=list)
    suggestions: list[tuple[Any, ...]] = field(default_factory=list)
    translations: list[tuple[int, list[str], str]] = field(default_factory=list)


class StoreBuilder:
    """Makes one article at a time into a batch, with its citations, translation and grades."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.gen = SyntheticText(self.rng)
        self.added_at = utcnow()
        self.seen: set[str] = set()
        # (analyst, decision as JSON) -> article ids, applied in groups at the end
        self.decisions: dict[tuple[str, str], list[int]] = defaultdict(list)

    def add(self, batch: Batch, article_id: int) -> None:
        rng, gen = self.rng, self.gen
        lang = rng.choices(list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values()))[0]
        host = rng.choice(HOSTS[lang])
        paragraphs = gen.paragraphs(lang, rng.randint(3, 7))
        cited = None
        if rng.random() < 0.25:
            cited = rng.choice(list(ATTRIBUTIONS[lang]))
            cue, name = ATTRIBUTIONS[lang][cited]
            sentence, at = gen.attributed(lang, cue, name)
            cited_paragraph = rng.randrange(len(paragraphs))
            joiner = "" if lang == "zh" else " "
            paragraphs[cited_paragraph] = sentence + joiner + paragraphs[cited_paragraph]
            batch.citations.append(
                (article_id, cited, "attributed", cited_paragraph, at, at + len(name), name, cue)
            )
        digest = text_sha256(paragraphs)
        while digest in self.seen:  # the unique index would abort the whole run
            paragraphs[0] += " " + gen.title(lang) + "."
            digest = text_sha256(paragraphs)
        self.seen.add(digest)

        publisher = PUBLISHER_BY_HOST.get(host)
        if publisher:
            batch.citations.append(
                (article_id, publisher, "publisher", None, None, None, None, None)
            )
        reasons = [(k, "published by") for k in (publisher,) if k in STATE_MEDIA]
        reasons += [(k, "cites") for k in (cited,) if k in STATE_MEDIA]
        for key, how in reasons:
            outlet = OUTLET_BY_KEY[key]
            reason = f"{how} {outlet['name']}: {outlet['category']}, {outlet['country']}"
            batch.suggestions.append((article_id, "state-media-sourcing", reason, key))

        published = _published(rng)
        url = f"https://{host}/news/{(published or '2024')[:4]}/{article_id:07d}"
        batch.articles.append(
            (
                article_id,
                url,
                url,
                gen.title(lang),
                host,
                host,
                published,
                lang,
                join_paragraphs(paragraphs),
                len(paragraphs),
                word_count(paragraphs),
                digest,
                "synthetic",
                "1",
                "text/html",
                "utf-8",
                self.added_at,
            )
        )

        if lang != "en" and rng.random() < 0.48:
            english = [gen.paragraph("en") for _ in paragraphs]
            if cited:  # the translation attributes the claim too
                sentence = gen.attributed("en", "according to", OUTLET_BY_KEY[cited]["name"])[0]
                english[cited_paragraph] = sentence + " " + english[cited_paragraph]
            batch.translations.append((article_id, english, lang))

        if rng.random() < 0.30:
            first = _decision(rng, bool(reasons))
            self.decisions[(ANALYSTS[0], json.dumps(first, sort_keys=True))].append(article_id)
            if rng.random() < 0.5:
                second = json.dumps(_second_opinion(rng, first), sort_keys=True)
                self.decisions[(ANALYSTS[1], second)].append(article_id)
        elif rng.random() < 0.03:  # flagged while reading, not graded yet
            flags = json.dumps({"flags": [rng.choice(FLAGS)]})
            self.decisions[(ANALYSTS[0], flags)].append(article_id)


def build_store(
    db_path: Path,
    articles: int,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    *,
    bulk: bool = True,
) -> dict[str, int]:
    """Write *articles* synthetic articles into a new store; return the row counts.

    ``bulk=False`` writes the same rows the way an importer and an analyst would,
    one article and one decision per transaction with the FTS triggers live: the
    baseline the bulk path is measured against.
    """
    db = open_db(db_path)
    if db.execute("SELECT count(*) FROM articles").fetchone()[0]:
        db.close()
        raise ValueError(f"{db_path} already holds articles; give a new path")
    builder = StoreBuilder(seed)
    # The whole build is one transaction: a page cache big enough to hold it keeps
    # SQLite from spilling dirty pages into the WAL and reading them back.
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    with write_transaction(db) if bulk else nullcontext():
        if bulk:
            for trigger in FTS_TRIGGERS:
                db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        db.conn.executemany(OUTLET_INSERT, [_outlet_row(o) for o in OUTLETS])
        for start in range(1, articles + 1, BATCH):
            batch = Batch()
            for article_id in range(start, min(start + BATCH, articles + 1)):
                builder.add(batch, article_id)
            if bulk:
                db.conn.executemany(ARTICLE_INSERT, batch.articles)
            else:
                for row in batch.articles:
                    _insert_one(db, row)
            with write_transaction(db):
                db.conn.executemany(CITATION_INSERT, batch.citations)
                db.conn.executemany(SUGGESTION_INSERT, batch.suggestions)
            for article_id, english, source_lang in batch.translations:
                save_translation(db, article_id, "en", PROVIDER, english, source_lang)
            if progress:
                progress(min(start + BATCH - 1, articles))
        group = GROUP_SIZE if bulk else 1
        for (analyst, changes), ids in sorted(builder.decisions.items()):
            for offset in range(0, len(ids), group):
                apply_changes(db, ids[offset : offset + group], analyst, json.loads(changes))
        if bulk:
            # The triggers are gone, so this drops the FTS table and rebuilds it from every row.
            ensure_fts_triggers(db)
    counts = {
        table: db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
        for table in COUNTED_TABLES
    }
    counts["translated articles"] = db.execute(
        "SELECT count(*) FROM articles WHERE translation_text IS NOT NULL"
    ).fetchone()[0]
    db.close()
    return counts


def _outlet_row(outlet: dict[str, Any]) -> tuple[Any, ...]:
    return (
        outlet["key"],
        outlet["name"],
        outlet["country"],
        outlet["category"],
        json.dumps(outlet["domains"], ensure_ascii=False),
        json.dumps(outlet["aliases"], ensure_ascii=False),
    )


def _insert_one(db: Any, row: tuple[Any, ...]) -> None:
    record = dict(zip(ARTICLE_INSERT_COLUMNS, row, strict=True))
    metadata = {k: v for k, v in record.items() if k in ARTICLE_COLUMNS}
    article_id = insert_article(db, split_paragraphs(record["text"]), **metadata)
    if article_id != record["id"]:  # citations and decisions refer to these ids
        raise RuntimeError(f"baseline store numbered article {record['id']} as {article_id}")


def measure(articles: int, seed: int, repeats: int) -> dict[str, float]:
    """Median articles/s of the bulk path and of the one-by-one baseline, same run."""
    rates: dict[str, list[float]] = {"bulk": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
        for repeat in range(repeats):
            for name in rates:  # interleaved, so load changes hit both alike
                path = Path(tmp) / f"{name}-{repeat}.db"
                started = time.perf_counter()
                build_store(path, articles, seed, bulk=name == "bulk")
                rates[name].append(articles / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the store to create")
    parser.add_argument("--articles", type=int, required=True, help="how many articles")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--baseline",
        type=int,
        default=0,
        metavar="N",
        help="also time N articles written one by one against the bulk path (medians)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="repeats for --baseline")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")

    def progress(done: int) -> None:
        print(f"\r{done:,} / {args.articles:,} articles", end="", file=sys.stderr, flush=True)

    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        counts = build_store(args.db, args.articles, args.seed, progress)
    except ValueError as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 2
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(file=sys.stderr)
    # CPU time too: on a shared machine the wall time mostly measures the neighbours.
    print(
        f"built {args.db} in {elapsed:.1f} s ({cpu:.1f} s CPU), "
        f"{args.articles / elapsed:,.0f} articles/s"
    )
    for table, n in counts.items():
        print(f"  {table:<20} {n:>10,}")
    if args.baseline > 0:
        rates = measure(args.baseline, args.seed, max(1, args.repeats))
        print(
            f"{args.baseline:,} articles, median of {args.repeats}: "
            f"bulk {rates['bulk']:,.0f} articles/s, one by one {rates['baseline']:,.0f} "
            f"articles/s, ratio {rates['bulk'] / rates['baseline']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
