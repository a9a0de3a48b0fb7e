"""Word (.docx) reader: paragraphs, lists and tables in document order, as text blocks.

The template parsers were written on text conversions of Word fiches, so the blocks look
like the lines such a conversion gives:

- a body paragraph is one block (split on tabs into ``cells`` like a text line; a soft line
  break starts a new block); heading styles give ``heading`` blocks;
- a bulleted list item is a ``bullet`` block whose text starts with ``"· "`` (or the list's
  own marker: ``-``, ``•``, ``▪``…); a numbered item keeps its number (``"1. "``, ``"a) "``);
- a *layout* table (one or two columns: label | content) gives one block per paragraph of
  each cell, row by row, with ``indent`` = the cell's column + 1 (a converted table cell is
  a tab-indented line) and a blank block after each row;
- a *data* table (three columns or more, such as an action plan) gives one ``row`` block
  per table row whose ``cells`` are aligned on the table grid (a cell's paragraphs joined by
  a newline), exactly like a tab-separated line of text;
- merged cells keep their text once: the first grid column of a horizontal merge, the
  first row of a vertical merge (continuation cells are empty);
- headers and footers follow the body, once each.

Every block's ``line`` is its rank in the document; ``table``, ``row`` and ``cell``
(1-based, cell = grid column) say where a table block sits.

The file is checked before it is opened: an old binary ``.doc``, a password-protected
document, a truncated archive or one whose unpacked size or member count exceeds
:data:`MAX_UNPACKED_BYTES` / :data:`MAX_MEMBERS` (a zip bomb) raise :class:`InputError`.

>>> import io, docx as python_docx
>>> d = python_docx.Document()
>>> _ = d.add_paragraph("FICHE 1.1.1")
>>> _ = d.add_paragraph("Identifier les acteurs", style="List Bullet")
>>> buffer = io.BytesIO(); d.save(buffer)
>>> doc = read_docx_bytes(buffer.getvalue(), "fiche.docx")
>>> [(b.kind, b.text) for b in doc.blocks]
[('paragraph', 'FICHE 1.1.1'), ('bullet', '· Identifier les acteurs')]
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx as python_docx
from docx.opc.exceptions import PackageNotFoundError
from docx.styles import BabelFish

from policykg.errors import InputError
from policykg.loaders.document import Block, Document, Location
from policykg.loaders.readers.text import BULLETS

# Limits on what a .docx archive may unpack to, checked before anything is decompressed.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# A table with at least this many columns, and a row filling as many, is a data grid.
DATA_TABLE_COLUMNS = 3

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_VAL = f"{_W}val"
# Inline elements whose content is not part of the visible text.
_SKIPPED_INLINE = {f"{_W}{tag}" for tag in (
    "pPr rPr del moveFrom instrText delText footnoteReference endnoteReference "
    "commentReference").split()} | {f"{_MC}Fallback"}  # fmt: skip
# Symbol-font characters (w:sym) that mean a bullet.
_SYMBOL_BULLETS = {"F0B7": "·", "F0A7": "▪", "00B7": "·", "2022": "•"}
_KEPT_MARKERS = ("·", "•", "▪", "◦", "-", "–", "—", "*", "o")


def _val(element, tag: str, default=None):
    """The ``w:val`` of an element's child ``w:tag``; ``default`` when there is none."""
    child = element.find(f"{_W}{tag}") if element is not None else None
    return child.get(_VAL, default) if child is not None else default


def _on(element) -> bool:
    """Whether an OOXML on/off property element is set (``<w:b/>``, ``w:val="true"``)."""
    return element is not None and element.get(_VAL, "true") not in ("0", "false", "off")


# ---------------------------------------------------------------------------- safety


