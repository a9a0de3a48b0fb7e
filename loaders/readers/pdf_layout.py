"""The layout of text outside ruled tables: spaces, tab stops and columns without rules.

Three things tell a tab from a space, and a column of a table from text, in a PDF:

- the space characters the PDF carries: LibreOffice, Word and most PDF libraries write a
  space as a character, but a tab or the gutter between two table columns as a mere jump
  in position (:func:`annotate_spaces`);
- the tab grid: tabs lead to stops every ``step`` points from the left margin (1.25 cm in
  LibreOffice's text import, 0.5 in in python-docx documents); text typed with spaces for
  tabs starts lines at whole numbers of spaces (:func:`infer_grid`);
- a column of a table without rules starts at a jump off the tab grid, and no line of the
  table's rows crosses it (:func:`find_columns`).

>>> from policykg.loaders.readers.pdf_lines import Line
>>> lines = [Line([("Pilier", 72.0 + 36 * k, 100.0 + 36 * k)], 10.0 * k, 10.0 * k + 9, 9, 1)
...          for k in (0, 1, 2, 1)]
>>> for line in lines:
...     line.origin = 72.0
>>> infer_grid(lines).step
36.0
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable

from policykg.loaders.readers.pdf_lines import STOP_TOLERANCE, Line, TabGrid, is_marker

# Tab intervals of the usual word processors: 0.5 in, 1.25 cm, 1 cm, 1 in, 0.5 cm.
USUAL_STEPS = (36.0, 35.433, 28.346, 72.0, 14.173)
# A tab grid is accepted when it puts this share of the line starts and jumps on stops.
GRID_SHARE = 0.6
MIN_STEP, MAX_STEP = 8.0, 80.0


def space_boxes(chars: list[dict]) -> list[tuple[float, float, float]]:
    """The space characters of a page as ``(middle y, x0, x1)``, sorted by y."""
    boxes = [
        ((c["top"] + c["bottom"]) / 2, c["x0"], c["x1"])
        for c in chars
        if c.get("text", "x").isspace()
    ]
    return sorted(boxes)


def annotate_spaces(lines: list[Line], spaces: list[tuple[float, float, float]]) -> None:
    """Set each line's ``spaces``: the number of space characters in the gap before each
    word; 0 for a gap the spaces leave mostly bare and that is much wider than the line's
    other gaps (a space ending a table cell's text, then the jump to the next column; the
    stretched spaces of a justified line are all alike).

    Left unset (None) when the page carries too few spaces to tell (scans, PDF writers that
    place words without space characters).
    """
    gaps = sum(len(line.words) - 1 for line in lines)
    if not gaps or len(spaces) < 0.3 * gaps:
        return
    ys = [s[0] for s in spaces]
    for line in lines:
        lo = bisect.bisect_left(ys, line.top - 0.5)
        hi = bisect.bisect_right(ys, line.bottom + 0.5)
        boxes = sorted((s[1], s[2]) for s in spaces[lo:hi])
        middles = [(a + b) / 2 for a, b in boxes]
        found = []  # (spaces, gap, bare) per gap
        for (_, _, end), (_, start, _) in zip(line.words, line.words[1:], strict=False):
            first = bisect.bisect_left(middles, end - 0.5)
            last = bisect.bisect_right(middles, start + 0.5)
            covered = sum(b - a for a, b in boxes[first:last])
            found.append((last - first, start - end, start - end - covered))
        counts = [bisect.bisect_left(middles, line.words[0][1] - 0.5)]  # leading spaces
        for i, (count, gap, bare) in enumerate(found):
            others = [g for j, (c, g, _) in enumerate(found) if c and j != i]
            usual = statistics.median(others) if others else (gap - bare) * 1.5
            lone = count and bare > max(gap - bare, 0.5 * line.size) and gap > 2.5 * usual
            counts.append(0 if lone else count)
        line.spaces = counts
        line.trail = len(middles) - bisect.bisect_right(middles, line.words[-1][2] + 0.5)


def _jumps(line: Line) -> list[float]:
    """Where the words after a tab-like gap start, from the line's margin."""
    out = []
    for i in range(1, len(line.words)):
        spaces = line.spaces[i] if line.spaces is not None else None
        gap = line.words[i][1] - line.words[i - 1][2]
        silent = spaces == 0 and gap > 0.5
        if silent or (spaces is not None and spaces >= 2) or (spaces is None and gap > line.size):
            out.append(line.words[i][1] - line.origin)
    return out


def _space_width(lines: Iterable[Line]) -> float | None:
    gaps = [
        line.words[i][1] - line.words[i - 1][2]
        for line in lines
        if line.spaces is not None
        for i in range(1, len(line.words))
        if line.spaces[i] == 1
    ]
    return statistics.median(gaps) if len(gaps) >= 5 else None


