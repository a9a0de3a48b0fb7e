"""RDF files of an export: the instance data in six syntaxes and the ontology in two.

Every file is written from the store, sorted, without blank nodes or timestamps, so that
exporting the same store twice gives the same bytes:

- ``graph.ttl``, ``graph.nt``, ``graph.rdf`` (RDF/XML) and ``graph.jsonld``: the union of
  the document graphs (the asserted instance data);
- ``graph.trig`` and ``graph.nq``: every named graph of the store (one per source document,
  the ontology graph and, after ``policykg validate --reason``, the inferred graph);
- ``context-v1.jsonld``: a copy of the project's published JSON-LD context, which
  ``graph.jsonld`` names by its IRI (:data:`CONTEXT_IRI`);
- ``ontology.ttl`` and ``ontology.rdf``: the ontology and its code lists.

>>> CONTEXT_IRI
'https://w3id.org/policykg/context/v1.jsonld'
>>> loader = local_document_loader()
>>> loader(CONTEXT_IRI, {})["document"]["@context"]["label"]["@container"]
'@language'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from policykg.errors import PolicykgError
from policykg.graph.serialize import prefixes, sorted_nquads, union_triples
from policykg.ontology.namespace import ONTOLOGY_IRI, PKG

CONTEXT_IRI = "https://w3id.org/policykg/context/v1.jsonld"
CONTEXT_FILE = "context-v1.jsonld"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class FileKind:
    """What the catalogue says about one kind of exported file."""

    media_type: str  # IANA media type, e.g. "text/turtle"
    file_type: str  # code in the EU file-type list, e.g. "RDF_TURTLE"
    title: str  # French title of the distribution
    description: str  # French description


# Exported RDF file name -> its kind (the catalogue reads this table).
RDF_FILES: dict[str, FileKind] = {
    "graph.ttl": FileKind(
        "text/turtle",
        "RDF_TURTLE",
        "Graphe (Turtle)",
        "Données des fiches : union des graphes des documents sources.",
    ),
    "graph.nt": FileKind(
        "application/n-triples",
        "RDF_N_TRIPLES",
        "Graphe (N-Triples)",
        "Données des fiches, un triplet par ligne, triées.",
    ),
    "graph.rdf": FileKind(
        "application/rdf+xml", "RDF_XML", "Graphe (RDF/XML)", "Données des fiches en RDF/XML."
    ),
    "graph.jsonld": FileKind(
        "application/ld+json",
        "JSON_LD",
        "Graphe (JSON-LD)",
        "Données des fiches en JSON-LD compacté avec le contexte "
        "versionné du projet (libellés en cartes de langues).",
    ),
    "graph.trig": FileKind(
        "application/trig",
        "RDF_TRIG",
        "Jeu de graphes nommés (TriG)",
        "Un graphe nommé par document source, avec sa provenance, et le graphe de l'ontologie.",
    ),
    "graph.nq": FileKind(
        "application/n-quads",
        "RDF_N_QUADS",
        "Jeu de graphes nommés (N-Quads)",
        "Les mêmes graphes nommés, un quadruplet par ligne.",
    ),
    CONTEXT_FILE: FileKind(
        "application/ld+json",
        "JSON_LD",
        "Contexte JSON-LD (version 1)",
        f"Copie du contexte publié sous {CONTEXT_IRI}.",
    ),
    "ontology.ttl": FileKind(
        "text/turtle",
        "RDF_TURTLE",
        "Ontologie (Turtle)",
        "Ontologie policykg (OWL) et ses listes de codes (SKOS).",
    ),
    "ontology.rdf": FileKind(
        "application/rdf+xml",
        "RDF_XML",
        "Ontologie (RDF/XML)",
        "Ontologie policykg (OWL) et ses listes de codes (SKOS).",
    ),
}


@cache
def _context_text() -> str:
    return (resources.files("policykg.graph") / "data" / CONTEXT_FILE).read_text(encoding="utf-8")


def context_document() -> dict[str, Any]:
    """The project's JSON-LD context document (a fresh copy).

    >>> context_document()["@context"]["pkg"]
    'https://w3id.org/policykg/def#'
    """
    return json.loads(_context_text())


def local_document_loader(fallback=None):
    """A pyld document loader that serves the project's context without the network.

    Any other IRI goes to ``fallback`` when given, else raises :class:`PolicykgError`.
    """

    def load(url: str, options: dict | None = None) -> dict[str, Any]:
        if url == CONTEXT_IRI:
            return {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": context_document(),
            }
        if fallback is not None:
            return fallback(url, options or {})
        raise PolicykgError(f"refusing to fetch {url} (only the project context is served)")

    return load


def data_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The document graphs of a store (each types itself ``pkg:DocumentGraph``), sorted."""
    rows = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{PKG.DocumentGraph}> }} }}")
    return sorted((r["g"] for r in rows), key=lambda g: g.value)


