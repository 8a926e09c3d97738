"""Names across scripts: one Latin skeleton for Токаєв, Токаев, Тоқаев, Tokajew and Tokayev.

Story matching without a network compares the people, places and organisations two
articles name. Each name is reduced to a *skeleton*: transliterated to Latin with one
table for Ukrainian, Russian and Kazakh Cyrillic, spelling variants folded (kh, ch and
the German tsch all become h; w becomes v; z becomes s), then its first letter and the
consonants that follow, cut to five. Spellings of one name across uk/ru/kk/de/en land
on the same skeleton (Харків, Харькова, Kharkiv, Charkiw -> hrkv); names whose forms
differ more than that (Москва / Moskau, 托卡耶夫) are in :data:`ALIASES`, whose
entries are reduced to the skeleton of their English name, so both routes meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# One table for uk, ru and kk Cyrillic, written straight into the folded Latin
# spelling (ж, ш, щ and ц all fold to s; х, г, ґ, ғ, һ and ч to h).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "h", "д": "d", "е": "e", "є": "e",
    "ё": "e", "ж": "s", "з": "s", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "s", "ч": "h", "ш": "s", "щ": "s", "ъ": "",
    "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "ә": "a", "ғ": "h", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}  # fmt: skip
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)

# Latin spelling variants, longest first: German tsch/sch, English sh/kh/ch, Polish-
# style cz and sz, and letters that differ only by convention between languages.
_LATIN_FOLDS = (
    ("shch", "s"),
    ("tsch", "h"),
    ("sch", "s"),
    ("sh", "s"),
    ("zh", "s"),
    ("sz", "s"),
    ("cz", "h"),
    ("kh", "h"),
    ("ch", "h"),
    ("ts", "s"),
    ("tz", "s"),
    ("ph", "f"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("c", "k"),
    ("w", "v"),
    ("z", "s"),
    ("g", "h"),
)
# Any letter of the Cyrillic block: one regex search in C, not a loop over the letters.
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
_FOLD_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN_FOLDS))
_FOLD_MAP = dict(_LATIN_FOLDS)
_VOWELS = frozenset("aeiouyj")
SKELETON_LENGTH = 5

# Case endings that carry a consonant (so would change the skeleton), stripped from
# Cyrillic names: Токаєвим -> Токаєв, Зеленського -> Зеленськ, Києвом -> Києв.
_SLAVIC_ENDINGS = re.compile(
    r"(?:ами|ями|ыми|ими|ому|ему|ого|его|ом|ем|ым|им|ам|ям|ах|ях|ых|их|ой|ей|ою|ею|ий|ый|ій)$"
)
# Kazakh case and plural suffixes (Қазақстанның, Астанада, Токаевпен, Ресейдің).
_KAZAKH_ENDINGS = re.compile(
    r"(?:ның|нің|дың|дің|тың|тің|ның|ға|ге|қа|ке|на|не|да|де|та|те|нда|нде|дан|ден|тан|тен|нан|нен"
    r"|мен|бен|пен|ды|ді|ты|ті|ны|ні|ын|ін|лар|лер|дар|дер|тар|тер|ның)$"
)


def fold_latin(word: str) -> str:
    """Lowercase Latin without diacritics, spelling variants folded (see module doc)."""
    word = word.lower()
    if not word.isascii():
        word = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
        word = "".join(c for c in word if not unicodedata.combining(c))
    return _FOLD_RE.sub(lambda m: _FOLD_MAP[m.group()], word)


@lru_cache(maxsize=262_144)
def to_latin(word: str) -> str:
    """*word* in folded Latin: Cyrillic through the one table, Latin through :func:`fold_latin`."""
    lower = word.lower()
    if _CYRILLIC_RE.search(lower):
        return fold_latin(lower.translate(_CYRILLIC_TABLE))
    return fold_latin(lower)


def strip_ending(word: str, language: str) -> str:
    """A Cyrillic name without the case ending that would change its skeleton."""
    if not any("\u0400" <= c <= "\u04ff" for c in word[:2]):
        if language == "de" and len(word) >= 5 and word.endswith("s"):
            return word[:-1]  # German genitive: Kasachstans, Selenskyjs
        return word
    lower = word.lower()
    if language == "kk":
        stripped = _KAZAKH_ENDINGS.sub("", lower)
        if len(stripped) >= 3:
            lower = stripped
    stripped = _SLAVIC_ENDINGS.sub("", lower)
    return stripped if len(stripped) >= 4 else lower


def skeleton(latin: str) -> str:
    """First letter and the consonants after it, doubled letters once, at most five."""
    letters = [c for c in latin if c.isalpha()]
    if not letters:
        return ""
    out = [letters[0]]
    for c in letters[1:]:
        if c in _VOWELS or c == out[-1]:
            continue
        out.append(c)
    return "".join(out[:SKELETON_LENGTH])


# English name -> (kind, spellings in other scripts and languages). Only names whose
# skeletons differ between their forms need to be here; the rest meet by skeleton.
# kind "city" marks places precise enough that two articles naming two different
# ones describe two different events (the drone-strike trap).
ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Kazakhstan": ("country", ("Қазақстан", "哈萨克斯坦", "哈薩克", "Kasachstan", "Казахстан")),
    "Ukraine": ("country", ("乌克兰", "Украина", "Україна", "Украина", "Украïна")),
    "Russia": ("country", ("俄罗斯", "Ресей", "Russland", "Россия", "Росія", "РФ")),
    "China": ("country", ("中国", "Қытай", "Китай", "КНР")),
    "Germany": ("country", ("德国", "Германия", "Німеччина", "Германия", "Deutschland")),
    "United States": ("country", ("美国", "США", "АҚШ", "USA", "US", "Vereinigte Staaten")),
    "European Union": ("org", ("欧盟", "ЕС", "ЄС", "Еуроодақ", "ЕО", "EU", "Евросоюз", "Євросоюз")),
    "NATO": ("org", ("北约", "НАТО", "Nato")),
    "United Nations": ("org", ("联合国", "ООН", "БҰҰ", "UN", "UNO", "Vereinten Nationen")),
    "IAEA": ("org", ("国际原子能机构", "МАГАТЭ", "МАГАТЕ", "IAEO", "АЭА", "Atomenergiebehörde")),
    "SCO": ("org", ("上合组织", "上海合作组织", "ШОС", "ШЫҰ", "SOZ")),
    "UAE": ("country", ("阿联酋", "ОАЭ", "ОАЕ", "БАӘ", "VAE", "Emirates", "Emirate", "Емірати", "Эмираты")),
    "Tokayev": ("person", ("托卡耶夫", "Тоқаев", "Токаєв", "Токаев", "Tokajew")),
    "Zelensky": ("person", ("泽连斯基", "Зеленский", "Зеленський", "Selenskyj", "Zelenskyy")),
    "Putin": ("person", ("普京", "Путин", "Путін")),
    "Xi Jinping": ("person", ("习近平", "Си Цзиньпин", "Сі Цзіньпін", "Цзиньпин", "Цзіньпін", "Xi", "Jinping", "Си", "Сі")),
    "Scholz": ("person", ("朔尔茨", "Шольц")),
    "Lavrov": ("person", ("拉夫罗夫", "Лавров", "Lawrow")),
    "Erdogan": ("person", ("埃尔多安", "Эрдоган", "Ердоган", "Erdoğan")),
    "Grossi": ("person", ("格罗西", "Гросси", "Гроссі")),
    "von der Leyen": ("person", ("冯德莱恩", "Ляйен", "Ляєн", "Leyen", "Ляйенн")),
    "Kyiv": ("city", ("基辅", "Киев", "Київ", "Kiew", "Kiev", "Киев")),
    "Kharkiv": ("city", ("哈尔科夫", "Харьков", "Харків", "Charkiw", "Харківськ", "Харьковск")),
    "Odesa": ("city", ("敖德萨", "Одесса", "Одеса", "Odessa", "Одеськ", "Одесск")),
    "Lviv": ("city", ("利沃夫", "Львов", "Львів", "Lwiw", "Lemberg")),
    "Dnipro": ("city", ("第聂伯", "Днепр", "Дніпро", "Dnipro")),
    "Zaporizhzhia": ("city", ("扎波罗热", "Запорожье", "Запоріжжя", "Saporischschja", "Запорізьк", "Запорожск", "Zaporizhzhya")),
    "Kursk": ("city", ("库尔斯克", "Курск", "Курськ", "Kursker")),
    "Ryazan": ("city", ("梁赞", "Рязань", "Рязанск", "Рязанськ", "Rjasan")),
    "Volgograd": ("city", ("伏尔加格勒", "Волгоград", "Волгоградск", "Wolgograd")),
    "Sumy": ("city", ("苏梅", "Сумы", "Суми")),
    "Kherson": ("city", ("赫尔松", "Херсон", "Cherson")),
    "Mykolaiv": ("city", ("尼古拉耶夫", "Николаев", "Миколаїв", "Mykolajiw")),
    "Moscow": ("city", ("莫斯科", "Москва", "Мәскеу", "Moskau")),
    "Astana": ("city", ("阿斯塔纳", "Астана")),
    "Almaty": ("city", ("阿拉木图", "Алматы", "Алмати")),
    "Beijing": ("city", ("北京", "Пекин", "Пекін", "Peking", "Бейжің")),
    "Berlin": ("city", ("柏林", "Берлин", "Берлін")),
    "Brussels": ("city", ("布鲁塞尔", "Брюссель", "Брюсель", "Brüssel")),
    "Washington": ("city", ("华盛顿", "Вашингтон")),
    "Belgorod": ("city", ("别尔哥罗德", "Белгород", "Бєлгород")),
    "Crimea": ("region", ("克里米亚", "Крым", "Крим", "Qırım", "Krim")),
}  # fmt: skip


def name_form(word: str) -> str:
    """The skeleton of a name; an acronym (IAEA, NATO) keeps all its letters."""
    if word.isupper() and len(word) <= 6:
        return to_latin(word)
    return skeleton(to_latin(word))


@lru_cache(maxsize=262_144)
def entity_key(word: str, language: str) -> str:
    """The story key of a capitalised word: 'n:' and its skeleton (or its alias's)."""
    canonical = alias_of(word)
    if canonical is not None:
        return canonical[0]
    if word.isupper():
        return "n:" + name_form(word)
    return "n:" + skeleton(to_latin(strip_ending(word, language)))


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for english, (kind, spellings) in ALIASES.items():
        key = "n:" + name_form(english.replace(" ", ""))
        for spelling in (english, *spellings):
            index[_lookup_form(spelling)] = (key, kind)
    return index


def _lookup_form(word: str) -> str:
    # Ukrainian writes a soft sign where Russian does not (Рязанськ / Рязанск).
    return word.lower().replace("ь", "").replace("'", "").replace("’", "")


@lru_cache(maxsize=262_144)
def alias_of(word: str) -> tuple[str, str] | None:
    """(key, kind) when *word* (or its stem) is a known spelling of an aliased name."""
    index = _alias_index()
    lower = _lookup_form(word)
    hit = index.get(lower)
    if hit is None and len(lower) > 4:
        hit = index.get(_SLAVIC_ENDINGS.sub("", lower)) or index.get(_KAZAKH_ENDINGS.sub("", lower))
        if hit is None:
            for cut in (1, 2, 3):  # Києва, Харкові, Москвы, Ресейге
                hit = index.get(lower[:-cut])
                if hit is not None:
                    break
    return hit


@lru_cache(maxsize=1)
def han_aliases() -> tuple[tuple[str, str, str], ...]:
    """(spelling, key, kind) for the spellings in Han script, longest first.

    Chinese has neither capitals nor spaces, so its names are found by looking for
    these spellings in the text instead.
    """
    out = []
    for spelling, (key, kind) in _alias_index().items():
        if any("\u4e00" <= c <= "\u9fff" for c in spelling):
            out.append((spelling, key, kind))
    return tuple(sorted(out, key=lambda t: -len(t[0])))


ANCHOR_KINDS = frozenset({"city", "person"})
"""Aliased names precise enough to tell two events apart: two meetings with different
leaders, two strikes on different cities."""


@lru_cache(maxsize=65_536)
def is_anchor(key: str) -> bool:
    return _kinds().get(key) in ANCHOR_KINDS


@lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    return {key: kind for key, kind in _alias_index().values()}


# Months in every language of the labelled set: "12 May", "12 мая", "12. Mai", "12 травня", "12 мамыр".
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar январь января январе січень січня січні қаңтар қаңтардың",
        "february feb februar февраль февраля феврале лютий лютого лютому ақпан ақпанның",
        "march mar märz марта март марте березень березня березні наурыз наурыздың",
        "april apr апрель апреля апреле квітень квітня квітні сәуір сәуірдің",
        "may mai май мая мае травень травня травні мамыр мамырдың",
        "june jun juni июнь июня июне червень червня червні маусым маусымның",
        "july jul juli июль июля июле липень липня липні шілде шілденің",
        "august aug август августа августе серпень серпня серпні тамыз тамыздың",
        "september sep sept сентябрь сентября сентябре вересень вересня вересні қыркүйек",
        "october oct oktober октябрь октября октябре жовтень жовтня жовтні қазан қазанның",
        "november nov ноябрь ноября ноябре листопад листопада листопаді қараша",
        "december dec dezember декабрь декабря декабре грудень грудня грудні желтоқсан",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number
