"""Attribution cues: the words that make an outlet the source of a claim.

"according to Reuters", "laut RIA Nowosti", "як нагадує Радіо Свобода",
"со ссылкой на ТАСС", "Kazinform хабарлауынша", "据新华社报道". An outlet named
without one of these ("RT DE was banned in the EU") is a mere mention.

Cues come in two positions: before the outlet's name (possibly with a few words
such as "der Nachrichtenagentur" between them) and after it ("RIA Nowosti
berichtet"). Each list is one regular-expression alternation, lowercase.
"""

from __future__ import annotations

import re

# --- before the outlet: "<cue> [up to three words] <outlet>" ----------------------------

_BEFORE_WORDS = [
    # English
    r"according to",
    r"citing",
    r"cited by",
    r"cited in",
    r"quoting",
    r"quoted by",
    r"quoted in",
    r"reported by",
    r"reporting by",
    r"report(?:s|ed)? (?:by|from|in)",
    r"told",
    r"said to",
    r"in an interview with",
    r"interview with",
    r"in a statement to",
    r"published (?:by|in)",
    r"wrote in",
    r"writing in",
    r"via",
    r"sources? close to",
    r"(?:surveyed|interviewed|polled|contacted) by",
    r"data from",
    r"(?:reports|writes)",
    # German
    r"laut",
    r"nach (?:den )?(?:angaben|informationen|erkenntnissen|berichten|recherchen|darstellung)(?: (?:der|des|von|vom))?",
    r"(?:angaben|informationen|erkenntnissen|recherchen)(?: (?:der|des|von|vom))",
    r"(?:einem |einer |im |in einem |dem )?(?:bericht|berichten|meldung|artikel|beitrag|interview|gespräch)(?: (?:der|des|von|vom|im|in der|mit|bei))",
    r"unter berufung auf",
    r"beruft sich auf",
    r"berief sich auf",
    r"zitiert(?:e|en)?(?: von)?",
    r"berichtet(?:e|en)?",
    r"meldet(?:e|en)?",
    r"schreibt",
    r"schrieb(?:en)?",
    r"(?:sagte|sagten|erklärte|erklärten|bestätigte|bestätigten)(?: \w+){0,2} gegenüber",
    r"heißt es (?:bei|in|im)",
    r"quelle:?",
    r"sagte (?:er|sie|es)?\s*(?:der|dem)",
    # Russian
    r"со ссылкой на",
    r"ссылаясь на",
    r"сославшись на",
    r"по (?:данным|информации|сведениям|сообщению|словам|версии|подсчетам|подсчётам)",
    r"согласно(?: (?:данным|информации|сообщению))?",
    r"(?:как )?(?:сообща(?:ет|ют|лось(?: в| на)?)|сообщил[аои]?|переда[её]т|передают|пишет|пишут|писал[аои]?|отмечает|отмечают|информирует|"
    r"утверждает|утверждают|заявил[аои]?|цитиру(?:ет|ют)|уточняет|приводит|приводят|опубликовал[аои]?|распространил[аои]?|"
    r"выяснил[аои]?|узнал[аои]?|рассказал[аои]?|напоминает|напоминают)",
    r"(?:в|во) (?:интервью|эфире|материале|публикации|статье|сообщении|беседе с)",
    r"источник(?:и|ов)?(?: в| издания| агентства)?",
    r"(?:как )?стало известно",
    r"(?:сообщени[еия]|заявлени[еия]|публикаци[яи]|материал[еа]?)",
    r"опрошенн(?:ые|ых|ый|ая)",
    # Ukrainian
    r"з посиланням на",
    r"посилаючись на",
    r"пославшись на",
    r"за (?:даними|інформацією|повідомленням|словами|версією|підрахунками)",
    r"згідно з(?: даними| інформацією)?",
    r"(?:як )?(?:повідомля(?:є|ють)|повідоми(?:в|ла|ло|ли)|нагаду(?:є|ють)|пи(?:ше|шуть|сав|сала|сало)|переда(?:є|ють)|"
    r"зазнача(?:є|ють)|інформує|цитую?(?:є|ть)|стверджу(?:є|ють)|заяви(?:в|ла|ло|ли)|розпові(?:в|ла|ло|ли)|уточню(?:є|ють)|"
    r"наголошу(?:є|ють)|наводить|наводять|опублікува(?:в|ла|ло|ли)|з'ясува(?:в|ла|ло|ли)|дізна(?:вся|лася|лося|лись))",
    r"(?:в|у) (?:інтерв'ю|ефірі|матеріалі|публікації|статті|повідомленні)",
    r"джерел(?:о|а)(?: в| видання| агентства)?",
    r"(?:як )?стало відомо",
    r"(?:повідомлення|повідомленні|заява|заяві|публікація|публікації|матеріал[іу]?)",
    r"опитан(?:і|их|ий|а)",
    # Kazakh (verb before the subject at the end of a sentence: "..., деп хабарлайды Kazinform")
    r"(?:деп )?(?:хабарлайды|хабарлады|жазады|жазды|мәлімдеді|хабарлап отыр)",
]

