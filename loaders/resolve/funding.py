"""Funding lines: label, funders, amount and share, kind of credits, budget programme and
the dated legal texts they rest on.

>>> f = parse_funding("Culture (circulaire 21 mai 2015) : les politiques de droit commun et "
...     "les crédits du programme 147 pourront être déployés. 30% des 6 millions d'euros")[0]
>>> (f.label, f.amount_eur, f.share, f.programme, f.kind)
('Programme 147 (culture, circulaire du 21 mai 2015)', 6000000.0, 0.3, '147', 'droit_commun')
>>> [(r.label, r.kind, r.date) for r in f.legal_basis]
[('circulaire du 21 mai 2015', 'circulaire', '2015-05-21')]
>>> parse_funding("Projet social de territoire : CAF et villes")[0].funders
['CAF', 'Ville']
"""

from __future__ import annotations

import re

from policykg.loaders.records import Funding, LegalReference
from policykg.loaders.resolve.dates import find_dates
from policykg.loaders.resolve.gazetteer import Gazetteer, default_gazetteer
from policykg.loaders.resolve.names import (
    as_written,
    clean_text,
    strip_accents,
    strip_trailing,
)
from policykg.loaders.resolve.partners import actors_in_list, split_list

_NUMBER = r"(?P<num>\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
_AMOUNT = re.compile(
    _NUMBER
    + r"\s*(?P<unit>milliards?|mds?|mrds?|millions?|m|milliers?|k)?\.?\s*"
    + r"(?:d'|de\s+)?(?P<cur>€|euros?\b|eur\b)",
    re.IGNORECASE,
)
_UNITS = {
    "milliard": 1e9,
    "md": 1e9,
    "mrd": 1e9,
    "million": 1e6,
    "m": 1e6,
    "millier": 1e3,
    "k": 1e3,
}
_PERCENT = re.compile(r"(?P<num>\d+(?:[.,]\d+)?)\s*(?:%|pour\s*cent\b)", re.IGNORECASE)
# "30% des 6 millions d'euros": a share of an envelope.
_SHARE_OF = re.compile(_PERCENT.pattern + r"\s+(?:des|de|du|d')\s*", re.IGNORECASE)
_PROGRAMME = re.compile(r"\b(?:[Pp]rogramme|BOP)\s*(?:n°\s*)?(?P<num>\d{3})\b")
_LEGAL_KINDS = (
    "circulaire|convention|loi|décret|decret|arrêté|arrete|ordonnance|instruction|"
    "délibération|deliberation|protocole|charte|accord-cadre|note"
)
_LEGAL = re.compile(rf"\b(?P<kind>{_LEGAL_KINDS})\b", re.IGNORECASE)
# Words that may follow the kind and belong to the text's name ("convention d'objectifs").
_COMPLEMENT = re.compile(
    r"^\s*(?P<words>(?:(?:d'|de |des |du )?[^\W\d_]+(?:-[^\W\d_]+)*\s*){0,3}?)"
    r"(?=\s*(?:n°|\d|du\b|en date|,|$|entre\b|sur\b|relative|portant|pour\b|signée|\())",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*n°\s*(?P<n>[\d-]+)", re.IGNORECASE)
# Words that open an explanation after the funding's name ("Sport, à travers la …").
_CONNECTOR = re.compile(r"^\s*(?:à travers|via|notamment|dont|avec|par|grâce)\b", re.IGNORECASE)
_MAX_LEGAL_GAP = 300


def _number(text: str) -> float:
    text = re.sub(r"[ \u00a0\u202f]", "", text)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
        text = text.replace(".", "")
    return float(text.replace(",", "."))


def parse_amount(text: str) -> float | None:
    """The first amount in euros in ``text``, or None.

    >>> [parse_amount(t) for t in ("30% des 6 millions d'euros", "1,5 M€", "250 000 €")]
    [6000000.0, 1500000.0, 250000.0]
    >>> parse_amount("en 2015-2020") is None
    True
    """
    m = _AMOUNT.search(clean_text(text))
    if not m:
        return None
    unit = (m.group("unit") or "").lower().rstrip("s")
    return _number(m.group("num")) * _UNITS.get(unit, 1.0)


def parse_share(text: str) -> float | None:
    """The first percentage in ``text`` as a fraction ("30%" -> 0.3), or None."""
    m = _PERCENT.search(text)
    return round(_number(m.group("num")) / 100, 6) if m else None


def parse_legal_references(text: str, line: int | None = None) -> list[LegalReference]:
    """The dated (or numbered) legal texts cited in ``text``, in order.

    Each kind word ("circulaire", "convention", "loi"…) takes the first date after it and
    before the next kind word; the label is normalised to "<kind> [complement] du <date>".

    >>> [(r.label, r.date) for r in parse_legal_references("circulaire 21 mai 2015")]
    [('circulaire du 21 mai 2015', '2015-05-21')]
    >>> [r.label for r in parse_legal_references("la Convention d'objectifs 2013-2015 "
    ...     "entre le ministère des sports et la ville, du 4 avril 2013, et la circulaire "
    ...     "du 25 mars 2015")]
    ["convention d'objectifs du 4 avril 2013", 'circulaire du 25 mars 2015']
    """
    text = clean_text(text)
    kinds = list(_LEGAL.finditer(text))
    dates = find_dates(text)
    refs = []
    for i, m in enumerate(kinds):
        limit = kinds[i + 1].start() if i + 1 < len(kinds) else len(text)
        limit = min(limit, m.end() + _MAX_LEGAL_GAP)
        kind = strip_accents(m.group("kind").lower())
        after = text[m.end() : limit]
        complement = _COMPLEMENT.match(after)
        words = complement.group("words").strip() if complement else ""
        label = m.group("kind").lower() + (f" {words}" if words else "")
        number = _NUMBERED.match(after[len(complement.group(0)) if complement else 0 :])
        if number:
            label += f" n° {number.group('n')}"
        date = next((d for d in dates if m.end() <= d.start < limit), None)
        if date is None and number is None:
            continue
        if date is not None:
            label += f" du {date.text}"
        refs.append(
            LegalReference(label=label, kind=kind, date=date.iso if date else None, line=line)
        )
    return refs


def _split_head(text: str) -> tuple[str, str]:
    """The funding's name and what the line says about it (after ":" or ", à travers")."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ":" and depth == 0:
            return text[:i].strip(), text[i + 1 :].strip()
    parts = split_list(text)
    if len(parts) > 1:
        first = text.find(",", len(parts[0]) - 1)
        if first > 0 and _CONNECTOR.match(text[first + 1 :]):
            return text[:first].strip(), text[first + 1 :].strip()
    return text, ""


def _kind_of(text: str) -> str | None:
    plain = strip_accents(text).lower()
    positions = {
        "droit_commun": plain.find("droit commun"),
        "specifique": min(
            (p for p in (plain.find("specifique"), plain.find("politique de la ville")) if p >= 0),
            default=-1,
        ),
    }
    found = sorted((pos, kind) for kind, pos in positions.items() if pos >= 0)
    return found[0][1] if found else None


def _topic(head: str) -> str:
    topic = re.sub(r"\s*\([^()]*\)\s*", " ", head).strip()
    return topic if topic.isupper() else topic[:1].lower() + topic[1:]


def parse_funding(
    text: str, line: int | None = None, gazetteer: Gazetteer | None = None
) -> list[Funding]:
    """The funding stream one line of a funding section names (empty for an empty line).

    The label is the line's head (before ":" or ", à travers…"); a line that names a
    State budget programme is labelled "Programme N (topic, legal texts)"; a known fund
    right after the colon ("… : FPH, créée afin de…") gives its name. Funders are read
    after the colon when everything there is a known actor ("CAF et villes").
    """
    gaz = gazetteer or default_gazetteer()
    written = as_written(text)
    body = strip_trailing(clean_text(written))
    if not body:
        return []
    head, rest = _split_head(body)
    legal = parse_legal_references(body, line)
    programme = _PROGRAMME.search(body)
    number = programme.group("num") if programme else None
    share_of = _SHARE_OF.search(body)
    amount = parse_amount(body[share_of.start() :] if share_of else body)
    share = parse_share(share_of.group(0)) if share_of else None
    if amount is None and share is None:
        share = parse_share(body)
    kind = _kind_of(body)
    first = split_list(rest)[0] if rest else ""
    fund = gaz.lookup(strip_trailing(first)) if first else None
    if number:
        details = [_topic(head), *(ref.label for ref in legal)]
        label = f"Programme {number} ({', '.join(d for d in details if d)})"
        kind = kind or (gaz.programme(number) or {}).get("funding_kind")
    elif fund is not None and fund.kind == "funding":
        label = fund.label
        kind = kind or fund.funding_kind
    else:
        label = head
        known = gaz.lookup(head)
        if known is not None and known.kind == "funding":
            label, kind = known.label, kind or known.funding_kind
    funders = actors_in_list(rest, gaz) if rest else None
    return [
        Funding(
            label=label,
            funders=funders or [],
            amount_eur=amount,
            share=share,
            legal_basis=legal,
            kind=kind,
            programme=number,
            raw=written,
            line=line,
        )
    ]
