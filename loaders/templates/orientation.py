"""Parser for the *fiche orientation opérationnelle* (Tour(s)plus 2015-2020). STUB."""

from __future__ import annotations

from policykg.loaders.document import Document
from policykg.loaders.records import Contract, Extraction


class OrientationParser:
    name = "orientation"
    label = "fiche orientation opérationnelle"

    def detect(self, document: Document) -> float:
        return 0.0

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction:
        raise NotImplementedError


PARSER = OrientationParser()
