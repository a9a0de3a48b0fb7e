"""Parser for the *fiche orientation opérationnelle* (Tour(s)plus contrat de ville 2015-2020).

A fiche opens with "FICHE 1.1.x" (possibly "(version 2017)"), a title in capitals, the
Pilier / Axe / Enjeu header, then labelled sections (Contexte, Objectifs et dynamiques,
Réalisations attendues, Effets attendus, Echelle, Animateur, Partenaires mobilisables,
Dispositifs mobilisables, Financements mobilisables, Calendrier, indicateurs de
réalisation, Indicateurs d'effets, Liens autres enjeux / fiches). Headings are recognised
through the synonym table (:mod:`policykg.loaders.sections`), so "Pilote de l'action",
"Partenaires associés" or "Moyens financiers" work as well. A document may hold several
fiches. Every source line ends up mapped, unmapped (kept as :class:`Unmapped`) or layout.

>>> from policykg.loaders.readers.text import read_text_bytes
>>> doc = read_text_bytes("FICHE 2.1.3\\nAGIR ENSEMBLE\\n\\tPilier 2\\nAxe 1\\n\\tEnjeu : Agir\\n"
...     "Partenaires associés\\nCAF, centres sociaux\\nContrat de ville\\n".encode(), "f.txt")
>>> ex = PARSER.parse(doc)
>>> f = ex.fiches[0]
>>> (f.code, f.title, f.axis, [p.name for p in f.partners])
('2.1.3', 'Agir ensemble', '2.1', ['CAF', 'Centre social'])
>>> (ex.lines.total(), ex.lines.layout)
(8, [8])
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from policykg.errors import InputError
from policykg.loaders.document import Document
from policykg.loaders.records import (
    Contract,
    Extraction,
    Fiche,
    Indicator,
    Item,
    LineAccount,
    StructureItem,
    Unmapped,
)
from policykg.loaders.resolve.dates import find_dates
from policykg.loaders.resolve.dispositifs import merge_dispositifs, parse_dispositifs
from policykg.loaders.resolve.funding import parse_funding
from policykg.loaders.resolve.gazetteer import acronyms
from policykg.loaders.resolve.names import (
    clean_text,
    document_vocabulary,
    has_bullet,
    normalise_key,
    sentence_case,
    strip_artefacts,
    strip_bullet,
    strip_trailing,
)
from policykg.loaders.resolve.partners import merge_partners, parse_partners
from policykg.loaders.resolve.references import merge_references, parse_references
from policykg.loaders.sections import HeadingMatch, is_layout, match_heading
from policykg.loaders.territories import find_in_text

_CODE = re.compile(
    r"^\s*fiche\s+(?:n°\s*)?(?P<code>\d+(?:\.\d+)+)\b"
    r"(?:\s*\(\s*version\s+(?P<version>\d{4})\s*\))?\s*[:–-]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
HEADER_SECTIONS = ("pillar", "axis", "enjeu")
# Sections that mark this template (for detection).
_MARKING_SECTIONS = frozenset(
    "objectives expected_outputs expected_effects scale animateur partners dispositifs "
    "funding calendar indicators_realisation indicators_effet links".split()
)
_ROLE_SECTIONS = {"animateur": "animateur", "pilote": "pilote", "referent": "referent"}
_INDICATOR_SECTIONS = {
    "indicators_realisation": "realisation",
    "indicators_effet": "effet",
    "indicators_resultat": "resultat",
    "indicators_impact": "impact",
}
# Sections read as lists of items into the Fiche field of the same name.
_ITEM_SECTIONS = ("context", "objectives", "expected_outputs", "expected_effects")
_YEARS = re.compile(r"\b(?:19|20)\d\d\s*(?:[-–/]|à)\s*(?:19|20)\d\d\b")
_END_OF_SENTENCE = (".", ";", "!", "?", ":")
# How many lines after "FICHE x.y.z" the Pilier/Axe/Enjeu header must start.
_HEADER_WINDOW = 8


@dataclass
class _Line:
    """A source line, cleaned: artefacts off, whitespace collapsed (apostrophes kept)."""

    number: int
    text: str
    bullet: bool = False

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass
class _Section:
    """A section of a fiche: its canonical name, heading line and content lines."""

    canonical: str
    line: int
    lines: list[_Line] = field(default_factory=list)


@dataclass
class _Account:
    """Line statuses of a document, filled as lines are placed."""

    status: dict[int, str] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)

    def mark(self, line: int, status: str) -> None:
        self.status.setdefault(line, status)

    def unplaced(self, line: _Line, section: str | None = None) -> None:
        if line.number not in self.status:
            self.status[line.number] = "unmapped"
            self.unmapped.append(Unmapped(line.text, line.number, section))


def _read_lines(document: Document) -> list[_Line]:
    lines = []
    for block in document.blocks:
        text = " ".join(strip_artefacts(block.text).split()) if block.kind != "blank" else ""
        lines.append(_Line(block.line, text, bool(text) and has_bullet(text)))
    return lines


def _heading(line: _Line) -> HeadingMatch | None:
    found = match_heading(line.text) if line.text else None
    return None if found is None or found.canonical == "layout" else found


def _is_fiche_start(lines: list[_Line], i: int) -> bool:
    """ "FICHE x.y.z" opens a fiche when a title in capitals (or nothing) follows the code
    and the Pilier/Axe/Enjeu header comes soon after (a link "Fiche 1.1.1 "…"" does not)."""
    m = _CODE.match(lines[i].text)
    if not m:
        return False
    rest = m.group("rest")
    if rest and not (sum(c.isupper() for c in rest) >= 0.8 * sum(c.isalpha() for c in rest)):
        return False
    window = [line for line in lines[i + 1 :] if not line.blank][:_HEADER_WINDOW]
    return any((h := _heading(line)) and h.canonical in HEADER_SECTIONS for line in window)


def _items(lines: list[_Line]) -> list[Item]:
    """One item per line; a line without a bullet that continues a bulleted item (lower
    case start, previous item unfinished) is joined to it."""
    items: list[Item] = []
    last_bulleted = False  # whether the last item opened with a bullet
    for line in lines:
        raw = strip_bullet(line.text) if line.bullet else line.text
        text = clean_text(raw)
        if not text:
            continue
        if (
            last_bulleted
            and not line.bullet
            and text[:1].islower()
            and not items[-1].text.endswith(_END_OF_SENTENCE)
        ):
            joined_raw = (items[-1].raw or items[-1].text) + " " + raw
            items[-1].text += " " + text
            items[-1].raw = joined_raw if joined_raw != items[-1].text else None
            continue
        items.append(Item(text=text, line=line.number, raw=raw if raw != text else None))
        last_bulleted = line.bullet
    return items


def _indicator_label(text: str) -> str:
    return strip_trailing(text.lstrip("/ ").strip())


def _calendar(text: str) -> list[str]:
    """A calendar line as entries: short lines as written, dates out of long sentences."""
    text = strip_trailing(text)
    if len(text.split()) <= 6:
        return [text] if text else []
    found = [m.group(0) for m in _YEARS.finditer(text)]
    found += [d.text for d in find_dates(text)]
    return found or [text]


def enjeu_code(axis: str | None, label: str) -> str:
    """A stable code for an enjeu: its axe and a digest of its wording, so that fiches
    sharing an enjeu share its code.

    >>> enjeu_code("1.1", "Faire des acteurs") == enjeu_code("1.1", "faire des  acteurs")
    True
    """
    digest = hashlib.sha1(normalise_key(label).encode("utf-8")).hexdigest()[:8]
    return f"{axis or 'x'}-enjeu-{digest}"


class _FicheBuilder:
    """Reads the lines of one fiche into a :class:`Fiche` and its structure items."""

    def __init__(self, lines: list[_Line], account: _Account, vocabulary: dict[str, str]):
        self.lines = lines
        self.account = account
        self.vocabulary = vocabulary
        self.sections: list[_Section] = []
        self.header: dict[str, _Section] = {}
        self.warnings: list[str] = []

    def build(self) -> tuple[Fiche, list[StructureItem]]:
        first = self.lines[0]
        m = _CODE.match(first.text)
        assert m is not None
        self.account.mark(first.number, "mapped")
        title_lines = [m.group("rest")] if m.group("rest") else []
        body = self._read_title(self.lines[1:], title_lines)
        self._read_sections(body)
        title_raw = " ".join(t for t in title_lines if t).strip() or None
        fiche = Fiche(code=m.group("code"), version=m.group("version"), line=first.number)
        if title_raw:
            fiche.title_raw = title_raw
            fiche.title = sentence_case(title_raw, acronyms(), self.vocabulary)
        structure = self._header(fiche)
        for section in self.sections:
            self._fill(fiche, section)
        fiche.partners = merge_partners(fiche.partners)
        fiche.dispositifs = merge_dispositifs(fiche.dispositifs)
        fiche.links = merge_references(fiche.links)
        body_text = " ".join(line.text for s in self.sections for line in s.lines)
        for territory in find_in_text(body_text):
            if territory.kind == "qpv" and territory.name not in fiche.territories:
                fiche.territories.append(territory.name)
        return fiche, structure

    def _read_title(self, lines: list[_Line], title: list[str]) -> list[_Line]:
        for i, line in enumerate(lines):
            if line.blank:
                if title:
                    return lines[i:]
                self.account.mark(line.number, "layout")
                continue
            if _heading(line) or is_layout(line.text):
                return lines[i:]
            title.append(line.text)
            self.account.mark(line.number, "mapped")
        return []

    def _read_sections(self, lines: list[_Line]) -> None:
        current: _Section | None = None
        body_started = False
        note = "none"  # a parenthesised prompt may follow a heading: none, allowed, open
        for line in lines:
            if line.blank or is_layout(line.text):
                self.account.mark(line.number, "layout")
                continue
            found = _heading(line)
            if found and found.canonical in HEADER_SECTIONS and body_started:
                found = None  # "Axe 1.2 …" inside a section is text, not the header
            if found:
                self.account.mark(line.number, "mapped")
                current = _Section(found.canonical, line.number)
                if found.canonical in HEADER_SECTIONS:
                    self.header.setdefault(found.canonical, current)
                else:
                    body_started = True
                    self.sections.append(current)
                if found.remainder:
                    current.lines.append(_Line(line.number, found.remainder))
                note = "none" if found.remainder else "allowed"
                continue
            if current is None:
                self.account.unplaced(line)
                continue
            if note == "open" or (note == "allowed" and line.text.startswith("(")):
                # The template's prompt under a heading ("(Quels sont les financements…?)").
                self.account.mark(line.number, "mapped")
                note = "none" if line.text.endswith(")") else "open"
                continue
            note = "none"
            current.lines.append(line)

    def _header(self, fiche: Fiche) -> list[StructureItem]:
        parts = fiche.code.split(".")
        pillar = self._header_value("pillar", r"\d+") or parts[0]
        axis = self._header_value("axis", r"\d+(?:\.\d+)*")
        if axis and "." not in axis:
            axis = f"{pillar}.{axis}"
        axis = axis or (".".join(parts[:2]) if len(parts) >= 3 else None)
        if pillar != parts[0]:
            self.warnings.append(f"line {fiche.line}: fiche {fiche.code} says Pilier {pillar}")
        fiche.pillar, fiche.axis = pillar, axis
        structure = [StructureItem("pilier", pillar, line=self._header_line("pillar"))]
        if axis:
            structure.append(
                StructureItem("axe", axis, parent=pillar, line=self._header_line("axis"))
            )
        enjeu = self.header.get("enjeu")
        if enjeu is not None:
            for line in enjeu.lines:
                self.account.mark(line.number, "mapped")
            text = clean_text(" ".join(line.text for line in enjeu.lines))
            if text:
                fiche.enjeu = text
                code = enjeu_code(axis, text)
                structure.append(StructureItem("enjeu", code, text, axis or pillar, enjeu.line))
        return structure

    def _header_value(self, name: str, pattern: str) -> str | None:
        section = self.header.get(name)
        if section is None:
            return None
        value = None
        for line in section.lines:
            m = re.match(pattern, line.text)
            if m and value is None:
                value = m.group(0)
                self.account.mark(line.number, "mapped")
            else:
                self.account.unplaced(line, name)
        return value

    def _header_line(self, name: str) -> int | None:
        section = self.header.get(name)
        return section.line if section else None

    def _fill(self, fiche: Fiche, section: _Section) -> None:
        handler = _HANDLERS.get(section.canonical)
        if handler is None:
            for line in section.lines:
                self.account.unplaced(line, section.canonical)
            return
        unplaced = handler(fiche, section) or []
        for line in unplaced:
            self.account.unplaced(line, section.canonical)
        for line in section.lines:
            self.account.mark(line.number, "mapped")


def _fill_items(fiche: Fiche, section: _Section) -> None:
    getattr(fiche, section.canonical).extend(_items(section.lines))


def _fill_indicators(fiche: Fiche, section: _Section) -> None:
    kind = _INDICATOR_SECTIONS[section.canonical]
    for item in _items(section.lines):
        fiche.indicators.append(
            Indicator(kind, _indicator_label(item.text), raw=item.raw, line=item.line)
        )


def _fill_roles(fiche: Fiche, section: _Section) -> None:
    role = _ROLE_SECTIONS[section.canonical]
    for line in section.lines:
        fiche.partners.extend(parse_partners(line.text, role, line.number))


def _fill_partners(fiche: Fiche, section: _Section) -> None:
    for line in section.lines:
        fiche.partners.extend(parse_partners(line.text, "partenaire", line.number))


def _fill_dispositifs(fiche: Fiche, section: _Section) -> None:
    for item in _items(section.lines):
        fiche.dispositifs.extend(parse_dispositifs(item.raw or item.text, item.line))


def _fill_funding(fiche: Fiche, section: _Section) -> None:
    for item in _items(section.lines):
        fiche.funding.extend(parse_funding(item.raw or item.text, item.line))


def _fill_calendar(fiche: Fiche, section: _Section) -> None:
    for item in _items(section.lines):
        for entry in _calendar(item.text):
            if entry not in fiche.calendar:
                fiche.calendar.append(entry)


def _fill_scale(fiche: Fiche, section: _Section) -> None:
    texts = [strip_trailing(item.text) for item in _items(section.lines)]
    scale = "; ".join(t for t in texts if t)
    if scale:
        fiche.scale = f"{fiche.scale}; {scale}" if fiche.scale else scale


def _fill_target_public(fiche: Fiche, section: _Section) -> None:
    text = " ".join(item.text for item in _items(section.lines))
    fiche.target_public = text or fiche.target_public


def _fill_links(fiche: Fiche, section: _Section) -> list[_Line]:
    unplaced = []
    for line in section.lines:
        refs = parse_references(line.text, line.number)
        if refs:
            fiche.links.extend(refs)
        else:
            unplaced.append(line)
    return unplaced


_HANDLERS: dict[str, Callable[[Fiche, _Section], list[_Line] | None]] = {
    **{name: _fill_items for name in _ITEM_SECTIONS},
    **{name: _fill_indicators for name in _INDICATOR_SECTIONS},
    **{name: _fill_roles for name in _ROLE_SECTIONS},
    "partners": _fill_partners,
    "dispositifs": _fill_dispositifs,
    "funding": _fill_funding,
    "calendar": _fill_calendar,
    "scale": _fill_scale,
    "territories": _fill_scale,
    "target_public": _fill_target_public,
    "links": _fill_links,
}


class OrientationParser:
    """The *fiche orientation opérationnelle* template (see the module docstring)."""

    name = "orientation"
    label = "fiche orientation opérationnelle"

    def detect(self, document: Document) -> float:
        """Score how much a document looks like fiches orientation opérationnelle:
        a "FICHE x.y.z" line, the Pilier/Axe header and the template's sections."""
        lines = [line for line in _read_lines(document) if not line.blank][:600]
        score = 0.0
        if any(_is_fiche_start(lines, i) for i in range(len(lines))):
            score += 0.45
        found = {h.canonical for line in lines if (h := _heading(line))}
        if {"pillar", "axis"} <= found:
            score += 0.15
        score += 0.4 * min(1.0, len(found & _MARKING_SECTIONS) / 6)
        return round(score, 3)

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction:
        """Read every fiche of the document; raise :class:`InputError` when there is none."""
        lines = _read_lines(document)
        starts = [i for i in range(len(lines)) if _is_fiche_start(lines, i)]
        if not starts:
            raise InputError(
                "no 'FICHE x.y.z' line followed by a Pilier/Axe/Enjeu header: "
                "not a fiche orientation opérationnelle",
                path=document.path,
            )
        account = _Account()
        for line in lines[: starts[0]]:
            if line.blank or is_layout(line.text):
                account.mark(line.number, "layout")
            else:
                account.unplaced(line)
        vocabulary = document_vocabulary(line.text for line in lines)
        extraction = Extraction(template=self.name, contract=contract)
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(lines)
            builder = _FicheBuilder(lines[start:end], account, vocabulary)
            fiche, structure = builder.build()
            extraction.fiches.append(fiche)
            extraction.warnings.extend(builder.warnings)
            for item in structure:
                if not any(
                    (s.kind, s.code) == (item.kind, item.code) for s in extraction.structure
                ):
                    extraction.structure.append(item)
        for line in lines:  # anything left over is kept, never lost
            if line.blank:
                account.mark(line.number, "layout")
            else:
                account.unplaced(line)
        extraction.unmapped = sorted(account.unmapped, key=lambda u: u.line or 0)
        extraction.lines = LineAccount(
            mapped=sorted(n for n, s in account.status.items() if s == "mapped"),
            unmapped=sorted(n for n, s in account.status.items() if s == "unmapped"),
            layout=sorted(n for n, s in account.status.items() if s == "layout"),
        )
        return extraction


PARSER = OrientationParser()
