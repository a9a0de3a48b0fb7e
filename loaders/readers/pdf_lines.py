"""Lines of words on a PDF page, the tabs between them, and the paragraphs they make.

A PDF has no paragraphs and no tabs: only words at positions. This module groups the words
of a page (or of a table cell) into :class:`Line` objects, tells a tab from a space in the
gaps between words (with the page's tab grid, see :class:`TabGrid`, and the space
characters the PDF carries), and joins lines back into paragraphs: a line goes on with the
paragraph above when it was wrapped there, i.e. the previous line was full (the next word
did not fit) and nothing marks a new paragraph (a paragraph gap, a list marker, a sentence
ended, a label).

>>> grid = TabGrid(step=36.0)
>>> grid.stop(72.2), grid.stop(50.0), grid.tabs_between(40.0, 108.0)
(2, None, 2)
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field

from policykg.loaders.readers import ocr
from policykg.loaders.readers.text import BULLETS

# How far (points) a word may sit from a tab stop and still be at it.
STOP_TOLERANCE = 0.8
# Bullet glyphs as PDFs carry them (Symbol/Wingdings private-use codes) -> text markers.
BULLET_GLYPHS = dict.fromkeys("\uf0b7\uf076\uf0d8\uf0fc\uf0a8•\u2219\u25cf➢", "·") | {
    "\uf0a7": "▪", "■": "▪"}  # fmt: skip
LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": ""}
    | {k: v for k, v in BULLET_GLYPHS.items() if "\uf000" <= k <= "\uf0ff"}  # Symbol font
)
_NUMBERED = re.compile(r"^(\(?\d{1,2}[.)°]|[a-zA-Z][.)])\s")
_MARKERS = tuple(BULLET_GLYPHS) + BULLETS
# Words a paragraph cannot end with: a line ending with one goes on.
_OPEN_WORDS = frozenset(
    "à au aux avec d de des du dans en et l la le les ou par pour sur un une vers".split()
)
_QUOTES = "\"'«“‘("


_MARKER_WORD = re.compile(r"^(\(?\d{1,2}[.)°]|[a-zA-Z][.)])$")


def is_marker(word: str) -> bool:
    """Whether a word is a list marker: a bullet glyph, a dash, "1." or "a)".

    >>> [is_marker(w) for w in ("•", "-", "2)", "Pilier")]
    [True, True, True, False]
    """
    return word in BULLET_GLYPHS or word in _MARKERS or bool(_MARKER_WORD.match(word))


@dataclass(frozen=True)
class TabGrid:
    """The tab stops of a page: every ``step`` points from the left margin.

    ``unit`` is set when the tabs were typed as spaces (``unit`` spaces of ``space`` points
    make a tab); it is 0 for real tab stops.
    """

    step: float
    unit: int = 0
    space: float = 0.0

    def stop(self, offset: float) -> int | None:
        """The number of the stop at ``offset`` (points from the margin), None off the grid."""
        k = round(offset / self.step)
        return k if k >= 1 and abs(offset - k * self.step) <= STOP_TOLERANCE else None

    def next_stop(self, offset: float, count: int = 1) -> float:
        """Where ``count`` tabs typed at ``offset`` lead."""
        return (math.floor(offset / self.step + 1e-6) + count) * self.step

    def tabs_between(self, end: float, start: float) -> int:
        """How many tabs lead from a word ending at ``end`` to one at stop ``start``."""
        first = math.floor(end / self.step + 1e-6) + 1
        return max(1, round(start / self.step) - first + 1)

    def lead(self, offset: float) -> int:
        """The leading tabs of a line starting ``offset`` points right of the margin."""
        if self.unit:
            return round(offset / self.space) // self.unit if offset > 0 else 0
        return self.stop(offset) or 0


@dataclass
class Line:
    """A line of words: text with its box (points) and font size."""

    words: list[tuple[str, float, float]]  # (text, x0, x1)
    top: float
    bottom: float
    size: float
    page: int
    tabs: bool = True  # gaps may be tabs (not inside table cells)
    ocr: bool = False  # read by OCR: joined and repaired as OCR text
    inline_dashes: bool = False  # in a data table, " - " after a full line goes on a list
    spaces: list[int] | None = None  # space characters before each word, when known
    trail: int = 0  # space characters after the last word
    grid: TabGrid | None = None
    origin: float = 0.0  # the left margin the tab stops count from

    @property
    def x0(self) -> float:
        return self.words[0][1]

    @property
    def x1(self) -> float:
        return self.words[-1][2]

    def _ocr_bullet(self) -> bool:
        return self.ocr and ocr.bullet_read_as_mark(self.words, self.size)

    def gap_tabs(self, i: int, usual: float = 0.0) -> int:
        """How many tabs stand between word ``i - 1`` and word ``i`` (0: a space)."""
        if not self.tabs:
            return 0
        end, start = self.words[i - 1][2], self.words[i][1]
        gap, grid = start - end, self.grid
        at_stop = grid is not None and grid.stop(start - self.origin) is not None
        counted = grid.tabs_between(end - self.origin, start - self.origin) if at_stop else 1
        spaces = self.spaces[i] if self.spaces is not None else None
        if spaces is None:  # no space characters: a wide gap is a tab
            wide = gap > 1.8 * self.size and gap > 3 * max(usual, 0.25 * self.size)
            return counted if wide else 0
        if spaces == 0:  # a gap with no space in it: a tab, or a column of a table
            marker = i == 1 and is_marker(self.words[0][0])
            return counted if gap > 0.5 and not marker else 0
        if grid is not None and grid.unit and spaces >= 2:  # tabs typed as spaces
            if spaces >= grid.unit:
                return spaces // grid.unit
            return counted if at_stop else 0
        return 0

    def text(self) -> str:
        """The words joined by spaces; tabs between them; a leading glyph a bullet."""
        first = self.words[0][0]
        marker = BULLET_GLYPHS.get(first)
        words = list(self.words)
        start = 0
        if marker is None and self._ocr_bullet():
            words = [w for w in words if w[0].strip("_")]
            marker = "·"
            words[0] = ("·", words[0][1], words[0][2])
        out = ""
        if marker is not None and len(words) > 1:
            out, start = marker + " ", 1
        gaps = [b[1] - a[2] for a, b in zip(words, words[1:], strict=False)]
        usual = statistics.median(gaps) if gaps else 0.0
        same = words == self.words
        for i in range(start, len(words)):
            if i > start:
                tabs = self.gap_tabs(i, usual) if same else 0
                if tabs:
                    out += "\t" * tabs
                elif gaps[i - 1] > 0.1 * self.size or not out:
                    out += " "
            out += words[i][0]
        return out.translate(LIGATURES)

    def starts_item(self) -> bool:
        """Whether the line starts a list item (a bullet or a number)."""
        first = self.words[0][0]
        if self.inline_dashes and first in ("-", "–") and len(self.words) > 1:
            if self.words[1][1] - self.words[0][2] < 0.6 * self.size:
                return False  # "… qui favorise : - la transversalité" wrapped before "-"
        return (
            first in BULLET_GLYPHS
            or first.startswith(_MARKERS)
            or bool(_NUMBERED.match(self.text()))
            or self._ocr_bullet()
        )

    def lead(self) -> int:
        """The line's leading tabs: where it starts on the tab grid (tabs typed as spaces:
        how many spaces it starts with)."""
        offset = self.x0 - self.origin
        if self.grid is None or not self.tabs:
            return 0
        if self.grid.unit and self.spaces is not None:
            return self.spaces[0] // self.grid.unit
        return self.grid.lead(offset) if offset >= STOP_TOLERANCE else 0


def lines_from_words(
    words: list[dict], page: int, tabs: bool = True, ocr_text: bool = False
) -> list[Line]:
    """Group pdfplumber words into lines (top to bottom, left to right)."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        size = float(w.get("size") or (w["bottom"] - w["top"]) or 10.0)
        line = lines[-1] if lines else None
        if line is not None and w["top"] < line.top + 0.45 * max(line.size, size):
            line.words.append((w["text"], w["x0"], w["x1"]))
            line.bottom = max(line.bottom, w["bottom"])
            line.size = max(line.size, size)
        else:
            word = (w["text"], w["x0"], w["x1"])
            lines.append(Line([word], w["top"], w["bottom"], size, page, tabs, ocr_text))
    for line in lines:
        line.words.sort(key=lambda t: t[1])
    return lines


