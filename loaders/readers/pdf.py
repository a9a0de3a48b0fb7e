"""PDF reader: text lines in reading order, tables with or without rules, page numbers
kept; OCR for scans.

The blocks look like those of the text and Word readers, so that template parsers never
see the format:

- words are grouped into lines by their position, page by page; the lines of one paragraph
  (a line that was wrapped because the next word did not fit, with no paragraph gap) are
  joined back into one block, as a paragraph is one line of a text conversion (see
  :mod:`~policykg.loaders.readers.pdf_lines`);
- a tab is told from a space by the space characters the PDF carries and by the tab grid
  of the document (:mod:`~policykg.loaders.readers.pdf_layout`): tabs separate ``cells``,
  a line starting at a tab stop is indented like a tab-indented text line, and tabs that a
  wrap carried down to the next line (with the word after them) are kept; tabs typed as
  spaces count too;
- ruled tables (``pdfplumber``'s ``find_tables``) and tables without rules (columns of
  text that no line crosses, off the tab grid) are read like Word tables (see
  :mod:`~policykg.loaders.readers.pdf_tables`): one block per paragraph of each cell
  (``indent`` = column + 1, a blank block after each row) for a layout table, one ``row``
  block per row with grid-aligned ``cells`` for a data table of three columns or more; a
  table that goes on over a page break stays one table, and a row cut by the break is
  joined back when its text runs on;
- a page with no text layer is read by OCR (:mod:`policykg.loaders.readers.ocr`), its text
  corrected by ``policykg.loaders.ocr_repair`` when available.

Every block's ``line`` is its rank and its ``page`` the page it starts on. An encrypted or
damaged PDF raises :class:`InputError`. Repeated page headers and footers are kept: telling
them apart is the template parsers' business.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import InputError
from policykg.loaders.document import Block, Document, Location
from policykg.loaders.readers import ocr, pdf_layout
from policykg.loaders.readers.pdf_lines import (
    Line,
    Para,
    columns_of,
    lines_from_words,
    paragraphs,
    spacing,
)
from policykg.loaders.readers.pdf_tables import (
    DATA_TABLE_COLUMNS,
    Table,
    continues,
    merge_tables,
    read_table,
)
from policykg.loaders.readers.text import BULLETS

# A default tab stop (1.25 cm) in points, for the indentation of body lines without a grid.
TAB_POINTS = 35.4
# More pages than this are refused (a fiche document has a few dozen at most).
MAX_PAGES = 2000


@dataclass
class _Builder:
    path: str
    blocks: list[Block] = field(default_factory=list)
    tables: int = 0
    repaired: bool = True  # False once OCR text could not be repaired
    body_spacing: float = 0.0
    cell_spacing: float = 0.0

    def add(self, raw: str, page: int, lead: int = 0, ocr_text: bool = False, **where) -> None:
        if ocr_text and raw.strip():
            raw, done = ocr.repair_text(raw)
            self.repaired = self.repaired and done
        cells = ("",) * lead + tuple(raw.split("\t"))
        text = raw.strip()
        indent = 0
        while text and indent < len(cells) - 1 and not cells[indent].strip():
            indent += 1
        kind = "blank" if not text else "paragraph"
        if sum(1 for c in cells if c.strip()) >= 2:
            kind = "row"
        elif text.startswith(BULLETS):
            kind = "bullet"
        location = Location(line=len(self.blocks) + 1, page=page, **where)
        self.blocks.append(Block(kind, text, location, cells, indent))

    def paragraphs(self, paras: list[Para], margins: list[tuple[float, float]]) -> None:
        for para in paras:
            first = para.lines[0]
            left, limit = margins[first.page - 1]
            if para.blank_before(self.body_spacing):
                self.add("", first.page)
            text = para.text(limit)
            if first.grid is not None:
                lead = first.lead()
            else:
                stops = round((first.x0 - left) / TAB_POINTS)
                near = abs(first.x0 - left - stops * TAB_POINTS) <= 3
                lead = stops if stops >= 1 and near else 0
            self.add("\t" * lead + text, first.page, ocr_text=first.ocr)

    def table(self, table: Table) -> None:
        self.tables += 1
        number = self.tables
        width = len(table.columns)
        texts = [
            [
                (cell, [p.text(cell.bbox[2] - table.padding) for p in cell.paras])
                for cell in row.cells
            ]
            for row in table.rows
        ]
        widest = max((sum(1 for _, t in row if any(t)) for row in texts), default=0)
        if width >= DATA_TABLE_COLUMNS and widest >= DATA_TABLE_COLUMNS:
            for r, (row, cells_text) in enumerate(zip(table.rows, texts, strict=True), start=1):
                cells = [""] * width
                for cell, paras in cells_text:
                    cells[cell.column] = "\n".join(p.replace("\t", " ") for p in paras if p)
                read = any(line.ocr for cell in row.cells for line in cell.lines)
                self.add("\t".join(cells), row.page, ocr_text=read, table=number, row=r)
            return
        for r, (row, cells_text) in enumerate(zip(table.rows, texts, strict=True), start=1):
            for cell, paras in sorted(cells_text, key=lambda item: item[0].column):
                where = {"table": number, "row": r, "cell": cell.column + 1}
                for para, text in zip(cell.paras, paras, strict=True):
                    first = para.lines[0]
                    if para.blank_before(self.cell_spacing):
                        self.add("", first.page, **where)
                    self.add(text, first.page, cell.column + 1, first.ocr, **where)
            self.add("", row.page, table=number, row=r)


_ENCRYPTED = "encrypted PDF: a password is needed to open it; save an unprotected copy"


def _open(data: bytes, path: str):
    """Open a PDF with pdfplumber, or raise :class:`InputError` saying what is wrong."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    if b"%PDF" not in data[:1024]:
        if data.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
            kind = ".docx" if data.startswith(b"PK") else ".doc"
            raise InputError(
                f"not a PDF but a Word document: give it the {kind} extension", path=path
            )
        raise InputError("not a PDF file (no %PDF header)", path=path)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages  # parses the page tree: fails here on a damaged file
    except PDFPasswordIncorrect as exc:
        raise InputError(_ENCRYPTED, path=path) from exc
    except PDFEncryptionError as exc:
        raise InputError(f"encrypted PDF with unsupported encryption ({exc})", path=path) from exc
    except PDFSyntaxError as exc:
        raise InputError(f"damaged or truncated PDF ({exc})", path=path) from exc
    except Exception as exc:  # pdfminer wraps its errors in many ways
        cause = exc.__cause__ or exc.__context__ or exc
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(exc).lower():
            raise InputError(_ENCRYPTED, path=path) from exc
        raise InputError(
            f"damaged or unreadable PDF ({type(exc).__name__}: {exc})", path=path
        ) from exc
    if len(pages) > MAX_PAGES:
        pdf.close()
        raise InputError(f"refused: {len(pages)} pages, over the limit of {MAX_PAGES}", path=path)
    return pdf


