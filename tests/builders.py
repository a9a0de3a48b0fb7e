"""Build Word and PDF versions of the seed documents, as their authors or a tester would.

The seeds are text conversions of Word fiches: a table cell became a tab-indented line, the
2nd+ paragraphs of a cell following without the tab, and rows are separated by blank lines
(orientation seeds); the action plan's rows are tab-separated lines whose cells hold
``<p>`` paragraphs and ``<u>`` underlining; the fiche projet is an OCR of a PDF whose
label | content table lost its columns. These builders rebuild real documents from them:

- :func:`seed_to_docx` writes a .docx with real Word tables (label | content rows,
  merged cells where a row has fewer cells, vertical merges for the action plan's empty
  leading cells, bulleted lists as Word lists, underlined runs);
- :func:`plain_docx` writes each line of a text file as one Word paragraph, tabs kept (what
  opening the .txt in Word or LibreOffice and saving as .docx gives);
- :func:`docx_to_pdf` prints a .docx to PDF with LibreOffice headless (Debian package
  ``libreoffice-writer-nogui``), :func:`text_to_pdf` prints the .txt itself (Writer's text
  import: a monospaced font, tab stops every 1.25 cm, no paragraph spacing) and
  :func:`libreoffice_pdfs` converts many files in one run;
- ``seed_to_docx(..., borders=False)`` writes the tables without rules (python-docx's
  default table style), as an independent converter easily would;
- :func:`fpdf_text_pdf` writes a text file to PDF line by line with fpdf2, tabs turned
  into spaces or into a left offset, as a short script would;
- :func:`scanned_pdf` renders the pages of a PDF to images and wraps them as a PDF without
  a text layer (a scan);
- :func:`zip_bomb_docx`, :func:`truncated_copy`, :func:`encrypted_pdf` make bad inputs.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

BULLET_PREFIXES = ("· ", "·\t", "•")
# The labels of the fiche projet's label | content table (seed 003, as the OCR wrote them).
PROJET_LABELS = (
    "Pilote du projet",
    "Référent du projet",
    "Résultat(s) attendu(s)",
    "Intérét(s) du projet",
    "Cadre",
    "Public Cible",
    "Contexte/diagnostic",
    "Approche stratégique",
    "Ressources et moyens",
    "Partenaire(s) impliqué(s)",
    "Indicateurs d",
)
LIBREOFFICE_PACKAGE = "libreoffice-writer-nogui"


@dataclass
class Table:
    """A table to write: rows of cells, each cell a list of paragraph texts (or None for
    a vertical-merge continuation)."""

    rows: list[list[list[str] | None]] = field(default_factory=list)
    data: bool = False  # an action-plan grid (one row per text line)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def _groups(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with the number of blank lines before it."""
    groups, current, blanks = [], [], 0
    for line in lines:
        if line.strip():
            current.append(line)
            continue
        if current:
            groups.append((blanks, current))
            current, blanks = [], 0
        blanks += 1
    if current:
        groups.append((blanks, current))
    return groups


def _row_from_group(group: list[str]) -> list[list[str]]:
    """A tab-indented group of lines as table cells: each tab starts a new cell."""
    cells: list[list[str]] = []
    for line in group:
        parts = line.split("\t")
        if parts[0].strip() and cells:
            cells[-1].append(parts[0])
        elif parts[0].strip():
            cells.append([parts[0]])
        for part in parts[1:]:
            cells.append([part])
    return cells


def layout_orientation(lines: list[str]) -> list[str | Table]:
    """Blank-separated groups: a group starting with a tab is a table row, others are text."""
    items: list[str | Table] = []
    table: Table | None = None
    for blanks, group in _groups(lines):
        if group[0].startswith("\t"):
            if table is None:
                items.extend([""] * min(blanks, 3))
                table = Table()
                items.append(table)
            table.rows.append(_row_from_group(group))
        else:
            table = None
            items.extend([""] * min(blanks, 3))
            items.extend(group)
    return items


