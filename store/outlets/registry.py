"""The outlet registry: the built-in data file plus the analyst's own file on top.

The built-in registry ships inside the package (``data/outlets.toml``). A user file
(TOML in the same shape, or CSV with one row per outlet and lists joined by "|")
overrides it outlet by outlet: an entry whose key is already known replaces the
text fields it gives and adds to the lists (aliases, domains...); a new key adds
an outlet.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from article_triage.store.boundary import clean_line, clean_text

if TYPE_CHECKING:
    from article_triage.store.settings import Settings

T = TypeVar("T")

CATEGORIES: dict[str, str] = {
    "state-controlled": "state-controlled",
    "captured-public": "captured public media",
    "captured-private": "captured private media",
    "state-funded-independent": "state-funded but editorially independent",
    "independent-public": "independent public media",
    "non-state": "non-state",
    "proxy": "proxy site of a state",
    "government": "official government source",
}
"""Category slug -> how the app words it. State Media Monitor typology plus proxy and government."""


def category_label(category: str | None) -> str:
    """How the app words a category slug ("state-funded but editorially independent")."""
    return CATEGORIES.get(category or "", category or "category unknown")


def describe_outlet(name: str, category: str | None, country: str | None) -> str:
    """'RIA Novosti: state-controlled, RU': the one wording of an outlet, wherever it is shown."""
    details = ", ".join(x for x in (category_label(category), country) if x)
    return f"{name}: {details}"


STATE_MEDIA_CATEGORIES = frozenset(
    {"state-controlled", "captured-public", "captured-private", "proxy"}
)
"""Categories whose sourcing earns the state-media-sourcing suggestion."""

SHARED_OUTLET_KEYS = tuple(
    [
        "ria-novosti",
        "rossiya-segodnya",
        "rt",
        "sputnik",
        "tass",
        "interfax",
        "interfax-ukraine",
        "channel-one",
        "rossiya-1",
        "ntv",
        "izvestia",
        "rossiyskaya-gazeta",
        "komsomolskaya-pravda",
        "kommersant",
        "rbc",
        "meduza",
        "novaya-gazeta",
        "rferl",
        "current-time",
        "voa",
        "bbc",
        "dw",
        "ukrinform",
        "unian",
        "ukrainska-pravda",
        "suspilne",
        "kyiv-independent",
        "kazinform",
        "khabar",
        "tengrinews",
        "kz-government",
        "belta",
        "xinhua",
        "cctv",
        "cgtn",
        "global-times",
        "peoples-daily",
        "reuters",
        "ap",
        "afp",
        "dpa",
        "tagesschau",
        "spiegel",
        "bild",
        "zdf",
        "cnn",
        "new-york-times",
        "guardian",
    ]
)
"""Outlet keys shared by the registry, the labelled benchmark set and the exports:
the built-in registry must define each of these (other outlets may be added)."""

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LIST_SEPARATOR = "|"
USER_FILE_NAME = "outlets.toml"
APP_NAME = "article-triage"


class RegistryError(Exception):
    """A registry file cannot be used; the message says which file and why, in one line."""


@dataclass(frozen=True)
class Designation:
    name: str
    date: str | None = None
    source: str | None = None

    def label(self) -> str:
        return f"{self.name} {self.date[:4]}" if self.date else self.name


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    country: str | None = None
    category: str | None = None
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    strict_aliases: tuple[str, ...] = ()
    """Aliases that are also ordinary words: they count only quoted or beside a cue."""
    source_aliases: tuple[str, ...] = ()
    """Aliases that name a publishing channel ("the prime minister's website"): always attributions."""
    exclude_before: tuple[str, ...] = ()
    exclude_after: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    designations: tuple[Designation, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    origin: str = "builtin"

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    def describe(self) -> str:
        """'RIA Novosti: state-controlled, RU' — how suggestions and the reader name it."""
        return describe_outlet(self.name, self.category, self.country)

    @property
    def is_state_media(self) -> bool:
        return self.category in STATE_MEDIA_CATEGORIES

    def row(self) -> dict[str, Any]:
        """The outlet as a row of the store's ``outlets`` table."""
        return {
            "key": self.key,
            "name": self.name,
            "country": self.country,
            "category": self.category,
            "designations": json.dumps(
                [{"name": d.name, "date": d.date, "source": d.source} for d in self.designations],
                ensure_ascii=False,
            ),
            "domains": json.dumps(list(self.domains), ensure_ascii=False),
            "aliases": json.dumps(list(self.aliases), ensure_ascii=False),
            "origin": self.origin,
        }


