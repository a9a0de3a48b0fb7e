"""PDF reader: text lines in reading order, ruled tables, page numbers kept; OCR for scans.

The blocks look like those of the text and Word readers, so that template parsers never
see the format:

- words are grouped into lines by their position, page by page; the lines of one paragraph
  (a line that was wrapped because the next word did not fit, with no paragraph gap) are
  joined back into one block, as a paragraph is one line of a text conversion;
- a wide gap in a line outside tables (a tab stop) separates ``cells``; a line starting at a
  tab stop from the left margin is indented like a tab-indented text line;
- ruled tables (``pdfplumber``'s ``find_tables``) are read like Word tables: one block per
  paragraph of each cell (``indent`` = column + 1, a blank block after each row) for a
  layout table, one ``row`` block per row with grid-aligned ``cells`` for a data table of
  three columns or more; a table that goes on over a page break stays one table, and a row
  cut by the break is joined back when its text runs on;
- a page with no text layer is read by OCR (:mod:`policykg.loaders.readers.ocr`), its text
  corrected by ``policykg.loaders.ocr_repair`` when available.

Every block's ``line`` is its rank and its ``page`` the page it starts on. An encrypted or
damaged PDF raises :class:`InputError`. Repeated page headers and footers are kept: telling
them apart is the template parsers' business.
"""

from __future__ import annotations

import hashlib
import io
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from policykg.errors import InputError
from policykg.loaders.document import Block, Document, Location
from policykg.loaders.readers import ocr
from policykg.loaders.readers.text import BULLETS

# A default tab stop (1.25 cm) in points, for the indentation of body lines.
TAB_POINTS = 35.4
# More pages than this are refused (a fiche document has a few dozen at most).
MAX_PAGES = 2000
DATA_TABLE_COLUMNS = 3
# Bullet glyphs as PDFs carry them (Symbol/Wingdings private-use codes) -> text markers.
_BULLET_GLYPHS = dict.fromkeys("\uf0b7\uf076\uf0d8\uf0fc\uf0a8•\u2219\u25cf➢", "·") | {
    "\uf0a7": "▪", "■": "▪"}  # fmt: skip
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": ""}
    | {k: v for k, v in _BULLET_GLYPHS.items() if "\uf000" <= k <= "\uf0ff"}  # Symbol font
)
_NUMBERED = re.compile(r"^(\(?\d{1,2}[.)°]|[a-zA-Z][.)])\s")
_MARKERS = tuple(_BULLET_GLYPHS) + BULLETS
# Words a paragraph cannot end with: a line ending with one goes on.
_OPEN_WORDS = frozenset(
    "à au aux avec d de des du dans en et l la le les ou par pour sur un une vers".split()
)


@dataclass
class _Line:
    """A line of words: text with its box (points) and font size."""

    words: list[tuple[str, float, float]]  # (text, x0, x1)
    top: float
    bottom: float
    size: float
    page: int
    tabs: bool = True  # wide gaps may be tab stops (not inside table cells)
    ocr: bool = False  # read by OCR: joined and repaired as OCR text
    inline_dashes: bool = False  # in a data table, " - " after a full line goes on a list

    @property
    def x0(self) -> float:
        return self.words[0][1]

    @property
    def x1(self) -> float:
        return self.words[-1][2]

    def _ocr_bullet(self) -> bool:
        return self.ocr and ocr.bullet_read_as_mark(self.words, self.size)

    def text(self) -> str:
        """The words joined by spaces; wide gaps become tabs; a leading glyph a bullet."""
        first = self.words[0][0]
        marker = _BULLET_GLYPHS.get(first)
        words = list(self.words)
        if marker is None and self._ocr_bullet():
            words = [w for w in words if w[0].strip("_")]
            marker = "·"
            words[0] = ("·", words[0][1], words[0][2])
        out = ""
        if marker is not None and len(words) > 1:
            out, words = marker + " ", words[1:]
        gaps = [b[1] - a[2] for a, b in zip(words, words[1:], strict=False)]
        usual = statistics.median(gaps) if gaps else 0.0
        for i, (text, _, _) in enumerate(words):
            if i:
                gap = gaps[i - 1]
                if self.tabs and gap > 1.8 * self.size and gap > 3 * max(usual, 0.25 * self.size):
                    out += "\t"
                elif gap > 0.1 * self.size or not out:
                    out += " "
            out += text
        return out.translate(_LIGATURES)

    def starts_item(self) -> bool:
        """Whether the line starts a list item (a bullet or a number)."""
        first = self.words[0][0]
        if self.inline_dashes and first in ("-", "–") and len(self.words) > 1:
            if self.words[1][1] - self.words[0][2] < 0.6 * self.size:
                return False  # "… qui favorise : - la transversalité" wrapped before "-"
        return (
            first in _BULLET_GLYPHS
            or first.startswith(_MARKERS)
            or bool(_NUMBERED.match(self.text()))
            or self._ocr_bullet()
        )