def layout_plan(lines: list[str]) -> list[str | Table]:
    """Lines of three tab-separated cells or more are rows of an action-plan grid."""
    items: list[str | Table] = []
    table: Table | None = None
    for line in lines:
        cells = line.split("\t")
        if sum(1 for c in cells if c.strip()) >= 2 and len(cells) >= 3:
            if table is None:
                table = Table(data=True)
                items.append(table)
            row: list[list[str] | None] = []
            for column, cell in enumerate(cells):
                leading = not any(c.strip() for c in cells[:column])
                above = table.rows[-1] if table.rows else None
                if (
                    leading
                    and not cell.strip()
                    and above is not None
                    and column < len(above)
                    and (above[column] is None or any(p.strip() for p in above[column]))
                ):
                    row.append(None)  # merged with the cell above
                else:
                    row.append(_html_paragraphs(cell))
            table.rows.append(row)
        else:
            table = None
            items.append(line)
    return items


def layout_projet(lines: list[str]) -> list[str | Table]:
    """The fiche projet: title lines, then a label | content table from the first label."""
    items: list[str | Table] = []
    table: Table | None = None
    for blanks, group in _groups(lines):
        if group[0].startswith(PROJET_LABELS):
            table = table or Table()
            if not table.rows:
                items.append(table)
            table.rows.append([list(group), []])
        elif table is not None:
            content = table.rows[-1][1]
            if content:
                content.extend([""] * blanks)
            content.extend(group)
        else:
            items.extend([""] * min(blanks, 3))
            items.extend(group)
    return items


def _html_paragraphs(cell: str) -> list[str]:
    """``<p>a</p> <p>b</p>`` as paragraphs ``a``, ``b`` (``<u>`` kept for the writer)."""
    parts = [p.strip() for p in re.split(r"</?p>", cell)]
    kept = [p for p in parts if p]
    return kept or [cell.strip()]


def seed_layout(path: Path) -> list[str | Table]:
    """The seed's content as paragraphs and tables, by the layout its text shows."""
    lines = _lines(path)
    if sum(1 for ln in lines if ln.count("\t") >= 4) >= 3:
        return layout_plan(lines)
    if any(ln.startswith("\t") for ln in lines):
        return layout_orientation(lines)
    return layout_projet(lines)


# ---------------------------------------------------------------------------- .docx writing


def _add_runs(paragraph, text: str) -> None:
    """Add text to a paragraph, ``<u>…</u>`` as underlined runs."""
    for i, part in enumerate(re.split(r"</?u>", text)):
        if part:
            run = paragraph.add_run(part)
            run.underline = i % 2 == 1


def _write_paragraph(container, text: str, lists: bool = True):
    stripped = text.strip()
    if lists and stripped.startswith(BULLET_PREFIXES) and len(stripped) > 2:
        paragraph = container.add_paragraph(style="List Bullet")
        _add_runs(paragraph, stripped[1:].strip())
        return paragraph
    paragraph = container.add_paragraph()
    _add_runs(paragraph, text.strip() if text.startswith("\t") else text.rstrip())
    return paragraph


def _fill_cell(cell, paragraphs: list[str]) -> None:
    first = cell.paragraphs[0]
    for i, text in enumerate(paragraphs):
        if i == 0:
            stripped = text.strip()
            if stripped.startswith(BULLET_PREFIXES) and len(stripped) > 2:
                first.style = cell.part.document.styles["List Bullet"]
                _add_runs(first, stripped[1:].strip())
            else:
                _add_runs(first, stripped)
        else:
            _write_paragraph(cell, text)


def _write_table(document, spec: Table, borders: bool = True) -> None:
    columns = max(len(row) for row in spec.rows)
    table = document.add_table(rows=len(spec.rows), cols=columns)
    if borders:
        table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(spec.rows):
        cells = table.rows[r].cells
        tcs = list(table.rows[r]._tr.tc_lst)
        if not spec.data and len(row) < columns:
            # fewer cells than the table: the last one spans the rest (a horizontal merge)
            cells[len(row) - 1].merge(cells[columns - 1])
        for c, content in enumerate(row):
            if content is None:
                # a vertical merge with the cell above: mark it, keep it empty
                tcs[c].get_or_add_tcPr().append(OxmlElement("w:vMerge"))
                above = table.rows[r - 1]._tr.tc_lst[c].get_or_add_tcPr()
                if above.find(qn("w:vMerge")) is None:
                    start = OxmlElement("w:vMerge")
                    start.set(qn("w:val"), "restart")
                    above.append(start)
                continue
            _fill_cell(cells[c], content)