def check_package(data: bytes, path: str) -> None:
    """Refuse what is not a safe, readable .docx archive, with a message saying why.

    >>> check_package(b"\\xd0\\xcf\\x11\\xe0\\xa1\\xb1\\x1a\\xe1" + bytes(504), "old.doc")
    Traceback (most recent call last):
    ...
    policykg.errors.InputError: old.doc: old binary Word format (.doc), not .docx: open it \
in Word or LibreOffice and save it as .docx
    """
    if data.startswith(OLE2_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise InputError(
                "password-protected Word document: remove the password in Word "
                "(File > Info > Protect document) and save it again as .docx",
                path=path,
            )
        raise InputError(
            "old binary Word format (.doc), not .docx: open it in Word or LibreOffice "
            "and save it as .docx",
            path=path,
        )
    if data.startswith(b"{\\rtf"):
        raise InputError("RTF document, not .docx: save it as .docx", path=path)
    if data.startswith(b"%PDF"):
        raise InputError("this is a PDF file: give it the .pdf extension", path=path)
    if not data:
        raise InputError("empty file: nothing to read", path=path)
    if not data.startswith(b"PK"):
        raise InputError("not a Word .docx file (no zip archive signature)", path=path)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"truncated or damaged .docx file (its zip archive cannot be read: {exc})", path=path
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(
                f"refused: the .docx archive holds {len(members)} files, over the limit of "
                f"{MAX_MEMBERS} (possible zip bomb)",
                path=path,
            )
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise InputError(
                f"refused: the .docx would unpack to {unpacked / 2**20:,.0f} MB, over the limit "
                f"of {MAX_UNPACKED_BYTES / 2**20:,.0f} MB (possible zip bomb)",
                path=path,
            )
        names = {m.filename for m in members}
        if "word/document.xml" not in names and "[Content_Types].xml" not in names:
            raise InputError(
                "zip archive without a Word document in it (no word/document.xml)", path=path
            )
        bad = archive.testzip()
        if bad is not None:
            raise InputError(f"damaged .docx file: member {bad!r} is corrupt", path=path)


# ---------------------------------------------------------------------------- styles, lists


@dataclass
class _Style:
    name: str
    based_on: str | None = None
    num: tuple[str, int] | None = None
    outline: int | None = None


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Line:
    """One line of a paragraph: its raw text (tabs kept), style and kind hint."""

    raw: str
    style: str | None
    hint: str | None  # "heading", "bullet" or None


def _num_pr(ppr) -> tuple[str, int] | None:
    num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
    if num_pr is None:
        return None
    return (_val(num_pr, "numId", ""), int(_val(num_pr, "ilvl", "0")))


def _read_styles(styles_element) -> tuple[dict[str, _Style], str | None]:
    styles: dict[str, _Style] = {}
    default = None
    if styles_element is None:
        return styles, default
    for st in styles_element.iter(f"{_W}style"):
        sid = st.get(f"{_W}styleId")
        if not sid:
            continue
        ppr = st.find(f"{_W}pPr")
        outline = _val(ppr, "outlineLvl")
        styles[sid] = _Style(
            name=BabelFish.internal2ui(_val(st, "name", sid)),
            based_on=_val(st, "basedOn"),
            num=_num_pr(ppr),
            outline=int(outline) if outline is not None else None,
        )
        if st.get(f"{_W}type") == "paragraph" and st.get(f"{_W}default") in ("1", "true", "on"):
            default = sid
    return styles, default


def _read_numbering(numbering_element, styles: dict[str, _Style]) -> dict[str, dict[int, _Level]]:
    if numbering_element is None:
        return {}
    abstract: dict[str, dict[int, _Level]] = {}
    links: dict[str, str] = {}
    for an in numbering_element.iter(f"{_W}abstractNum"):
        aid = an.get(f"{_W}abstractNumId")
        abstract[aid] = {int(lvl.get(f"{_W}ilvl", "0")): _level(lvl) for lvl in an.iter(f"{_W}lvl")}
        links[aid] = _val(an, "numStyleLink", "")
    num_abstract: dict[str, str] = {}
    overrides: dict[str, dict[int, tuple[int | None, _Level | None]]] = {}
    for num in numbering_element.iter(f"{_W}num"):
        nid = num.get(f"{_W}numId")
        num_abstract[nid] = _val(num, "abstractNumId", "")
        for ov in num.iter(f"{_W}lvlOverride"):
            start, lvl = _val(ov, "startOverride"), ov.find(f"{_W}lvl")
            overrides.setdefault(nid, {})[int(ov.get(f"{_W}ilvl", "0"))] = (
                int(start) if start is not None else None,
                _level(lvl) if lvl is not None else None,
            )
    result: dict[str, dict[int, _Level]] = {}
    for nid, aid in num_abstract.items():
        style = styles.get(links.get(aid, ""))
        if style is not None and style.num and style.num[0] in num_abstract:
            aid = num_abstract[style.num[0]]  # a list style: its levels live elsewhere
        levels = {k: _Level(v.fmt, v.text, v.start) for k, v in abstract.get(aid, {}).items()}
        for ilvl, (start, level) in overrides.get(nid, {}).items():
            if level is not None:
                levels[ilvl] = level
            if start is not None:
                levels.setdefault(ilvl, _Level()).start = start
        result[nid] = levels
    return result


def _level(lvl) -> _Level:
    fmt, text, start = _val(lvl, "numFmt", "decimal"), _val(lvl, "lvlText", ""), _val(lvl, "start")
    return _Level(fmt, text, int(start) if start is not None else 1)


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _roman(n: int) -> str:
    out = []
    for value, sym in _ROMAN:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """A list number in a Word number format.

    >>> [format_number(4, f) for f in ("decimal", "lowerLetter", "upperRoman", "decimalZero")]
    ['4', 'd', 'IV', '04']
    """
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def bullet_marker(level_text: str) -> str:
    """The marker a bulleted item's text starts with: the list's own, or ``·``.

    >>> [bullet_marker(t) for t in ("\\uf0b7", "-", "o", "\\u27a2", "")]
    ['·', '-', 'o', '·', '·']
    """
    text = level_text.strip()
    return text if text in _KEPT_MARKERS else "·"


# ---------------------------------------------------------------------------- reading


@dataclass
class _Reader:
    path: str
    styles: dict[str, _Style]
    default_style: str | None
    numbering: dict[str, dict[int, _Level]]
    blocks: list[Block] = field(default_factory=list)
    counters: dict[str, list[int | None]] = field(default_factory=dict)
    tables: int = 0

    # -- paragraphs

    def _style_chain(self, sid: str | None):
        seen = set()
        while sid and sid in self.styles and sid not in seen:
            seen.add(sid)
            yield self.styles[sid]
            sid = self.styles[sid].based_on

    def _marker(self, num: tuple[str, int]) -> str | None:
        num_id, ilvl = num
        levels = self.numbering.get(num_id)
        if not levels or num_id == "0":
            return None
        level = levels.get(ilvl, _Level())
        if level.fmt == "bullet":
            return bullet_marker(level.text)
        if level.fmt == "none":
            return ""
        counts = self.counters.setdefault(num_id, [None] * 10)
        ilvl = min(max(ilvl, 0), 9)
        counts[ilvl] = level.start if counts[ilvl] is None else counts[ilvl] + 1
        for deeper in range(ilvl + 1, 10):
            counts[deeper] = None
        text = level.text
        for k in range(ilvl + 1, 0, -1):
            lv = levels.get(k - 1, _Level())
            value = counts[k - 1] if counts[k - 1] is not None else lv.start
            text = text.replace(f"%{k}", format_number(value, lv.fmt))
        return text.strip()

    def paragraph_lines(self, p) -> tuple[list[_Line], list]:
        """The lines of a paragraph and the text boxes it anchors."""
        ppr = p.find(f"{_W}pPr")
        chain = list(self._style_chain(_val(ppr, "pStyle", self.default_style)))
        style = chain[0].name if chain else None
        num = _num_pr(ppr) or next((s.num for s in chain if s.num), None)
        outline = _val(ppr, "outlineLvl")
        outline = (
            int(outline)
            if outline is not None
            else next((s.outline for s in chain if s.outline is not None), None)
        )
        lowered = (style or "").lower()
        heading = (outline is not None and outline < 9) or lowered.startswith(
            ("heading", "titre", "title", "subtitle", "sous-titre")
        )
        parts: list[str] = []
        boxes: list = []
        _inline(p, parts, boxes)
        text = "".join(parts)
        marker = self._marker(num) if num else None
        hint = "heading" if heading else None
        if marker is not None and text.strip():
            hint = hint or "bullet"
            stripped = text.lstrip()
            if marker and not stripped.startswith(BULLETS):
                text = f"{marker} {stripped}"
        lines = [
            _Line(raw, style, hint if i == 0 else None) for i, raw in enumerate(text.split("\n"))
        ]
        if hint == "heading":
            for line in lines:
                line.hint = "heading"
        return lines, boxes

    # -- blocks

    def add(self, raw: str, hint: str | None, style: str | None, lead: int = 0, **where) -> None:
        """Append one block made like a text line (``lead`` empty cells before it)."""
        cells = ("",) * lead + tuple(raw.split("\t"))
        text = raw.strip()
        indent = 0
        while text and indent < len(cells) - 1 and not cells[indent].strip():
            indent += 1
        filled = sum(1 for c in cells if c.strip())
        if not text:
            kind = "blank"
        elif hint == "heading":
            kind = "heading"
        elif filled >= 2:
            kind = "row"
        elif hint == "bullet" or text.startswith(BULLETS):
            kind = "bullet"
        else:
            kind = "paragraph"
        location = Location(line=len(self.blocks) + 1, **where)
        self.blocks.append(Block(kind, text, location, cells, indent, style))

    def body(self, container) -> None:
        """Read the block-level children of the body, a cell or a header, in order."""
        for child in container:
            tag = child.tag
            if tag == f"{_W}p":
                lines, boxes = self.paragraph_lines(child)
                for line in lines:
                    self.add(line.raw, line.hint, line.style)
                for box in boxes:
                    self.body(box)
            elif tag == f"{_W}tbl":
                self.table(child)
            elif tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}sdtContent"):
                self.body(child.find(f"{_W}sdtContent") if tag == f"{_W}sdt" else child)

    def cell_lines(self, tc) -> list[_Line]:
        """The lines of a table cell; nested tables are read as more lines of the cell."""
        lines: list[_Line] = []
        for child in _unwrap(tc):
            if child.tag == f"{_W}p":
                para, boxes = self.paragraph_lines(child)
                lines.extend(para)
                for box in boxes:
                    lines.extend(self.cell_lines(box))
            elif child.tag == f"{_W}tbl":
                for row in _grid(child)[0]:
                    for cell in row:
                        if not cell.continued:
                            lines.extend(self.cell_lines(cell.element))
        return lines

    def table(self, tbl) -> None:
        self.tables += 1
        number = self.tables
        rows, columns = _grid(tbl)
        content = [
            [(cell, [] if cell.continued else self.cell_lines(cell.element)) for cell in row]
            for row in rows
        ]
        filled = [sum(1 for _, ls in row if any(ln.raw.strip() for ln in ls)) for row in content]
        widest = max(filled, default=0)
        if columns >= DATA_TABLE_COLUMNS and widest >= DATA_TABLE_COLUMNS:
            for r, row in enumerate(content, start=1):
                cells = [""] * columns
                for cell, lines in row:
                    texts = [ln.raw.replace("\t", " ").strip() for ln in lines]
                    cells[cell.column] = "\n".join(t for t in texts if t)
                self.add("\t".join(cells), None, None, table=number, row=r)
            return
        for r, row in enumerate(content, start=1):
            for cell, lines in row:
                where = {"table": number, "row": r, "cell": cell.column + 1}
                for line in lines:
                    self.add(line.raw, line.hint, line.style, cell.column + 1, **where)
            self.add("", None, None, table=number, row=r)


