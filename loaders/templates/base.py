"""What every template parser provides."""

from __future__ import annotations

from typing import Protocol

from policykg.loaders.document import Document
from policykg.loaders.records import Contract, Extraction


class TemplateParser(Protocol):
    """A parser for one fiche layout.

    ``name`` is the short name used in ``corpus.yaml`` (``template: orientation``);
    ``detect`` scores how well a document matches (0 = not at all, 1 = certainly);
    ``parse`` reads the document into records, accounting for every line.
    """

    name: str
    label: str

    def detect(self, document: Document) -> float: ...

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction: ...
