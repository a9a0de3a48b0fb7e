"""Parser for the *fiche projet* (Tours Métropole Val de Loire 2024-2030, OCR of a PDF).

The layout: "Fiche Projet n° T 1.1", "Enjeu transversal 1 : Participation citoyenne" with
the enjeu's statement, the fiche's title, then labelled sections — Pilote, Référent,
Résultat(s) attendu(s), Intérêt(s) per audience ("Pour les habitants :"), Cadre (Quand /
Où / Avec qui / Avec quoi), Public cible, Contexte with favourable and unfavourable
factors, Approche stratégique, Ressources et moyens (humains, financiers), Partenaire(s)
impliqué(s), Indicateurs de réalisation / de résultat / d'impact.

Headings come from the synonym table (:mod:`policykg.loaders.sections`) and may run over
several lines; OCR slips are repaired by :mod:`policykg.loaders.ocr_repair` and every item
keeps its ``raw`` OCR text when the repair changed it. Bullets and paragraphs broken over
several lines are joined into one item. Every source line ends up mapped, unmapped (kept
as :class:`Unmapped`) or layout (blank lines, a repeated page header).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from policykg.errors import InputError
from policykg.loaders.document import Block, Document
from policykg.loaders.ocr_repair import join_broken_lines, repair
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
from policykg.loaders.resolve.dispositifs import merge_dispositifs, parse_dispositifs
from policykg.loaders.resolve.names import clean_text, has_bullet, strip_accents, strip_bullet
from policykg.loaders.sections import HeadingMatch, is_layout, match_heading
from policykg.loaders.templates.projet_fields import (
    calendar_of,
    dispositifs_in,
    funding_of,
    links_in,
    partners_of,
    scale_of,
    territories_of,
)

_CODE = re.compile(
    r"^fiche\s+projet\s+n\s*[°º®o]?\s*[:.]?\s*(?P<code>[A-Z]{0,2}\s*\d+(?:\.\d+)*)", re.I
)
_ENJEU = re.compile(r"^(?P<number>\d+(?:\.\d+)*)?\s*[:–—-]?\s*(?P<label>.*)$")
_AUDIENCE = re.compile(
    r"^pour\s+(?:les|le|la|l')\s*(?P<who>[^\W\d_]+(?:[ -][^\W\d_]+){0,2})\s*:?$", re.I
)
_SLOT = re.compile(
    r"^(?P<label>[^\W\d_]+(?:\s+[^\W\d_]+)?)\s*(?:\?|:|¢|(?<=\s)2(?=\s|$))\s*(?P<rest>.*)$"
)
# The slots of "Cadre (Quand ? Où ? Avec qui ? Avec quoi ?)", by their unaccented label.
FRAMEWORK_SLOTS = {"quand": "quand", "ou": "ou", "avec qui": "avec_qui", "avec quoi": "avec_quoi"}
_TERMINAL = (".", "!", "?", ";", ":")

# Where the items of each section go.
_ITEM_FIELDS = {
    "expected_results": "expected_outputs",
    "expected_outputs": "expected_outputs",
    "expected_effects": "expected_effects",
    "objectives": "objectives",
    "strategy": "strategy_steps",
    "favourable_factors": "favourable_factors",
    "unfavourable_factors": "unfavourable_factors",
    "context": "context",
    "environment": "context",
}
_RESOURCES = {"human_resources": "humains", "funding": "financiers"}
_INDICATORS = {f"indicators_{k}": k for k in ("realisation", "effet", "resultat", "impact")}
_ROLES = {"pilote": "pilote", "referent": "referent", "animateur": "animateur"}
# Sections that qualify the section before them rather than start a new one.
_SUBSECTIONS = {
    "favourable_factors": ("context", "environment"),
    "unfavourable_factors": ("context", "environment"),
    "environment": ("context",),
    "human_resources": ("resources",),
    "funding": ("resources",),
    **{k: ("indicators",) for k in _INDICATORS},
}
# Sections whose headings mark this template (for detection).
_MARKERS = (
    "pilote",
    "referent",
    "expected_results",
    "interests",
    "framework",
    "target_public",
    "strategy",
    "resources",
    "favourable_factors",
)


def _block_text(block: Block) -> str:
    return " ".join(block.cell_texts) if block.kind == "row" else block.text


@dataclass(eq=False)
class _Para:
    """A paragraph or bullet of one section, possibly over several source lines."""

    section: str | None
    key: str | None
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.lines[0][0]

    @property
    def raw(self) -> str:
        return " ".join(" ".join(t.split()) for _, t in self.lines)

    @property
    def text(self) -> str:
        return clean_text(repair(join_broken_lines(t for _, t in self.lines)))

    def item(self) -> Item:
        text = self.text
        return Item(text=text, line=self.line, raw=self.raw if self.raw != text else None)


@dataclass
class _Scan:
    """What one pass over the document found."""

    code: str | None = None
    code_line: int | None = None
    enjeu: HeadingMatch | None = None
    enjeu_line: int | None = None
    paragraphs: list[_Para] = field(default_factory=list)
    mapped: set[int] = field(default_factory=set)
    layout: set[int] = field(default_factory=set)


def _normal_code(code: str) -> str:
    return re.sub(r"^([A-Za-z]+)\s*", lambda m: m.group(1).upper() + " ", code.strip())


@functools.lru_cache(maxsize=8192)
def _fixed(text: str) -> str:
    return clean_text(repair(text))


def _heading(lines: list[tuple[int, str]], i: int) -> tuple[HeadingMatch, int] | None:
    """The heading opening at line ``i`` and how many lines it takes (a heading may run
    over up to three lines, then a note in parentheses over as many as it needs)."""
    text = lines[i][1]
    if has_bullet(text) or text.strip()[:1].islower():
        return None  # a list item, or the end of a sentence broken over lines
    run = [text]
    for _, nxt in lines[i + 1 : i + 3]:
        if not nxt.strip():
            break
        run.append(nxt)
    found = _heading_of_run(tuple(run))
    if found is None:
        return None
    match, size, whole = found
    if not whole:
        return match, size
    depth = match.heading.count("(") - match.heading.count(")")
    while i + size < len(lines):
        nxt = lines[i + size][1].strip()
        if not nxt or not (depth > 0 or nxt.startswith("(")):
            break
        depth += nxt.count("(") - nxt.count(")")
        size += 1
    return match, size


@functools.lru_cache(maxsize=1 << 14)  # pure; the same lines recur across a corpus
def _heading_of_run(run: tuple[str, ...]) -> tuple[HeadingMatch, int, bool] | None:
    """The heading a run of lines opens with, how many lines it takes, and whether it is a
    whole heading (a note in parentheses may follow) rather than a heading with text after
    it on its line."""
    single = match_heading(_fixed(run[0]))
    if single is not None and not single.remainder:
        return single, 1, True
    for size in range(len(run), 1, -1):
        joined = match_heading(_fixed(join_broken_lines(run[:size])))
        if joined is not None and not joined.remainder:
            return joined, size, True
    if single is not None:
        return single, 1, False
    return None


def _slot(text: str) -> tuple[str, str] | None:
    """A "Quand ?" / "Où ?" / "Avec qui ?" / "Avec quoi ?" label and the text after it."""
    m = _SLOT.match(_fixed(text))
    if not m:
        return None
    label = strip_accents(m.group("label")).lower()
    if label in FRAMEWORK_SLOTS:
        return FRAMEWORK_SLOTS[label], m.group("rest")
    close = [s for name, s in FRAMEWORK_SLOTS.items() if len(label) >= 3 and _one_edit(label, name)]
    return (close[0], m.group("rest")) if len(close) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one inserted, deleted or changed letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def _new_item(current: _Para | None, text: str, blank_before: bool) -> bool:
    """Whether a line starts a new item rather than continuing ``current``."""
    if current is None or not current.lines or has_bullet(text):
        return True
    previous = current.lines[-1][1].rstrip()
    first = strip_bullet(text)[:1]
    if blank_before:
        return previous.endswith(_TERMINAL) or not first.islower()
    return previous.endswith((".", "!", "?")) and first.isupper()


def _continues(current: _Para | None, text: str, blank_before: bool) -> bool:
    """Whether a line plainly goes on with the sentence of ``current`` (no blank line
    between, no full stop before, a lower-case start): then it is no heading."""
    if current is None or not current.lines or blank_before or has_bullet(text):
        return False
    return not current.lines[-1][1].rstrip().endswith(_TERMINAL) and text[:1].islower()


def _scan(document: Document) -> list[_Scan]:
    """Read the document line by line: one :class:`_Scan` per fiche (a new code starts a
    new fiche; the same code again is a page header)."""
    lines = [(b.line, _block_text(b)) for b in document.blocks]
    scan = _Scan()
    scans = [scan]
    section: str | None = None
    key: str | None = None
    current: _Para | None = None
    blank_before = False
    i = 0
    while i < len(lines):
        number, text = lines[i]
        if not text.strip():
            scan.layout.add(number)
            blank_before = True
            i += 1
            continue
        code = _CODE.match(_fixed(text))
        if code:
            found = _normal_code(code.group("code"))
            if scan.code not in (None, found):  # the next fiche of the document
                scan = _Scan()
                scans.append(scan)
                section = key = None
            if scan.code is None:
                scan.code, scan.code_line = found, number
                scan.mapped.add(number)
            else:
                scan.layout.add(number)  # the code repeated as a page header
            if not any(p.section == "title" for p in scan.paragraphs):
                section, key, current = "title", None, None
            i += 1
            continue
        heading = None if _continues(current, text, blank_before) else _heading(lines, i)
        slot = _slot(text) if section == "framework" and heading is None else None
        audience = _AUDIENCE.match(_fixed(text)) if section == "interests" else None
        if heading is not None:
            match, size = heading
            scan.mapped.update(n for n, _ in lines[i : i + size])
            current = None
            parents = _SUBSECTIONS.get(match.canonical, ())
            if match.canonical.startswith("framework_"):
                key = FRAMEWORK_SLOTS[_framework_label(match.canonical)]
                section = "framework"
            elif section in parents or (parents and _parent(section) in parents):
                key = match.canonical
            else:
                section, key = match.canonical, None
            if match.canonical == "enjeu":
                scan.enjeu, scan.enjeu_line = match, number
            elif match.remainder:
                current = _Para(section, key, [(number, match.remainder)])
                scan.paragraphs.append(current)
            i += size
            blank_before = False
            continue
        if slot is not None or audience is not None:
            scan.mapped.add(number)
            current = None
            if slot is not None:
                key, rest = slot
                if rest:
                    current = _Para(section, key, [(number, rest)])
                    scan.paragraphs.append(current)
            else:
                key = audience.group("who").lower()
            i += 1
            blank_before = False
            continue
        if is_layout(text):
            scan.layout.add(number)
            i += 1
            continue
        if _new_item(current, text, blank_before):
            current = _Para(section, key)
            scan.paragraphs.append(current)
        current.lines.append((number, strip_bullet(text)))
        blank_before = False
        i += 1
    return scans


def _framework_label(canonical: str) -> str:
    return {
        "framework_when": "quand",
        "framework_where": "ou",
        "framework_with_whom": "avec qui",
        "framework_with_what": "avec quoi",
    }[canonical]


def _parent(section: str | None) -> str | None:
    return "context" if section == "environment" else section


class ProjetParser:
    """The *fiche projet* template (see the module docstring)."""

    name = "projet"
    label = "fiche projet"

    def detect(self, document: Document) -> float:
        """How well ``document`` looks like a fiche projet: its "Fiche Projet n°" header and
        the headings only this template has (Pilote, Référent, Cadre, Public cible…)."""
        texts = [_block_text(b) for b in document.non_blank()]
        header = any(_CODE.match(clean_text(t)) for t in texts[:40])
        found = set()
        for t in texts:
            if len(t) <= 80:
                m = match_heading(clean_text(t))
                if m is not None and m.canonical in _MARKERS:
                    found.add(m.canonical)
        return round(min(1.0, 0.5 * header + 0.5 * min(1.0, len(found) / 5)), 2)

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction:
        """Read the fiches projet of a document (usually one) with their structure and the
        account of every line.

        Raises :class:`InputError` when the document has neither a "Fiche Projet n°" code
        nor any heading of the template.
        """
        scans = _scan(document)
        if all(s.code is None and not s.mapped for s in scans):
            raise InputError(
                "not a fiche projet: no 'Fiche Projet n°' code and no section heading found",
                path=document.path,
                line=1,
            )
        extraction = Extraction(source=document.name, template=self.name, contract=contract)
        mapped: set[int] = set()
        unmapped: set[int] = set()
        layout: set[int] = set()
        for scan in scans:
            fiche = Fiche(code=scan.code or _stem(document.name), kind="projet")
            fiche.line = scan.code_line
            if scan.code is None:
                extraction.warnings.append(
                    f"{document.name}: no 'Fiche Projet n°' code found; "
                    f"the file name {fiche.code!r} stands for it"
                )
            if scan.enjeu is not None:
                _set_enjeu(fiche, extraction, scan)
            unplaced = _fill(fiche, scan.paragraphs)
            extraction.fiches.append(fiche)
            mapped |= scan.mapped
            layout |= scan.layout
            left = {id(p) for p in unplaced}
            for para in scan.paragraphs:
                target = unmapped if id(para) in left else mapped
                target.update(n for n, _ in para.lines)
            extraction.unmapped += [
                Unmapped(text=p.text, line=p.line, section=p.section) for p in unplaced
            ]
        every = {b.line for b in document.blocks}
        extraction.lines = LineAccount(
            mapped=sorted(mapped),
            unmapped=sorted(unmapped - mapped),
            layout=sorted(every - mapped - unmapped),
        )
        return extraction


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def _set_enjeu(fiche: Fiche, extraction: Extraction, scan: _Scan) -> None:
    match = scan.enjeu
    assert match is not None
    parts = _ENJEU.match(_fixed(match.remainder))
    number = parts.group("number") if parts else None
    label = (parts.group("label") if parts else match.remainder).strip() or None
    kind = match.heading.lower() + (f" {number}" if number else "")
    fiche.enjeu, fiche.enjeu_kind = label, kind
    prefix = scan.code.split()[0] + " " if scan.code and " " in scan.code else ""
    code = f"{prefix}{number}" if number else kind
    if all(item.code != code for item in extraction.structure):
        extraction.structure.append(
            StructureItem(kind="enjeu", code=code, label=label, line=scan.enjeu_line)
        )


def _fill(fiche: Fiche, paragraphs: list[_Para]) -> list[_Para]:
    """Put each paragraph in its place on ``fiche``; return those that have none."""
    unplaced: list[_Para] = []
    titles = [p for p in paragraphs if p.section == "title"]
    if not titles:  # no repeated header: the title is the last paragraph under the enjeu
        titles = [p for p in paragraphs if p.section == "enjeu"][-1:]
    if titles:
        title = titles[0].item()
        fiche.title, fiche.title_raw = title.text, title.raw
    partner_texts: list[tuple[str, str, int | None, bool]] = []
    link_items: list[Item] = []
    for para in paragraphs:
        section, key = para.section, para.key
        if para in titles[:1]:
            continue
        if section == "title":
            unplaced.append(para)
            continue
        item = para.item()
        slot = key or section
        if slot in _INDICATORS:
            fiche.indicators.append(Indicator(_INDICATORS[slot], item.text, item.raw, item.line))
        elif slot in _RESOURCES:
            fiche.resources.setdefault(_RESOURCES[slot], []).append(item)
            if slot == "funding":
                fiche.funding.extend(funding_of(item))
        elif key in _ITEM_FIELDS and section in ("context", "environment"):
            getattr(fiche, _ITEM_FIELDS[key]).append(item)
        elif section in _ITEM_FIELDS and key is None:
            getattr(fiche, _ITEM_FIELDS[section]).append(item)
        elif section == "interests" and key:
            fiche.interests.setdefault(key, []).append(item)
        elif section == "framework" and key:
            fiche.framework.setdefault(key, []).append(item)
        elif section == "target_public":
            fiche.target_public = " ".join(filter(None, [fiche.target_public, item.text]))
        elif section in _ROLES:
            partner_texts.append((item.text, _ROLES[section], item.line, False))
        elif section == "partners":
            partner_texts.append((item.text, "partenaire", item.line, False))
        elif section == "calendar":
            fiche.calendar.extend(calendar_of(item.text))
        elif section == "scale":
            fiche.scale = fiche.scale or scale_of(item.text)
        elif section == "links":
            link_items.append(item)
        elif section == "dispositifs":
            fiche.dispositifs.extend(parse_dispositifs(item.text, item.line))
        else:
            unplaced.append(para)
    for item in fiche.framework.get("quand", []):
        fiche.calendar.extend(c for c in calendar_of(item.text) if c not in fiche.calendar)
    for item in fiche.framework.get("ou", []):
        fiche.scale = fiche.scale or scale_of(item.text)
        fiche.territories.extend(t for t in territories_of(item.text) if t not in fiche.territories)
    for item in fiche.framework.get("avec_qui", []):
        partner_texts.append((item.text, "partenaire", item.line, True))
    if fiche.target_public:
        fiche.target_public = fiche.target_public.rstrip(" .")
    fiche.partners = partners_of(partner_texts)
    items = _all_items(fiche) + [Item(p.text, p.line) for p in unplaced]
    fiche.dispositifs = merge_dispositifs(fiche.dispositifs + dispositifs_in(items))
    fiche.links = links_in(link_items + items[1:])
    return unplaced


def _all_items(fiche: Fiche) -> list[Item]:
    """Every item of the fiche, in reading order of their lines (for dispositifs)."""
    items: list[Item] = []
    for name in (
        "objectives",
        "expected_outputs",
        "context",
        "favourable_factors",
        "unfavourable_factors",
        "strategy_steps",
        "expected_effects",
    ):
        items.extend(getattr(fiche, name))
    for mapping in (fiche.interests, fiche.framework, fiche.resources):
        for values in mapping.values():
            items.extend(values)
    items.extend(Item(i.label, i.line) for i in fiche.indicators)
    title = [Item(fiche.title or "", fiche.line)]
    return title + sorted(items, key=lambda i: (i.line or 0, i.text))


PARSER = ProjetParser()
