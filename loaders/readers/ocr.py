"""Tesseract OCR for scanned PDF pages: render a page, read its words with their boxes.

The ``tesseract`` program and its French model come from the Debian packages
``tesseract-ocr`` and ``tesseract-ocr-fra``; without them a scanned PDF raises
:class:`InputError` naming the package to install. Pages are rendered with ``pypdfium2``
(installed with ``pdfplumber``) at :data:`OCR_DPI`. Recognised text is corrected by
:func:`policykg.loaders.ocr_repair.repair` (see :func:`repair_text`).

>>> cols = "level page_num block_num par_num line_num word_num left top width height conf text"
>>> row = ["5", "1", "1", "1", "1", "1", "10", "20", "30", "12", "96", "FICHE"]
>>> tsv = "\\t".join(cols.split()) + "\\n" + "\\t".join(row) + "\\n"
>>> [(w.text, w.left, w.top, w.line_height) for w in parse_tsv(tsv)]
[('FICHE', 10, 20, 12)]
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import InputError

TESSERACT_PACKAGES = "tesseract-ocr tesseract-ocr-fra"
OCR_LANGUAGE = "fra"
OCR_DPI = 300
# Largest rendered page side, in pixels (a huge page size must not exhaust memory).
MAX_RENDER_PIXELS = 8000
OCR_TIMEOUT_SECONDS = 600


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A word Tesseract read, with its box in pixels and its block / paragraph / line."""

    text: str
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int
    line_height: int = 0  # the height of the word's line (ascenders to descenders)


def tesseract_binary(path: str | Path | None = None) -> str:
    """The ``tesseract`` program, or :class:`InputError` saying which packages to install."""
    binary = os.environ.get("POLICYKG_TESSERACT") or shutil.which("tesseract")
    if not binary:
        raise InputError(
            "scanned PDF (no text layer) needs OCR, but the tesseract program is not "
            f"installed: install the Debian packages {TESSERACT_PACKAGES}",
            path=path,
        )
    return binary


@functools.lru_cache(maxsize=4)
def _languages(binary: str) -> frozenset[str]:
    try:
        done = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        raise InputError(f"cannot run tesseract ({binary}): {exc}") from exc
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and " " not in ln.strip())


def check_tesseract(language: str = OCR_LANGUAGE, path: str | Path | None = None) -> str:
    """The tesseract program, once it is known to have the model for ``language``."""
    binary = tesseract_binary(path)
    if language not in _languages(binary):
        raise InputError(
            f"tesseract has no {language!r} language model: install the Debian package "
            f"tesseract-ocr-{language}",
            path=path,
        )
    return binary


def parse_tsv(tsv: str) -> list[OcrWord]:
    """The words of Tesseract's TSV output (level 5 rows with text), in reading order."""
    words = []
    heights: dict[tuple[int, int, int], int] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] not in ("4", "5"):
            continue
        try:
            block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
            left, top, width, height = (int(c) for c in cols[6:10])
        except ValueError:
            continue
        if cols[0] == "4":
            heights[(block, par, line)] = height
        elif cols[11].strip():
            words.append(OcrWord(cols[11].strip(), left, top, width, height, block, par, line))
    return [
        OcrWord(
            w.text,
            w.left,
            w.top,
            w.width,
            w.height,
            w.block,
            w.par,
            w.line,
            heights.get((w.block, w.par, w.line), w.height),
        )
        for w in words
    ]


def _runs(data: bytes, width: int, height: int, min_length: int) -> list[tuple[int, int, int]]:
    """Runs of ink (byte 255) at least ``min_length`` long, as ``(row, start, end)``."""
    pattern = b"\xff" * min_length
    runs = []
    for y in range(height):
        row = data[y * width : (y + 1) * width]
        start = row.find(pattern)
        while start != -1:
            end = row.find(b"\x00", start + min_length)
            end = width if end == -1 else end
            runs.append((y, start, end))
            start = row.find(pattern, end)
    return runs