_LIST_FIELDS = (
    "aliases",
    "strict_aliases",
    "source_aliases",
    "exclude_before",
    "exclude_after",
    "domains",
    "sources",
)
_TEXT_FIELDS = ("name", "country", "category", "parent", "notes")
_PATTERN_FIELDS = ("exclude_before", "exclude_after")
OUTLET_FIELDS = ("key", *_TEXT_FIELDS, *_LIST_FIELDS, "designations")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


class Registry:
    """Outlets by key; what is built from them (domain index, alias matcher) is cached here."""

    def __init__(self, outlets: Iterable[Outlet]):
        self.outlets: dict[str, Outlet] = {o.key: o for o in outlets}
        self._derived: dict[str, Any] = {}

    def __iter__(self) -> Iterator[Outlet]:
        return iter(self.outlets.values())

    def __len__(self) -> int:
        return len(self.outlets)

    def __contains__(self, key: object) -> bool:
        return key in self.outlets

    def get(self, key: str) -> Outlet | None:
        return self.outlets.get(key)

    def find(self, name: str) -> list[Outlet]:
        """The outlets *name* means: the one with that key, else those with that name,
        else those with that alias; compared case- and Unicode-insensitively (NFKC,
        casefold), so any spelling `outlets list` shows finds its outlet."""
        if name in self.outlets:
            return [self.outlets[name]]
        wanted = _folded(name)
        for names_of in (lambda o: (o.key, o.name), lambda o: o.aliases):
            found = [o for o in self if any(_folded(n) == wanted for n in names_of(o) if n)]
            if found:
                return found
        return []

    def derived(self, name: str, build: Callable[[Registry], T]) -> T:
        """What *build* makes of this registry (the domain index, the alias matcher),
        built once. The builders live in domains.py and matcher.py, which import this
        module; this module imports neither."""
        try:
            return self._derived[name]
        except KeyError:
            return self._derived.setdefault(name, build(self))


# --- reading -------------------------------------------------------------------------


def _as_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(LIST_SEPARATOR) if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise RegistryError(f"{where}: expected a list of strings")


