"""The Word reader: seeds rebuilt as .docx read back like their text, lists, merged cells,
locations, bad files, and the same extraction as from the .txt."""

from __future__ import annotations

import io
import re
import zipfile

import docx as python_docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from policykg.errors import InputError
from policykg.loaders.readers.docx import (
    MAX_MEMBERS,
    OLE2_MAGIC,
    read_doc,
    read_docx,
    read_docx_bytes,
)
from policykg.loaders.readers.text import read_text
from policykg.loaders.registry import extract, read_document
from tests import builders
from tests.conftest import SEED_IDS, answer_key, seed_path

SEEDS = sorted(SEED_IDS)


def comparable(document) -> list[str]:
    """The non-blank texts of a document, markup of the text seeds and spacing left out."""
    out = []
    for block in document.blocks:
        text = re.sub(r"</?(p|u)>", " ", block.text)
        text = re.sub(r"\[bookmark: [^\]]*\]", "", text).replace("\u2019", "'")
        text = " ".join(text.split())
        if text:
            out.append(text)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict[str, object]]:
    """Each seed as a .docx with real tables and as a plain .docx (one paragraph a line)."""
    folder = tmp_path_factory.mktemp("docx")
    return {
        short: {
            "tables": builders.seed_to_docx(seed_path(short), folder / f"{short}.docx"),
            "plain": builders.plain_docx(seed_path(short), folder / f"{short}_plain.docx"),
        }
        for short in SEEDS
    }


def _docx(build) -> bytes:
    document = python_docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("short", SEEDS)
def test_a_plain_docx_reads_exactly_like_its_text(built, short):
    text = read_text(seed_path(short))
    word = read_docx(built[short]["plain"])
    assert [(b.kind, b.text, b.cells, b.indent) for b in word.blocks] == [
        (b.kind, b.text, b.cells, b.indent) for b in text.blocks
    ]
    assert word.format == "docx" and word.line_count == len(word.blocks) == text.line_count


@pytest.mark.parametrize("short", SEEDS)
def test_a_docx_with_tables_gives_the_lines_of_its_text(built, short):
    assert comparable(read_docx(built[short]["tables"])) == comparable(read_text(seed_path(short)))


def test_table_cells_are_indented_blocks_with_their_location(built):
    document = read_docx(built["000"]["tables"])
    by_text = {b.text: b for b in document.blocks}
    pilier = by_text["Pilier: 1"]
    assert (pilier.kind, pilier.indent, pilier.cells) == ("paragraph", 1, ("", "Pilier: 1"))
    assert (pilier.location.table, pilier.location.row, pilier.location.cell) == (1, 1, 1)
    scale = by_text["· [bookmark: _GoBack]Tous les quartiers"]
    assert (scale.kind, scale.indent, scale.location.cell) == ("bullet", 2, 2)
    assert scale.location.row == by_text["Echelle\xa0(agglomération/ ville/ quartier)"].location.row
    assert [b.line for b in document.blocks] == list(range(1, len(document.blocks) + 1))
    assert document.blocks[0].text == "FICHE 1.1.1" and document.blocks[0].location.table is None


def test_the_action_plan_is_one_row_block_per_table_row(built):
    document = read_docx(built["004"]["tables"])
    rows = [b for b in document.blocks if b.location.table is not None]
    assert all(len(b.cells) == 8 for b in rows)
    header = rows[0]
    assert header.kind == "row" and header.cell_texts[0] == "PILIER"
    assert header.cell_texts[-1] == "QUARTIER"
    # a row under vertically merged cells keeps them empty, as the text has them
    plaisance = next(b for b in rows if b.cells[7] == "PLAISANCE")
    assert plaisance.cells[:5] == ("", "", "", "", "") and plaisance.indent == 5
    # a <p> paragraph of the text is a paragraph of the cell: one per line of the cell
    merged = next(b for b in rows if b.cells[3].startswith("Mettre en place les conseils"))
    assert merged.cells[4].split("\n")[1] == "Installer le conseil citoyen sur Plaisance en 2015"


# ---------------------------------------------------------------------------- structures


def test_bulleted_and_numbered_lists_get_their_markers():
    def build(d):
        d.add_heading("Objectifs", level=1)
        for text in ("Identifier les acteurs", "Mobiliser"):
            d.add_paragraph(text, style="List Bullet")
        for text in ("Premier", "Deuxième"):
            d.add_paragraph(text, style="List Number")

    blocks = read_docx_bytes(_docx(build), "lists.docx").blocks
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Objectifs"),
        ("bullet", "· Identifier les acteurs"),
        ("bullet", "· Mobiliser"),
        ("bullet", "1. Premier"),
        ("bullet", "2. Deuxième"),
    ]
    assert blocks[0].style == "Heading 1"