def ontology_triples(store: ox.Store) -> list[ox.Triple]:
    """The ontology graph of a store, sorted."""
    graph = ox.NamedNode(str(ONTOLOGY_IRI))
    triples = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, graph)
    }
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _json_value(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    datatype = term.datatype.value
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if datatype == _XSD + "string":
        return {"@value": term.value}
    if datatype == _XSD + "integer" and term.value.lstrip("-").isdigit():
        number = int(term.value)
        if str(number) == term.value:  # only canonical forms survive a round trip
            return {"@value": number}
    if datatype == _RDF_LANG_STRING:  # pragma: no cover - always has a language
        return {"@value": term.value}
    return {"@value": term.value, "@type": datatype}


def expanded_jsonld(triples: list[ox.Triple]) -> list[dict[str, Any]]:
    """Triples as expanded JSON-LD (one node object per subject, sorted).

    >>> t = ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal(3))
    >>> expanded_jsonld([t])
    [{'@id': 'http://e/s', 'http://e/p': [{'@value': 3}]}]
    """
    nodes: dict[str, dict[str, Any]] = {}
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for t in triples:
        subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        node = nodes.setdefault(subject, {"@id": subject})
        if t.predicate.value == rdf_type and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(t.object.value)
        else:
            node.setdefault(t.predicate.value, []).append(_json_value(t.object))
    for node in nodes.values():
        for values in node.values():
            if isinstance(values, list):
                values.sort(
                    key=lambda v: (
                        json.dumps(v, sort_keys=True, ensure_ascii=False)
                        if isinstance(v, dict)
                        else v
                    )
                )
    return [nodes[k] for k in sorted(nodes)]


def compact_jsonld(triples: list[ox.Triple]) -> dict[str, Any]:
    """Triples as JSON-LD compacted with the project context, named by its IRI."""
    from pyld import jsonld

    compacted = jsonld.compact(
        expanded_jsonld(triples),
        CONTEXT_IRI,
        {"documentLoader": local_document_loader(), "compactArrays": True},
    )
    if "@graph" not in compacted:  # a single node: keep the @graph form for stable readers
        context = compacted.pop("@context")
        compacted = {"@context": context, "@graph": [compacted] if compacted else []}
    return compacted


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _triples_bytes(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    if fmt == ox.RdfFormat.N_TRIPLES:
        lines = sorted(set((ox.serialize(triples, format=fmt) or b"").splitlines()))
        return b"".join(line + b"\n" for line in lines)
    return ox.serialize(triples, format=fmt, prefixes=prefixes()) or b""


def write_rdf(store: ox.Store, dest: Path) -> list[Path]:
    """Write the RDF files of an export into ``dest``; returns their paths.

    Raises :class:`PolicykgError` when the store holds no document graph.
    """
    graphs = data_graphs(store)
    if not graphs:
        raise PolicykgError("the store holds no document graph; run `policykg build` first")
    dest.mkdir(parents=True, exist_ok=True)
    data = union_triples(store, graphs)
    written: list[Path] = []

    def out(name: str) -> Path:
        written.append(dest / name)
        return dest / name

    out("graph.ttl").write_bytes(_triples_bytes(data, ox.RdfFormat.TURTLE))
    out("graph.nt").write_bytes(_triples_bytes(data, ox.RdfFormat.N_TRIPLES))
    out("graph.rdf").write_bytes(_triples_bytes(data, ox.RdfFormat.RDF_XML))
    _write_json(out("graph.jsonld"), compact_jsonld(data))
    nquads = sorted_nquads(store)
    quads = sorted(
        ox.parse(nquads, format=ox.RdfFormat.N_QUADS),
        key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
    )
    out("graph.trig").write_bytes(
        ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes()) or b""
    )
    out("graph.nq").write_bytes(nquads)
    out(CONTEXT_FILE).write_text(_context_text(), encoding="utf-8")
    ontology = ontology_triples(store)
    out("ontology.ttl").write_bytes(_triples_bytes(ontology, ox.RdfFormat.TURTLE))
    out("ontology.rdf").write_bytes(_triples_bytes(ontology, ox.RdfFormat.RDF_XML))
    return written
