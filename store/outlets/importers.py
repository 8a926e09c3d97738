"""Importers for public outlet lists: the State Media Matrix CSV and v2fly domain lists.

Both produce user-registry entries (dicts in the shape of registry fields) that
:func:`store.outlets.registry.upsert_user_entries` writes into the user's file.
Rows that belong to an outlet already in the registry (one of their hosts is
covered by its domains) only add domains to it: the curated facts stay.
Every cell and file name that becomes a name, alias or source passes store.boundary's
door in (clean_line) here, before it is written to the user's file.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from article_triage.store.boundary import clean_line
from article_triage.store.outlets.domains import host_of, normalise_host, outlet_for_host
from article_triage.store.outlets.registry import CATEGORIES, Registry, RegistryError

SMM_COLUMNS = ("Country", "Media company", "Main assets", "URL", "Typology")
SMM_TYPOLOGY = {
    "SC": "state-controlled",
    "CaPu": "captured-public",
    "CaPr": "captured-private",
    "ISFM": "state-funded-independent",
    "ISF": "state-funded-independent",
    "ISM": "independent-public",
    "IP": "independent-public",
}
"""State Media Monitor codes -> registry categories. ISM (independent, state-managed)
is closest to independent public media; ISF and ISFM are state-funded but independent."""

# English country names in the matrix -> ISO 3166-1 alpha-2, for the countries the
# app's analysts meet most; other names are kept as written.
COUNTRY_CODES = {
    "afghanistan": "AF",
    "armenia": "AM",
    "azerbaijan": "AZ",
    "belarus": "BY",
    "bulgaria": "BG",
    "china": "CN",
    "czech republic": "CZ",
    "estonia": "EE",
    "france": "FR",
    "georgia": "GE",
    "germany": "DE",
    "hungary": "HU",
    "india": "IN",
    "iran": "IR",
    "israel": "IL",
    "italy": "IT",
    "japan": "JP",
    "kazakhstan": "KZ",
    "kyrgyzstan": "KG",
    "latvia": "LV",
    "lithuania": "LT",
    "moldova": "MD",
    "mongolia": "MN",
    "netherlands": "NL",
    "north korea": "KP",
    "poland": "PL",
    "qatar": "QA",
    "romania": "RO",
    "russia": "RU",
    "russian federation": "RU",
    "saudi arabia": "SA",
    "serbia": "RS",
    "south korea": "KR",
    "spain": "ES",
    "syria": "SY",
    "tajikistan": "TJ",
    "turkey": "TR",
    "turkmenistan": "TM",
    "ukraine": "UA",
    "united arab emirates": "AE",
    "united kingdom": "GB",
    "united states": "US",
    "united states of america": "US",
    "uzbekistan": "UZ",
    "venezuela": "VE",
    "vietnam": "VN",
}
_ASSET_PREFIX_RE = re.compile(
    r"^(?:television|tv|print(?: media)?|online|radio|news agency|newspaper|website)\s*:\s*",
    re.IGNORECASE,
)


@dataclass
class ImportResult:
    entries: list[dict[str, Any]] = field(default_factory=list)
    new: int = 0
    merged: int = 0
    known: int = 0
    """Inputs that matched outlets already in the registry."""
    skipped: list[str] = field(default_factory=list)
    """One line per input that could not be used, saying why."""


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unique_key(base: str, taken: set[str]) -> str:
    key, n = base or "outlet", 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def _url_host(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    return host_of(url)


def import_state_media_matrix(path: Path, registry: Registry) -> ImportResult:
    """Outlets from a State Media Matrix CSV (ASD-at-GMF/state-media-profiles format)."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror})") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in SMM_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RegistryError(
            f"{path}: not a State Media Matrix CSV (missing column(s) {', '.join(missing)})"
        )
    result = ImportResult()
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for line, raw_row in enumerate(reader, 2):
        row = {column: clean_line(value) for column, value in raw_row.items() if column}
        name = _ASSET_PREFIX_RE.sub("", row.get("Main assets") or "").strip(" )(")
        name = name or row.get("Media company") or ""
        if not name:
            result.skipped.append(f"{path.name}:{line}: no outlet name")
            continue
        country = (row.get("Country") or "").strip()
        group = groups.setdefault(
            (country, name.casefold()),
            {
                "name": name,
                "country": COUNTRY_CODES.get(country.casefold(), country or None),
                "typology": (row.get("Typology") or "").strip().rstrip("?"),
                "company": (row.get("Media company") or "").strip().rstrip("*"),
                "hosts": [],
                "lines": [],
            },
        )
        host = _url_host(row.get("URL") or "")
        if host and host not in group["hosts"]:
            group["hosts"].append(host)
        group["lines"].append(line)

    taken = set(registry.outlets)
    merged: dict[str, dict[str, Any]] = {}
    file_name = clean_line(path.name)
    for group in groups.values():
        where = (
            f"State Media Matrix ({file_name}) line(s) {', '.join(map(str, group['lines'][:5]))}"
        )
        known = next(
            (o for o in (outlet_for_host(h, registry) for h in group["hosts"]) if o is not None),
            None,
        )
        if known is not None:
            result.known += 1
            entry = merged.setdefault(known.key, {"key": known.key, "domains": (), "sources": ()})
            covered = [h for h in group["hosts"] if outlet_for_host(h, registry) is known]
            fresh = [h for h in group["hosts"] if h not in covered]
            entry["domains"] = tuple(dict.fromkeys([*entry["domains"], *fresh]))
            entry["sources"] = tuple(dict.fromkeys([*entry["sources"], where]))
            continue
        category = SMM_TYPOLOGY.get(group["typology"])
        name = group["name"]
        entry = {
            "key": _unique_key(slug(name), taken),
            "name": name,
            "aliases": (name,),
            # A one-word name from a list ("Mir", "Liter") is too often an ordinary word.
            "strict_aliases": (name,) if len(name.split()) == 1 else (),
            "domains": tuple(group["hosts"]),
            "sources": (where,),
        }
        if group["country"]:
            entry["country"] = group["country"]
        if category in CATEGORIES:
            entry["category"] = category
        if group["company"] and group["company"] != name:
            entry["notes"] = f"part of {group['company']}"
        result.entries.append(entry)
        result.new += 1
    for entry in merged.values():
        if entry["domains"]:
            result.entries.append(entry)
            result.merged += 1
    return result