def _inline(element, parts: list[str], boxes: list) -> None:
    """Collect the visible text of a paragraph's runs; text boxes go to ``boxes``."""
    for child in element:
        tag = child.tag
        if tag in _SKIPPED_INLINE:
            continue
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag == f"{_W}r":
            rpr = child.find(f"{_W}rPr")
            if rpr is not None and _on(rpr.find(f"{_W}vanish")):
                continue
            _inline(child, parts, boxes)
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag == f"{_W}sym":
            parts.append(_SYMBOL_BULLETS.get(child.get(f"{_W}char", "").upper()[-4:], ""))
        elif tag == f"{_W}txbxContent":
            boxes.append(child)
        else:
            _inline(child, parts, boxes)


@dataclass
class _Cell:
    element: object
    column: int
    span: int
    continued: bool  # a vertical-merge continuation: its text belongs to the cell above


def _unwrap(element):
    """Children of an element, with content controls and custom XML opened up."""
    for child in element:
        if child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _unwrap(content)
        elif child.tag == f"{_W}customXml":
            yield from _unwrap(child)
        else:
            yield child


def _grid(tbl) -> tuple[list[list[_Cell]], int]:
    """The rows of a table as cells placed on the grid, and the number of grid columns."""
    grid = tbl.find(f"{_W}tblGrid")
    columns = len(grid.findall(f"{_W}gridCol")) if grid is not None else 0
    rows: list[list[_Cell]] = []
    for tr in _unwrap(tbl):
        if tr.tag != f"{_W}tr":
            continue
        column = int(_val(tr.find(f"{_W}trPr"), "gridBefore", "0"))
        row: list[_Cell] = []
        for tc in _unwrap(tr):
            if tc.tag != f"{_W}tc":
                continue
            tcpr = tc.find(f"{_W}tcPr")
            span = max(1, int(_val(tcpr, "gridSpan", "1")))
            vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            hmerge = tcpr.find(f"{_W}hMerge") if tcpr is not None else None
            if hmerge is not None and hmerge.get(_VAL, "continue") == "continue" and row:
                row[-1].span += span  # legacy horizontal merge: part of the cell before
            else:
                continued = vmerge is not None and vmerge.get(_VAL, "continue") == "continue"
                row.append(_Cell(tc, column, span, continued))
            column += span
        columns = max(columns, column)
        rows.append(row)
    return rows, columns


