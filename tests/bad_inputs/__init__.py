"""The bad-input corpus: what users' shared drives hold, written into a test folder.

:func:`write_bad_corpus` writes one corpus folder (with its ``corpus.yaml``) that mixes two
good seeds with every kind of bad input the robustness issue lists, and returns what the
build must do with each: :class:`Case` ``outcome`` is ``"refused"`` (the document fails
with a message naming its file, and line where there is one; the rest builds) or
``"loaded"`` (read, possibly in part, with the warnings named).

Nothing large is committed: the 50 MB text is made by :func:`write_big_text` in the test
that needs it.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SEED_IDS, seed_path

CONTRACT = "tours-2015-2020"
MANIFEST_HEAD = """\
contracts:
  tours-2015-2020:
    territory: "Tour(s)plus (agglomération tourangelle)"
    period: "2015-2020"
    epci_siren: "243700754"
  nantes-2015-2020:
    territory: "Nantes Métropole"
    period: "2015-2020"
    epci_siren: "244400404"
documents:
"""


@dataclass(frozen=True)
class Case:
    """One document of the bad-input corpus and what the build must do with it.

    ``file`` is the name listed in corpus.yaml; ``message`` a fragment the error (refused)
    or a warning (loaded) must contain; ``where`` the ``file:line`` prefix the error starts
    with (the manifest's line for manifest errors).
    """

    file: str
    outcome: str
    message: str = ""
    where: str = ""
    contract: str = CONTRACT


def orientation_fiche(
    code: str,
    title: str,
    partners: str = "CAF, Centre social, DDCS",
    links: str = "",
) -> str:
    """A short fiche orientation opérationnelle as a text conversion gives it."""
    return (
        f"FICHE {code}\n\n{title}\n\n\tPilier: {code[0]}\nAxe : {code[:3]}\n\n"
        "\tEnjeu : Favoriser la participation des habitants\n\n"
        "\tObjectifs et dynamiques\n\n\t· Mobiliser les acteurs du quartier\n\n"
        "\tPartenaires mobilisables (dont habitants)\nDispositifs mobilisables\n\n"
        f"\tPartenaires\n{partners}\n\n"
        "\tindicateurs de réalisation\n\n\t· Nombre de réunions organisées\n\n"
        "\tLiens autres enjeux / fiches « orientations opérationnelles « \n"
        f"\t{links or 'Fiches 1.1.1'}\n"
    )


PLAN_HEADER = (
    "PILIER\tVOLETS\tOBJECTIFS OPERATIONNELS\tACTIONS\tEXEMPLES DE SOUS-ACTIONS\t"
    "En cours/ A réaliser\tTYPE D'ACTIONS\tQUARTIER"
)


def plan_with_wide_row(cells: int = 40) -> str:
    """A plan d'actions table whose third line is a row of ``cells`` cells."""
    first = (
        "GOUVERNANCE ET PARTICIPATION CITOYENNE\t1. GOUVERNANCE : PILOTAGE\t"
        "ASSURER LA LISIBILITÉ DU PILOTAGE\tConstruire un schéma de pilotage\t"
        "Rédiger la charte\tEn cours\tInstitution\tTOUS QUARTIERS"
    )
    base = [
        "",
        "",
        "",
        "Ouvrir les ateliers participatifs",
        "Créer les conditions",
        "A réaliser",
        "Institution",
        "BOTTIERE",
    ]
    extra = [f"cellule en trop {i}" for i in range(len(base) + 1, cells + 1)]
    wide = "\t".join(base + extra)
    return f"PILIER 4 - GOUVERNANCE\n{PLAN_HEADER}\n{first}\n{wide}\n"


def mixed_line_endings(text: str) -> bytes:
    """``text`` with CRLF, CR and LF line ends in turn and NUL bytes inside some lines."""
    lines = text.split("\n")[:-1]
    out = []
    for number, line in enumerate(lines, start=1):
        if number % 7 == 3 and line:
            line = line[:2] + "\x00" + line[2:]
        end = ("\r\n", "\r", "\n")[number % 3]
        following = lines[number] if number < len(lines) else "x"
        if end == "\r" and not following:
            end = "\r\n"  # CR then an empty LF line would read as one CRLF
        out.append(line + end)
    return "".join(out).encode("utf-8")


def truncated_docx(out: Path) -> Path:
    """A small .docx cut in the middle (a broken download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" + " " * 4000)
        archive.writestr("word/document.xml", "<w:document/>" + "x" * 20000)
    data = buffer.getvalue()
    out.write_bytes(data[: len(data) // 2])
    return out


def encrypted_pdf(out: Path) -> Path:
    """A one-page PDF that needs a password to open."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def many_partners(count: int = 5000) -> str:
    """A fiche whose partner list names ``count`` distinct associations."""
    names = ", ".join(f"Association Quartier {i:04d}" for i in range(1, count + 1))
    return orientation_fiche("2.2.1", "MOBILISER LES ASSOCIATIONS DES QUARTIERS", names)


def write_big_text(path: Path, megabytes: int = 50) -> Path:
    """A text file of ``megabytes`` MB: a fiche followed by paragraphs of filler."""
    head = orientation_fiche("3.9.9", "UN TRES GROS FICHIER").encode("utf-8")
    line = ("Lorem ipsum dolor sit amet, quartier prioritaire " * 3 + "\n").encode("utf-8")
    with path.open("wb") as handle:
        handle.write(head)
        target, size = megabytes * 1024 * 1024, len(head)
        block = line * 1000
        while size < target:
            handle.write(block)
            size += len(block)
    return path


def _entry(name: str, contract: str = CONTRACT, extra: str = "") -> str:
    return f"  - {{file: {name!r}, contract: {contract}{extra}}}"


def write_bad_corpus(folder: Path) -> list[Case]:
    """Write the bad-input corpus into ``folder`` and return its cases, in manifest order.

    Documents 1-2 are good seeds; the others are the bad inputs. The manifest's line of
    each entry is ``len(MANIFEST_HEAD lines) + rank`` (see :func:`manifest_line`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    entries: list[str] = []

    def add(case: Case, data: bytes | None = None, extra: str = "") -> None:
        if data is not None:
            (folder / case.file).write_bytes(data)
        entries.append(_entry(case.file, case.contract, extra))
        cases.append(case)

    seed = f"{SEED_IDS['000']}.txt"
    shutil.copy(seed_path("000"), folder / seed)
    add(Case(seed, "loaded"))
    plan = f"{SEED_IDS['004']}.txt"
    shutil.copy(seed_path("004"), folder / plan)
    add(Case(plan, "loaded", contract="nantes-2015-2020"))

    add(Case("vide.txt", "refused", "empty file", "vide.txt: "), b"")
    add(Case("binaire.txt", "refused", "binary file", "binaire.txt:1: "), bytes(range(256)) * 64)
    cp1252 = seed_path("001").read_text(encoding="utf-8").encode("cp1252", "replace")
    add(Case("windows-1252.txt", "loaded"), cp1252)
    mixed = mixed_line_endings(seed_path("002").read_text(encoding="utf-8"))
    add(Case("fins-de-ligne.txt", "loaded", "NUL byte(s) dropped"), mixed)
    truncated_docx(folder / "tronque.docx")
    add(Case("tronque.docx", "refused", "truncated or damaged", "tronque.docx: "))
    encrypted_pdf(folder / "chiffre.pdf")
    add(Case("chiffre.pdf", "refused", "encrypted PDF", "chiffre.pdf: "))
    add(Case("partenaires-5000.txt", "loaded"), many_partners().encode("utf-8"))
    add(
        Case("ligne-40-cellules.txt", "loaded", contract="nantes-2015-2020"),
        plan_with_wide_row().encode("utf-8"),
        ", template: plan",
    )
    twin = orientation_fiche("3.1.1", "DEVELOPPER L'EMPLOI DES JEUNES")
    add(Case("doublon-a.txt", "loaded"), twin.encode("utf-8"))
    twins = twin + "\n" + orientation_fiche("3.1.1", "DEVELOPPER L'APPRENTISSAGE", "Mission locale")
    add(
        Case("doublon-b.txt", "loaded", "fiche code 3.1.1 used twice (lines 1 and 27)"),
        twins.encode("utf-8"),
    )
    self_ref = orientation_fiche(
        "3.2.1", "SOUTENIR LA CREATION D'ENTREPRISE", links="Fiches 3.2.1/3.1.1"
    )
    add(
        Case("auto-reference.txt", "loaded", "auto-reference.txt:25: fiche 3.2.1 links to itself"),
        self_ref.encode("utf-8"),
    )
    add(Case("../../etc/passwd", "refused", "points outside the corpus folder", "corpus.yaml:"))
    (folder / "cle-inconnue.txt").write_text(twin, encoding="utf-8")
    add(
        Case("cle-inconnue.txt", "refused", "unknown key 'pages'", "corpus.yaml:"),
        extra=", pages: 3",
    )
    (folder / "mauvais-type.txt").write_text(twin, encoding="utf-8")
    add(
        Case("mauvais-type.txt", "refused", "template must be a text value", "corpus.yaml:"),
        extra=", template: [plan, projet]",
    )
    add(Case("absent.txt", "refused", "not found in the corpus folder", "corpus.yaml:"))
    (folder / "corpus.yaml").write_text(MANIFEST_HEAD + "\n".join(entries) + "\n", encoding="utf-8")
    return cases


def manifest_line(cases: list[Case], file: str) -> int:
    """The corpus.yaml line of a document's entry."""
    rank = [c.file for c in cases].index(file)
    return MANIFEST_HEAD.count("\n") + rank + 1