def full(prev: Line, cur: Line, limit: float, tabs: int = 0) -> bool:
    """Whether the first word of ``cur`` would not have fitted at the end of ``prev``.

    ``tabs``: the tabs that went down to ``cur`` with its first word (``cur`` starts at a
    tab stop): they count in what would not have fitted.
    """
    size = max(prev.size, cur.size)  # a space is ~0.3 em; allow a quarter em of slack
    width = cur.words[0][2] - cur.words[0][1]
    if prev.x1 + 0.3 * size + width > limit - 0.25 * size:
        return True
    if tabs and cur.grid is not None and not cur.grid.unit:
        return cur.origin + cur.grid.next_stop(prev.x1 - cur.origin, tabs) + width > limit
    return False


def open_end(prev: Line, cur: Line) -> bool:
    """Whether ``prev`` ends where a paragraph cannot: ``cur`` goes on in lower case, or
    ``prev`` ends with a comma, an open bracket, a word such as "de"."""
    last, first = prev.words[-1][0], cur.words[0][0].lstrip(_QUOTES)
    text = prev.text()
    return (
        first[:1].islower()
        or last.lower().rstrip("'’") in _OPEN_WORDS
        or last.endswith((",", "(", "/", "'", "’", "-"))
        or text.count("(") > text.count(")")
    )


