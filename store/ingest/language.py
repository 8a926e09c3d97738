"""Language detection: lingua, restricted to a configurable set, in low-accuracy mode.

We measured lingua restricted to the languages we expect as the best offline choice
for telling uk, ru and kk apart (about 37 MB in low-accuracy mode). The detector is
built once per process; it loads its models lazily on first use.
"""

from __future__ import annotations

DEFAULT_LANGUAGES: tuple[str, ...] = (
    "uk", "ru", "kk", "be", "bg", "de", "en", "pl", "fr", "es", "it", "pt", "nl", "cs", "hu", "zh",
)  # fmt: skip
REQUIRED_LANGUAGES = frozenset({"uk", "ru", "kk", "de", "en", "pl", "fr", "es", "zh"})
UNDETERMINED = "und"
# Enough text to be sure and little enough to stay fast: lingua's cost grows with length.
SAMPLE_CHARS = 400
MIN_LETTERS = 20
# Below this confidence for the best language, "und" is the honest answer.
MIN_CONFIDENCE = 0.5


def configured_languages(override: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """*override* (``[ingest] languages`` from the settings) with the required set, else
    the default set."""
    if override:
        return tuple(sorted({code.lower() for code in override} | REQUIRED_LANGUAGES))
    return DEFAULT_LANGUAGES


# One detector per language set, for the life of the process (its models are the cost).
_detectors: dict[tuple[str, ...], object] = {}


def _detector(languages: tuple[str, ...], preload: bool = False):
    """The process's detector for *languages*; its models load on first use, or all at
    once now with *preload* (lingua loads them on its own threads)."""
    detector = _detectors.get(languages)
    if detector is None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        chosen = []
        for code in languages:
            iso = getattr(IsoCode639_1, code.upper(), None)
            if iso is not None:
                chosen.append(Language.from_iso_code_639_1(iso))
        builder = LanguageDetectorBuilder.from_languages(*chosen).with_low_accuracy_mode()
        if preload:
            builder = builder.with_preloaded_language_models()
        detector = _detectors.setdefault(languages, builder.build())
    return detector


def load_models(languages: tuple[str, ...]) -> None:
    """Build the detector for *languages* with every model loaded: for a caller that has
    a core to spare now and detection to do later (an import, before its workers start)."""
    _detector(tuple(languages), preload=True)


def sample_text(paragraphs: list[str]) -> str:
    """The first paragraphs up to SAMPLE_CHARS: the body, where boilerplate is rarest."""
    out: list[str] = []
    size = 0
    for paragraph in paragraphs:
        out.append(paragraph)
        size += len(paragraph)
        if size >= SAMPLE_CHARS:
            break
    return " ".join(out)[:SAMPLE_CHARS]


def detect_language(paragraphs: list[str], languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> str:
    """ISO 639-1 code of the text's language, or ``und`` when unsure."""
    return detect_languages([paragraphs], languages)[0]


def detect_languages(
    texts: list[list[str]], languages: tuple[str, ...] = DEFAULT_LANGUAGES
) -> list[str]:
    """:func:`detect_language` of each text (a list of paragraphs), in one call to lingua,
    which spreads a batch over its own threads without holding the GIL."""
    samples = [sample_text(paragraphs) for paragraphs in texts]
    found = [UNDETERMINED] * len(samples)
    wanted = [i for i, text in enumerate(samples) if sum(map(str.isalpha, text)) >= MIN_LETTERS]
    if not wanted:
        return found
    detector = _detector(tuple(languages))
    if len(wanted) == 1:
        results = [detector.compute_language_confidence_values(samples[wanted[0]])]
    else:
        results = detector.compute_language_confidence_values_in_parallel(
            [samples[i] for i in wanted]
        )
    for i, values in zip(wanted, results, strict=True):
        if values and values[0].value >= MIN_CONFIDENCE:
            found[i] = values[0].language.iso_code_639_1.name.lower()
    return found