def _header_footer_parts(document) -> list:
    """The distinct header and footer parts of a document, headers first."""
    seen: set[int] = set()
    found: list = []
    for kind in ("header", "footer"):
        for section in document.sections:
            for attr in (kind, f"first_page_{kind}", f"even_page_{kind}"):
                part = getattr(section, attr)
                if part.is_linked_to_previous:
                    continue
                element = part._element  # the w:hdr / w:ftr element
                if id(element) not in seen:
                    seen.add(id(element))
                    found.append(element)
    return found


def read_docx_bytes(data: bytes, path: str) -> Document:
    """Read the bytes of a .docx document (see the module docstring)."""
    check_package(data, path)
    try:
        source = python_docx.Document(io.BytesIO(data))
        try:
            numbering = source.part.numbering_part.element
        except (KeyError, NotImplementedError):  # a document without lists
            numbering = None
        styles, default = _read_styles(source.styles.element)
        reader = _Reader(path, styles, default, _read_numbering(numbering, styles))
        reader.body(source.element.body)
        extra: list[str] = []
        for element in _header_footer_parts(source):
            for p in element.iter(f"{_W}p"):
                texts = [ln.raw.strip() for ln in reader.paragraph_lines(p)[0]]
                extra.extend(t for t in texts if t and t not in extra)
        if extra:
            reader.add("", None, None)
            for text in extra:
                reader.add(text, None, "Footer")
    except InputError:
        raise
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable Word .docx document ({exc})", path=path) from exc
    except Exception as exc:  # lxml syntax errors and other damage inside the package
        raise InputError(
            f"damaged Word .docx document ({type(exc).__name__}: {exc})", path=path
        ) from exc
    digest, blocks = hashlib.sha256(data).hexdigest(), reader.blocks
    return Document(path, "docx", digest, blocks, line_count=len(blocks))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc


def read_docx(path: str | Path) -> Document:
    """Read a Word .docx file from disk."""
    path = Path(path)
    return read_docx_bytes(_read_bytes(path), str(path))


def read_doc(path: str | Path) -> Document:
    """Read a ``.doc`` file: a .docx saved under that name is read; old binary Word is refused.

    Raises :class:`InputError` saying to save the document as .docx.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data.startswith(b"PK"):
        return read_docx_bytes(data, str(path))
    check_package(data, str(path))  # raises for OLE2 (.doc), RTF and PDF
    raise InputError("not a Word document this tool can read: save it as .docx", path=path)
