"""Graph files under ``OUT/``: sorted, reproducible serialisations of the store.

- ``graph.nq``: every quad (document graphs and the ontology graph), one per line, sorted,
  so that two builds of the same corpus are byte-identical;
- ``graph.trig``: the same dataset in TriG, graph by graph;
- ``graph.ttl``: the union of the document graphs (the instance data) in Turtle.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

GRAPH_FILES = {"nquads": "graph.nq", "trig": "graph.trig", "turtle": "graph.ttl"}


def prefixes() -> dict[str, str]:
    """The prefixes used in Turtle and TriG output (the ontology's and the W3C ones)."""
    from policykg.ontology.namespace import PREFIXES

    return dict(PREFIXES)


def sorted_nquads(store: ox.Store) -> bytes:
    """Every quad of the store's named graphs as N-Quads, lines sorted."""
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    lines = sorted(set((data or b"").splitlines()))
    return b"\n".join(lines) + (b"\n" if lines else b"")


def union_triples(store: ox.Store, graphs: list[ox.NamedNode]) -> list[ox.Triple]:
    """The distinct triples of some named graphs, sorted."""
    if not graphs:
        return []
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=graphs)
    unique = {(str(t.subject), str(t.predicate), str(t.object)): t for t in triples}
    return [unique[k] for k in sorted(unique)]


def write_graph_files(store: ox.Store, data_graphs: list[ox.NamedNode], folder: Path) -> None:
    """Write ``graph.nq``, ``graph.trig`` and ``graph.ttl`` into ``folder``."""
    nquads = sorted_nquads(store)
    (folder / GRAPH_FILES["nquads"]).write_bytes(nquads)
    quads = ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
    ordered = sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject),
                                           str(q.predicate), str(q.object)))
    ox.serialize(ordered, str(folder / GRAPH_FILES["trig"]), format=ox.RdfFormat.TRIG,
                 prefixes=prefixes())
    ox.serialize(union_triples(store, data_graphs), str(folder / GRAPH_FILES["turtle"]),
                 format=ox.RdfFormat.TURTLE, prefixes=prefixes())