def _segments(runs: list[tuple[int, int, int]], gap: int) -> list[tuple[int, int, int, int]]:
    """Runs on neighbouring rows that overlap, merged into ``(row0, row1, start, end)``."""
    segments: list[list[int]] = []
    for y, start, end in runs:
        home = None
        for seg in reversed(segments):
            if seg[1] < y - 2:
                break
            if start <= seg[3] + gap and end >= seg[2] - gap:
                home = seg
                break
        if home is None:
            segments.append([y, y, start, end])
        else:
            home[1], home[2], home[3] = y, min(home[2], start), max(home[3], end)
    return [tuple(s) for s in segments if s[1] - s[0] <= 12]  # rules, not blobs of ink


def find_rules(image, dpi: int = OCR_DPI):
    """The ruled lines of a scanned page, as ``(horizontal, vertical)`` lists of boxes
    ``(x0, top, x1, bottom)`` in pixels: dark runs longer than a sixth of an inch.

    >>> from PIL import Image, ImageDraw
    >>> page = Image.new("L", (600, 400), 255)
    >>> ImageDraw.Draw(page).rectangle((50, 50, 550, 350), outline=0, width=3)
    >>> h, v = find_rules(page, dpi=300)
    >>> len(h), len(v)
    (2, 2)
    """
    from PIL import Image

    ink = image.convert("L").point(lambda value: 255 if value < 140 else 0)
    min_length = max(dpi // 6, 20)
    width, height = ink.size
    horizontal = [
        (x0, y0, x1, y1 + 1)
        for y0, y1, x0, x1 in _segments(_runs(ink.tobytes(), width, height, min_length), gap=8)
    ]
    turned = ink.transpose(Image.Transpose.TRANSPOSE)
    vertical = [
        (x0, y0, x1 + 1, y1)
        for x0, x1, y0, y1 in _segments(_runs(turned.tobytes(), height, width, min_length), gap=8)
    ]
    return horizontal, vertical


def erase_rules(image, rules) -> None:
    """Paint the ruled lines white, so that Tesseract does not read them as letters."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in rules:
        draw.rectangle((x0 - 2, top - 2, x1 + 2, bottom + 2), fill=255)


def ocr_image(
    image, path: str | Path | None = None, language: str = OCR_LANGUAGE, dpi: int = OCR_DPI
) -> list[OcrWord]:
    """Run Tesseract on a PIL image; return its words (boxes in the image's pixels)."""
    binary = check_tesseract(language, path)
    with tempfile.TemporaryDirectory(prefix="policykg-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        try:
            done = subprocess.run(
                [
                    binary,
                    str(png),
                    "stdout",
                    "-l",
                    language,
                    "--psm",
                    "3",
                    "--dpi",
                    str(dpi),
                    "tsv",
                ],
                capture_output=True,
                text=True,
                timeout=OCR_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InputError(f"OCR took longer than {OCR_TIMEOUT_SECONDS} s", path=path) from exc
        except OSError as exc:
            raise InputError(f"cannot run tesseract: {exc}", path=path) from exc
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise InputError(f"tesseract failed: {reason}", path=path)
    return parse_tsv(done.stdout)


def render_page(pdf, index: int, dpi: int = OCR_DPI):
    """Render page ``index`` of an open ``pypdfium2.PdfDocument`` to a greyscale PIL image."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = min(dpi / 72, MAX_RENDER_PIXELS / max(width, height, 1))
        image = page.render(scale=scale, grayscale=True).to_pil()
    finally:
        page.close()
    return image.convert("L"), scale


@dataclass
class OcrPage:
    """What OCR found on a page, in points: words as pdfplumber-like dicts, and rules."""

    words: list[dict]
    horizontal: list[tuple[float, float, float, float]]
    vertical: list[tuple[float, float, float, float]]

    def table_settings(self) -> dict | None:
        """pdfplumber table settings that find tables on the rules (None without rules)."""
        if len(self.horizontal) < 2 or len(self.vertical) < 2:
            return None
        h = [(x0, (t + b) / 2, x1, (t + b) / 2) for x0, t, x1, b in self.horizontal]
        v = [((x0 + x1) / 2, t, (x0 + x1) / 2, b) for x0, t, x1, b in self.vertical]
        return {
            "vertical_strategy": "explicit",
            "horizontal_strategy": "explicit",
            "explicit_vertical_lines": [_line(*box) for box in v],
            "explicit_horizontal_lines": [_line(*box) for box in h],
        }


def _line(x0: float, top: float, x1: float, bottom: float) -> dict:
    """A pdfplumber line object."""
    return {"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "width": x1 - x0, "height": bottom - top}  # fmt: skip


def ocr_pdf_page(
    data: bytes, index: int, path: str | Path | None = None, dpi: int = OCR_DPI
) -> OcrPage:
    """OCR one page of a PDF given as bytes: its words and ruled lines, in points."""
    import pypdfium2

    check_tesseract(OCR_LANGUAGE, path)
    pdf = pypdfium2.PdfDocument(data)
    try:
        image, scale = render_page(pdf, index, dpi)
    finally:
        pdf.close()
    horizontal, vertical = find_rules(image, round(scale * 72))
    erase_rules(image, horizontal + vertical)
    words = [
        {
            "text": w.text,
            "x0": w.left / scale,
            "x1": (w.left + w.width) / scale,
            "top": w.top / scale,
            "bottom": (w.top + w.height) / scale,
            "size": max(w.line_height, w.height) / scale / 1.2,
        }
        for w in ocr_image(image, path, dpi=round(scale * 72))
    ]

    def points(box):
        return tuple(v / scale for v in box)

    return OcrPage(words, [points(b) for b in horizontal], [points(b) for b in vertical])


def read_scanned_page(page, data: bytes, index: int, path: str | Path | None = None):
    """OCR a pdfplumber page without text: its words and the tables on its ruled lines."""
    scan = ocr_pdf_page(data, index, path)
    settings = scan.table_settings()
    return scan.words, page.find_tables(settings) if settings else []


def bullet_read_as_mark(words: list[tuple[str, float, float]], size: float) -> bool:
    """Whether OCR read a list bullet as a stray mark ("°", "+", "e"…): a tiny first word
    followed by the wide gap of a list indent. ``words`` are ``(text, x0, x1)``.

    >>> bullet_read_as_mark([("°", 10, 14), ("Identifier", 30, 80)], size=10)
    True
    >>> bullet_read_as_mark([("à", 10, 15), ("Tours", 18, 40)], size=10)
    False
    """
    words = [w for w in words if w[0].strip("_")]
    if len(words) < 2 or len(words[0][0]) > 2 or words[0][0][:1].isdigit():
        return False
    width, gap = words[0][2] - words[0][1], words[1][1] - words[0][2]
    return width <= 0.8 * size and gap >= 0.6 * size


def repair_text(text: str) -> tuple[str, bool]:
    """Correct OCR slips with :mod:`policykg.loaders.ocr_repair` when it is available.

    Returns ``(text, repaired)``; ``repaired`` is False when the module is absent.
    """
    try:
        from policykg.loaders.ocr_repair import repair
    except ImportError:
        return text, False
    return repair(text), True


def join_ocr_lines(lines: list[str]) -> str:
    """Join the lines of one OCR paragraph, rejoining words cut at a line end.

    >>> join_ocr_lines(["favorisant la", "participation"])
    'favorisant la participation'
    """
    try:
        from policykg.loaders.ocr_repair import join_broken_lines
    except ImportError:
        return " ".join(" ".join(ln.split()) for ln in lines if ln.strip())
    return join_broken_lines(lines)
