"""Dispositifs (schemes, plans, programmes) named in a list, with the body that owns them.

"Les Projets sociaux de territoire (Conseil Départemental)" names the scheme *Projet social
de territoire*, owned by the Conseil départemental: a leading plural article means "the
instances of the scheme", so the name is put in the singular; a name written without an
article is kept as written ("Politiques tarifaires conduites par les villes").

>>> for d in parse_dispositifs("· Plan départemental des solidarités et les Projets "
...                             "sociaux de territoire (Conseil Départemental)"):
...     print(d.name, "/", d.owner)
Plan départemental des solidarités / Conseil départemental
Projet social de territoire / Conseil départemental
>>> [(d.name, d.owner) for d in parse_dispositifs(
...     "· Les dispositifs de la Prévention spécialisée du Conseil départemental.")]
[('Prévention spécialisée', 'Conseil départemental')]
"""

from __future__ import annotations

import re

from policykg.loaders.records import Dispositif
from policykg.loaders.resolve.gazetteer import Gazetteer, default_gazetteer
from policykg.loaders.resolve.names import (
    as_written,
    capitalise_first,
    clean_text,
    normalise_key,
    singular_phrase,
    strip_trailing,
)
from policykg.loaders.resolve.partners import split_list, split_note

# "A et les B": a new item starts at "et" followed by an article.
_AND_ARTICLE = re.compile(r"\s+et\s+(?=(?:les|la|le|l'|des|du)\b)", re.IGNORECASE)
_WRAPPER = re.compile(
    r"^(?:les |des |le |la )?(?:dispositifs?|outils?|actions?) (?:de la |du |de l'|des |de )",
    re.IGNORECASE,
)
_PLURAL_ARTICLE = re.compile(r"^(?:les|des)\s+", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:la|le|l')\s*", re.IGNORECASE)
# "… de certains centres sociaux": which instances, not part of the name.
_SOME = re.compile(r"\s+(?:de|d')\s*(?:certain(?:e)?s|quelques)\s+.*$", re.IGNORECASE)
_OWNER_TAIL = re.compile(r"\s+(?:du|de la|de l'|des)\s*([^()]+)$", re.IGNORECASE)


def _owner(text: str, gaz: Gazetteer) -> str | None:
    entry = gaz.lookup(text)
    return entry.label if entry is not None and entry.kind == "organisation" else None


def _split_owner(name: str, gaz: Gazetteer) -> tuple[str, str | None]:
    """Split "Prévention spécialisée du Conseil départemental" into name and owner."""
    m = _OWNER_TAIL.search(name)
    if m:
        owner = _owner(m.group(1), gaz)
        if owner:
            return name[: m.start()].strip(), owner
    return name, None


def resolve_dispositif(
    raw: str, owner: str | None = None, line: int | None = None, gazetteer: Gazetteer | None = None
) -> Dispositif | None:
    """One dispositif from one list item (None when nothing is left of it)."""
    gaz = gazetteer or default_gazetteer()
    written = as_written(raw)
    text = strip_trailing(clean_text(written))
    head, note = split_note(text)
    if note:
        owner = _owner(note, gaz) or owner
    head = _WRAPPER.sub("", head)
    plural = bool(_PLURAL_ARTICLE.match(head))
    head = _ARTICLE.sub("", _PLURAL_ARTICLE.sub("", head))
    head = _SOME.sub("", head)
    head, tail_owner = _split_owner(head, gaz)
    if plural:
        head = singular_phrase(head)
    head = strip_trailing(head)
    if not head:
        return None
    entry = gaz.lookup(head)
    name = (
        entry.label if entry is not None and entry.kind == "dispositif" else capitalise_first(head)
    )
    return Dispositif(name=name, owner=tail_owner or owner, raw=written, line=line)


def parse_dispositifs(
    text: str, line: int | None = None, gazetteer: Gazetteer | None = None
) -> list[Dispositif]:
    """Every dispositif of a list line, in order.

    Items are separated by commas or semicolons, or by "et" before an article; an owner in
    parentheses at the end of an item applies to every part of it.
    """
    gaz = gazetteer or default_gazetteer()
    found: list[Dispositif] = []
    for written in split_list(as_written(text)):
        item = strip_trailing(clean_text(written))
        head, note = split_note(item)
        owner = _owner(note, gaz) if note else None
        if owner:
            item = head
        for part in _AND_ARTICLE.split(item):
            dispositif = resolve_dispositif(part, owner, line, gaz)
            if dispositif is not None:
                dispositif.raw = written
                found.append(dispositif)
    return found


def merge_dispositifs(dispositifs: list[Dispositif]) -> list[Dispositif]:
    """One dispositif per name (the first), completed by later ones' owner."""
    merged: dict[str, Dispositif] = {}
    for d in dispositifs:
        key = normalise_key(d.name)
        if key not in merged:
            merged[key] = d
        elif merged[key].owner is None and d.owner:
            merged[key].owner = d.owner
    return list(merged.values())
