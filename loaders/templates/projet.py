"""Parser for the *fiche projet* (Tours Métropole Val de Loire 2024-2030, OCR). STUB."""

from __future__ import annotations

from policykg.loaders.document import Document
from policykg.loaders.records import Contract, Extraction


class ProjetParser:
    name = "projet"
    label = "fiche projet"

    def detect(self, document: Document) -> float:
        return 0.0

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction:
        raise NotImplementedError


PARSER = ProjetParser()
