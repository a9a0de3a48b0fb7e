"""The seeds converted to .docx and .pdf the ways an independent tester most likely would,
each read back to the extraction of the .txt (what the answer key scores must not change).

Variants (built in ``tests/builders.py``):

- ``docx-plain``: python-docx, one paragraph per line, tabs kept;
- ``docx-plain-pdf``: that .docx printed to PDF by LibreOffice (tabs become jumps to the
  tab stops of the document, every 0.5 in);
- ``txt-pdf`` / ``txt-encoded-pdf``: LibreOffice printing the .txt itself (monospaced
  font, tab stops every 1.25 cm, no paragraph spacing), with its default text filter or
  ``--infilter="Text (encoded):UTF8,LF,,,"``;
- ``docx-borderless`` / ``docx-borderless-pdf``: real Word tables with no rules
  (python-docx's default table), as .docx and printed;
- ``fpdf-spaces`` / ``fpdf-indent`` / ``fpdf-mono``: fpdf2 writing the text line by line
  (justified ``multi_cell``), tabs as four spaces, leading tabs as a left offset, or
  ``expandtabs(8)`` in a monospaced font.

Not every variant can be read back for every seed; the pairs left out, and why, are in
:data:`AMBIGUOUS`: there the converted file itself no longer tells what the text said.
"""

from __future__ import annotations

import shutil

import pytest

from policykg.loaders.readers.pdf import read_pdf
from policykg.loaders.readers.text import read_text
from policykg.loaders.registry import extract
from tests import builders
from tests.conftest import SEED_IDS, answer_key, seed_path

SEEDS = sorted(SEED_IDS)
LIBREOFFICE = (
    "docx-plain-pdf",
    "txt-pdf",
    "txt-encoded-pdf",
    "docx-borderless-pdf",
)
FAST = ("docx-plain", "docx-borderless", "fpdf-spaces", "fpdf-indent", "fpdf-mono")

# (variant, seed) pairs whose converted file is ambiguous, with the reason.
AMBIGUOUS = {
    ("docx-borderless-pdf", "004"): "an action-plan grid without rules whose leading cells are "
    "merged down several rows: a sub-action row and a second paragraph of the cell above "
    "sit at the same place, with the same spacing",
    ("fpdf-spaces", "004"): "fpdf2 drops trailing spaces at the end of each multi_cell, so a "
    "row whose last line reaches the margin and the next row (at the margin, no tab) read as "
    "one wrapped paragraph",
    ("fpdf-indent", "004"): "as fpdf-spaces",
    ("fpdf-mono", "003"): "a line of the text (73 characters ending with a comma) stops where "
    "the next word would not fit in 80 columns: a wrap would look the same",
    ("fpdf-mono", "004"): "expandtabs turns a tab after a word ending one column short of a "
    "stop into a single space, which no reader can tell from a space",
}


def _cases(variants):
    return [
        pytest.param(variant, short, id=f"{variant}-{short}")
        for variant in variants
        for short in SEEDS
        if (variant, short) not in AMBIGUOUS
    ]


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[tuple[str, str], object]:
    """Every variant of every seed, LibreOffice conversions in one run per variant."""
    folder = tmp_path_factory.mktemp("independent")
    out: dict[tuple[str, str], object] = {}
    plain, borderless, texts = [], [], []
    for short in SEEDS:
        seed = seed_path(short)
        out["docx-plain", short] = builders.plain_docx(seed, folder / "plain" / f"{short}.docx")
        plain.append(out["docx-plain", short])
        out["docx-borderless", short] = builders.seed_to_docx(
            seed, folder / "borderless" / f"{short}.docx", borders=False
        )
        borderless.append(out["docx-borderless", short])
        copy = folder / "text" / f"{short}.txt"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(seed, copy)
        texts.append(copy)
        for variant, tabs, font in (
            ("fpdf-spaces", "spaces", "DejaVuSans.ttf"),
            ("fpdf-indent", "indent", "DejaVuSans.ttf"),
            ("fpdf-mono", "expand", "DejaVuSansMono.ttf"),
        ):
            path = folder / variant / f"{short}.pdf"
            out[variant, short] = builders.fpdf_text_pdf(seed, path, tabs=tabs, font=font)
    return out | {"texts": texts, "plain": plain, "borderless": borderless, "folder": folder}


