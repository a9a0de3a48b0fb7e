"""Partner lists: split a list as written, resolve each mention to a normalised actor.

A mention can be a named organisation ("CAF", expanded from the gazetteer), a generic
category ("associations"), or a profession with its employer ("éducateurs spécialisés
(Conseil Départemental)"). A category followed by names in parentheses yields the category
and each name ("associations (UFOLEP, Cultures du cœur…)").

>>> text = "adultes relais (Etat), associations (UFOLEP, Cultures du cœur…), etc."
>>> for p in parse_partners(text):
...     print(p.name, "/", p.kind, "/", p.employer)
Adulte relais / profession / État
Association / category / None
UFOLEP / organisation / None
Cultures du cœur / organisation / None
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from policykg.loaders.records import PartnerMention
from policykg.loaders.resolve.gazetteer import Entry, Gazetteer, default_gazetteer
from policykg.loaders.resolve.names import (
    as_written,
    capitalise_first,
    clean_text,
    names_a_person,
    normalise_key,
    singular,
    singular_phrase,
    strip_trailing,
)

# Words that scope an actor rather than name it ("Chaque Ville sur son territoire").
_SCOPE = re.compile(
    r"\s+(?:(?:à|a) l'échelle|au niveau|sur (?:son|sa|leur|leurs|le|la|les|chaque) "
    r"(?:territoire|quartier|commune)s?)\b.*$",
    re.IGNORECASE,
)
_DETERMINER = re.compile(
    r"^(?:(?:chacune?|chaque|tous|toutes|tout|toute|les|le|la|des|une?|du|de|aux|au|certains"
    r"|certaines|plusieurs|nos|leurs|ses|son|sa|autres?)\s+|[ld]')",
    re.IGNORECASE,
)
_TAIL = re.compile(r"^(?:du|de la|de l'|des|de|d')\s*(.+)$", re.IGNORECASE)
_OF = re.compile(r"\b(?:du|de la|de l'|des|de|d')\s*", re.IGNORECASE)
_AND = re.compile(r"\s+(?:et|ou)\s+", re.IGNORECASE)
_DASH = re.compile(r"\s+[—–-]\s+")
_ACTOR_KINDS = ("organisation", "category")


def split_list(text: str, extra: str = "") -> list[str]:
    """Split text on commas and semicolons outside parentheses; ``extra`` adds separators.

    >>> split_list("Ville, services municipaux (culture, sport), DDCS")
    ['Ville', 'services municipaux (culture, sport)', 'DDCS']
    """
    parts, depth, current = [], 0, []
    separators = ",;" + extra
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        if char in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def split_partner_list(text: str) -> list[str]:
    """Split a partner list as written: commas, semicolons and " / " outside parentheses;
    a trailing "…", "..." or "etc." and end punctuation are dropped.

    >>> split_partner_list("CAF, associations (UFOLEP, Cultures du cœur…), DDCS, etc.")
    ['CAF', 'associations (UFOLEP, Cultures du cœur…)', 'DDCS']
    >>> split_partner_list("Médiateurs / Adultes relais / Animateurs de proximité")
    ['Médiateurs', 'Adultes relais', 'Animateurs de proximité']
    """
    text = re.sub(r"\s+/\s+", "\x1f", as_written(text))
    items = (strip_trailing(p) for p in split_list(text, "\x1f"))
    return [i for i in items if i and i.lower() not in ("etc", "…")]


def split_note(text: str) -> tuple[str, str | None]:
    """Split "head (note)" into head and note when a balanced note closes the text.

    >>> split_note("services municipaux (culture, sport (DSI))"), split_note("Tour(s)plus")
    (('services municipaux', 'culture, sport (DSI)'), ('Tour(s)plus', None))
    """
    if not text.endswith(")"):
        return text, None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            head = text[:i].strip()
            return (head, text[i + 1 : -1].strip()) if head else (text, None)
    return text, None


def _strip_determiners(text: str, gaz: Gazetteer) -> str:
    """Drop leading determiners ("Chacune des communes") where what follows is a name
    the gazetteer knows or a common noun; "La Poste" keeps its article."""
    while True:
        m = _DETERMINER.match(text)
        if not m or m.end() >= len(text):
            return text
        rest = text[m.end() :].strip()
        if rest[:1].islower() or gaz.lookup(rest) or gaz.lookup_prefix(rest):
            text = rest
        else:
            return text


@dataclass
class _Found:
    name: str
    kind: str
    entry: Entry | None = None
    employer: str | None = None
    qualifier: str | None = None
    raw: str | None = None


def _from_entry(entry: Entry, **extra: str | None) -> _Found:
    return _Found(entry.label, entry.partner_kind, entry, **extra)


def _known(text: str, gaz: Gazetteer) -> bool:
    text = _strip_determiners(text, gaz)
    return bool(gaz.lookup(text) or gaz.lookup_prefix(text))


def _resolve_head(head: str, gaz: Gazetteer) -> list[_Found]:
    head = _strip_determiners(head, gaz)
    entry = gaz.lookup(head)
    if entry is not None:
        return [_from_entry(entry)]
    dashed = _DASH.split(head, maxsplit=1)
    if len(dashed) == 2:
        left = gaz.lookup(_strip_determiners(dashed[0], gaz))
        right = _resolve_head(dashed[1], gaz)
        if left and left.kind in _ACTOR_KINDS and len(right) == 1 and right[0].kind == "profession":
            return [replace(right[0], employer=left.label)]
    pieces = _AND.split(head)
    if len(pieces) > 1 and all(_known(p, gaz) for p in pieces):
        return [found for piece in pieces for found in _resolve_head(piece, gaz)]
    prefix = gaz.lookup_prefix(head)
    if prefix is not None:
        entry, rest = prefix
        tail = _TAIL.match(rest)
        owner = gaz.lookup(tail.group(1)) if tail else None
        if owner is not None and owner.kind in _ACTOR_KINDS:
            if entry.kind == "profession":
                return [_from_entry(entry, employer=owner.label)]
            return [_from_entry(entry, qualifier=rest)]
        if rest[:1].isupper() or (tail and tail.group(1)[:1].isupper()):
            # A named body of a known kind: "PTCE COOPAXIS", "Mission locale de Tours".
            return [_Found(head, "organisation", entry if entry.acronym else None)]
        if tail:
            # A narrower kind of the same thing: "coordonnateurs de réussite éducative".
            return [_Found(capitalise_first(singular_phrase(head)), entry.partner_kind)]
        return [_from_entry(entry, qualifier=rest)]
    if head[:1].isupper() and not _plural_people(head):
        return [_Found(head, "organisation")]
    kind = "profession" if names_a_person(head) else "unknown"
    return [_Found(capitalise_first(singular_phrase(head)), kind)]


def _plural_people(head: str) -> bool:
    """A capitalised list item that names people in the plural ("Infirmières scolaires"),
    not a named body ("Cultures du cœur", "UFOLEP")."""
    first = head.split()[0]
    return not head.isupper() and singular(first) != first and names_a_person(head)


def _name_like(text: str, gaz: Gazetteer) -> bool:
    entry = gaz.lookup(text)
    return entry.is_actor if entry else text[:1].isupper()


def _apply_note(found: _Found, note: str, gaz: Gazetteer) -> list[_Found]:
    """Read "(…)" after a mention: an employer, members of a category, or a qualifier."""
    items = [strip_trailing(clean_text(i)) for i in split_list(note)]
    items = [i for i in items if i]
    if not items:
        return [found]
    if found.kind == "profession" and found.employer is None:
        for item in items:
            entry = gaz.lookup(_strip_determiners(item, gaz))
            if entry is not None and entry.kind in _ACTOR_KINDS:
                return [replace(found, employer=entry.label)]
        if len(items) == 1 and items[0][:1].isupper():
            return [replace(found, employer=items[0])]
    if found.kind == "category" and all(_name_like(i, gaz) for i in items):
        members = [m for item in items for m in _resolve_head(item, gaz)]
        for member, item in zip(members, items, strict=False):
            member.raw = item
        return [found, *members]
    return [replace(found, qualifier=", ".join(items))]


def resolve_partner(
    raw: str, role: str = "partenaire", line: int | None = None, gazetteer: Gazetteer | None = None
) -> list[PartnerMention]:
    """The actors one list item names (usually one; more for "A et B" or "associations
    (X, Y)").

    >>> (p,) = resolve_partner("éducateurs spécialisés (Conseil Départemental)")
    >>> (p.name, p.employer)
    ('Éducateur spécialisé', 'Conseil départemental')
    >>> (p,) = resolve_partner("services municipaux (culture, sport, DSI…)")
    >>> (p.name, p.qualifier)
    ('Service municipal', 'culture, sport, DSI')
    >>> [p.name for p in resolve_partner("Chacune des communes à l’échelle du quartier")]
    ['Commune']
    >>> p = resolve_partner("PTCE COOPAXIS")[0]
    >>> (p.name, p.kind, p.acronym, p.expansion)
    ('PTCE COOPAXIS', 'organisation', 'PTCE', 'Pôle territorial de coopération économique')
    """
    gaz = gazetteer or default_gazetteer()
    written = as_written(raw)
    text = _SCOPE.sub("", strip_trailing(clean_text(written))).strip()
    if not text:
        return []
    head, note = split_note(text)
    found = _resolve_head(head, gaz)
    if note and found:
        found = found[:-1] + _apply_note(found[-1], note, gaz)
    mentions = []
    for f in found:
        mentions.append(
            PartnerMention(
                name=f.name,
                kind=f.kind,
                role=role,
                employer=f.employer,
                raw=f.raw or written,
                acronym=f.entry.acronym if f.entry else None,
                expansion=f.entry.expansion if f.entry and f.entry.acronym else None,
                qualifier=f.qualifier,
                line=line,
            )
        )
    return mentions


def merge_partners(mentions: list[PartnerMention]) -> list[PartnerMention]:
    """One mention per name and role (the first), completed by later ones' employer."""
    merged: dict[tuple[str, str], PartnerMention] = {}
    for mention in mentions:
        key = (normalise_key(mention.name), mention.role)
        if key not in merged:
            merged[key] = mention
        elif merged[key].employer is None and mention.employer:
            merged[key].employer = mention.employer
    return list(merged.values())


def parse_partners(
    text: str, role: str = "partenaire", line: int | None = None, gazetteer: Gazetteer | None = None
) -> list[PartnerMention]:
    """Every actor of a partner list, in order, each once (see :func:`resolve_partner`)."""
    mentions = [
        m for item in split_partner_list(text) for m in resolve_partner(item, role, line, gazetteer)
    ]
    return merge_partners(mentions)


def actor_of(text: str, gazetteer: Gazetteer | None = None) -> Entry | None:
    """The known organisation or category a phrase names, directly or as the body a
    service belongs to; None when the phrase names no known actor.

    >>> actor_of("de la direction de la prévention spécialisée du Conseil départemental").label
    'Conseil départemental'
    >>> actor_of("villes").label, actor_of("les crédits du programme 147") is None
    ('Ville', True)
    """
    gaz = gazetteer or default_gazetteer()
    head, _ = split_note(strip_trailing(clean_text(text)))
    head = _strip_determiners(head, gaz)
    entry = gaz.lookup(head)
    if entry is not None:
        return entry if entry.kind in _ACTOR_KINDS else None
    for m in _OF.finditer(head):
        if m.start() == 0:
            continue
        entry = gaz.lookup(_strip_determiners(head[m.end() :], gaz))
        if entry is not None and entry.kind == "organisation":
            return entry
    return None


def actors_in_list(text: str, gazetteer: Gazetteer | None = None) -> list[str] | None:
    """The labels of the actors of a list ("CAF et villes" -> CAF, Ville), or None when
    some item names no known actor (the text is then not a list of actors).

    >>> actors_in_list("CAF et villes"), actors_in_list("les crédits pourront être déployés")
    (['CAF', 'Ville'], None)
    """
    gaz = gazetteer or default_gazetteer()
    labels: list[str] = []
    for item in split_partner_list(text):
        pieces = [item] if actor_of(item, gaz) else _AND.split(item)
        for piece in pieces:
            entry = actor_of(piece, gaz)
            if entry is None:
                return None
            if entry.label not in labels:
                labels.append(entry.label)
    return labels or None