def seed_to_docx(seed: Path, out: Path, borders: bool = True) -> Path:
    """Write a seed as a .docx with real Word tables and lists (see the module docstring);
    ``borders=False`` leaves the tables without rules (python-docx's default table)."""
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(9)
    items = seed_layout(seed)
    wide = any(isinstance(item, Table) and item.data for item in items)
    for section in document.sections:
        section.left_margin = section.right_margin = Pt(42)
        if wide:  # an action plan is printed landscape
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = section.page_height, section.page_width
    for item in items:
        if isinstance(item, Table):
            _write_table(document, item, borders)
        else:
            _write_paragraph(document, item)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(out)
    return out


def plain_docx(source: Path, out: Path) -> Path:
    """Write each line of a text file as one paragraph, tabs kept (no tables, no lists)."""
    document = docx.Document()
    for line in _lines(source):
        paragraph = document.add_paragraph()
        if line:
            paragraph.add_run(line)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(out)
    return out


# ---------------------------------------------------------------------------- PDF writing


def require_libreoffice() -> str:
    """The soffice binary; fails (not skips) with the package to install when absent."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise AssertionError(
            "LibreOffice is needed to print .docx test documents to PDF: "
            f"apt-get install {LIBREOFFICE_PACKAGE}"
        )
    return binary


def libreoffice_pdfs(sources: list[Path], out_dir: Path, infilter: str | None = None) -> list[Path]:
    """Convert documents to PDF with one LibreOffice headless run; returns the PDFs' paths.

    A ``.txt`` source is opened by Writer's text import (``infilter`` names an import
    filter with its options, e.g. ``"Text (encoded):UTF8,LF,,,"``; by default LibreOffice
    chooses): one paragraph a line, a monospaced font, tab stops every 1.25 cm.
    """
    binary = require_libreoffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    command = [
        binary,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
    ]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", "pdf", "--outdir", str(out_dir), *map(str, sources)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    pdfs = [out_dir / (source.stem + ".pdf") for source in sources]
    for source, pdf in zip(sources, pdfs, strict=True):
        assert pdf.exists(), f"LibreOffice wrote no PDF for {source}"
    return pdfs


def docx_to_pdf(source: Path, out_dir: Path) -> Path:
    """Print a .docx to PDF with LibreOffice headless; returns the PDF's path."""
    return libreoffice_pdfs([source], out_dir)[0]


def text_to_pdf(source: Path, out_dir: Path, encoded: bool = False) -> Path:
    """Print a text file to PDF with LibreOffice headless, straight from the .txt
    (``encoded``: through the "Text (encoded)" filter, UTF-8, LF line ends)."""
    infilter = "Text (encoded):UTF8,LF,,," if encoded else None
    return libreoffice_pdfs([source], out_dir, infilter)[0]


FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONTS_PACKAGE = "fonts-dejavu-core"


def _require_fpdf():
    try:
        import fpdf
    except ImportError as exc:  # a test dependency: fail saying what to install
        raise AssertionError("fpdf2 is needed to write test PDFs: pip install fpdf2") from exc
    return fpdf


def fpdf_text_pdf(
    source: Path, out: Path, tabs: str = "spaces", font: str = "DejaVuSans.ttf", size: int = 10
) -> Path:
    """Write a text file to PDF line by line with fpdf2, as a short script would.

    Each line is a ``multi_cell`` (long lines wrap at the right margin, an empty line is an
    empty line). ``tabs`` says what becomes of tab characters, which fpdf2 cannot print:
    ``"spaces"``: each is four spaces; ``"expand"``: ``str.expandtabs(8)`` (columns of 8
    characters, for a monospaced ``font``); ``"indent"``: leading tabs move the whole
    paragraph right by 1.25 cm each (its wrapped lines too) and the other tabs are four
    spaces.
    """
    fpdf = _require_fpdf()
    path = FONTS / font
    assert path.exists(), f"font {path} is missing: apt-get install {FONTS_PACKAGE}"
    pdf = fpdf.FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("Body", "", str(path))
    pdf.set_font("Body", size=size)
    pdf.add_page()
    height = size * 0.5
    for line in _lines(source):
        lead = 0
        if tabs == "indent":
            lead = len(line) - len(line.lstrip("\t"))
            line = line[lead:]
        text = line.expandtabs(8) if tabs == "expand" else line.replace("\t", "    ")
        pdf.set_x(pdf.l_margin + lead * 12.5)
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out