def _spaces_grid(lines: list[Line]) -> TabGrid | None:
    """Tabs typed as spaces: lines start with a number of space characters that are all
    multiples of a tab of two spaces or more (three lines at least)."""
    leading = [line.spaces[0] for line in lines if line.spaces is not None and line.spaces[0]]
    if len(leading) < 3:
        return None
    # a tab run cut by a line wrap leaves a few spaces at the start of the next line
    units = [u for u in range(2, 9) if sum(1 for n in leading if n % u == 0) >= 0.8 * len(leading)]
    space = _space_width(lines)
    return TabGrid(units[-1] * space, units[-1], space) if units and space else None


def _on_grid(step: float, offsets: list[float]) -> int:
    return sum(
        1 for o in offsets if round(o / step) >= 1 and abs(o - round(o / step) * step) <= 0.6
    )


def infer_grid(lines: list[Line]) -> TabGrid | None:
    """The tab grid of a document's body text, from where lines start and where words
    start after tab-like gaps (see the module docstring); None when no grid fits."""
    body = [line for line in lines if line.tabs and not line.ocr]
    grid = _spaces_grid(body)
    if grid is not None:
        return grid
    starts = [line.x0 - line.origin for line in body if line.x0 - line.origin > STOP_TOLERANCE]
    offsets = starts + [o for line in body for o in _jumps(line)]
    if not offsets:
        return None
    candidates = set(USUAL_STEPS)
    candidates |= {o / k for o in starts for k in (1, 2, 3) if MIN_STEP <= o / k <= MAX_STEP}
    score, step = max((_on_grid(s, offsets), s) for s in sorted(candidates))
    if score < 2 or score < GRID_SHARE * len(offsets):
        return None
    return TabGrid(step)


# ---------------------------------------------------------------------------- columns


# Word's default cell padding: a column's text stops this far from the next column's text.
CELL_PADDING = 5.4


def _column_jumps(line: Line) -> list[float]:
    """Where words start after a jump with no space in it that is off the tab grid."""
    if line.spaces is None:
        return []
    out = []
    for i in range(1, len(line.words)):
        start, marker = line.words[i][1], line.words[i - 1][0]
        if is_marker(marker):
            continue  # a list item's marker and the tab after it
        silent = line.spaces[i] == 0 and start - line.words[i - 1][2] > 0.5
        if silent and (line.grid is None or line.grid.stop(start - line.origin) is None):
            out.append(start)
    return out


def _clusters(xs: list[float], tolerance: float = 2.0) -> list[float]:
    groups: list[list[float]] = []
    for x in sorted(xs):
        if groups and x - groups[-1][-1] <= tolerance:
            groups[-1].append(x)
        else:
            groups.append([x])
    return [min(g) for g in groups]


def _crosses(line: Line, x: float) -> bool:
    """Whether a line's text runs across ``x``: a word over it, or a space before the
    first word past it."""
    if any(w[1] < x - 1.0 and w[2] > x + 1.0 for w in line.words):
        return True
    after = next((i for i, w in enumerate(line.words) if w[1] >= x - 2.0), None)
    return bool(after) and line.spaces is not None and line.spaces[after] > 0


def _regions(lines: list[Line]) -> list[tuple[list[Line], list[float]]]:
    """Runs of lines set in columns: each starts at a line with a column jump, ends at the
    last line with text right of a gutter, and no line in it crosses its gutters."""
    regions: list[tuple[list[Line], list[float]]] = []
    i = 0
    while i < len(lines):
        jumps = _column_jumps(lines[i])
        if not jumps:
            i += 1
            continue
        gutters = _clusters(jumps)
        run = [lines[i]]
        j = i + 1
        while j < len(lines):
            line, above = lines[j], run[-1]
            if line.top - above.bottom > 3 * max(line.size, above.size):
                break
            if any(_crosses(line, x) for x in gutters):
                break
            more = [  # a jump to where text of the run goes on (a list's indent) is no gutter
                x
                for x in _clusters(_column_jumps(line))
                if all(abs(x - g) > 2.0 for g in gutters)
                and not any(_crosses(other, x) for other in run)
            ]
            gutters = sorted(gutters + more)
            run.append(line)
            j += 1
        while len(run) > 1 and run[-1].x1 < gutters[0] - 1.0:
            run.pop()  # lines after the last one in the second column are body text
        regions.append((run, gutters))
        i += len(run)
    return regions


