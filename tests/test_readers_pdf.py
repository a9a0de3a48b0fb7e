"""The PDF reader: seeds printed to PDF by LibreOffice read back like their text, tables over
page breaks, locations, bad files, OCR of a scan, and the same extraction as from the .txt.

Printing needs LibreOffice (Debian ``libreoffice-writer-nogui``) and OCR needs Tesseract
(``tesseract-ocr tesseract-ocr-fra``): without them these tests fail saying what to install.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from PIL import Image, ImageDraw

from policykg.errors import InputError
from policykg.loaders.readers import ocr
from policykg.loaders.readers.pdf import read_pdf, read_pdf_bytes
from policykg.loaders.readers.text import read_text
from policykg.loaders.registry import extract, read_document
from tests import builders
from tests.conftest import SEED_IDS, answer_key, seed_path
from tests.test_readers_docx import comparable

SEEDS = sorted(SEED_IDS)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, object]:
    """Each seed as a .docx with real tables, printed to PDF by LibreOffice."""
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for short in SEEDS:
        source = builders.seed_to_docx(seed_path(short), folder / f"{short}.docx")
        out[short] = builders.docx_to_pdf(source, folder)
    return out


def words(texts: list[str]) -> list[str]:
    return " ".join(texts).split()


@pytest.mark.parametrize("short", SEEDS)
def test_a_printed_seed_gives_the_words_of_its_text_in_order(pdfs, short):
    assert words(comparable(read_pdf(pdfs[short]))) == words(
        comparable(read_text(seed_path(short)))
    )


@pytest.mark.parametrize("short", ["000", "001", "002", "004"])
def test_wrapped_lines_are_joined_back_into_the_lines_of_the_text(pdfs, short):
    """One block per paragraph, as in the text, though the PDF wraps long paragraphs and
    cuts table rows at page breaks (003's lines are themselves the wrapped lines of a scan,
    which no layout tells from the wraps of the PDF)."""
    assert comparable(read_pdf(pdfs[short])) == comparable(read_text(seed_path(short)))


def test_blocks_carry_pages_tables_rows_and_cells(pdfs):
    document = read_pdf(pdfs["000"])
    assert document.format == "pdf" and document.line_count == len(document.blocks)
    assert [b.line for b in document.blocks] == list(range(1, len(document.blocks) + 1))
    by_text = {b.text: b for b in document.blocks}
    title = by_text["FICHE 1.1.1"]
    assert (title.location.page, title.location.table) == (1, None)
    pilier = by_text["Pilier: 1"]
    assert (pilier.indent, pilier.location.table, pilier.location.row, pilier.location.cell) == (
        1,
        1,
        1,
        1,
    )
    scale = by_text["· [bookmark: _GoBack]Tous les quartiers"]
    assert (scale.kind, scale.location.cell) == ("bullet", 2)
    pages = [b.location.page for b in document.blocks]
    assert pages == sorted(pages) and pages[-1] == 2
    # the table goes on over the page break: one table, rows numbered on
    effets = by_text["Indicateurs d’effets"]
    assert effets.location.page == 2 and effets.location.table == 1


def test_a_data_table_over_many_pages_keeps_its_rows(pdfs):
    document = read_pdf(pdfs["004"])
    rows = [b for b in document.blocks if b.location.table is not None]
    assert all(len(b.cells) == 8 for b in rows)
    text_rows = [b for b in read_text(seed_path("004")).blocks if len(b.cells) == 8]
    assert len(rows) == len(text_rows)
    plaisance = next(b for b in rows if b.cells[7] == "PLAISANCE")
    assert plaisance.cells[5:] == ("Réalisé", "Institution", "PLAISANCE")


# ---------------------------------------------------------------------------- bad files


def test_an_encrypted_pdf_is_refused(pdfs, tmp_path):
    path = builders.encrypted_pdf(pdfs["000"], tmp_path / "secret.pdf")
    with pytest.raises(InputError, match="encrypted PDF") as error:
        read_document(path)
    assert error.value.path == str(path)


def test_a_truncated_pdf_is_refused(pdfs, tmp_path):
    path = builders.truncated_copy(pdfs["000"], tmp_path / "cut.pdf", keep=0.3)
    with pytest.raises(InputError, match="PDF"):
        read_pdf(path)


def test_a_word_file_named_pdf_is_refused_with_the_fix():
    with pytest.raises(InputError, match="give it the .docx extension"):
        read_pdf_bytes(b"PK\x03\x04" + bytes(100), "fiche.pdf")
    with pytest.raises(InputError, match="not a PDF"):
        read_pdf_bytes(b"hello", "fiche.pdf")


# ---------------------------------------------------------------------------- OCR


def _image_pdf(tmp_path):
    image = Image.new("L", (850, 1100), 255)
    ImageDraw.Draw(image).text((100, 100), "FICHE 1.1.1", fill=0)
    path = tmp_path / "scan.pdf"
    image.save(path, "PDF", resolution=100)
    return path


def test_a_scan_without_tesseract_names_the_packages(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYKG_TESSERACT", raising=False)
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="tesseract-ocr tesseract-ocr-fra"):
        read_pdf(_image_pdf(tmp_path))


def test_a_scan_without_the_french_model_names_its_package(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "_languages", lambda binary: frozenset({"eng", "osd"}))
    monkeypatch.setattr(ocr, "tesseract_binary", lambda path=None: "tesseract")
    with pytest.raises(InputError, match="install the Debian package tesseract-ocr-fra"):
        read_pdf(_image_pdf(tmp_path))


def test_tesseract_and_its_french_model_are_installed():
    """CI installs them (see .ci/run); without them scanned fiches cannot be read."""
    assert ocr.check_tesseract() is not None


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@pytest.fixture(scope="module")
def scanned(pdfs, tmp_path_factory):
    """Seed 000 printed, rendered to page images and wrapped as a PDF without text."""
    scan = builders.scanned_pdf(pdfs["000"], tmp_path_factory.mktemp("scan") / "000.pdf")
    return scan


@pytest.mark.slow
def test_a_scanned_fiche_is_read_by_ocr(scanned):
    document = read_pdf(scanned)
    assert any("read by OCR" in w for w in document.warnings)
    text = _plain(" ".join(b.text for b in document.blocks))
    fiche = answer_key("000")["fiches"][0]
    assert "fiche 1.1.1" in text
    assert _plain(fiche["title"]) in _plain(" ".join(b.text for b in document.blocks[:6]))
    # the ruled table is found on the scan: cells keep their column and row
    assert any(b.location.table == 1 and b.location.cell == 2 for b in document.blocks)
    partners = fiche["partners"]

    def named(partner):
        return any(
            re.search(r"\b" + re.escape(_plain(n)).rstrip("s") + r"s?\b", text)
            for n in [partner["name"], *partner.get("aliases", [])]
        )

    found = [p["name"] for p in partners if named(p)]
    assert len(found) >= 0.8 * len(partners), sorted({p["name"] for p in partners} - set(found))


@pytest.mark.slow
def test_a_scanned_fiche_gives_its_code_title_and_partners(scanned):
    from policykg.loaders.resolve.names import clean_text
    from tests.answer_key import match_partners

    key = answer_key("000")["fiches"][0]
    fiches = [f for f in extract(scanned).fiches if f.code == key["code"]]
    assert fiches, "no fiche 1.1.1 read from the scan"
    assert clean_text(fiches[0].title).lower() == clean_text(key["title"]).lower()
    assert match_partners(fiches[0], key).recall >= 0.8


# ---------------------------------------------------------------------------- extraction


@pytest.mark.parametrize("short", SEEDS)
def test_the_pdf_gives_the_extraction_of_the_text(pdfs, short):
    """What the answer key scores is the same from the PDF as from the .txt."""
    key = answer_key(short)
    expected = builders.scored_view(extract(seed_path(short)), key)
    assert builders.scored_view(extract(pdfs[short]), key) == expected


def test_a_capitalised_name_after_a_full_cell_line_starts_a_paragraph(pdfs):
    """Regression (002): "Chacune des communes à l'échelle du quartier" fills its cell and
    the next paragraph, "Tour(s)plus à l'échelle agglomération…", follows with no spacing;
    both animateurs must come out, as two paragraphs of the cell."""
    texts = [b.text for b in read_pdf(pdfs["002"]).blocks]
    first = texts.index("Chacune des communes à l’échelle du quartier")
    assert texts[first + 1] == "Tour(s)plus à l’échelle agglomération pour le partage de pratiques"
    from tests.answer_key import keys_of, role_names

    fiche = extract(pdfs["002"]).fiches[0]
    wanted = answer_key("002")["fiches"][0]["roles"]["animateur"]  # Commune, Tour(s)plus
    assert role_names(fiche, "animateur") == keys_of(wanted)