def _lines_from_words(
    words: list[dict], page: int, tabs: bool = True, ocr_text: bool = False
) -> list[_Line]:
    """Group pdfplumber words into lines (top to bottom, left to right)."""
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        size = float(w.get("size") or (w["bottom"] - w["top"]) or 10.0)
        line = lines[-1] if lines else None
        if line is not None and w["top"] < line.top + 0.45 * max(line.size, size):
            line.words.append((w["text"], w["x0"], w["x1"]))
            line.bottom = max(line.bottom, w["bottom"])
            line.size = max(line.size, size)
        else:
            word = (w["text"], w["x0"], w["x1"])
            lines.append(_Line([word], w["top"], w["bottom"], size, page, tabs, ocr_text))
    for line in lines:
        line.words.sort(key=lambda t: t[1])
    return lines


def _full(prev: _Line, cur: _Line, limit: float) -> bool:
    """Whether the first word of ``cur`` would not have fitted at the end of ``prev``."""
    size = max(prev.size, cur.size)  # a space is ~0.3 em; allow a quarter em of slack
    return prev.x1 + 0.3 * size + (cur.words[0][2] - cur.words[0][1]) > limit - 0.25 * size


def _open_end(prev: _Line, cur: _Line) -> bool:
    """Whether ``prev`` ends where a paragraph cannot: ``cur`` goes on in lower case, or
    ``prev`` ends with a comma, an open bracket, a word such as "de"."""
    last, first = prev.words[-1][0], cur.words[0][0].lstrip("\"'«“‘(")
    text = prev.text()
    return (
        first[:1].islower()
        or last.lower().rstrip("'’") in _OPEN_WORDS
        or last.endswith((",", "(", "/", "'", "’", "-"))
        or text.count("(") > text.count(")")
    )


def _capitals_go_on(prev: _Line, cur: _Line) -> bool:
    """Whether both lines are in capitals (case then says nothing about a new paragraph)."""
    last, first = prev.words[-1][0], cur.words[0][0].lstrip("\"'«“‘(")
    return last.isupper() and first.isupper()


def _wrapped(prev: _Line, cur: _Line, limit: float, same_page: bool = True) -> bool:
    """Whether ``cur`` goes on with ``prev``'s paragraph.

    On one page: ``prev`` was full (the next word did not fit) and no paragraph gap lies
    between them. Over a page break, where gaps say nothing: ``prev`` was full and ends
    open (see :func:`_open_end`), or a word was cut between them.
    """
    if cur.starts_item():
        return False
    if not same_page:
        return _cut_word(prev, cur, limit) or (_full(prev, cur, limit) and _open_end(prev, cur))
    if prev.words[-1][0].endswith((".", "!", "?", "…")) and cur.words[0][0][:1].isupper():
        return False  # a sentence ends and a new one starts: most likely a new paragraph
    if cur.words[0][0][:1].isupper() and cur.text().rstrip().endswith(":"):
        return False  # a label such as "Indicateurs de résultat :"
    size = max(prev.size, cur.size)
    if cur.top - prev.bottom > 0.6 * size or cur.top <= prev.top:
        return False
    return _full(prev, cur, limit)


def _cut_word(prev: _Line, cur: _Line, limit: float) -> bool:
    """Whether a word too long for its column was cut at the line end ("participatio|n").

    A word is cut only when it alone fills the line; the halves are rejoined when the
    whole is a French word and the halves are not both words, or when neither half is one.
    """
    if len(prev.words) != 1 or limit - prev.x1 > 1.0 * prev.size:
        return False
    head, tail = prev.words[0][0], cur.words[0][0].rstrip(".,;:!?)»\"'")
    if not (head[-1:].isalpha() and tail[:1].isalpha()):
        return False
    try:  # the French word list of the OCR repair
        from policykg.loaders.ocr_repair import is_known as known
    except ImportError:
        return False
    if known(head + tail):
        return not (known(head) and known(tail))
    return not known(head) and not known(tail)


