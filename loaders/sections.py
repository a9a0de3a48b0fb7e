"""Section headings, matched through the synonym table ``loaders/data/sections.yaml``.

Every template parser asks :func:`match_heading` whether a line opens a section, so that a
territory that writes "Partenaires associés" or "Moyens financiers" instead of
"Partenaires mobilisables" or "Financements mobilisables" needs a line of data, not code.

>>> m = match_heading("Enjeu : Au regard des besoins de chaque quartier")
>>> (m.canonical, m.remainder)
('enjeu', 'Au regard des besoins de chaque quartier')
>>> match_heading("Pilier: 1").remainder
'1'
>>> m = match_heading("Partenaires mobilisables (dont habitants)")
>>> (m.canonical, m.note)
('partners', 'dont habitants')
>>> match_heading("RESULTAT(S) ATTENDU(S)").canonical
'expected_results'
>>> match_heading("Partenaires de longue date du quartier") is None
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from policykg.errors import InputError
from policykg.loaders.resolve.names import clean_text, tokens

# Between a heading and its remainder: spaces, closing quotes, a colon or a dash.
_SEPARATOR = re.compile(r"^[\s»\"”]*(?:[:：]|[-–—](?=\s|$))?[\s«»\"“”]*")
_NOTE = re.compile(r"^\(([^()]*)\)")
_PLURAL_MARK = re.compile(r"\((?:e?s|e|x)\)", re.I)
_SEPARATOR_MARK = re.compile(r"[:：–—-]")
_LAYOUT_REMAINDER = re.compile(r"[\d\s/–-]*")


@dataclass(frozen=True, slots=True)
class HeadingMatch:
    """A line that opens a section.

    ``canonical`` is the section's name in the synonym table; ``heading`` the words of
    the line that named it; ``note`` a parenthesised note right after the heading ("dont
    habitants"); ``remainder`` the text after the heading on the same line ("1" in
    "Pilier: 1"), empty when the heading stands alone.
    """

    canonical: str
    heading: str
    remainder: str = ""
    note: str | None = None


class SectionTable:
    """The synonym table: canonical section name -> heading variants."""

    def __init__(self, sections: dict[str, list[str]]):
        self.sections = sections
        variants: list[tuple[tuple[str, ...], str]] = []
        for canonical, headings in sections.items():
            for heading in headings:
                key = tuple(t[0] for t in tokens(heading))
                if key:
                    variants.append((key, canonical))
        # Longest variants first; ties broken by name so that matching is deterministic.
        self._variants = sorted(set(variants), key=lambda v: (-len(v[0]), v))
        # The same, by first word (a variant can only match a line that starts with it).
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for variant in self._variants:
            self._by_first.setdefault(variant[0][0], []).append(variant)

    def canonicals(self) -> list[str]:
        """The canonical section names, in table order."""
        return list(self.sections)

    def match(self, text: str, only: Iterable[str] | None = None) -> HeadingMatch | None:
        """The heading that opens ``text``, or None (see :func:`match_heading`)."""
        text = clean_text(text)
        toks = tokens(text)
        if not toks or toks[0][1] != 0:
            return None
        allowed = set(only) if only is not None else None
        words = tuple(t[0] for t in toks)
        for key, canonical in self._by_first.get(words[0], ()):
            if allowed is not None and canonical not in allowed:
                continue
            n = len(key)
            if words[:n] != key:
                continue
            found = self._accept(text, toks[n - 1][2], canonical)
            if found is not None:
                return found
        return None

    @staticmethod
    def _accept(text: str, end: int, canonical: str) -> HeadingMatch | None:
        mark = _PLURAL_MARK.match(text, end)
        end = mark.end() if mark else end
        heading, rest = text[:end], text[end:]
        note = None
        stripped = rest.lstrip(' »"”')
        paren = _NOTE.match(stripped)
        if paren:
            note = paren.group(1).strip() or None
            rest = stripped[paren.end() :]
        separator = _SEPARATOR.match(rest)
        has_separator = bool(separator and _SEPARATOR_MARK.search(separator.group(0)))
        remainder = rest[separator.end() :] if separator else rest
        remainder = remainder.strip()
        # A heading ends the line, or is followed by a separator, a note or a number;
        # more words straight after it mean the line is ordinary text.
        if remainder and not (has_separator or note or remainder[:1].isdigit()):
            return None
        return HeadingMatch(canonical, heading, remainder, note)


def read_sections(text: str, path: str = "sections.yaml") -> SectionTable:
    """Read a synonym table from YAML text; errors name the file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {exc}", path, mark.line + 1 if mark else None) from exc
    if not isinstance(data, dict):
        raise InputError("expected a mapping of section name -> list of headings", path, 1)
    sections: dict[str, list[str]] = {}
    for canonical, headings in data.items():
        if not isinstance(headings, list) or not all(isinstance(h, str) for h in headings):
            raise InputError(f"section {canonical!r}: expected a list of headings", path)
        sections[str(canonical)] = headings
    return SectionTable(sections)


def load_sections(path: str | Path | None = None) -> SectionTable:
    """The shipped synonym table, or one read from ``path``."""
    if path is None:
        source = resources.files("policykg.loaders") / "data" / "sections.yaml"
        return read_sections(source.read_text(encoding="utf-8"))
    try:
        return read_sections(Path(path).read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc


@functools.cache
def default_sections() -> SectionTable:
    """The shipped synonym table, read once."""
    return load_sections()


def match_heading(text: str, only: Iterable[str] | None = None) -> HeadingMatch | None:
    """The section heading that opens ``text``, or None.

    Matching ignores case, accents, punctuation and plural marks; the longest variant
    wins; the heading must open the line (a bulleted line is an item, not a heading) and be
    followed by the end of the line, a separator, a note in parentheses or a number.
    ``only`` restricts the match to some canonical names.
    """
    if only is None or isinstance(only, tuple):
        return _match_cached(text, only)
    return default_sections().match(text, only)


@functools.lru_cache(maxsize=1 << 14)  # the same lines recur across a corpus
def _match_cached(text: str, only: tuple[str, ...] | None) -> HeadingMatch | None:
    return default_sections().match(text, only)


def is_layout(text: str) -> bool:
    """Whether a line is page furniture: a running header or footer ("Contrat de ville").

    >>> is_layout("Fiche orientation opérationnelle"), is_layout("Contrat de ville : bilan")
    (True, False)
    """
    found = match_heading(text, only=("layout",))
    return bool(found) and _LAYOUT_REMAINDER.fullmatch(found.remainder) is not None