# --- v2fly domain lists --------------------------------------------------------------------


def parse_domain_list(
    path: Path,
    skip_attributes: tuple[str, ...] = ("ads",),
    problems: list[str] | None = None,
    _seen: set[Path] | None = None,
) -> list[str]:
    """Domains of a v2fly/domain-list-community file, ``include:`` lists resolved.

    A plain line (or ``domain:``) is a domain and its subdomains, ``full:`` one exact
    host (kept as ``full:host``); ``keyword:`` and ``regexp:`` cannot say which site
    published an article and are skipped; entries tagged with an attribute in
    *skip_attributes* (``@ads``) are skipped; ``#`` starts a comment.
    """
    problems = problems if problems is not None else []
    seen = _seen if _seen is not None else set()
    resolved = path.resolve()
    if resolved in seen:
        return []
    seen.add(resolved)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot be read ({exc.strerror})") from exc
    out: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        value, attributes = parts[0], [p[1:] for p in parts[1:] if p.startswith("@")]
        if any(a in skip_attributes for a in attributes):
            continue
        kind, sep, rest = value.partition(":")
        if not sep:
            kind, rest = "domain", value
        if kind == "include":
            target = next(
                (c for c in (path.parent / rest, path.parent / f"{rest}.txt") if c.is_file()), None
            )
            if target is None:
                problems.append(f"{path.name}:{number}: include:{rest} not found beside it")
                continue
            out.extend(parse_domain_list(target, skip_attributes, problems, seen))
        elif kind in ("domain", "full"):
            host = normalise_host(rest)
            if not host or not re.fullmatch(r"[a-z0-9.-]+", host):
                problems.append(f"{path.name}:{number}: not a domain: {rest!r}")
                continue
            out.append(f"full:{host}" if kind == "full" else host)
        elif kind in ("keyword", "regexp"):
            problems.append(
                f"{path.name}:{number}: {kind}: entries cannot name a publisher; skipped"
            )
        else:
            problems.append(f"{path.name}:{number}: unknown entry {value!r}")
    return list(dict.fromkeys(out))


def import_domain_list(
    path: Path,
    registry: Registry,
    outlet_key: str,
    *,
    name: str | None = None,
    category: str | None = None,
    country: str | None = None,
    skip_attributes: tuple[str, ...] = ("ads",),
) -> ImportResult:
    """Domains of a v2fly list added to *outlet_key* (created if the registry lacks it)."""
    result = ImportResult()
    domains = []
    elsewhere = 0
    for domain in parse_domain_list(path, skip_attributes, result.skipped):
        owner = outlet_for_host(domain.removeprefix("full:"), registry)
        # include:rt in a "Russian media" list must not take rt.com away from RT.
        if owner is not None and owner.key != outlet_key:
            elsewhere += 1
            continue
        domains.append(domain)
    if elsewhere:
        result.skipped.append(
            f"{path.name}: {elsewhere} domain(s) already belong to other outlets; kept there"
        )
    result.known = elsewhere
    if category is not None and category not in CATEGORIES:
        raise RegistryError(f"unknown category {category!r} (one of {', '.join(CATEGORIES)})")
    entry: dict[str, Any] = {
        "key": outlet_key,
        "domains": tuple(domains),
        "sources": (clean_line(f"domain list {path.name}"),),
    }
    if outlet_key in registry:
        result.merged = 1
    else:
        entry["name"] = clean_line(name) or clean_line(path.stem) or outlet_key
        result.new = 1
    if clean_line(name) and outlet_key in registry:
        entry["name"] = clean_line(name)
    if category:
        entry["category"] = category
    if country:
        entry["country"] = country.upper()
    result.entries.append(entry)
    return result