def _join(paragraph: list[_Line], limit: float) -> str:
    """The text of a paragraph's lines, rejoining a word cut at a hyphen or a cell edge."""
    if paragraph and paragraph[0].ocr:
        return ocr.join_ocr_lines([line.text() for line in paragraph])
    text = ""
    for i, line in enumerate(paragraph):
        part = line.text()
        if not i:
            text = part
            continue
        prev = paragraph[i - 1]
        last = prev.words[-1][0]
        if (last.endswith("-") and len(last) > 1) or _cut_word(prev, line, limit):
            text += part  # "co-" + "construire"; a word too long for its column
        else:
            text += " " + part
    return text


@dataclass
class _Para:
    lines: list[_Line]
    gap: float | None = None  # space above, from the line before on the same page

    def blank_before(self, base: float) -> bool:
        """Whether an empty line stands before the paragraph (a gap a line over ``base``)."""
        return self.gap is not None and self.gap > base + 1.0 * self.lines[0].size


def _spacing(paras: list[_Para]) -> float:
    """The usual gap between paragraphs (the lower quartile), to tell an empty line; list
    items, often packed closer than paragraphs, are left out."""
    gaps = sorted(p.gap for p in paras if p.gap is not None and not p.lines[0].starts_item())
    return max(gaps[len(gaps) // 4], 0.0) if gaps else 0.0


def _paragraphs(lines: list[_Line], limit) -> list[_Para]:
    """Lines grouped into paragraphs; a paragraph gap of a line or more leaves a blank.

    ``limit`` is the right edge text wraps at: a number, or a function of the page number.
    """
    paras: list[_Para] = []
    for line in lines:
        prev = paras[-1].lines[-1] if paras else None
        same_page = prev is not None and prev.page == line.page
        edge = limit(prev.page) if callable(limit) and prev is not None else limit
        if prev is not None and _wrapped(prev, line, edge, same_page):
            paras[-1].lines.append(line)
            continue
        paras.append(_Para([line], line.top - prev.bottom if same_page else None))
    return paras


@dataclass
class _Cell:
    column: int
    bbox: tuple[float, float, float, float]
    lines: list[_Line] = field(default_factory=list)
    paras: list[_Para] = field(default_factory=list)


@dataclass
class _Row:
    page: int
    cells: list[_Cell]


@dataclass
class _Table:
    page: int
    top: float
    bottom: float
    columns: list[float]  # the x of each grid column's left edge
    rows: list[_Row]
    padding: float = 5.4
    last_page: int = 0


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


def _read_table(
    found, words: list[dict], page: int, ocr_text: bool = False
) -> tuple[_Table, list[dict]]:
    """A pdfplumber table with its words put in cells; returns the words left outside."""
    edges = _column_edges(found.cells)
    rows = []
    for row in found.rows:
        cells = [_Cell(_nearest(edges, c[0]), c) for c in row.cells if c is not None]
        if cells:
            rows.append(_Row(page, cells))
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
        cell.lines = _lines_from_words(placed.get(i, []), page, tabs=False, ocr_text=ocr_text)
        for line in cell.lines:
            line.inline_dashes = len(edges) >= DATA_TABLE_COLUMNS
        pads.extend(line.x0 - cell.bbox[0] for line in cell.lines)
    padding = min(max(min(pads), 0.0), 10.0) if pads else 5.4
    for cell in cells:
        cell.paras = _paragraphs(cell.lines, cell.bbox[2] - padding)
    x0, top, x1, bottom = found.bbox
    return _Table(page, top, bottom, edges, rows, padding, page), outside


def _continues(prev: _Table, cur: _Table) -> bool:
    """Whether a table at the top of a page goes on with the table ending the last page."""
    same = len(cur.columns) == len(prev.columns)
    same = same and all(abs(a - b) <= 2.0 for a, b in zip(cur.columns, prev.columns, strict=True))
    return same and cur.page == prev.last_page + 1


def _cut_cells(table: _Table) -> dict[int, _Cell]:
    """The cells of a table's last page that reach its bottom edge (cut by the page break)."""
    cut = {}
    for row in table.rows:
        if row.page == table.last_page:
            for cell in row.cells:
                if cell.bbox[3] >= table.bottom - 2.0:
                    cut[cell.column] = cell
    return cut


def _runs_on(above: _Cell, cell: _Cell, padding: float) -> str | None:
    """How surely a cell's first paragraph goes on with the paragraph ending ``above``:
    ``"sure"``, ``"maybe"`` (a full line of capitals followed by capitals) or None."""
    if not (cell.paras and above.paras):
        return None
    last, first = above.paras[-1].lines[-1], cell.paras[0].lines[0]
    limit = above.bbox[2] - padding
    if _wrapped(last, first, limit, same_page=False):
        return "sure"
    if not first.starts_item() and _full(last, first, limit) and _capitals_go_on(last, first):
        return "maybe"
    return None


def _filled(cell: _Cell, table: _Table, last_row_top: float) -> bool:
    """Whether a cell merged over several rows is filled with text down to the page break."""
    if cell.bbox[1] >= last_row_top - 1.0 or not cell.paras:
        return False
    last = cell.paras[-1].lines[-1]
    return last.bottom >= table.bottom - table.padding - 1.5 * last.size


def _merge_tables(prev: _Table, cur: _Table) -> None:
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
                above.paras[-1].lines.extend(cell.paras.pop(0).lines)
                above.paras.extend(cell.paras)
            elif cell.paras:
                fresh.append(cell)
        rows[0].cells = fresh
        if not fresh:
            rows = rows[1:]
    prev.rows.extend(rows)
    prev.bottom, prev.last_page = cur.bottom, cur.page


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

    def paragraphs(self, paras: list[_Para], margins: list[tuple[float, float]]) -> None:
        for para in paras:
            first = para.lines[0]
            left, limit = margins[first.page - 1]
            if para.blank_before(self.body_spacing):
                self.add("", first.page)
            text = _join(para.lines, limit)
            stops = round((first.x0 - left) / TAB_POINTS)
            lead = stops if stops >= 1 and abs(first.x0 - left - stops * TAB_POINTS) <= 3 else 0
            self.add("\t" * lead + text, first.page, ocr_text=first.ocr)

    def table(self, table: _Table) -> None:
        self.tables += 1
        number = self.tables
        width = len(table.columns)
        texts = [
            [
                (cell, [_join(p.lines, cell.bbox[2] - table.padding) for p in cell.paras])
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
    """A page's words and the tables found on it; a page without text is read by OCR."""
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False)
    if any(w["text"].strip() for w in words):
        return words, page.find_tables(), False
    if not (page.images or page.rects or page.curves):
        return [], [], False
    warnings.append(f"page {index + 1}: no text layer, read by OCR (Tesseract)")
    return *ocr.read_scanned_page(page, data, index, path), True


def _margins(body: list[_Line], items, width: float) -> tuple[float, float]:
    """A page's left margin and the right edge its text wraps at (margins taken as equal
    when no line reaches the right one)."""
    xs = [line.x0 for line in body] + [t.columns[0] for _, k, t in items if k == "table"]
    left = min(xs) if xs else 0.0
    return left, max([line.x1 for line in body] + [width - left])


def read_pdf_bytes(data: bytes, path: str) -> Document:
    """Read the bytes of a PDF (see the module docstring)."""
    pdf = _open(data, path)
    builder = _Builder(path)
    warnings: list[str] = []
    items: list[tuple[str, object]] = []  # ("lines", [_Line, ...]) or ("table", _Table)
    margins: list[tuple[float, float]] = []  # per page: (left, limit)
    try:
        for index, page in enumerate(pdf.pages):
            number = index + 1
            words, found_tables, from_ocr = _page_words(page, data, index, path, warnings)
            page_items: list[tuple[float, str, object]] = []
            for found in found_tables:
                if found.cells:
                    table, words = _read_table(found, words, number, from_ocr)
                    page_items.append((table.top, "table", table))
            body = _lines_from_words(words, number, ocr_text=from_ocr)
            page_items.extend((line.top, "line", line) for line in body)
            page_items.sort(key=lambda item: item[0])
            margins.append(_margins(body, page_items, float(page.width)))
            for _, kind, item in page_items:
                if kind == "line":
                    if items and items[-1][0] == "lines":
                        items[-1][1].append(item)
                    else:
                        items.append(("lines", [item]))
                elif items and items[-1][0] == "table" and _continues(items[-1][1], item):
                    _merge_tables(items[-1][1], item)
                else:
                    items.append(("table", item))
    finally:
        pdf.close()
    groups = [
        (kind, item if kind == "table" else _paragraphs(item, lambda page: margins[page - 1][1]))
        for kind, item in items
    ]
    builder.body_spacing = _spacing([p for k, g in groups if k != "table" for p in g])
    tables = [t for k, t in groups if k == "table"]
    builder.cell_spacing = _spacing([p for t in tables for r in t.rows for c in r.cells
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
