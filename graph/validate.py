"""SHACL validation (pySHACL) of a built graph and of an export's catalogue.

The instance data (``OUT/graph.ttl``) is checked against ``ontology/shapes.ttl`` with the
ontology; each result names the shape, the resource at fault and the source documents
that describe it (looked up in ``OUT/store``). The DCAT-AP catalogue of an export
(``catalog.ttl``) is checked against ``ontology/catalog_shapes.ttl``.
"""

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
    source: str | None = None  # the source documents describing the focus node


@dataclass
class ValidationReport:
    """The outcome of validating a graph (or a catalogue: ``subject`` says which)."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    subject: str = "the graph conforms to the policykg shapes"

    @property
    def errors(self) -> list[Violation]:
        """The results of severity Violation (warnings left out)."""
        return [v for v in self.violations if v.severity == "Violation"]

    def summary(self, warnings: int = 20) -> str:
        """Violations grouped by shape, one line each with the resource at fault and its
        source documents; warnings listed too when there are at most ``warnings`` of them,
        else counted per shape."""
        errors = self.errors
        others = [v for v in self.violations if v.severity != "Violation"]
        lines = [self.subject if self.conforms else f"{len(errors)} SHACL violations:"]
        if self.conforms and others:
            lines[0] += f" ({len(others)} warnings)"
        listed = errors + (others if len(others) <= warnings else [])
        by_shape: dict[str, list[Violation]] = defaultdict(list)
        for v in listed:
            by_shape[v.shape].append(v)
        for shape in sorted(by_shape):
            lines.append(f"  {shape} ({len(by_shape[shape])}):")
            for v in sorted(by_shape[shape], key=lambda v: (v.focus, v.path or "", v.message)):
                where = f" {v.path}" if v.path else ""
                source = f" [in {v.source}]" if v.source else ""
                level = "" if v.severity == "Violation" else f" ({v.severity.lower()})"
                lines.append(f"    {v.focus}{where}: {v.message}{level}{source}")
        if len(others) > warnings:
            counts: dict[str, int] = defaultdict(int)
            for v in others:
                counts[v.shape] += 1
            lines += [f"  warnings: {n} x {shape}" for shape, n in sorted(counts.items())]
        return "\n".join(lines)


def _shape_name(shape: rdflib.term.Node | None, shapes: rdflib.Graph | None) -> str:
    """A shape's IRI; for an anonymous property shape, the IRI of its node shape."""
    if shape is None:
        return "?"
    if isinstance(shape, rdflib.BNode) and shapes is not None:
        parent = shapes.value(None, SH.property, shape)
        if parent is not None and not isinstance(parent, rdflib.BNode):
            return str(parent)
    return str(shape)


def _violations(results: rdflib.Graph, shapes: rdflib.Graph | None = None) -> list[Violation]:
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):

        def value(p, r=result):
            v = results.value(r, p)
            return str(v) if v is not None else None

        found.append(
            Violation(
                shape=_shape_name(results.value(result, SH.sourceShape), shapes),
                focus=value(SH.focusNode) or "?",
                path=value(SH.resultPath),
                message=value(SH.resultMessage) or "",
                severity=(value(SH.resultSeverity) or "").rsplit("#", 1)[-1],
            )
        )
    return sorted(found, key=lambda v: (v.shape, v.focus, v.path or "", v.message))


def validate_graph(data: rdflib.Graph) -> ValidationReport:
    """Validate instance data (an rdflib graph) against the shapes and the ontology."""
    from policykg.ontology.loader import ontology_graph, shapes_graph

    shapes = shapes_graph()
    conforms, results, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology_graph(),
        inference="rdfs",
        allow_warnings=True,
    )
    return ValidationReport(conforms=bool(conforms), violations=_violations(results, shapes))


# The documents a focus node comes from: those naming it with pkg:sourceDocument (rank 0),
# else those describing it (1), else those citing it (2).
_SOURCES = """
PREFIX pkg: <https://w3id.org/policykg/def#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?focus ?file ?rank WHERE {
  GRAPH ?g { ?g prov:wasDerivedFrom ?doc . ?doc pkg:fileName ?file .
    { ?focus pkg:sourceDocument ?doc BIND(0 AS ?rank) }
    UNION { ?focus ?p ?o BIND(1 AS ?rank) } UNION { ?s ?p ?focus BIND(2 AS ?rank) } }
}"""


def _source_files(store, focus: str) -> str | None:
    import pyoxigraph as ox

    ranked: dict[int, set[str]] = defaultdict(set)
    for row in store.query(_SOURCES, substitutions={ox.Variable("focus"): ox.NamedNode(focus)}):
        ranked[int(row["rank"].value)].add(row["file"].value)
    return ", ".join(sorted(ranked[min(ranked)])) if ranked else None


def add_sources(report: ValidationReport, store) -> ValidationReport:
    """Name, on each result, the source documents the focus node comes from."""
    cache: dict[str, str | None] = {}
    for v in report.violations:
        if v.focus not in cache:
            web = v.focus.startswith(("http://", "https://", "urn:"))
            cache[v.focus] = _source_files(store, v.focus) if web else None
        v.source = cache[v.focus]
    return report


def validate_output(out_dir: str | Path) -> ValidationReport:
    """Validate the ``graph.ttl`` of a built output folder, naming source documents."""
    path = Path(out_dir) / GRAPH_FILES["turtle"]
    if not path.is_file():
        raise PolicykgError("no graph.ttl here; run `policykg build` first", path=out_dir)
    data = rdflib.Graph()
    data.parse(path, format="turtle")
    report = validate_graph(data)
    if report.violations and (Path(out_dir) / "store").is_dir():
        from policykg.graph.store import open_store

        add_sources(report, open_store(out_dir))
    return report


CATALOG_SHAPES = "catalog_shapes.ttl"


def catalog_shapes_graph() -> rdflib.Graph:
    """The project's DCAT-AP catalogue shapes (``ontology/catalog_shapes.ttl``)."""
    from policykg.ontology.loader import resource_text

    return rdflib.Graph().parse(data=resource_text(CATALOG_SHAPES), format="turtle")


def validate_catalog(catalog: str | Path | rdflib.Graph) -> ValidationReport:
    """Validate an export's catalogue (a ``catalog.ttl`` path or a graph).

    Raises :class:`PolicykgError` when the file is missing or is not Turtle.
    """
    if isinstance(catalog, rdflib.Graph):
        data = catalog
    else:
        path = Path(catalog)
        if not path.is_file():
            raise PolicykgError("no catalogue here; run `policykg export` first", path=path)
        try:
            data = rdflib.Graph().parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several kinds of syntax errors
            raise PolicykgError(f"cannot read the catalogue: {exc}", path=path) from exc
    shapes = catalog_shapes_graph()
    conforms, results, _ = shacl_validate(data, shacl_graph=shapes, allow_warnings=True)
    return ValidationReport(
        conforms=bool(conforms),
        violations=_violations(results, shapes),
        subject="the catalogue conforms to the DCAT-AP catalogue shapes",
    )