def test_merged_cells_keep_their_text_once():
    def build(d):
        table = d.add_table(rows=3, cols=3)
        top = table.cell(0, 0).merge(table.cell(0, 2))  # gridSpan over the whole row
        top.text = "Titre fusionné"
        table.cell(1, 0).text = "Pilier"
        table.cell(1, 1).text = "Action A"
        table.cell(1, 2).text = "Réalisé"
        table.cell(2, 1).text = "Action B"
        table.cell(2, 2).text = "En cours"
        tc = table.rows[2]._tr.tc_lst[0]  # vertically merged with "Pilier"
        tc.get_or_add_tcPr().append(OxmlElement("w:vMerge"))
        restart = OxmlElement("w:vMerge")
        restart.set(qn("w:val"), "restart")
        table.rows[1]._tr.tc_lst[0].get_or_add_tcPr().append(restart)

    blocks = read_docx_bytes(_docx(build), "merged.docx").blocks
    assert [b.cells for b in blocks] == [
        ("Titre fusionné", "", ""),
        ("Pilier", "Action A", "Réalisé"),
        ("", "Action B", "En cours"),
    ]
    assert sum(b.text.count("Titre fusionné") for b in blocks) == 1
    assert sum(b.text.count("Pilier") for b in blocks) == 1
    assert [b.location.row for b in blocks] == [1, 2, 3] and blocks[2].indent == 1


def test_a_two_column_table_reads_label_then_content():
    def build(d):
        table = d.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "Partenaires"
        table.cell(0, 1).text = "CAF, DDCS"
        table.cell(0, 1).add_paragraph("Conseil départemental")

    blocks = read_docx_bytes(_docx(build), "two.docx").blocks
    assert [(b.text, b.indent, b.location.cell) for b in blocks if b.kind != "blank"] == [
        ("Partenaires", 1, 1),
        ("CAF, DDCS", 2, 2),
        ("Conseil départemental", 2, 2),
    ]


def test_soft_breaks_tabs_headers_and_footers():
    def build(d):
        paragraph = d.add_paragraph("Pilier: 1")
        paragraph.add_run().add_break()
        paragraph.add_run("Axe : 1")
        d.add_paragraph("Enjeu\tAu regard des besoins")
        d.sections[0].footer.paragraphs[0].text = "Contrat de ville"

    blocks = read_docx_bytes(_docx(build), "breaks.docx").blocks
    assert [(b.kind, b.text) for b in blocks] == [
        ("paragraph", "Pilier: 1"),
        ("paragraph", "Axe : 1"),
        ("row", "Enjeu\tAu regard des besoins"),
        ("blank", ""),
        ("paragraph", "Contrat de ville"),
    ]


# ---------------------------------------------------------------------------- bad files


def test_an_old_binary_doc_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "fiche.doc"
    path.write_bytes(OLE2_MAGIC + bytes(4096))
    with pytest.raises(InputError, match=r"old binary Word format \(\.doc\).*save it as \.docx"):
        read_document(path)
    renamed = tmp_path / "fiche.docx"
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(InputError, match=r"\.doc\)"):
        read_document(renamed)


def test_a_doc_that_is_really_a_docx_is_read(built, tmp_path):
    path = tmp_path / "fiche.doc"
    path.write_bytes(built["000"]["tables"].read_bytes())
    assert read_doc(path).blocks[0].text == "FICHE 1.1.1"


def test_a_password_protected_word_file_is_refused(tmp_path):
    path = tmp_path / "secret.docx"
    path.write_bytes(OLE2_MAGIC + bytes(512) + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(InputError, match="password-protected"):
        read_docx(path)


def test_a_truncated_docx_is_refused(built, tmp_path):
    path = builders.truncated_copy(built["000"]["tables"], tmp_path / "cut.docx")
    with pytest.raises(InputError, match="truncated or damaged") as error:
        read_document(path)
    assert error.value.path == str(path)


def test_a_zip_bomb_is_refused_before_unpacking(built, tmp_path):
    path = builders.zip_bomb_docx(built["000"]["tables"], tmp_path / "bomb.docx")
    assert path.stat().st_size < 5 * 2**20  # small on disk, 260 MB unpacked
    with pytest.raises(InputError, match="zip bomb"):
        read_docx(path)


def test_too_many_members_are_refused(built, tmp_path):
    path = builders.many_members_docx(built["000"]["tables"], tmp_path / "many.docx")
    with zipfile.ZipFile(path) as archive:
        assert len(archive.infolist()) > MAX_MEMBERS
    with pytest.raises(InputError, match="files, over the limit"):
        read_docx(path)


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path):
    path = tmp_path / "data.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n")
    with pytest.raises(InputError, match="no word/document.xml"):
        read_docx(path)


# ---------------------------------------------------------------------------- extraction


# A Word cell's paragraphs reach the plan parser joined by newlines, not as <p> fragments:
# it splits them on both to pair the sub-actions with their stacked statuses.
@pytest.mark.parametrize(("short", "variant"), [(s, v) for s in SEEDS for v in ("tables", "plain")])
def test_the_docx_gives_the_extraction_of_the_text(built, short, variant):
    """What the answer key scores is the same from the .docx as from the .txt."""
    key = answer_key(short)
    expected = builders.scored_view(extract(seed_path(short)), key)
    assert builders.scored_view(extract(built[short][variant]), key) == expected