def _page_words(page, data: bytes, index: int, path: str, warnings: list[str]):
    """A page's words, the tables found on it, whether OCR read it, and its space
    characters (see :mod:`~policykg.loaders.readers.pdf_layout`); a page without text is
    read by OCR."""
    spaces = pdf_layout.space_boxes(page.chars)
    # with space characters to split words, a narrow jump between letters is a tab
    tolerance = 0.5 if spaces else 3
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, x_tolerance=tolerance)
    if any(w["text"].strip() for w in words):
        return words, page.find_tables(), False, spaces
    if not (page.images or page.rects or page.curves):
        return [], [], False, []
    warnings.append(f"page {index + 1}: no text layer, read by OCR (Tesseract)")
    return *ocr.read_scanned_page(page, data, index, path), True, []


def _margins(body: list[Line], tables: list[Table], width: float) -> tuple[float, float]:
    """A page's left margin and the right edge its text wraps at (margins taken as equal
    when no line reaches the right one)."""
    xs = [line.x0 for line in body] + [t.columns[0] for t in tables]
    left = min(xs) if xs else 0.0
    return left, max([line.x1 for line in body] + [width - left])


@dataclass
class _Page:
    number: int
    tables: list[Table]
    body: list[Line]
    margin: tuple[float, float]  # (left, the right edge text wraps at)
    width: float = 0.0


