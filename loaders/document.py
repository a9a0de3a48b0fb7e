"""The format-neutral view of a source file that every reader produces.

A reader knows a file format and nothing about fiches. It yields a :class:`Document`:
ordered :class:`Block` objects, each with its :class:`Location` in the source, so that
template parsers never see the format and every record can point back to its origin.

>>> loc = Location(line=3)
>>> b = Block(kind="paragraph", text="Pilier: 1", cells=("", "Pilier: 1"), indent=1, location=loc)
>>> b.cell_texts
('Pilier: 1',)
>>> str(loc)
'line 3'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["blank", "heading", "paragraph", "bullet", "row"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a block sits in its source file.

    ``line`` is 1-based and always set for text sources; for Word and PDF sources it is the
    block's rank in the document (so that "line" stays a usable pointer) and ``page``,
    ``table``, ``row`` and ``cell`` say where it really is.
    """

    line: int
    end_line: int | None = None
    page: int | None = None
    table: int | None = None
    row: int | None = None
    cell: int | None = None

    def __str__(self) -> str:
        parts = [f"line {self.line}"]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.table is not None:
            parts.append(f"table {self.table}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of source text: a line of a text file, a Word paragraph, a table row.

    - ``kind``: ``blank``, ``heading``, ``paragraph``, ``bullet`` or ``row`` (a table row
      whose ``cells`` hold the cell texts, empty cells included).
    - ``text``: the block's text with cells joined by a tab and outer whitespace removed.
    - ``cells``: the raw cells (a text line is split on tabs, so a line with leading tabs has
      empty leading cells).
    - ``indent``: the number of leading empty cells / leading tabs (the column a tab-indented
      line of a converted Word table sits in).
    - ``style``: the source style name where the format has one (``Heading 1``, ``List Bullet``).
    """

    kind: BlockKind
    text: str
    location: Location
    cells: tuple[str, ...] = ()
    indent: int = 0
    style: str | None = None

    @property
    def line(self) -> int:
        """The block's line number (see :class:`Location`)."""
        return self.location.line

    @property
    def cell_texts(self) -> tuple[str, ...]:
        """The non-empty cells, stripped."""
        return tuple(c.strip() for c in self.cells if c.strip())


@dataclass(slots=True)
class Document:
    """A source file read into blocks, with what provenance needs.

    ``line_count`` is the number of lines (text) or blocks (other formats) that the
    accounting of mapped / unmapped / layout lines must add up to.
    """

    path: str
    format: str
    sha256: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str | None = None
    line_count: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name without folders."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    def non_blank(self) -> list[Block]:
        """The blocks that carry text."""
        return [b for b in self.blocks if b.kind != "blank"]
