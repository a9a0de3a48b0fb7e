"""SHACL validation of a built graph against the project's shapes (pySHACL)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, SH

from policykg.errors import PolicykgError
from policykg.graph.serialize import GRAPH_FILES


@dataclass
class Violation:
    """One SHACL result: the shape, the resource at fault, the property and the message."""

    shape: str
    focus: str
    path: str | None
    message: str
    severity: str


@dataclass
class ValidationReport:
    """The outcome of validating a graph."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    def summary(self) -> str:
        """Violations grouped by shape, one line each."""
        if self.conforms:
            return "the graph conforms to the policykg shapes"
        by_shape: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            by_shape[v.shape].append(v)
        lines = [f"{len(self.violations)} SHACL violations:"]
        for shape in sorted(by_shape):
            lines.append(f"  {shape} ({len(by_shape[shape])}):")
            for v in sorted(by_shape[shape], key=lambda v: (v.focus, v.path or "")):
                where = f" {v.path}" if v.path else ""
                lines.append(f"    {v.focus}{where}: {v.message}")
        return "\n".join(lines)


def _violations(results: rdflib.Graph) -> list[Violation]:
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        def value(p, r=result):
            v = results.value(r, p)
            return str(v) if v is not None else None

        found.append(Violation(
            shape=value(SH.sourceShape) or "?",
            focus=value(SH.focusNode) or "?",
            path=value(SH.resultPath),
            message=value(SH.resultMessage) or "",
            severity=(value(SH.resultSeverity) or "").rsplit("#", 1)[-1],
        ))
    return sorted(found, key=lambda v: (v.shape, v.focus, v.path or "", v.message))


def validate_graph(data: rdflib.Graph) -> ValidationReport:
    """Validate instance data (an rdflib graph) against the shapes and the ontology."""
    from policykg.ontology.loader import ontology_graph, shapes_graph

    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="rdfs",
        allow_warnings=True,
    )
    return ValidationReport(conforms=bool(conforms), violations=_violations(results))


def validate_output(out_dir: str | Path) -> ValidationReport:
    """Validate the ``graph.ttl`` of a built output folder."""
    path = Path(out_dir) / GRAPH_FILES["turtle"]
    if not path.is_file():
        raise PolicykgError("no graph.ttl here; run `policykg build` first", path=out_dir)
    data = rdflib.Graph()
    data.parse(path, format="turtle")
    return validate_graph(data)