def capitals_go_on(prev: Line, cur: Line) -> bool:
    """Whether both lines are in capitals (case then says nothing about a new paragraph)."""
    last, first = prev.words[-1][0], cur.words[0][0].lstrip(_QUOTES)
    return last.isupper() and first.isupper()


def _new_name(prev: Line, cur: Line) -> bool:
    """Whether ``cur`` opens with one capitalised word ("Tour(s)plus à…", "Numérique :")
    right after a line ending in a lower-case word that leaves nothing open: inside a
    sentence such a word comes after an article or a preposition, so this most likely starts
    a new paragraph. Acronyms ("programme ANRU"), names in brackets and names of several
    capitalised words ("baromètre Habitants GUSP") go on."""
    last, first = prev.words[-1][0], cur.words[0][0]
    letters = [c for c in first if c.isalpha()]
    after = cur.words[1][0] if len(cur.words) > 1 else ""
    return (
        len(letters) >= 2
        and first[:1].isupper()
        and any(c.islower() for c in letters[1:])
        and not after[:1].isupper()
        and last[:1].islower()
        and last[-1:].isalpha()
        and not open_end(prev, cur)
    )


def wrapped(
    prev: Line, cur: Line, limit: float, same_page: bool = True, tabs: int = 0, capitals=True
) -> bool:
    """Whether ``cur`` goes on with ``prev``'s paragraph (after ``tabs`` carried tabs).

    On one page: ``prev`` was full (the next word did not fit), no paragraph gap lies
    between them and nothing opens a new paragraph. Over a page break, where gaps say
    nothing: ``prev`` was full and ends open (see :func:`open_end`) or, with ``capitals``,
    both are in capitals; or a word was cut.
    """
    if cur.starts_item():
        return False
    if not same_page:
        if cut_word(prev, cur, limit):
            return True
        goes_on = open_end(prev, cur) or (capitals and capitals_go_on(prev, cur))
        return goes_on and full(prev, cur, limit, tabs)
    size = max(prev.size, cur.size)
    if cur.top - prev.bottom > 0.6 * size or cur.top <= prev.top:
        return False
    if tabs:  # a new cell of tab-separated text: case and stops say nothing
        return full(prev, cur, limit, tabs)
    if prev.words[-1][0].endswith((".", "!", "?", "…")) and cur.words[0][0][:1].isupper():
        return False  # a sentence ends and a new one starts: most likely a new paragraph
    if cur.words[0][0][:1].isupper() and cur.text().rstrip().endswith(":"):
        return False  # a label such as "Indicateurs de résultat :"
    if _new_name(prev, cur):
        return False
    return full(prev, cur, limit)


def cut_word(prev: Line, cur: Line, limit: float) -> bool:
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


