"""Parser for the *plan d'actions opérationnel* table (Nantes Métropole 2015). STUB."""

from __future__ import annotations

from policykg.loaders.document import Document
from policykg.loaders.records import Contract, Extraction


class PlanParser:
    name = "plan"
    label = "plan d'actions opérationnel"

    def detect(self, document: Document) -> float:
        return 0.0

    def parse(self, document: Document, contract: Contract | None = None) -> Extraction:
        raise NotImplementedError


PARSER = PlanParser()