def _part(line: Line, words: list[tuple[str, float, float]], spaces: list[int]) -> Line:
    part = Line(list(words), line.top, line.bottom, line.size, line.page, tabs=False)
    part.spaces, part.origin = [0, *spaces[1:]], words[0][1]
    return part


def _split(line: Line, edges: list[float]) -> dict[int, Line]:
    """A line's words by column (``edges``: the left edge of every column)."""
    by_column: dict[int, tuple[list, list]] = {}
    spaces = line.spaces or [0] * len(line.words)
    for word, before in zip(line.words, spaces, strict=True):
        column = max(i for i, x in enumerate(edges) if word[1] >= x - 2.0 or i == 0)
        words, gaps = by_column.setdefault(column, ([], []))
        words.append(word)
        gaps.append(before)
    return {c: _part(line, words, gaps) for c, (words, gaps) in by_column.items()}


def _limits(parts: list[dict[int, Line]], edges: list[float], right: float) -> list[float]:
    """The right edge each column's text wraps at."""
    limits = []
    for c in range(len(edges)):
        seen = max((p[c].x1 for p in parts if c in p), default=edges[c])
        bound = edges[c + 1] - 2 * CELL_PADDING if c + 1 < len(edges) else right
        limits.append(max(seen, bound))
    return limits


def _aside(part: Line) -> bool:
    """Whether a part opens in brackets or lower case (it goes on with the text above)."""
    opening = part.words[0][0][:1]
    return opening == "(" or opening.islower()


def _goes_on(row: dict[int, list[Line]], line: dict[int, Line], limit: float) -> bool:
    """Whether a line's text in the row's first column goes on with the row's label: a
    wrapped line, an aside, or the label's bracket still open."""
    from policykg.loaders.readers.pdf_lines import wrapped

    first = min(row)
    label = " ".join(part.text() for part in row[first])
    if _aside(line[first]) or label.count("(") > label.count(")"):
        return True
    return wrapped(row[first][-1], line[first], limit)


def _beside(parts: list[dict[int, Line]], i: int, row: dict[int, list[Line]]) -> bool:
    """Whether the row's other columns go on below line ``i`` (which has text in the first
    column only): the next line with text in one of them does not start a label too."""
    first = min(row)
    for line in parts[i + 1 :]:
        if any(c != first and c in row for c in line):
            return first not in line or _aside(line[first])
    return False


def _rows(parts: list[dict[int, Line]], limits: list[float]) -> list[dict[int, list[Line]]]:
    """Lines of a region grouped into table rows.

    A row starts at a line with text in a column the row has not used, or whose text in
    the row's first column starts a new label (see :func:`_goes_on`) while the row's other
    columns have ended: beside text going on in another column, a label line goes on with
    the label above (a label of several paragraphs).
    """
    rows: list[dict[int, list[Line]]] = []
    for i, line in enumerate(parts):
        row = rows[-1] if rows else None
        if row is not None:
            first = min(line)
            new = any(c not in row for c in line)
            if not new and first == min(row) and not _goes_on(row, line, limits[first]):
                if len(line) > 1:  # two columns start at once: a new row
                    new = True
                else:
                    new = not _beside(parts, i, row)
            if not new:
                for c, part in line.items():
                    row[c].append(part)
                continue
        rows.append({c: [part] for c, part in line.items()})
    return rows


def find_columns(lines: list[Line], right: float) -> tuple[list, list[Line]]:
    """Tables without rules on a page: returns them (as
    :class:`~policykg.loaders.readers.pdf_tables.Table`) and the lines left outside.

    ``right`` is the edge the page's text wraps at.
    """
    from policykg.loaders.readers.pdf_lines import paragraphs
    from policykg.loaders.readers.pdf_tables import Cell, Row, Table

    tables, used = [], set()
    for run, gutters in _regions(lines):
        if not any(line.x1 > gutters[0] for line in run):
            continue
        edges = [min(line.x0 for line in run), *gutters]
        parts = [_split(line, edges) for line in run]
        limits = _limits(parts, edges, right)
        rows = []
        for row in _rows(parts, limits):
            top = min(p.top for ps in row.values() for p in ps)
            bottom = max(p.bottom for ps in row.values() for p in ps)
            cells = []
            for c in sorted(row):
                cell = Cell(c, (edges[c], top, limits[c], bottom), row[c])
                cell.paras = paragraphs(cell.lines, limits[c])
                cells.append(cell)
            rows.append(Row(run[0].page, cells))
        top, bottom = run[0].top, max(line.bottom for line in run)
        tables.append(Table(run[0].page, top, bottom, edges, rows, 0.0, run[0].page, False))
        used.update(id(line) for line in run)
    return tables, [line for line in lines if id(line) not in used]
