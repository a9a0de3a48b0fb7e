"""Dates written in French: "21 mai 2015", "1er décembre 2015", "décembre 2015", "21/05/2015".

>>> [(d.text, d.iso) for d in find_dates("engagée pour décembre 2015, puis le 1er mars 2016")]
[('décembre 2015', '2015-12'), ('1er mars 2016', '2016-03-01')]
>>> parse_date("circulaire 21 mai 2015")
'2015-05-21'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.loaders.resolve.names import strip_accents

MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_MONTH_NAMES = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
)
_WRITTEN = re.compile(
    rf"\b(?:(?P<day>1er|[12]\d|3[01]|0?[1-9])\s+)?(?P<month>{_MONTH_NAMES})\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"\b(?P<day>[0-3]?\d)/(?P<month>[01]?\d)/(?P<year>(?:19|20)\d\d)\b")


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date found in text: the words as written, the ISO form and where it sits.

    ``iso`` is ``YYYY-MM-DD`` for a full date and ``YYYY-MM`` for a month.
    """

    text: str
    iso: str
    start: int
    end: int


def _iso(day: str | None, month: int, year: str) -> str | None:
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year}-{month:02d}"
    number = 1 if day.lower() == "1er" else int(day)
    if not 1 <= number <= 31:
        return None
    return f"{year}-{month:02d}-{number:02d}"


def find_dates(text: str) -> list[DateMention]:
    """Every date in ``text``, in order of appearance."""
    found = []
    for m in _WRITTEN.finditer(text):
        month = MONTHS[strip_accents(m.group("month")).lower()]
        iso = _iso(m.group("day"), month, m.group("year"))
        if iso:
            found.append(DateMention(m.group(0), iso, m.start(), m.end()))
    for m in _NUMERIC.finditer(text):
        iso = _iso(m.group("day"), int(m.group("month")), m.group("year"))
        if iso:
            found.append(DateMention(m.group(0), iso, m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str) -> str | None:
    """The ISO form of the first date in ``text`` (None when there is none)."""
    dates = find_dates(text)
    return dates[0].iso if dates else None
