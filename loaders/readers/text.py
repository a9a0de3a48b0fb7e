"""Plain-text reader: UTF-8 (with or without BOM), cp1252 or latin-1, one block per line.

Text conversions of Word fiches keep table cells as tab-separated or tab-indented lines;
the reader splits each line on tabs into ``cells`` and counts leading tabs as ``indent``.

>>> doc = read_text_bytes(b"FICHE 1.1.1\\n\\n\\tPilier: 1\\n", "x.txt")
>>> [(b.kind, b.text, b.indent, b.line) for b in doc.blocks]
[('paragraph', 'FICHE 1.1.1', 0, 1), ('blank', '', 0, 2), ('paragraph', 'Pilier: 1', 1, 3)]
>>> read_text_bytes("Enjeu : égalité".encode("cp1252"), "y.txt").encoding
'cp1252'

Line ends are those an editor counts (CRLF, CR alone or LF, mixed freely); NUL bytes (a
damaged conversion) are dropped with a warning naming their lines:

>>> doc = read_text_bytes(b"FICHE 1.1.1\\r\\nA\\x00xe 1\\rPilier 1\\n", "z.txt")
>>> [(b.line, b.text) for b in doc.blocks], doc.warnings
([(1, 'FICHE 1.1.1'), (2, 'Axe 1'), (3, 'Pilier 1')], ['z.txt:2: 1 NUL byte(s) dropped (lines 2)'])

A text document larger than :data:`MAX_TEXT_BYTES` is refused before it is read: fiches
are a few kilobytes, a whole contract a few hundred, and a huge file would take minutes
and gigabytes to parse (split it, or check that it is the right file).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from policykg.errors import InputError
from policykg.loaders.document import Block, Document, Location

BULLETS = ("·", "•", "▪", "◦", "\uf0b7", "-", "–", "—", "=", "*", "o ")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Control characters that never appear in text documents (tab, LF, CR, FF are fine).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
# The largest text document read (bytes).
MAX_TEXT_BYTES = 10 * 1024 * 1024


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode document bytes, returning ``(text, encoding)``.

    UTF-8 is tried first (a BOM is dropped), then cp1252 (Word on Windows), then latin-1.
    Raises :class:`InputError` for an empty or binary file.
    """
    if not data.strip():
        raise InputError("empty file: nothing to read", path=path)
    sample = data[:65536]
    controls = [c for c in _CONTROL.findall(sample) if c != b"\x00"]
    nuls = sample.count(b"\x00")
    if len(controls) > max(8, len(sample) // 100) or nuls > max(64, len(sample) // 20):
        controls = controls or [b"\x00"]
        first = sample.find(controls[0])
        raise InputError(
            "binary file, not text (control bytes found); "
            "expected a .txt, .docx, .pdf or .yaml document",
            path=path,
            line=sample[:first].count(b"\n") + 1,
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _kind(cells: list[str], text: str) -> str:
    if not text:
        return "blank"
    if sum(1 for c in cells if c.strip()) >= 2:
        return "row"
    if text.startswith(BULLETS):
        return "bullet"
    return "paragraph"


def read_text_bytes(data: bytes, path: str) -> Document:
    """Read the bytes of a text document (see the module docstring)."""
    text, encoding = decode(data, path)
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    blocks = []
    nul_lines: list[int] = []
    nuls = 0
    for number, raw in enumerate(lines, start=1):
        if "\x00" in raw:
            nul_lines.append(number)
            nuls += raw.count("\x00")
            raw = raw.replace("\x00", "")
        cells = raw.split("\t")
        indent = 0
        while indent < len(cells) - 1 and not cells[indent].strip():
            indent += 1
        stripped = raw.strip()
        blocks.append(
            Block(
                kind=_kind(cells, stripped),
                text=stripped,
                location=Location(line=number),
                cells=tuple(cells),
                indent=indent if stripped else 0,
            )
        )
    warnings = []
    if nuls:
        shown = ", ".join(str(n) for n in nul_lines[:10]) + (", …" if len(nul_lines) > 10 else "")
        warnings.append(f"{path}:{nul_lines[0]}: {nuls} NUL byte(s) dropped (lines {shown})")
    return Document(
        path=path,
        format="text",
        sha256=hashlib.sha256(data).hexdigest(),
        blocks=blocks,
        encoding=encoding,
        line_count=len(lines),
        warnings=warnings,
    )


def read_text(path: str | Path) -> Document:
    """Read a text file from disk."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputError(
                f"refused: {size / 2**20:,.1f} MB, over the limit of "
                f"{MAX_TEXT_BYTES / 2**20:,.0f} MB for a text document (fiches are a few KB: "
                "split the file, or check that it is the right one)",
                path=path,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc
    return read_text_bytes(data, str(path))