def _right_edges(pages: list[_Page]) -> None:
    """Take as right edge, on pages of one width, the furthest that lines reach when
    several lines reach it (text wrapped there), rather than a margin as wide as the left
    one: cell padding and unequal margins make it narrower."""
    for width in sorted({page.width for page in pages}):
        same = [page for page in pages if page.width == width]
        ends = [line.x1 for page in same for line in page.body if not line.ocr]
        if not ends:
            continue
        furthest = max(ends)
        if sum(1 for x in ends if x >= furthest - 0.02 * width) >= 3:
            for page in same:
                page.margin = (page.margin[0], furthest)


def _read_page(page, data: bytes, index: int, path: str, warnings: list[str]) -> _Page:
    number = index + 1
    words, found_tables, from_ocr, spaces = _page_words(page, data, index, path, warnings)
    tables = []
    for found in found_tables:
        if found.cells:
            table, words = read_table(found, words, number, from_ocr)
            tables.append(table)
    body = lines_from_words(words, number, ocr_text=from_ocr)
    margin = _margins(body, tables, float(page.width))
    for line in body:
        line.origin = margin[0]
    pdf_layout.annotate_spaces(body, spaces)
    return _Page(number, tables, body, margin, float(page.width))


def _in_order(pages: list[_Page]) -> list[tuple[str, object]]:
    """Body lines and tables in reading order: ``("lines", [Line, ...])`` runs and
    ``("table", Table)`` items, a table going on over a page break merged into one."""
    items: list[tuple[str, object]] = []
    for page in pages:
        page_items = [(t.top, "table", t) for t in page.tables]
        page_items += [(line.top, "line", line) for line in page.body]
        page_items.sort(key=lambda item: item[0])
        for _, kind, item in page_items:
            if kind == "line":
                if items and items[-1][0] == "lines":
                    items[-1][1].append(item)
                else:
                    items.append(("lines", [item]))
            elif items and items[-1][0] == "table" and continues(items[-1][1], item):
                merge_tables(items[-1][1], item)
            else:
                items.append(("table", item))
    return items


def read_pdf_bytes(data: bytes, path: str) -> Document:
    """Read the bytes of a PDF (see the module docstring)."""
    pdf = _open(data, path)
    builder = _Builder(path)
    warnings: list[str] = []
    try:
        pages = [_read_page(page, data, i, path, warnings) for i, page in enumerate(pdf.pages)]
    finally:
        pdf.close()
    _right_edges(pages)
    grid = pdf_layout.infer_grid([line for page in pages for line in page.body])
    for page in pages:
        for line in page.body:
            line.grid = grid
        found, page.body = pdf_layout.find_columns(page.body, page.margin[1])
        page.tables = sorted(page.tables + found, key=lambda table: table.top)
    margins = [page.margin for page in pages]
    columns = columns_of([line for page in pages for line in page.body]) if grid else None
    if columns and columns >= DATA_TABLE_COLUMNS:  # tab-separated rows of a data table
        for page in pages:
            for line in page.body:
                line.inline_dashes = True

    def limit(page: int) -> float:
        return margins[page - 1][1]

    groups = [
        (kind, item if kind == "table" else paragraphs(item, limit, columns))
        for kind, item in _in_order(pages)
    ]
    builder.body_spacing = spacing([p for k, g in groups if k != "table" for p in g])
    tables = [t for k, t in groups if k == "table"]
    builder.cell_spacing = spacing([p for t in tables for r in t.rows for c in r.cells
                                    for p in c.paras])  # fmt: skip
    for kind, item in groups:
        if kind == "table":
            builder.table(item)
        else:
            builder.paragraphs(item, margins)
    if not builder.repaired:
        warnings.append("OCR text not repaired: policykg.loaders.ocr_repair is unavailable")
    digest = hashlib.sha256(data).hexdigest()
    blocks = builder.blocks
    return Document(path, "pdf", digest, blocks, line_count=len(blocks), warnings=warnings)


def read_pdf(path: str | Path) -> Document:
    """Read a PDF file from disk."""
    path = Path(path)
    try:
        return read_pdf_bytes(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc
