r"""Parser for the *plan d'actions opérationnel* table (Nantes Métropole, pilier 4, 2015).

The document is a table converted to text, one row a line, cells separated by tabs, under
the column titles PILIER / VOLETS / OBJECTIFS OPERATIONNELS / ACTIONS / EXEMPLES DE
SOUS-ACTIONS / En cours-A réaliser / TYPE D'ACTIONS / QUARTIER. Each page repeats a header
(pilier, "DOCUMENT DE TRAVAIL", the transversal orientations, the column titles).

How the table is rebuilt:

- Columns are found from the title row. Merged cells leave empty cells, and some rows lose
  or gain leading cells: a row is aligned on its status cell (recognised by its words), then
  its text cells are placed by shape where the position is doubtful (a numbered cell is a
  volet; capitals are a pilier or an objective when the document writes objectives so).
- A row holding only status / type / quartier adds a row to the previous sub-actions; a
  cell can stack several values ("Réalisé A réaliser", "TOUS QUARTIERS SILLON").
- The page header is read once: the pilier and the transversal orientations go to
  ``Extraction.structure``, other header text (the "document de travail" date) is kept as
  unmapped text; every repeat is counted as layout.

How it maps to records:

- ``Action.status`` / ``type`` are those of the action's first row; ``quartiers`` lists
  every quartier of its rows, in order. ``objective`` is the code of the objectif
  ``StructureItem`` (codes joined by "; " when one merged cell lists several objectives).
- ``sub_actions`` hold the example sub-actions. Each status row is given to one sub-action:
  by the quartier or commune the sub-action names, then in order, extra rows going to the
  last sub-action. A sub-action whose rows differ in status or type is written once per
  (status, type), so ``[s.status for s in action.sub_actions]`` lists the statuses of the
  rows. An action with several rows and no sub-action text gets one sub-action per
  (status, type), labelled like the action.
- Quartiers take their reference name ("SILLON" -> "Sillon de Bretagne"); "TOUS QUARTIERS"
  is kept as that marker (see :mod:`policykg.loaders.territories`).
- Underlined (``<u>``) terms are the key dispositifs: ``Dispositif(key=True)``. "Name :"
  prefixes and closing "(Name)" are the porteur; "Fonds … (Owner)" are funding.

>>> from policykg.loaders.readers.text import read_text_bytes
>>> table = ("PILIER\tVOLETS\tOBJECTIFS OPERATIONNELS\tACTIONS\tEXEMPLES DE SOUS-ACTIONS"
...     "\tEn cours/ A réaliser\tTYPE D'ACTIONS\tQUARTIER\n"
...     "CADRE DE VIE\t1. HABITAT\tAMELIORER LE CADRE DE VIE\tMettre en place la <u>GUSP</u>"
...     "\t<p>Diagnostic en marchant</p> <p>Charte de voisinage</p>\tRéalisé\tMixte\tSANITAS\n"
...     "\t\t\t\t\tA réaliser\tInstitution\tRABIERE\n")
>>> ex = PARSER.parse(read_text_bytes(table.encode("utf-8"), "plan.txt"))
>>> action = ex.actions[0]
>>> action.label, action.volet, action.objective, action.quartiers
('Mettre en place la GUSP', '1', '1.1', ['Sanitas', 'La Rabière'])
>>> [(s.label, s.status, s.quartiers) for s in action.sub_actions]  # doctest: +NORMALIZE_WHITESPACE
[('Diagnostic en marchant', 'Réalisé', ['Sanitas']),
 ('Charte de voisinage', 'A réaliser', ['La Rabière'])]
>>> [(d.name, d.key) for d in action.dispositifs], ex.contract.epci_siren
([('GUSP', True)], '243700754')
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from policykg.errors import InputError
from policykg.loaders.document import Block, Document
from policykg.loaders.records import (
    Action,
    Contract,
    Extraction,
    StructureItem,
    SubAction,
    Unmapped,
)
from policykg.loaders.resolve import gazetteer
from policykg.loaders.resolve.names import document_vocabulary, strip_trailing
from policykg.loaders.templates import plan_cells as cells
from policykg.loaders.templates.plan_cells import Entities, entities_of, objective_funding
from policykg.loaders.territories import (
    ALL_QUARTIERS,
    TerritoryTable,
    default_table,
    fold,
    is_all_quartiers,
)

CONTENT = ("pilier", "volet", "objectif", "action", "sous_action")
VALUES = ("status", "type", "quartier")
# Column titles, folded, by column: the first pattern that matches names the column.
_TITLES = (
    ("type", r"^types?\b"),
    ("sous_action", r"sous actions?|exemples?"),
    ("status", r"en cours|a realiser|statut|etat|avancement"),
    ("quartier", r"^quartiers?|^territoires?"),
    ("pilier", r"^piliers?"),
    ("volet", r"^volets?|^axes?"),
    ("objectif", r"^objectifs?"),
    ("action", r"^actions?$"),
)
_TITLE_PATTERNS = tuple((name, re.compile(pattern)) for name, pattern in _TITLES)
_PILIER = re.compile(r"^PILIER\s*(\d+)\s*[-–—:.]?\s*(.*)$", re.I)


def column_map(block: Block) -> dict[str, int] | None:
    """The columns of a title row, or None if the row is not one.

    >>> from policykg.loaders.document import Location
    >>> cells = ("ACTIONS", "Quartier", "En cours/ A réaliser", "Type d'actions", "Volets")
    >>> column_map(Block("row", "", Location(1), cells=cells))
    {'action': 0, 'quartier': 1, 'status': 2, 'type': 3, 'volet': 4}
    """
    found = _column_map(tuple(block.cells))
    return dict(found) if found is not None else None


@functools.lru_cache(maxsize=1 << 12)  # asked of every row, several times
def _column_map(row: tuple[str, ...]) -> tuple[tuple[str, int], ...] | None:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = fold(cell)
        for name, pattern in _TITLE_PATTERNS:
            if key and name not in found and pattern.search(key):
                found[name] = index
                break
    ok = {"action", "status"} <= set(found) and len(found) >= 5
    return tuple(found.items()) if ok else None


@dataclass
class _Row:
    status: str | None
    type: str | None
    quartier: str | None
    line: int


@dataclass
class _Group:
    pieces: list[cells.Piece]
    rows: list[_Row] = field(default_factory=list)


@dataclass
class _Draft:
    piece: cells.Piece
    line: int
    volet: str | None
    objective: str | None
    pillar: str | None
    rows: list[_Row]
    groups: list[_Group] = field(default_factory=list)
    funding: list = field(default_factory=list)


class PlanParser:
    """The *plan d'actions opérationnel* template (see the module docstring)."""

    name = "plan"
    label = "plan d'actions opérationnel"

    def detect(self, document: Document) -> float:
        """High when the document holds the action-plan column titles."""
        titles = sum(1 for b in document.blocks[:400] if b.kind == "row" and column_map(b))
        if titles:
            return 0.95
        text = fold(" ".join(b.text for b in document.blocks[:200]))
        hints = ("plan d actions", "sous actions", "a realiser", "type d actions")
        return 0.1 * sum(h in text for h in hints)

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction:
        """Read the table into actions, structure and unmapped text (every line counted)."""
        return _PlanReader(document, contract).read()


