"""Field readers of the *fiche projet* parser: what each section's text states.

Calendar entries from "Quand ?", the scale and quartiers from "Où ?", the actors of the
partner sections and of "Avec qui ?", the funding lines of "Moyens financiers", and the
schemes (dispositifs) and other fiches named anywhere in the fiche. Template-specific word
lists are data, in ``loaders/data/projet.yaml``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import yaml

from policykg.loaders.records import Dispositif, Funding, Item, PartnerMention, Reference
from policykg.loaders.resolve.dates import find_dates
from policykg.loaders.resolve.funding import parse_funding
from policykg.loaders.resolve.gazetteer import find_all, lookup
from policykg.loaders.resolve.names import capitalise_first, normalise_key, strip_trailing
from policykg.loaders.resolve.partners import actors_in_list, merge_partners, parse_partners
from policykg.loaders.resolve.references import merge_references, parse_references
from policykg.loaders.territories import find_in_text


@functools.cache
def _data() -> dict[str, Any]:
    path = files("policykg.loaders") / "data" / "projet.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


_YEARS = re.compile(r"\b((?:19|20)\d\d)\s*(?:à|a|au|-|–|/)\s*((?:19|20)\d\d)\b")
_YEAR = re.compile(r"\b(?:en|dès|depuis|à partir de|d'ici|jusqu'en)\s+((?:19|20)\d\d)\b", re.I)
_NAMED_QUARTIERS = re.compile(r"\b(?:quartiers?|QPV)\s+((?:[A-ZÀ-Þ][^,]*)(?:,\s*[A-ZÀ-Þ][^,]*)*)$")
_ALL_QPV = re.compile(
    r"\b(?:chacun|chacune|tous|toutes|l'ensemble)\s+(?:des|les)\s+(?:\d+\s+)?(?:QPV|quartiers)\b",
    re.I,
)


def calendar_of(text: str) -> list[str]:
    """The calendar entries of a "Quand ?" text, in reading order.

    >>> calendar_of("En continu de 2024 à 2030")
    ['En continu', '2024-2030']
    >>> calendar_of("Premier comité en décembre 2025")
    ['décembre 2025']
    """
    found: list[tuple[int, str]] = []
    low = text.lower()
    for phrase in _data()["calendar_phrases"]:
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", low):
            found.append((m.start(), capitalise_first(phrase)))
    for m in _YEARS.finditer(text):
        found.append((m.start(), f"{m.group(1)}-{m.group(2)}"))
    rest = _YEARS.sub(lambda m: " " * len(m.group(0)), text)
    dates = find_dates(rest)
    for d in dates:
        found.append((d.start, d.text))
    for m in _YEAR.finditer(rest):
        if not any(d.start <= m.start(1) < d.end for d in dates):
            found.append((m.start(1), m.group(1)))
    entries = [entry for _, entry in sorted(found)]
    return list(dict.fromkeys(entries)) or [strip_trailing(text)]


def scale_of(text: str) -> str:
    """The scale a "Où ?" text states, without its leading preposition.

    >>> scale_of("Dans chacun des 13 QPV de la métropole.")
    'Chacun des 13 QPV de la métropole'
    >>> scale_of("Dans les quartiers Bel-Air et La Roseraie.")
    'Quartiers Bel-Air et La Roseraie'
    """
    text = strip_trailing(text)
    for prep in sorted(_data()["scale_prepositions"], key=len, reverse=True):
        m = re.match(rf"{re.escape(prep)}\s+(?:(?:les|le|la)\s+|l')?", text, re.I)
        if m and len(text) > m.end():
            text = text[m.end() :]
            break
    return capitalise_first(text)


def territories_of(text: str) -> list[str]:
    """The quartiers a "Où ?" text names: those of the territories reference, or the
    capitalised names after "quartier(s)"; none when it speaks of every QPV.

    >>> territories_of("Dans les quartiers Bel-Air et La Roseraie.")
    ['Bel-Air', 'La Roseraie']
    >>> territories_of("Dans chacun des 13 QPV de la métropole.")
    []
    """
    if _ALL_QPV.search(text):
        return []
    known = [t.name for t in find_in_text(text)]
    if known:
        return known
    m = _NAMED_QUARTIERS.search(strip_trailing(text))
    if not m:
        return []
    names = [n.strip() for n in re.split(r",\s*|\s+et\s+", m.group(1))]
    return [n for n in names if n[:1].isupper()]


def funding_of(item: Item) -> list[Funding]:
    """The funding streams of one "Moyens financiers" item."""
    found = parse_funding(item.text, item.line)
    for funding in found:
        if item.raw and funding.raw == item.text:
            funding.raw = item.raw
    return found


def _partners_of_text(
    text: str, role: str, line: int | None, known_only: bool
) -> Iterator[PartnerMention]:
    head, sep, tail = text.partition(" : ")
    if sep and len(parse_partners(tail, role, line)) >= 2:
        text = tail  # "Les acteurs du territoire : services, associations, …"
    for mention in parse_partners(text, role, line):
        members = actors_in_list(mention.qualifier) if mention.qualifier else None
        if mention.kind == "unknown" and members:
            for label in members:  # "services (Villes, TMVL, Etat)"
                entry = lookup(label)
                yield PartnerMention(
                    name=label,
                    kind=entry.partner_kind if entry else "unknown",
                    role=role,
                    raw=mention.raw,
                    acronym=entry.acronym if entry else None,
                    expansion=entry.expansion if entry and entry.acronym else None,
                    line=line,
                )
        elif mention.kind != "unknown" or not known_only:
            yield mention


def partners_of(texts: list[tuple[str, str, int | None, bool]]) -> list[PartnerMention]:
    """The actors of partner texts ``(text, role, line, known_only)``, each once per role.

    ``known_only`` keeps only the actors the gazetteer knows (for running text such as the
    "Avec qui ?" of the frame, where other words are not names).
    """
    mentions = [
        m
        for text, role, line, known_only in texts
        for m in _partners_of_text(text, role, line, known_only)
    ]
    return merge_partners(mentions)


def links_in(items: list[Item]) -> list[Reference]:
    """The other fiches that ``items`` refer to, each once, with their lettered prefix
    ("fiche projet T 1.1" -> ``T 1.1``).

    >>> [(r.target, r.label) for r in links_in([Item("Articuler avec la fiche projet T 2.1 "
    ...     "« Favoriser l'emploi ».", 12)])]
    [('T 2.1', "Favoriser l'emploi")]
    """
    found: list[Reference] = []
    for item in items:
        for ref in parse_references(item.text, item.line):
            if ref.kind not in ("fiche", "axe"):
                continue  # "Les acteurs du territoire : …" is a label, not a reference
            prefix = re.search(rf"\b([A-Z]{{1,2}})\s*{re.escape(ref.target)}\b", item.text)
            if ref.kind == "fiche" and prefix:
                ref.target = f"{prefix.group(1)} {ref.target}"
            if item.raw:
                ref.raw = item.raw
            found.append(ref)
    return merge_references(found)


def dispositifs_in(items: list[Item]) -> list[Dispositif]:
    """The schemes the gazetteer knows, named anywhere in ``items``, each once.

    A fund of specific credits is a scheme too (FPH); so are the actors listed as
    ``scheme_actors`` in ``data/projet.yaml`` (conseils citoyens, EVS).
    """
    data = _data()
    schemes = {normalise_key(n) for n in data["scheme_actors"]}
    excluded = {normalise_key(n) for n in data["not_dispositifs"]}
    found: dict[str, Dispositif] = {}
    for item in items:
        for entry, written in find_all(item.text, ("dispositif", "funding", "category")):
            key = normalise_key(entry.label)
            if key in excluded or key in found:
                continue
            if entry.kind == "funding" and entry.funding_kind == "droit_commun":
                continue
            if entry.kind == "category" and key not in schemes:
                continue
            name = entry.label
            if entry.expansion and normalise_key(written) == normalise_key(entry.expansion):
                name = entry.expansion
            raw = written if written != name else None
            found[key] = Dispositif(name=name, raw=raw, line=item.line)
    return list(found.values())
