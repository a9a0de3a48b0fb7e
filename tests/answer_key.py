"""Scoring extracted records against the answer keys (``shared/seeds/expected/*.yaml``).

Reusable by every parser's tests: names are compared by :func:`normalise_key` (case,
accents, punctuation and plurals ignored), through the key's names, aliases and
``also_acceptable_partners``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from policykg.loaders.records import Extraction, Fiche, Funding, PartnerMention
from policykg.loaders.resolve.names import clean_text, normalise_key


def keys_of(names: Iterable[str | None]) -> set[str]:
    """The matching keys of some names (empty names left out)."""
    return {normalise_key(n) for n in names if n}


def same_text(a: str | None, b: str | None) -> bool:
    """Whether two labels are the same text once apostrophes and spaces are normalised."""
    return a is not None and b is not None and clean_text(a) == clean_text(b)


def key_fiche(key: dict, code: str | None = None) -> dict:
    """The answer key's fiche with ``code`` (the first one when no code is given)."""
    fiches = key["fiches"]
    return next(f for f in fiches if code is None or f["code"] == code)


def extracted_fiche(extraction: Extraction, code: str) -> Fiche:
    """The extracted fiche with ``code``; fails the test when there is none."""
    found = [f for f in extraction.fiches if f.code == code]
    assert found, f"no fiche {code} extracted (got {[f.code for f in extraction.fiches]})"
    return found[0]


def _mention_keys(mention: PartnerMention) -> set[str]:
    return keys_of([mention.name, mention.expansion])


def _partner_keys(partner: dict) -> set[str]:
    return keys_of([partner["name"], *partner.get("aliases", [])])


@dataclass
class PartnerScore:
    """Recall and precision of the extracted partners, with what is missing or extra."""

    recall: float
    precision: float
    missing: list[str]
    extra: list[str]

    def __iter__(self):
        return iter((self.recall, self.precision, self.missing, self.extra))


def match_partners(fiche: Fiche, key: dict, roles: Iterable[str] = ("partenaire",)) -> PartnerScore:
    """Score the partners of an extracted fiche (mentions with one of ``roles``) against
    a key fiche: ``(recall, precision, missing, extra)``.

    A key partner is found when an extracted name (or its expansion) has the key of its
    name or of one of its aliases; an extracted name counts as correct when it is a key
    partner or one of ``also_acceptable_partners``.
    """
    roles = set(roles)
    mentions: dict[str, PartnerMention] = {}
    for mention in fiche.partners:
        if mention.role in roles:
            mentions.setdefault(normalise_key(mention.name), mention)
    expected = key.get("partners", [])
    missing = [
        p["name"]
        for p in expected
        if not any(_partner_keys(p) & _mention_keys(m) for m in mentions.values())
    ]
    acceptable = set().union(*(_partner_keys(p) for p in expected)) if expected else set()
    acceptable |= keys_of(key.get("also_acceptable_partners", []))
    extra = sorted(m.name for m in mentions.values() if not _mention_keys(m) & acceptable)
    recall = 1.0 - len(missing) / len(expected) if expected else 1.0
    precision = 1.0 - len(extra) / len(mentions) if mentions else 1.0
    return PartnerScore(recall, precision, missing, extra)


def employer_mismatches(fiche: Fiche, key: dict) -> list[str]:
    """Key partners with an employer whose extracted mention has another (or none)."""
    problems = []
    for partner in key.get("partners", []):
        if not partner.get("employer"):
            continue
        found = [m for m in fiche.partners if _partner_keys(partner) & _mention_keys(m)]
        employers = {normalise_key(m.employer) for m in found if m.employer}
        if normalise_key(partner["employer"]) not in employers:
            problems.append(f"{partner['name']}: expected {partner['employer']}, got {employers}")
    return problems


def role_names(fiche: Fiche, role: str) -> set[str]:
    """The keys of the names holding ``role`` in an extracted fiche."""
    return keys_of(m.name for m in fiche.partners if m.role == role)


def count_items(fiche: Fiche, name: str) -> int:
    """The number of items a key's ``counts`` entry refers to ("objectives",
    "indicators_effet"…)."""
    if name.startswith("indicators_"):
        kind = name.removeprefix("indicators_")
        return sum(1 for i in fiche.indicators if i.kind == kind)
    return len(getattr(fiche, name))


def count_mismatches(fiche: Fiche, key: dict) -> dict[str, tuple[int, int]]:
    """Counts that differ from the key: ``{name: (extracted, expected)}``."""
    return {
        name: (count_items(fiche, name), expected)
        for name, expected in key.get("counts", {}).items()
        if count_items(fiche, name) != expected
    }


def funding_keys(entry: dict) -> set[str]:
    """The keys under which a key funding entry may be found: its label, its aliases and
    the label's head (before ":")."""
    label = entry["label"]
    return keys_of([label, label.split(":")[0], *entry.get("aliases", [])])


def find_funding(fiche: Fiche, entry: dict) -> Funding | None:
    """The extracted funding line that a key funding entry describes, or None."""
    wanted = funding_keys(entry)
    return next((f for f in fiche.funding if normalise_key(f.label) in wanted), None)