def _designations(value: Any, where: str) -> tuple[Designation, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # CSV: "EU broadcast ban@2022-03-02|US foreign mission@2024-09-13"
        out = []
        for part in value.split(LIST_SEPARATOR):
            name, _, date = part.strip().partition("@")
            if name.strip():
                out.append(Designation(name.strip(), date.strip() or None))
        return tuple(out)
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(Designation(item))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                date, source = item.get("date"), item.get("source")
                out.append(Designation(item["name"], str(date) if date else None, source or None))
            else:
                raise RegistryError(f"{where}: a designation needs a name")
        return tuple(out)
    raise RegistryError(f"{where}: designations must be a list")


def outlet_fields(entry: dict[str, Any], where: str) -> dict[str, Any]:
    """The fields an entry gives, checked and converted; unknown fields are an error.

    Every entry passes here (`outlets add`, a registry file, an imported list): it is
    the door in for outlet names, aliases, domains and sources (store.boundary)."""
    unknown = set(entry) - set(OUTLET_FIELDS)
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise RegistryError(
            f"{where}: key must be a lowercase slug like 'ria-novosti', got {key!r}"
        )
    out: dict[str, Any] = {"key": key}
    for name in _TEXT_FIELDS:
        if name in entry and entry[name] not in (None, ""):
            if not isinstance(entry[name], str):
                raise RegistryError(f"{where} ({key}): {name} must be text")
            value = (clean_text if name == "notes" else clean_line)(entry[name]).strip()
            if value:
                out[name] = value
    if "category" in out and out["category"] not in CATEGORIES:
        raise RegistryError(
            f"{where} ({key}): unknown category {out['category']!r} "
            f"(one of {', '.join(CATEGORIES)})"
        )
    for name in _LIST_FIELDS:
        if name in entry:
            values = _as_list(entry[name], f"{where} ({key}).{name}")
            if name not in _PATTERN_FIELDS:  # a pattern's spacing is its meaning
                values = tuple(v for v in map(clean_line, values) if v)
            out[name] = values
    if "designations" in entry:
        out["designations"] = tuple(
            Designation(
                clean_line(d.name), d.date and clean_line(d.date), d.source and clean_line(d.source)
            )
            for d in _designations(entry["designations"], f"{where} ({key})")
        )
    for pattern in (*out.get("exclude_before", ()), *out.get("exclude_after", ())):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RegistryError(f"{where} ({key}): bad exclude pattern {pattern!r}: {exc}") from exc
    return out


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The raw outlet entries of a TOML or CSV registry file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror})") from exc
    if path.suffix.lower() == ".csv":
        text = raw.decode("utf-8-sig", errors="replace")
        return [
            {k: v for k, v in row.items() if k and v not in (None, "")}
            for row in csv.DictReader(io.StringIO(text))
        ]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid TOML ({exc})") from exc
    entries = data.get("outlet", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RegistryError(f"{path}: expected [[outlet]] tables")
    return entries


def parse_outlets(entries: list[dict[str, Any]], where: str, origin: str) -> list[dict[str, Any]]:
    parsed = []
    for n, entry in enumerate(entries, 1):
        fields_ = outlet_fields(entry, f"{where}: outlet {n}")
        fields_["origin"] = origin
        parsed.append(fields_)
    return parsed


def merge(base: dict[str, Outlet], overrides: list[dict[str, Any]]) -> dict[str, Outlet]:
    """Apply user entries on top of *base*.

    For a known key, text fields given replace the built-in ones and lists (aliases,
    domains, designations, sources...) are added to them, so that adding one alias
    does not lose the others; the outlet's origin becomes 'user'.
    """
    merged = dict(base)
    for entry in overrides:
        key = entry["key"]
        if key in merged:
            old = merged[key]
            changes = {}
            for name, value in entry.items():
                if name in _LIST_FIELDS or name == "designations":
                    value = tuple(dict.fromkeys([*getattr(old, name), *value]))
                if name != "key":
                    changes[name] = value
            merged[key] = replace(old, **changes)
        elif "name" in entry:
            merged[key] = Outlet(**entry)
        else:
            merged[key] = Outlet(name=key, **entry)
    return merged


def builtin_entries() -> list[dict[str, Any]]:
    data = (
        resources.files("article_triage.store.outlets")
        .joinpath("data", "outlets.toml")
        .read_bytes()
    )
    return tomllib.loads(data.decode("utf-8"))["outlet"]


def default_user_path() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / USER_FILE_NAME


def user_registry_path(settings: Settings | None = None) -> Path:
    """``[outlets] registry`` from the settings if set, else the default user file."""
    if settings is not None and settings.outlets.registry is not None:
        return settings.outlets.registry
    return default_user_path()


# --- writing the user file -----------------------------------------------------------------


def _toml_value(value: Any) -> str:
    # JSON strings are valid TOML basic strings (same escapes, UTF-8 allowed).
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Designation):
        parts = [f"name = {_toml_value(value.name)}"]
        if value.date:
            parts.append(f"date = {_toml_value(value.date)}")
        if value.source:
            parts.append(f"source = {_toml_value(value.source)}")
        return "{ " + ", ".join(parts) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def entries_to_toml(entries: list[dict[str, Any]]) -> str:
    lines = ["# Your outlets: entries here override the built-in registry key by key.", ""]
    for entry in entries:
        lines.append("[[outlet]]")
        for name in OUTLET_FIELDS:
            if name in entry and entry[name] not in (None, "", (), []):
                lines.append(f"{name} = {_toml_value(entry[name])}")
        lines.append("")
    return "\n".join(lines)


def entries_to_csv(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(OUTLET_FIELDS), lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = {}
        for name in OUTLET_FIELDS:
            value = entry.get(name)
            if name == "designations" and value:
                value = LIST_SEPARATOR.join(
                    f"{d.name}@{d.date}" if d.date else d.name for d in value
                )
            elif isinstance(value, list | tuple):
                value = LIST_SEPARATOR.join(value)
            row[name] = value or ""
        writer.writerow(row)
    return out.getvalue()


def write_user_entries(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write the user file whole (atomically), in the format its suffix names."""
    text = entries_to_csv(entries) if path.suffix.lower() == ".csv" else entries_to_toml(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def upsert_user_entries(path: Path, new: list[dict[str, Any]]) -> tuple[int, int]:
    """Add or update entries of the user file by key; returns (added, updated).

    An update merges: lists are joined without duplicates, other given fields replace.
    """
    current = [outlet_fields(e, str(path)) for e in read_entries(path)] if path.exists() else []
    by_key = {e["key"]: e for e in current}
    added = updated = 0
    for entry in new:
        old = by_key.get(entry["key"])
        if old is None:
            by_key[entry["key"]] = dict(entry)
            current.append(by_key[entry["key"]])
            added += 1
            continue
        for name, value in entry.items():
            if name in _LIST_FIELDS or name == "designations":
                old[name] = tuple(dict.fromkeys([*old.get(name, ()), *value]))
            else:
                old[name] = value
        updated += 1
    write_user_entries(path, current)
    return added, updated


def entry_of(outlet: Outlet) -> dict[str, Any]:
    """An outlet as a user-file entry (all fields)."""
    return {f.name: getattr(outlet, f.name) for f in fields(outlet) if f.name != "origin"}