class _PlanReader:
    def __init__(self, document: Document, contract: Contract | None):
        self.doc = document
        self.table: TerritoryTable = default_table()
        self.ex = Extraction(source=document.name, template=PlanParser.name, contract=contract)
        self.columns: dict[str, int] = {}
        self.structure: dict[tuple[str, str], StructureItem] = {}
        self.pillar: str | None = None
        self.volet: str | None = None
        self.objective: str | None = None
        self.objective_funding: list = []
        self.drafts: list[_Draft] = []
        self.header_seen: set[str] = set()
        self.status: dict[int, str] = {}
        self.epci = contract.epci_siren if contract else None
        self.upper_objectives = True
        self._fits: dict[tuple[str, str], float] = {}  # see _fit (after _prescan)
        texts = [c for b in document.blocks for c in b.cells if c.strip()]
        self.acronyms = cells.document_acronyms([cells.clean(t) for t in texts])
        self.acronyms |= gazetteer.acronyms()
        self.vocabulary = document_vocabulary(cells.clean(t) for t in texts)

    def label(self, text: str) -> str:
        """A label in sentence case with this document's acronyms and accents."""
        return cells.label(text, self.acronyms, self.vocabulary)

    # --- document level ---------------------------------------------------------------

    def read(self) -> Extraction:
        titles = [b for b in self.doc.blocks if b.kind == "row" and column_map(b)]
        if not titles:
            raise InputError(
                "no action-plan column titles (PILIER / VOLETS / … / QUARTIER) found",
                path=self.doc.path,
            )
        self.columns = column_map(titles[0]) or {}
        self._prescan()
        in_table, expected = False, 0
        for block in self.doc.blocks:
            if block.kind == "blank":
                self._account(block.line, "layout")
            elif block.kind == "row" and column_map(block):
                in_table, expected = True, 0
                self._account(block.line, "layout")
            elif in_table and len(block.cells) > 1:
                self._row(block)
            else:
                in_table = False
                expected = self._header_line(block, expected)
        self._finish()
        return self.ex

    def _prescan(self) -> None:
        """Pilier headings, the contract's EPCI and the objectives' style, before reading."""
        piliers = [_PILIER.match(b.text) for b in self.doc.blocks if b.kind != "row"]
        piliers = [m for m in piliers if m]
        if piliers:
            self.pillar = piliers[0].group(1)
        names, objectives = [], []
        q, o, s = (self.columns.get(k) for k in ("quartier", "objectif", "status"))
        for b in self.doc.blocks:
            if b.kind != "row" or column_map(b):
                continue
            if q is not None and q < len(b.cells) and b.cells[q].strip():
                names.extend(self.table.split_names(b.cells[q]))
            if o is not None and s is not None and s < len(b.cells) and o < len(b.cells):
                if cells.split_values(b.cells[s], cells.STATUS_WORDS) and b.cells[o].strip():
                    objectives.append(cells.is_upper(b.cells[o]))
        self.epci = self.epci or self.table.infer_epci(names)
        self.upper_objectives = not objectives or sum(objectives) >= 0.8 * len(objectives)
        self._fits.clear()
        if self.ex.contract is None and self.epci:
            found = self.table.lookup_epci(self.epci)
            self.ex.contract = Contract(territory=found.name, epci_siren=self.epci)

    def _account(self, line: int, status: str) -> None:
        order = ("layout", "unmapped", "mapped")
        if order.index(status) >= order.index(self.status.get(line, "layout")):
            self.status[line] = status

    def _unmapped(self, text: str, line: int, section: str) -> None:
        self.ex.unmapped.append(Unmapped(text=text, line=line, section=section))
        self._account(line, "unmapped")

    def _add(self, kind: str, code: str, label: str | None, parent: str | None, line: int):
        if (kind, code) not in self.structure:
            item = StructureItem(kind=kind, code=code, label=label, parent=parent, line=line)
            self.structure[(kind, code)] = item
            self.ex.structure.append(item)

    def _header_line(self, block: Block, expected: int) -> int:
        """A page-header line: read once, layout when repeated.

        ``expected`` is the number of transversal orientations still to read after their
        introduction ("Trois orientations transversales :"); the new count is returned.
        """
        text = cells.clean(block.text)
        match = _PILIER.match(text)
        intro = "orientation" in fold(text) and text.endswith(":")
        if text in self.header_seen:
            self._account(block.line, "layout")
            return _announced(text) if intro else max(expected - 1, 0)
        self.header_seen.add(text)
        if match:
            self.pillar = match.group(1)
            self._add("pilier", match.group(1), self.label(match.group(2)), None, block.line)
        elif intro:
            expected = _announced(text)
        elif expected:
            code = str(sum(1 for k in self.structure if k[0] == "orientation_transversale") + 1)
            self._add("orientation_transversale", code, self.label(text), None, block.line)
            expected -= 1
        else:
            self._unmapped(text, block.line, "en-tête")
            return 0
        self._account(block.line, "mapped")
        return expected

    # --- rows ---------------------------------------------------------------------------

    def _align(self, block: Block) -> tuple[dict[str, str], list[str], list[str]]:
        """The row's text cells by column, its value cells, and cells beyond the table."""
        raw = list(block.cells)
        cols = self.columns
        s = cols["status"]
        offsets = {name: cols[name] - s for name in VALUES if name in cols}
        anchor = next(
            (i for i, c in enumerate(raw) if cells.split_values(c, cells.STATUS_WORDS)), None
        )
        if anchor is None and "type" in cols:
            found = [i for i, c in enumerate(raw) if cells.split_values(c, cells.TYPE_WORDS)]
            anchor = found[0] - offsets["type"] if found else None
        if anchor is None:
            anchor = s
        shift = s - anchor

        def at(i: int) -> str:
            return raw[i] if 0 <= i < len(raw) else ""

        values = [at(anchor + offsets[name]) if name in offsets else "" for name in VALUES]
        start = min(anchor + min(offsets.values()), len(raw))
        end = anchor + max(offsets.values()) + 1
        beyond = [c for c in raw[max(end, 0) :] if c.strip()]
        texts = raw[: max(start, 0)]
        order = [c for c in CONTENT if c in cols]
        filled = [(i, c) for i, c in enumerate(texts) if c.strip()]
        by_position: dict[int, str] = {}  # what _slot gives, for every position at once
        for name in order:
            by_position.setdefault(cols[name], name)
        fit = self._fits
        best, best_score = shift, None
        for candidate in range(-len(raw), len(raw) + 1):
            slots = [by_position.get(i + candidate) for i, _ in filled]
            if None in slots:
                continue
            score = sum(
                fit[key] if (key := (c, slot)) in fit else self._fit(c, slot)
                for (_, c), slot in zip(filled, slots, strict=True)
            )
            score -= 0.5 * abs(candidate - shift)
            if best_score is None or score > best_score:
                best, best_score = candidate, score
        placed = {}
        for i, c in filled:
            slot = self._slot(i + best, order)
            if slot is None:
                beyond.append(c)
            else:
                placed[slot] = c
        return placed, values, beyond

    def _slot(self, position: int, order: list[str]) -> str | None:
        for name in order:
            if self.columns[name] == position:
                return name
        return None

    def _fit(self, text: str, slot: str) -> float:
        """How well a cell's text fits a column (remembered: cells recur in the document)."""
        fit = self._fits[(text, slot)] = self._fit_of(text, slot)
        return fit

    def _fit_of(self, text: str, slot: str) -> float:
        if cells.volet_parts(text) and len(cells.clean(text)) > 3:
            return 2.0 if slot == "volet" else -2.0
        if cells.is_upper(text):
            return 1.0 if slot in ("pilier", "volet", "objectif") else -2.0
        if len(cells.clean(text).split()) >= 3 and self.upper_objectives:
            return 1.0 if slot in ("action", "sous_action") else -2.0
        return 0.0

    def _rows(self, values: list[str], line: int) -> list[_Row]:
        statuses = cells.split_values(values[0], cells.STATUS_WORDS) or []
        types = cells.split_values(values[1], cells.TYPE_WORDS) or []
        quartiers = [
            self._quartier(q) for q in self.table.split_names(values[2], self.epci) if q.strip()
        ]
        n = max(len(statuses), len(types), len(quartiers))
        if n > 1 and len({len(v) for v in (statuses, types, quartiers) if v}) > 1:
            self.ex.warnings.append(f"line {line}: stacked cells hold different counts")

        def pick(seq: list[str], i: int) -> str | None:
            return seq[i] if i < len(seq) else (seq[0] if len(seq) == 1 else None)

        return [_Row(pick(statuses, i), pick(types, i), pick(quartiers, i), line) for i in range(n)]

    def _quartier(self, name: str) -> str:
        if is_all_quartiers(name):
            return ALL_QUARTIERS
        found = self.table.lookup_quartier(name, self.epci)
        if not found:
            self.ex.warnings.append(f"quartier {name!r} is not in the territories table")
        return found.name if found else " ".join(name.split())

    def _row(self, block: Block) -> None:
        placed, values, beyond = self._align(block)
        line = block.line
        for text in beyond:
            self._unmapped(cells.clean(text), line, "table")
        rows = self._rows(values, line)
        mapped = False
        if "pilier" in placed:
            mapped = True
        if "volet" in placed:
            parts = cells.volet_parts(placed["volet"])
            volets = [k for k in self.structure if k[0] == "volet"]
            code, label = parts if parts else (str(len(volets) + 1), placed["volet"])
            self.volet, self.objective = code, None
            self._add("volet", code, self.label(label), self.pillar, line)
            mapped = True
        if "objectif" in placed:
            self._objectives(placed["objectif"], line)
            mapped = True
        if "action" in placed:
            mapped |= self._actions(placed["action"], placed.get("sous_action"), rows, line)
        elif "sous_action" in placed and self.drafts:
            pieces, stray = cells.split_items(placed["sous_action"])
            self.drafts[-1].groups.append(_Group(pieces, rows))
            self.drafts[-1].rows.extend(rows)
            for text in stray:
                self._unmapped(text, line, "sous-action")
            mapped = True
        elif rows and self.drafts and not placed:
            draft = self.drafts[-1]
            if not draft.groups:
                draft.groups.append(_Group([]))
            draft.groups[-1].rows.extend(rows)
            draft.rows.extend(rows)
            mapped = True
        if not mapped:
            for text in [*placed.values(), *values]:
                if text.strip():
                    self._unmapped(cells.clean(text), line, "table")
        self._account(line, "mapped" if mapped else "unmapped")

    def _objectives(self, text: str, line: int) -> None:
        volet = self.volet or "0"
        existing = [k for k in self.structure if k[0] == "objectif" and k[1].startswith(volet)]
        codes = []
        for n, para in enumerate(cells.paragraphs(text), start=len(existing) + 1):
            code = f"{volet}.{n}"
            text_label = strip_trailing(self.label(cells.flatten(para)))
            self._add("objectif", code, text_label, self.volet, line)
            codes.append(code)
        self.objective = "; ".join(codes) or None
        self.objective_funding = objective_funding(text, line, self.acronyms)

    def _actions(self, text: str, sub: str | None, rows: list[_Row], line: int) -> bool:
        pieces, stray = cells.split_items(text, nest=True)
        if not pieces:
            return False  # the caller keeps the whole row as unmapped text
        for s in stray:
            self._unmapped(s, line, "action")
        new = []
        for piece in pieces:
            draft = _Draft(piece, line, self.volet, self.objective, self.pillar, list(rows))
            draft.funding = list(self.objective_funding)
            if piece.children:
                draft.groups.append(_Group(piece.children, list(rows)))
            new.append(draft)
        if new and sub:
            sub_pieces, sub_stray = cells.split_items(sub)
            new[-1].groups.append(_Group(sub_pieces, list(rows)))
            for s in sub_stray:
                self._unmapped(s, line, "sous-action")
        self.drafts.extend(new)  # rows stacked below belong to the last action of the cell
        return True

    # --- records ------------------------------------------------------------------------

    def _distribute(self, group: _Group) -> list[list[_Row]]:
        pieces, rows = group.pieces, group.rows
        if len(rows) <= 1 or len(pieces) == len(rows):
            return [[rows[min(i, len(rows) - 1)]] if rows else [] for i in range(len(pieces))]
        names = []
        for piece in pieces:
            found = self.table.find_in_text(piece.text, self.epci)
            names.append({t.name for t in found} | {t.commune for t in found if t.commune})
        assigned: list[list[_Row]] = [[] for _ in pieces]
        free = []
        for row in rows:
            territory = self.table.lookup_quartier(row.quartier or "", self.epci)
            hits = [i for i, n in enumerate(names) if territory and territory.name in n]
            if not hits and territory:
                hits = [i for i, n in enumerate(names) if territory.commune in n]
            if len(hits) == 1:
                assigned[hits[0]].append(row)
            else:
                free.append(row)
        empty = [i for i, a in enumerate(assigned) if not a]
        for i, row in zip(empty, free, strict=False):
            assigned[i].append(row)
        for row in free[len(empty) :]:
            assigned[-1].append(row)
        return assigned

    def _sub_actions(self, draft: _Draft) -> list[SubAction]:
        subs = []
        for group in draft.groups:
            if not group.pieces:
                continue
            for piece, rows in zip(group.pieces, self._distribute(group), strict=True):
                piece_line = rows[0].line if rows else draft.line
                found = entities_of(piece, self.table, self.epci, piece_line)
                by_value: dict[tuple, list[_Row]] = {}
                for row in rows:
                    by_value.setdefault((row.status, row.type), []).append(row)
                for (status, kind), same in by_value.items() or [((None, None), [])]:
                    subs.append(
                        SubAction(
                            label=piece.text,
                            status=status,
                            type=kind,
                            quartiers=_unique(r.quartier for r in same),
                            partners=list(found.partners),
                            dispositifs=list(found.dispositifs),
                            funding=list(found.funding),
                            raw=piece.raw if piece.raw != piece.text else None,
                            line=same[0].line if same else draft.line,
                        )
                    )
        if not subs:
            values = _unique((r.status, r.type) for r in draft.rows)
            if len(values) > 1:
                for status, kind in values:
                    same = [r for r in draft.rows if (r.status, r.type) == (status, kind)]
                    subs.append(
                        SubAction(
                            label=draft.piece.text,
                            status=status,
                            type=kind,
                            quartiers=_unique(r.quartier for r in same),
                            line=same[0].line,
                        )
                    )
        return subs

    def _finish(self) -> None:
        for draft in self.drafts:
            found: Entities = entities_of(draft.piece, self.table, self.epci, draft.line)
            first = draft.rows[0] if draft.rows else None
            self.ex.actions.append(
                Action(
                    label=draft.piece.text,
                    objective=draft.objective,
                    volet=draft.volet,
                    pillar=draft.pillar or self.pillar,
                    status=first.status if first else None,
                    type=first.type if first else None,
                    quartiers=_unique(r.quartier for r in draft.rows),
                    sub_actions=self._sub_actions(draft),
                    partners=found.partners,
                    dispositifs=found.dispositifs,
                    funding=_merge(found.funding, draft.funding),
                    raw=draft.piece.raw if draft.piece.raw != draft.piece.text else None,
                    line=draft.line,
                )
            )
        for item in self.ex.structure:
            if item.kind == "volet" and item.parent is None:
                item.parent = self.pillar
        for line in range(1, self.doc.line_count + 1):
            getattr(self.ex.lines, self.status.get(line, "layout")).append(line)


_NUMBERS = {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8}


def _announced(intro: str) -> int:
    """How many items an introduction announces ("Trois orientations :" -> 3; else many).

    >>> _announced("Trois orientations transversales :"), _announced("Orientations :")
    (3, 20)
    """
    for word in fold(intro).split():
        if word.isdigit():
            return int(word)
        if word in _NUMBERS:
            return _NUMBERS[word]
    return 20


def _unique(values) -> list:
    out = []
    for value in values:
        if value is not None and value not in out:
            out.append(value)
    return out


def _merge(first: list, second: list) -> list:
    labels = {fold(f.label) for f in first}
    return first + [f for f in second if fold(f.label) not in labels]


PARSER = PlanParser()
