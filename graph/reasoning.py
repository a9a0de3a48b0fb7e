"""OWL reasoning over a built graph: consistency with HermiT, and inferred triples.

The ontology graph and the asserted document graphs are loaded into owlready2 and given to
its HermiT reasoner (Java). HermiT says whether they are consistent; when they are not
(an actor typed both as a profession and as a territory, which the ontology declares
disjoint), :func:`disjointness_clashes` names the resources at fault and their documents.

:func:`infer` adds what the ontology entails and the documents do not say: class
memberships (HermiT's realisation of every individual, closed under the class hierarchy:
an ``pkg:Organisation`` is an ``org:Organization`` and a ``prov:Agent``, an actor in the
domain of a role is of that role's class when the ontology says so), super-properties
(``pkg:partenaire`` is ``pkg:involves``), inverse and transitive properties. They go into
their own named graph, :data:`INFERRED_GRAPH`, never mixed with the asserted triples.

>>> INFERRED_GRAPH
'https://w3id.org/policykg/id/graph/inferred'
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from policykg.errors import PolicykgError
from policykg.graph.iris import DEFAULT_BASE
from policykg.graph.serialize import union_triples

INFERRED_GRAPH = DEFAULT_BASE + "graph/inferred"
INFERRED_FILE = "inferred.nq"
JAVA_HINT = (
    "OWL reasoning runs HermiT, which needs a Java runtime: install one "
    "(Debian: apt-get install default-jre-headless)"
)
# Types that describe the ontology itself, not individuals.
_META = {
    str(t)
    for t in (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.Ontology,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.FunctionalProperty,
        RDF.Property,
        RDFS.Class,
        OWL.NamedIndividual,
        OWL.Thing,
        OWL.Restriction,
        OWL.AllDisjointClasses,
        OWL.InverseFunctionalProperty,
    )
}

_TOP = {str(OWL.topObjectProperty)}


@dataclass
class ReasoningReport:
    """The outcome of an OWL check: consistency, clashes found, inferred triples."""

    consistent: bool
    individuals: int = 0
    clashes: list[str] = field(default_factory=list)
    inferred: list[ox.Triple] = field(default_factory=list)

    def summary(self) -> str:
        """One line, or the clashes when inconsistent."""
        if self.consistent:
            line = (
                f"OWL: the ontology and the data ({self.individuals} individuals) are "
                "consistent (HermiT)"
            )
            if self.inferred:
                line += f"; {len(self.inferred)} inferred triples in <{INFERRED_GRAPH}>"
            return line
        lines = ["OWL: the ontology and the data are inconsistent (HermiT)"]
        lines += [f"  {c}" for c in self.clashes] or [
            "  (no disjointness clash found; the cause is another axiom)"
        ]
        return "\n".join(lines)


def java_runtime() -> str:
    """The Java executable owlready2 will run; raises :class:`PolicykgError` if absent."""
    import owlready2

    found = shutil.which(owlready2.JAVA_EXE)
    if not found:
        raise PolicykgError(JAVA_HINT)
    return found


def _individuals(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    """IRIs typed with a class that is not an OWL/RDFS meta-class."""
    return {
        s
        for s, o in graph.subject_objects(RDF.type)
        if isinstance(s, rdflib.URIRef) and str(o) not in _META
    }


def _load_world(graph: rdflib.Graph, folder: Path):
    """An owlready2 world holding ``graph``, every individual declared as such."""
    from owlready2 import World

    declared = rdflib.Graph()
    declared += graph
    for individual in _individuals(graph):
        declared.add((individual, RDF.type, OWL.NamedIndividual))
    path = folder / "reasoning-input.nt"
    declared.serialize(path, format="nt", encoding="utf-8")
    world = World()
    world.get_ontology(path.as_uri()).load()
    return world


def _run_hermit(world) -> bool:
    """Run HermiT on the world; False when it finds the ontology inconsistent."""
    from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, sync_reasoner

    java_runtime()
    try:
        sync_reasoner(world, infer_property_values=False, debug=0)
    except OwlReadyInconsistentOntologyError:
        return False
    except OwlReadyJavaError as exc:
        raise PolicykgError(f"HermiT failed: {str(exc).strip().splitlines()[-1]}") from exc
    return True


def disjointness_clashes(graph: rdflib.Graph, sources: dict[str, str] | None = None) -> list[str]:
    """Resources typed with two classes the ontology declares disjoint (through subclasses).

    >>> g = rdflib.Graph()
    >>> A, B, x = (rdflib.URIRef(f"http://e/{n}") for n in ("A", "B", "x"))
    >>> g.add((A, OWL.disjointWith, B)); g.add((x, RDF.type, A)); g.add((x, RDF.type, B))
    <Graph ...>
    >>> disjointness_clashes(g)
    ['http://e/x is both http://e/A and http://e/B, which are disjoint']
    """
    supers: dict[rdflib.term.Node, set] = defaultdict(set)
    for s in set(graph.subjects(RDF.type, None)):
        for cls in graph.objects(s, RDF.type):
            supers[s] |= set(graph.transitive_objects(cls, RDFS.subClassOf))
    clashes = []
    pairs = sorted({tuple(sorted((a, b))) for a, b in graph.subject_objects(OWL.disjointWith)})
    for s in sorted(supers, key=str):
        for a, b in pairs:
            if a in supers[s] and b in supers[s]:
                where = f" [in {sources[str(s)]}]" if sources and str(s) in sources else ""
                clashes.append(f"{s} is both {a} and {b}, which are disjoint{where}")
    return clashes


def _entailed_types(world, individuals: set[str]) -> set[tuple[str, str, str]]:
    from owlready2 import ThingClass

    found = set()
    for ind in world.individuals():
        if ind.iri not in individuals:
            continue
        for cls in ind.INDIRECT_is_a:
            if isinstance(cls, ThingClass) and cls.iri != str(OWL.Thing):
                found.add((ind.iri, str(RDF.type), cls.iri))
    return found


def _entailed_values(world, data: rdflib.Graph) -> set[tuple[str, str, str]]:
    """Super-property, inverse and transitive closure of the asserted object properties."""
    from owlready2 import TransitiveProperty

    supers, inverse, transitive = {}, {}, set()
    for prop in world.object_properties():
        supers[prop.iri] = {
            p.iri for p in prop.ancestors() if hasattr(p, "iri") and p.iri not in _META | _TOP
        }
        if prop.inverse_property is not None:
            inverse[prop.iri] = prop.inverse_property.iri
            inverse[prop.inverse_property.iri] = prop.iri
        if TransitiveProperty in prop.is_a:
            transitive.add(prop.iri)
    found = set()
    for s, p, o in data:
        if str(p) not in supers or not isinstance(o, rdflib.URIRef):
            continue
        for q in supers[str(p)]:
            found.add((str(s), q, str(o)))
            if q in inverse:
                found.add((str(o), inverse[q], str(s)))
    for prop in transitive:
        edges = defaultdict(set)
        for s, q, o in found:
            if q == prop:
                edges[s].add(o)
        for start in list(edges):
            seen, todo = set(), list(edges[start])
            while todo:
                node = todo.pop()
                if node not in seen:
                    seen.add(node)
                    todo.extend(edges.get(node, ()))
            found |= {(start, prop, end) for end in seen}
    return found


def reason(
    ontology: rdflib.Graph,
    data: rdflib.Graph,
    infer: bool = False,
    sources: dict[str, str] | None = None,
) -> ReasoningReport:
    """Check ``ontology`` + ``data`` with HermiT; with ``infer``, list the entailed triples.

    Raises :class:`PolicykgError` when Java is missing or HermiT fails.
    """
    merged = rdflib.Graph()
    merged += ontology
    merged += data
    individuals = {str(i) for i in _individuals(data)}
    with tempfile.TemporaryDirectory(prefix="policykg-owl-") as tmp:
        world = _load_world(merged, Path(tmp))
        if not _run_hermit(world):
            return ReasoningReport(False, len(individuals), disjointness_clashes(merged, sources))
        report = ReasoningReport(True, len(individuals))
        if infer:
            asserted = {(str(s), str(p), str(o)) for s, p, o in merged}
            entailed = _entailed_types(world, individuals) | _entailed_values(world, data)
            report.inferred = sorted(
                (
                    ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o))
                    for s, p, o in entailed - asserted
                    if s in individuals
                ),
                key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
            )
        world.close()
    return report


def _sources(store: ox.Store) -> dict[str, str]:
    """Each described resource -> the source files whose graphs describe it."""
    rows = store.query("""
        PREFIX pkg: <https://w3id.org/policykg/def#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?s ?file WHERE { GRAPH ?g { ?s a ?c .
          ?g prov:wasDerivedFrom ?doc . ?doc pkg:fileName ?file } }""")
    found: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        found[r["s"].value].add(r["file"].value)
    return {s: ", ".join(sorted(files)) for s, files in found.items()}


def _graphs_of(store: ox.Store) -> tuple[rdflib.Graph, rdflib.Graph]:
    from policykg.graph.export_rdf import data_graphs, ontology_triples

    def to_rdflib(triples: list[ox.Triple]) -> rdflib.Graph:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")

    return (to_rdflib(ontology_triples(store)), to_rdflib(union_triples(store, data_graphs(store))))


def check_output(out_dir: str | Path, infer: bool = False) -> ReasoningReport:
    """Reason over the graph built in ``out_dir``; with ``infer``, store the inferences.

    The inferred triples replace the named graph :data:`INFERRED_GRAPH` of ``OUT/store``
    and are written, sorted, to ``OUT/inferred.nq``; asserted graphs are left untouched.
    """
    from policykg.graph import store as graph_store

    out = Path(out_dir)
    java_runtime()
    store = graph_store.open_store(out)
    ontology, data = _graphs_of(store)
    report = reason(ontology, data, infer=infer, sources=_sources(store))
    del store
    if infer and report.consistent:
        graph = ox.NamedNode(INFERRED_GRAPH)
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in report.inferred]
        nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        lines = sorted(set(nquads.splitlines()))
        (out / INFERRED_FILE).write_bytes(b"".join(line + b"\n" for line in lines))
        writable = graph_store.create_store(out / graph_store.STORE_DIR)
        graph_store.replace_derived_graph(writable, graph, quads)
        writable.flush()
    return report
