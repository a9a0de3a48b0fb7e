"""Tables of a PDF page: cells with their lines and paragraphs, across page breaks.

Ruled tables come from ``pdfplumber``'s ``find_tables``; tables without rules are found
by :mod:`policykg.loaders.readers.pdf_layout` and built from the same :class:`Table`,
:class:`Row` and :class:`Cell`. A table that goes on over a page break stays one table,
and a cell cut by the break is joined back when its text runs on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policykg.loaders.readers.pdf_lines import (
    Line,
    Para,
    capitals_go_on,
    full,
    lines_from_words,
    paragraphs,
    wrapped,
)

DATA_TABLE_COLUMNS = 3


@dataclass
class Cell:
    """A table cell: its grid column, box, lines and paragraphs."""

    column: int
    bbox: tuple[float, float, float, float]
    lines: list[Line] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)


@dataclass
class Row:
    page: int
    cells: list[Cell]


@dataclass
class Table:
    """A table: its first page, box, grid columns (left edges) and rows.

    ``ruled`` is False for a table found by its columns of text alone.
    """

    page: int
    top: float
    bottom: float
    columns: list[float]  # the x of each grid column's left edge
    rows: list[Row]
    padding: float = 5.4
    last_page: int = 0
    ruled: bool = True


def _column_edges(cells: list[tuple]) -> list[float]:
    edges: list[float] = []
    for x in sorted(c[0] for c in cells):
        if not edges or x - edges[-1] > 1.5:
            edges.append(x)
    return edges


def _nearest(edges: list[float], x: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - x))


def _inside(bbox: tuple[float, float, float, float], x: float, y: float) -> bool:
    return bbox[0] <= x < bbox[2] and bbox[1] <= y < bbox[3]


def read_table(found, words: list[dict], page: int, ocr_text: bool = False) -> tuple[Table, list]:
    """A pdfplumber table with its words put in cells; returns the words left outside."""
    edges = _column_edges(found.cells)
    rows = []
    for row in found.rows:
        cells = [Cell(_nearest(edges, c[0]), c) for c in row.cells if c is not None]
        if cells:
            rows.append(Row(page, cells))
    placed: dict[int, list[dict]] = {}
    outside = []
    cells = [cell for row in rows for cell in row.cells]
    for w in words:
        x, y = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        home = next((i for i, c in enumerate(cells) if _inside(c.bbox, x, y)), None)
        if home is None:
            outside.append(w)
        else:
            placed.setdefault(home, []).append(w)
    pads = []
    for i, cell in enumerate(cells):
        cell.lines = lines_from_words(placed.get(i, []), page, tabs=False, ocr_text=ocr_text)
        for line in cell.lines:
            line.inline_dashes = len(edges) >= DATA_TABLE_COLUMNS
        pads.extend(line.x0 - cell.bbox[0] for line in cell.lines)
    padding = min(max(min(pads), 0.0), 10.0) if pads else 5.4
    for cell in cells:
        cell.paras = paragraphs(cell.lines, cell.bbox[2] - padding)
    x0, top, x1, bottom = found.bbox
    return Table(page, top, bottom, edges, rows, padding, page), outside


def continues(prev: Table, cur: Table) -> bool:
    """Whether a table at the top of a page goes on with the table ending the last page."""
    same = len(cur.columns) == len(prev.columns) and cur.ruled == prev.ruled
    same = same and all(abs(a - b) <= 2.0 for a, b in zip(cur.columns, prev.columns, strict=True))
    return same and cur.page == prev.last_page + 1


def _cut_cells(table: Table) -> dict[int, Cell]:
    """The cells of a table's last page that reach its bottom edge (cut by the page break)."""
    cut = {}
    for row in table.rows:
        if row.page == table.last_page:
            for cell in row.cells:
                if cell.bbox[3] >= table.bottom - 2.0:
                    cut[cell.column] = cell
    return cut


def _runs_on(above: Cell, cell: Cell, padding: float) -> str | None:
    """How surely a cell's first paragraph goes on with the paragraph ending ``above``:
    ``"sure"``, ``"maybe"`` (a full line of capitals followed by capitals) or None."""
    if not (cell.paras and above.paras):
        return None
    last, first = above.paras[-1].lines[-1], cell.paras[0].lines[0]
    limit = above.bbox[2] - padding
    if wrapped(last, first, limit, same_page=False, capitals=False):
        return "sure"
    if not first.starts_item() and full(last, first, limit) and capitals_go_on(last, first):
        return "maybe"
    return None


def _filled(cell: Cell, table: Table, last_row_top: float) -> bool:
    """Whether a cell merged over several rows is filled with text down to the page break."""
    if cell.bbox[1] >= last_row_top - 1.0 or not cell.paras:
        return False
    last = cell.paras[-1].lines[-1]
    return last.bottom >= table.bottom - table.padding - 1.5 * last.size


def merge_tables(prev: Table, cur: Table) -> None:
    """Append a continued table's rows to ``prev``, rejoining cells cut by the page break.

    A cell of the first row on the new page whose text runs on from the cell cut at the
    bottom of the last page (same column) is merged into it; the other cells of that row
    make a new row. Text in capitals, where case tells nothing, runs on only when a cell
    cut in the same row surely does, when it is the row's only text, or when its cell spans
    several rows and is filled down to the break.
    """
    rows = cur.rows
    cut = _cut_cells(prev)
    if rows:
        verdicts = {
            id(cell): _runs_on(cut[cell.column], cell, prev.padding)
            for cell in rows[0].cells
            if cell.column in cut
        }
        # tops of the cut cells that surely run on: a cut row, whose other cells run on too
        sure_rows = {
            round(cut[c.column].bbox[1]) for c in rows[0].cells if verdicts.get(id(c)) == "sure"
        }
        alone = sum(1 for cell in rows[0].cells if cell.paras) == 1
        last_row_top = max((c.bbox[1] for c in cut.values()), default=0.0)
        fresh = []
        for cell in rows[0].cells:
            verdict = verdicts.get(id(cell))
            above = cut.get(cell.column)
            supported = above is not None and (
                alone or round(above.bbox[1]) in sure_rows or _filled(above, prev, last_row_top)
            )
            if verdict == "sure" or (verdict == "maybe" and supported):
                above = cut[cell.column]
                moved = cell.paras.pop(0)
                above.paras[-1].lines.extend(moved.lines)
                above.paras[-1].carried.extend(moved.carried)
                above.paras.extend(cell.paras)
            elif cell.paras:
                fresh.append(cell)
        rows[0].cells = fresh
        if not fresh:
            rows = rows[1:]
    prev.rows.extend(rows)
    prev.bottom, prev.last_page = cur.bottom, cur.page