# --- after the outlet: "<outlet> [up to two words] <cue>" -------------------------------

_AFTER_WORDS = [
    # English
    r"reported",
    r"reports",
    r"reporting",
    r"report said",
    r"report",
    r"said",
    r"says",
    r"wrote",
    r"writes",
    r"quoted",
    r"quotes",
    r"cited",
    r"cites",
    r"citing",
    r"quoting",
    r"claimed",
    r"claims",
    r"stated",
    r"states",
    r"announced",
    r"published",
    r"learned",
    r"revealed",
    r"reported on",
    r"according to",
    # German
    r"berichtet(?:e|en)?",
    r"meldet(?:e|en)?",
    r"schreibt",
    r"schrieb(?:en)?",
    r"zufolge",
    r"zitiert(?:e|en)?",
    r"beruft sich",
    r"berief sich",
    r"unter berufung",
    r"veröffentlicht(?:e|en)?",
    r"sagte",
    r"erklärte",
    r"erfuhr",
    r"behauptet(?:e|en)?",
    r"informiert(?:e|en)?",
    r"hieß es",
    r"heißt es",
    r"bericht",
    # Russian
    r"сообща(?:ет|ют)",
    r"сообщил[аои]?",
    r"переда[её]т",
    r"передают",
    r"пи(?:шет|шут|сал[аои]?)",
    r"утвержда(?:ет|ют|л[аои]?)",
    r"заяв(?:ил[аои]?|ляет)",
    r"цитиру(?:ет|ют)",
    r"ссылается",
    r"ссылаясь",
    r"со ссылкой на",
    r"уточня(?:ет|ют)",
    r"уточнил[аои]?",
    r"отмеча(?:ет|ют)",
    r"отметил[аои]?",
    r"опубликовал[аои]?",
    r"информирует",
    r"приводит",
    r"выяснил[аои]?",
    r"узнал[аои]?",
    r"рассказал[аои]?",
    r"напомина(?:ет|ют)",
    # Ukrainian
    r"повідомля(?:є|ють)",
    r"повідоми(?:в|ла|ло|ли)",
    r"пи(?:ше|шуть|сав|сала|сало)",
    r"переда(?:є|ють)",
    r"нагаду(?:є|ють)",
    r"зазнача(?:є|ють)",
    r"зазначи(?:в|ла|ло|ли)",
    r"інформує",
    r"цитує",
    r"стверджу(?:є|ють)",
    r"заяви(?:в|ла|ло|ли)",
    r"з посиланням на",
    r"посилаючись на",
    r"опублікува(?:в|ла|ло|ли)",
    r"з'ясува(?:в|ла|ло|ли)",
    r"дізна(?:вся|лася|лося|лись)",
    # Kazakh
    r"хабарлауынша",
    r"жазуынша",
    r"мәліметінше",
    r"мәліметіне сәйкес",
    r"дерегінше",
    r"деректеріне сәйкес",
    r"ақпаратынша",
    r"ақпаратына сәйкес",
    r"айтуынша",
    r"хабары бойынша",
    r"хабарлады",
    r"хабарлайды",
    r"жазады",
    r"жазды",
    r"мәлімдеді",
    r"жариялады",
    r"жариялаған",
    r"жариялағандай",
    r"жазғандай",
    r"хабарлағандай",
    r"мәлімдегендей",
    r"атап өткендей",
    r"айтқандай",
    r"сілтеме жасап",
    r"сілтеме жасай отырып",
]