def join(paragraph: list[Line], limit: float, carried: list[int] | None = None) -> str:
    """The text of a paragraph's lines, rejoining a word cut at a hyphen or a cell edge;
    ``carried[i]`` tabs went down to line ``i`` with its first word."""
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
        tabs = carried[i] if carried and i < len(carried) else 0
        if tabs:
            text += "\t" * tabs + part  # "En cours<tab>|Institution": the tab went down
        elif (last.endswith("-") and len(last) > 1) or cut_word(prev, line, limit):
            text += part  # "co-" + "construire"; a word too long for its column
        else:
            text += " " + part
    return text


def inline_tabs(line: Line) -> int:
    """The tabs between the words of a line."""
    if not line.tabs:
        return 0
    gaps = [b[1] - a[2] for a, b in zip(line.words, line.words[1:], strict=False)]
    usual = statistics.median(gaps) if gaps else 0.0
    return sum(line.gap_tabs(i, usual) for i in range(1, len(line.words)))


def carried_tabs(paragraph: list[Line], line: Line) -> int:
    """The tabs that went down with the first word of ``line`` if it goes on with
    ``paragraph``: it starts at a tab stop, not where the paragraph's lines go on (the
    margin, or the paragraph's own indent when all its lines keep it)."""
    lead = line.lead()
    first = paragraph[0]
    if line.grid is not None and line.grid.unit and line.spaces is not None:
        run = paragraph[-1].trail + line.spaces[0]  # a run of spaces cut by the wrap,
        return (run + 1) // line.grid.unit if run else 0  # which took one space
    if not lead or line.grid is None:
        return 0
    if abs(line.x0 - first.x0) <= 1.0 and all(
        abs(other.x0 - first.x0) <= 1.0 for other in paragraph[1:]
    ):
        return 0  # a paragraph indented as a block
    if len(first.words) > 1 and first.starts_item() and abs(line.x0 - first.words[1][1]) <= 1.0:
        return 0  # a list item goes on under its text
    return lead


@dataclass
class Para:
    """A paragraph: its lines, the space above it and the tabs carried to each line."""

    lines: list[Line]
    gap: float | None = None  # space above, from the line before on the same page
    carried: list[int] = field(default_factory=list)
    cells: int = 1  # tab-separated cells so far

    def blank_before(self, base: float) -> bool:
        """Whether an empty line stands before the paragraph (a gap a line over ``base``)."""
        return self.gap is not None and self.gap > base + 1.0 * self.lines[0].size

    def text(self, limit: float) -> str:
        """The paragraph's text (see :func:`join`)."""
        return join(self.lines, limit, self.carried)


def spacing(paras: list[Para]) -> float:
    """The usual gap between paragraphs (the lower quartile), to tell an empty line; list
    items, often packed closer than paragraphs, are left out."""
    gaps = sorted(p.gap for p in paras if p.gap is not None and not p.lines[0].starts_item())
    return max(gaps[len(gaps) // 4], 0.0) if gaps else 0.0


def columns_of(lines: list[Line]) -> int:
    """The most tab-separated cells one line shows: a paragraph never has more."""
    return max((line.lead() + inline_tabs(line) + 1 for line in lines), default=1)


def paragraphs(lines: list[Line], limit, columns: int | None = None) -> list[Para]:
    """Lines grouped into paragraphs; a paragraph gap of a line or more leaves a blank.

    ``limit`` is the right edge text wraps at: a number, or a function of the page number.
    With ``columns`` (tab-separated text, see :func:`columns_of`), a line whose carried
    tabs would give its paragraph more cells starts a paragraph of its own.
    """
    paras: list[Para] = []
    for line in lines:
        para = paras[-1] if paras else None
        prev = para.lines[-1] if para else None
        same_page = prev is not None and prev.page == line.page
        edge = limit(prev.page) if callable(limit) and prev is not None else limit
        if para is not None and prev is not None:
            tabs = carried_tabs(para.lines, line)
            cells = para.cells + tabs + inline_tabs(line)
            if (not columns or cells <= columns) and wrapped(prev, line, edge, same_page, tabs):
                para.lines.append(line)
                para.carried.append(tabs)
                para.cells = cells
                continue
        gap = line.top - prev.bottom if same_page and prev is not None else None
        paras.append(Para([line], gap, [0], line.lead() + inline_tabs(line) + 1))
    return paras