def scanned_pdf(source_pdf: Path, out: Path, dpi: int = 200, pages: int | None = None) -> Path:
    """Render a PDF's pages to greyscale images and wrap them as a PDF with no text layer."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(source_pdf))
    images = []
    try:
        for index in range(len(pdf) if pages is None else min(pages, len(pdf))):
            bitmap = pdf[index].render(scale=dpi / 72)
            images.append(bitmap.to_pil().convert("L"))
    finally:
        pdf.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out


# ---------------------------------------------------------------------------- bad inputs


def truncated_copy(source: Path, out: Path, keep: float = 0.6) -> Path:
    """A copy of a file cut after ``keep`` of its bytes (a broken download)."""
    data = source.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def zip_bomb_docx(source: Path, out: Path, megabytes: int = 260) -> Path:
    """A .docx with an extra member of zeros that unpacks to ``megabytes`` MB."""
    shutil.copy(source, out)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/media/padding.bin", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return out


def many_members_docx(source: Path, out: Path, members: int = 10_001) -> Path:
    """A .docx with more members than the reader accepts."""
    shutil.copy(source, out)
    with zipfile.ZipFile(out, "a") as archive:
        for i in range(members):
            archive.writestr(f"padding/item{i}.xml", b"")
    return out


def encrypted_pdf(source: Path, out: Path, password: str = "secret") -> Path:
    """A copy of a PDF that needs a password to open."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(source)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    out.write_bytes(buffer.getvalue())
    return out


# ---------------------------------------------------------------------------- comparing


def _plan_item(extraction, label: str):
    """The first action, else sub-action, whose label starts like ``label``."""
    from policykg.loaders.resolve.names import normalise_key

    wanted = normalise_key(label)
    for action in extraction.actions:
        if normalise_key(action.label).startswith(wanted):
            return action, action
    for action in extraction.actions:
        for sub in action.sub_actions:
            if normalise_key(sub.label).startswith(wanted):
                return sub, action
    return None, None


def scored_view(extraction, key: dict) -> dict:
    """What the answer key scores, as read from an extraction: per key fiche its title,
    counts, partners (with the key's missing ones), links, funding, roles; per spot check
    of an action plan its status, type, quartiers and volet. Two extractions of the same
    fiche in different formats must give equal views."""
    from policykg.loaders.resolve.names import clean_text, normalise_key
    from tests.answer_key import count_items, match_partners

    view: dict = {}
    for fk in key.get("fiches", []):
        found = [f for f in extraction.fiches if f.code == fk["code"]]
        if not found:
            view[fk["code"]] = None
            continue
        fiche = found[0]
        score = match_partners(fiche, fk)
        view[fk["code"]] = {
            "title": clean_text(fiche.title or ""),
            "enjeu": clean_text(fiche.enjeu or ""),
            "counts": {name: count_items(fiche, name) for name in fk.get("counts", {})},
            "partners": sorted({normalise_key(m.name) for m in fiche.partners}),
            "missing_partners": sorted(score.missing),
            "links": sorted({r.target for r in fiche.links}),
            "funding": sorted(
                (normalise_key(f.label), f.amount_eur, f.share) for f in fiche.funding
            ),
            "calendar": list(fiche.calendar),
            "scale": clean_text(fiche.scale or ""),
            "roles": sorted(
                {(m.role, normalise_key(m.name)) for m in fiche.partners if m.role != "partenaire"}
            ),
        }
    for check in key.get("spot_checks", []):
        item, action = _plan_item(extraction, check["action"])
        view[check["action"]] = (
            None
            if item is None
            else {
                "status": item.status,
                "type": item.type,
                "quartiers": list(item.quartiers),
                "volet": action.volet,
                "sub_actions": [
                    (s.status, s.type, list(s.quartiers)) for s in getattr(item, "sub_actions", [])
                ],
            }
        )
    if "spot_checks" in key:
        view["action_count"] = len(extraction.actions)
    return view