@pytest.fixture(scope="module")
def printed(converted) -> dict[tuple[str, str], object]:
    """The LibreOffice conversions (slow: a few seconds per run)."""
    folder = converted["folder"]
    runs = {
        "docx-plain-pdf": (converted["plain"], None),
        "docx-borderless-pdf": (converted["borderless"], None),
        "txt-pdf": (converted["texts"], None),
        "txt-encoded-pdf": (converted["texts"], "Text (encoded):UTF8,LF,,,"),
    }
    out = {}
    for variant, (sources, infilter) in runs.items():
        pdfs = builders.libreoffice_pdfs(sources, folder / variant, infilter)
        out.update({(variant, s): pdf for s, pdf in zip(SEEDS, pdfs, strict=True)})
    return out


def _same_scores(path, short: str) -> None:
    key = answer_key(short)
    expected = builders.scored_view(extract(seed_path(short)), key)
    assert builders.scored_view(extract(path), key) == expected


@pytest.mark.parametrize(("variant", "short"), _cases(FAST))
def test_a_script_made_conversion_gives_the_scores_of_the_text(converted, variant, short):
    _same_scores(converted[variant, short], short)


@pytest.mark.slow
@pytest.mark.parametrize(("variant", "short"), _cases(LIBREOFFICE))
def test_a_libreoffice_conversion_gives_the_scores_of_the_text(printed, variant, short):
    _same_scores(printed[variant, short], short)


def _rows(document) -> list[tuple[str, ...]]:
    """Non-blank blocks as cells, trailing empty cells left out (a PDF cannot show them)."""
    out = []
    for block in document.blocks:
        if block.kind == "blank":
            continue
        cells = [" ".join(c.replace("\u2019", "'").split()) for c in block.cells]
        while cells and not cells[-1]:
            cells.pop()
        out.append(tuple(cells))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["txt-pdf", "txt-encoded-pdf"])
def test_the_printed_action_plan_gives_back_the_tab_separated_rows(printed, variant):
    """004 printed from its .txt: each row of eight tab-separated cells wraps over many
    lines, its tabs now jumps to the 1.25 cm stops (some carried down to the next line with
    the word after them); the reader gives back every row with its cells in place."""
    assert _rows(read_pdf(printed[variant, "004"])) == _rows(read_text(seed_path("004")))


@pytest.mark.slow
def test_a_borderless_table_is_read_cell_by_cell(printed):
    """000 with its label | content table printed without rules: a label and its content on
    one line are two cells, read label first, as a ruled table is."""
    blocks = read_pdf(printed["docx-borderless-pdf", "000"]).blocks
    texts = [b.text for b in blocks]
    label = texts.index("Animateur")
    assert texts[label + 1] == "· Chaque Ville sur son territoire"
    assert (blocks[label].indent, blocks[label + 1].indent) == (1, 2)
    assert blocks[label].location.table == blocks[label + 1].location.table is not None
    assert "Animateur\t· Chaque Ville sur son territoire" not in texts


def test_tabs_typed_as_spaces_come_back_as_cells(converted):
    """fpdf2 with four spaces a tab: leading spaces are the indent, a run of spaces
    between words a cell boundary, as in the text."""
    document = read_pdf(converted["fpdf-spaces", "000"])
    pilier = next(b for b in document.blocks if b.text == "Pilier: 1")
    assert (pilier.indent, pilier.cells) == (1, ("", "Pilier: 1"))
    assert next(b for b in document.blocks if b.text == "Axe : 1").indent == 0