# Chinese has no spaces: cues sit right against the name (据新华社报道, 新华社北京3月1日电).
_CJK_BEFORE = r"(?:据|根据|援引|引述|引用|转引)"
_CJK_AFTER = r"(?:报道|报导|報道|消息|称|稱|援引|表示|指出|发布|发表|刊文|刊登|获悉|透露|宣布|说|說|\d{1,2}日[电電])"

_FILLER_SEP = r"[\s\"'«»„“”‚‘’‹›:()\-–—]"
_BEFORE_RE = re.compile(
    r"(?<!\w)(?P<cue>" + "|".join(_BEFORE_WORDS) + r")"
    rf"{_FILLER_SEP}*(?:[\w'’.\-]+{_FILLER_SEP}+){{0,3}}$"
    r"|(?P<cjk>" + _CJK_BEFORE + r")[^\s，。！？,.!?；;]{0,6}$",
    re.IGNORECASE,
)
_AFTER_RE = re.compile(
    r"^[\s\"'«»„“”‚‘’‹›)\]]*(?:[,:]\s*)?(?:[\w'’\-]+\s+){0,2}?(?P<cue>"
    + "|".join(_AFTER_WORDS)
    + r")(?!\w)"
    r"|^[\"'»”’)]*[^\s，。！？,.!?；;]{0,6}?(?P<cjk>" + _CJK_AFTER + r")",
    re.IGNORECASE,
)

_ASIDE_RE = re.compile(r"^\s*,[^,]{1,80},\s*")

# Words that say a name is an outlet ("Азаттықтың тілшісі", "телеканал Дождь"): they let
# a name that is also an ordinary word count as an outlet even without a cue.
_DESCRIPTOR_AFTER_RE = re.compile(
    r"^[\s\"'»“”’)\-]*(?:тілшісі|тілшілері|редакциясы|сайты|сайтында|агенттігі|арнасы|порталы|"
    r"корреспондент\w*|журналист\w*|редакци\w+|correspondent|reporter|newsroom|Korrespondent\w*|Reporter\w*|"
    r"Redaktion)(?!\w)",
    re.IGNORECASE,
)
_DESCRIPTOR_BEFORE_RE = re.compile(
    r"(?<!\w)(?:телеканал\w*|газет\w+|агентств\w+|агенці\w+|радио|радіо|видання|издани\w+|"
    r"Zeitung|Sender|Nachrichtenagentur|Agentur|newspaper|channel|broadcaster|agency|portal)[\s\"'«„“]*$",
    re.IGNORECASE,
)


def has_descriptor(before: str, after: str) -> bool:
    return bool(_DESCRIPTOR_AFTER_RE.match(after) or _DESCRIPTOR_BEFORE_RE.search(before))


# Where a sentence ends inside a window: the cue must be in the same sentence.
_SENTENCE_END_RE = re.compile(r"[.!?…;](?=\s)|[。！？；]|\n")

# "ТАСС и РИА Новости сообщили": outlets joined like this share one cue.
COORDINATION_RE = re.compile(
    r"^\s*(?:,|и|і|й|та|and|und|sowie|or|oder|или|або|және|мен|&|与|和|及|、)?\s*$", re.IGNORECASE
)


def cue_before(window: str) -> str | None:
    """The cue at the end of *window* (the text just before an outlet), if any."""
    ends = list(_SENTENCE_END_RE.finditer(window))
    if ends:
        window = window[ends[-1].end() :]
    match = _BEFORE_RE.search(window)
    if match is None:
        return None
    return (match.group("cue") or match.group("cjk")).strip()


def cue_after(window: str) -> str | None:
    """The cue at the start of *window* (the text just after an outlet), if any."""
    end = _SENTENCE_END_RE.search(window)
    if end:
        window = window[: end.start()]
    match = _AFTER_RE.match(window)
    if match is None:
        # "RT, which has been banned in the EU, claimed ...", "Kazinform, the state news
        # agency, quoted ...": the cue follows a clause set off by commas.
        aside = _ASIDE_RE.match(window)
        if aside is None:
            return None
        match = _AFTER_RE.match(window[aside.end() :])
        if match is None:
            return None
    return (match.group("cue") or match.group("cjk")).strip()
