"""Which reader reads a file, which template parser reads a document.

>>> sorted(TEMPLATES)
['orientation', 'plan', 'projet']
>>> reader_for("fiche.TXT").__name__
'read_text'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from policykg.errors import InputError, UnknownTemplateError
from policykg.loaders.consistency import check_extraction
from policykg.loaders.document import Document
from policykg.loaders.readers.text import read_text
from policykg.loaders.records import Contract, Extraction
from policykg.loaders.templates.base import TemplateParser

# Template parsers, by the short name used in corpus.yaml.
_TEMPLATE_MODULES = ("orientation", "projet", "plan")
TEMPLATES: dict[str, TemplateParser] = {
    name: importlib.import_module(f"policykg.loaders.templates.{name}").PARSER
    for name in _TEMPLATE_MODULES
}

# Below this detection score a document matches no template.
DETECTION_THRESHOLD = 0.5


def _reader(module: str, function: str) -> Callable[[Path], Document]:
    def read(path: Path) -> Document:
        return getattr(importlib.import_module(module), function)(path)

    read.__name__ = function
    return read


# Readers by file extension. Formats whose reader needs optional packages are imported
# only when such a file is met.
READERS: dict[str, Callable[[Path], Document]] = {
    ".txt": read_text,
    ".text": read_text,
    ".docx": _reader("policykg.loaders.readers.docx", "read_docx"),
    ".doc": _reader("policykg.loaders.readers.docx", "read_doc"),
    ".pdf": _reader("policykg.loaders.readers.pdf", "read_pdf"),
}

# Extensions of documents written by hand in the canonical fiche format.
CANONICAL_EXTENSIONS = (".yaml", ".yml", ".json")


def reader_for(path: str | Path) -> Callable[[Path], Document]:
    """The reader for a file, chosen by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix in READERS:
        return READERS[suffix]
    known = ", ".join(sorted(set(READERS) | set(CANONICAL_EXTENSIONS)))
    raise InputError(f"unsupported file type {suffix or '(none)'!r}; known: {known}", path=path)


def read_document(path: str | Path) -> Document:
    """Read a source file into a :class:`Document` with the reader its extension names."""
    return reader_for(path)(Path(path))


def headings_seen(document: Document, limit: int = 8) -> list[str]:
    """The first short lines of a document, to show what an unknown layout looks like."""
    seen = []
    for block in document.non_blank():
        text = block.text.replace("\t", " ").strip()
        if 2 < len(text) <= 60 and text not in seen:
            seen.append(text)
        if len(seen) >= limit:
            break
    return seen


def detect_template(document: Document) -> TemplateParser:
    """The template parser that best matches a document's content.

    Raises :class:`UnknownTemplateError` listing the headings it saw when no template
    scores at least :data:`DETECTION_THRESHOLD`.
    """
    scores = sorted(
        ((parser.detect(document), name) for name, parser in TEMPLATES.items()), reverse=True
    )
    best_score, best = scores[0] if scores else (0.0, None)
    if best is None or best_score < DETECTION_THRESHOLD:
        seen = "; ".join(f"{h!r}" for h in headings_seen(document)) or "no text"
        raise UnknownTemplateError(
            f"no known fiche template matches (known: {', '.join(sorted(TEMPLATES))}); "
            f"first lines seen: {seen}",
            path=document.path,
        )
    return TEMPLATES[best]


def template_named(name: str, path: str | Path | None = None) -> TemplateParser:
    """The template parser called ``name`` (as written in corpus.yaml)."""
    if name not in TEMPLATES:
        raise InputError(
            f"unknown template {name!r}; known: {', '.join(sorted(TEMPLATES))}", path=path
        )
    return TEMPLATES[name]


def read_and_extract(
    path: str | Path, template: str | None = None, contract: Contract | None = None
) -> tuple[Document | None, Extraction]:
    """Read one source document and parse it; also return the :class:`Document` read.

    Hand-written canonical documents (``.yaml``, ``.json``) are read as they are (no
    Document: the first element is ``None``); other files go through their reader and the
    named or detected template parser. Either way :func:`check_extraction` then drops
    self-links and warns about duplicated fiche codes.
    """
    path = Path(path)
    if path.suffix.lower() in CANONICAL_EXTENSIONS:
        from policykg.loaders.readers.canonical import read_canonical

        document, extraction = None, read_canonical(path)
    else:
        document = read_document(path)
        parser = template_named(template, path) if template else detect_template(document)
        extraction = parser.parse(document, contract)
        extraction.source = extraction.source or document.name
        extraction.template = extraction.template or parser.name
    if contract is not None and extraction.contract is None:
        extraction.contract = contract
    check_extraction(extraction)
    return document, extraction


def extract(
    path: str | Path, template: str | None = None, contract: Contract | None = None
) -> Extraction:
    """Read one source document into records (the library behind ``policykg extract``)."""
    return read_and_extract(path, template, contract)[1]
