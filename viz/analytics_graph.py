"""Network analytics written back: a named graph in the store, and CSV under ``OUT/analytics/``.

:func:`compute_analytics` reads the networks from the store (:mod:`.networks`) and measures
them (:mod:`.metrics`): the actor co-mobilisation network in four scopes (``all`` actors,
and the ``organisation``, ``category`` and ``profession`` actors alone: the ranking of
named organisations among themselves is what evaluators ask first), and the fiche network.

:func:`write_analytics` replaces the named graph :data:`ANALYTICS_GRAPH` in a store opened
**read-write** (the build does it on its temporary store before the output folder is swapped
into place; ``policykg views`` opens the built store read-write to redo it) and writes the
CSV files. The graph uses a small vocabulary (:data:`ANA`, described in the graph itself):
one ``ana:Network`` per scope, one ``ana:Measure`` per node and scope pointing to the actor
or fiche (``ana:node``), ``ana:Community`` resources, and one ``ana:FicheLink`` per pair of
linked units with its ``ana:LinkReason``\\ s. Values are rounded to 6 decimals so that the
same graph gives the same bytes. :func:`read_measures` reads the ranking back by SPARQL.

>>> ANA.betweenness
'https://w3id.org/policykg/def/analytics#betweenness'
>>> ANA.betweeness
Traceback (most recent call last):
...
AttributeError: term 'betweeness' not in the analytics vocabulary
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from policykg.graph.iris import DEFAULT_BASE, digest
from policykg.ontology.namespace import PREFIXES
from policykg.viz.metrics import (
    EXACT_BUDGET,
    METRICS,
    SEED,
    Metrics,
    NodeMetrics,
    compute_metrics,
)
from policykg.viz.networks import (
    NetworkData,
    actor_networks,
    fiche_network,
    paused_gc,
    pick_kind,
    pick_label,
    undirected,
)

ANALYTICS_BASE = DEFAULT_BASE + "analytics/"
ANALYTICS_GRAPH = ANALYTICS_BASE + "graph"
ANALYTICS_DIR = "analytics"
SCOPES: dict[str, set[str] | None] = {
    "all": None,
    "organisation": {"organisation"},
    "category": {"category"},
    "profession": {"profession"},
}
SCOPE_LABELS = {
    "all": "tous les acteurs",
    "organisation": "organisations nommées",
    "category": "catégories d'acteurs",
    "profession": "professions",
    "fiches": "fiches et actions",
}
_TERMS = {
    "Network": "A network measured by policykg (one scope of actors, or the fiche network).",
    "Measure": "The centrality measures of one node in one network.",
    "Community": "A Louvain community of a network.",
    "FicheLink": "Two fiches or actions linked by references or by what they share.",
    "LinkReason": "One reason why two fiches or actions are linked.",
    "network": "The network a measure, community or link belongs to.",
    "node": "The actor, fiche or action measured.",
    "scope": "Which actors a network holds: all, organisation, category, profession, fiches.",
    "nodeCount": "Number of nodes.",
    "edgeCount": "Number of edges.",
    "sampled": "Whether betweenness and closeness were estimated from sampled pivots.",
    "pivots": "Number of source pivots sampled.",
    "betweennessError": "Bound on the error of sampled normalised betweenness (95 %).",
    "seed": "Random seed of sampling and Louvain.",
    "note": "How a network was measured.",
    "rank": "Rank in the network (by weighted degree, then betweenness).",
    "degree": "Number of neighbours.",
    "weightedDegree": "Sum of edge weights (shared fiches and actions).",
    "betweenness": "Normalised betweenness centrality (paths over 1/weight).",
    "eigenvector": "Eigenvector centrality (weighted).",
    "closeness": "Closeness centrality (Wasserman-Faust, paths over 1/weight).",
    "bridging": "Bridging centrality: betweenness times the bridging coefficient.",
    "community": "The node's community.",
    "communitiesReached": "Communities among the node and its neighbours.",
    "size": "Number of members.",
    "linkedUnit": "A fiche or action at one end of a link.",
    "weight": "Number of reasons of a link.",
    "reason": "A reason of a link.",
    "reasonKind": "reference, part, enjeu, actors, dispositifs or funding.",
    "score": "Rarity-weighted score of what is shared.",
    "item": "Label of a funding line shared (funding lines are matched by label).",
    "sharedResource": "What is shared or cited.",
    "citing": "The unit that cites (references).",
    "cited": "The unit cited (references).",
}


class _Vocabulary:
    """A fail-closed namespace: a misspelt term raises, like the generated ones."""

    def __init__(self, base: str, terms: dict[str, str]):
        self._base, self._terms = base, terms

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in self._terms:
            raise AttributeError(f"term {name!r} not in the analytics vocabulary")
        return self._base + name


ANA = _Vocabulary("https://w3id.org/policykg/def/analytics#", _TERMS)


@dataclass
class Analytics:
    """The measured networks of a corpus."""

    data: NetworkData
    networks: dict[str, nx.Graph] = field(default_factory=dict)  # scope -> actor network
    metrics: dict[str, Metrics] = field(default_factory=dict)  # scope (and "fiches")
    fiche_graph: nx.DiGraph | None = None
    fiche_links: nx.Graph | None = None  # undirected, reasons of both directions merged

    def notes(self) -> list[str]:
        """How each network was measured (sampling and its error), one line each."""
        return [f"{SCOPE_LABELS[s]} : {n}" for s, m in self.metrics.items() for n in m.notes]


def compute_analytics(
    store: ox.Store | NetworkData,
    contract: str | None = None,
    seed: int = SEED,
    budget: int = EXACT_BUDGET,
    progress: Callable[[str], None] | None = None,
) -> Analytics:
    """Read the networks from ``store`` (or prepared data) and measure them; writes nothing."""
    from policykg.viz.networks import load_network_data

    data = store if isinstance(store, NetworkData) else load_network_data(store, contract)
    result = Analytics(data)
    with paused_gc():  # millions of small objects, no cycles: see paused_gc
        for scope, graph in actor_networks(data, SCOPES).items():
            if progress:
                progress(
                    f"measuring the actor network ({SCOPE_LABELS[scope]}): "
                    f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
                )
            result.networks[scope] = graph
            result.metrics[scope] = compute_metrics(graph, seed=seed, budget=budget)
        result.fiche_graph = fiche_network(data)
        result.fiche_links = undirected(result.fiche_graph)
        result.metrics["fiches"] = compute_metrics(result.fiche_links, seed=seed, budget=budget)
    return result


def _lit(value) -> ox.Literal:
    return ox.Literal(round(value, 6) if isinstance(value, float) else value)


def analytics_quads(analytics: Analytics) -> list[ox.Quad]:
    """The analytics named graph as quads (vocabulary, networks, measures, links).

    What is shared or cited is given by IRI (``ana:sharedResource``; its label is in the
    graph), funding lines, matched by label, by their labels (``ana:item``).
    """
    g = ox.NamedNode(ANALYTICS_GRAPH)
    rdf_type = PREFIXES["rdf"] + "type"
    label = PREFIXES["rdfs"] + "label"
    quads: set[ox.Quad] = set()

    def add(s: str, p: str, o) -> None:
        obj = o if isinstance(o, ox.Literal | ox.NamedNode) else ox.NamedNode(o)
        quads.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, g))

    for name, comment in _TERMS.items():
        add(getattr(ANA, name), PREFIXES["rdfs"] + "comment", ox.Literal(comment, language="en"))
    add(ANALYTICS_GRAPH, rdf_type, PREFIXES["prov"] + "Entity")
    add(ANALYTICS_GRAPH, label, ox.Literal("Analyse des réseaux (policykg)", language="fr"))
    for scope, metrics in analytics.metrics.items():
        graph = analytics.fiche_links if scope == "fiches" else analytics.networks[scope]
        net = f"{ANALYTICS_BASE}network/{scope}"
        add(net, rdf_type, ANA.Network)
        add(net, label, ox.Literal(f"Réseau : {SCOPE_LABELS[scope]}", language="fr"))
        add(net, ANA.scope, ox.Literal(scope))
        add(net, ANA.nodeCount, _lit(graph.number_of_nodes()))
        add(net, ANA.edgeCount, _lit(graph.number_of_edges()))
        add(net, ANA.sampled, _lit(metrics.sampled))
        add(net, ANA.seed, _lit(metrics.seed))
        if metrics.sampled:
            add(net, ANA.pivots, _lit(metrics.pivots))
            add(net, ANA.betweennessError, _lit(metrics.betweenness_error))
        for note in metrics.notes:
            add(net, ANA.note, ox.Literal(note))
        for number, members in enumerate(metrics.communities, 1):
            community = f"{net}/community/{number}"
            add(community, rdf_type, ANA.Community)
            add(community, ANA.network, net)
            add(community, ANA.size, _lit(len(members)))
            add(community, label, ox.Literal(f"Communauté {number}", language="fr"))
        for rank, m in enumerate(metrics.ranking(), 1):
            measure = f"{net}/measure/{digest(m.node)}"
            add(measure, rdf_type, ANA.Measure)
            add(measure, ANA.network, net)
            add(measure, ANA.node, m.node)
            add(measure, ANA.rank, _lit(rank))
            add(measure, ANA.community, f"{net}/community/{m.community}")
            add(measure, ANA.communitiesReached, _lit(m.communities_reached))
            for name in METRICS:
                add(measure, getattr(ANA, _camel(name)), _lit(getattr(m, name)))
    for u, v, attrs in sorted(analytics.fiche_links.edges(data=True)):
        a, b = sorted((u, v))
        link = f"{ANALYTICS_BASE}fiche-link/{digest(a, b)}"
        add(link, rdf_type, ANA.FicheLink)
        add(link, ANA.network, f"{ANALYTICS_BASE}network/fiches")
        add(link, ANA.linkedUnit, a)
        add(link, ANA.linkedUnit, b)
        add(link, ANA.weight, _lit(attrs["weight"]))
        for reason in attrs["reasons"]:
            node = f"{link}/reason/{reason['kind']}-{digest(reason.get('source'))}"
            add(link, ANA.reason, node)
            add(node, rdf_type, ANA.LinkReason)
            add(node, ANA.reasonKind, ox.Literal(reason["kind"]))
            add(node, label, ox.Literal(reason["label"], language="fr"))
            if reason["score"] is not None:
                add(node, ANA.score, _lit(float(reason["score"])))
            for iri in reason["iris"]:
                add(node, ANA.sharedResource, iri)
            if not reason["iris"]:  # funding lines are matched by label: keep the labels
                for item in reason["items"]:
                    add(node, ANA.item, ox.Literal(item))
            if "source" in reason:
                add(node, ANA.citing, reason["source"])
                add(node, ANA.cited, reason["target"])
    return list(quads)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def write_analytics(store: ox.Store, analytics: Analytics, out_dir: str | Path) -> list[Path]:
    """Replace the analytics graph of a read-write ``store``; write the CSV files.

    Returns the CSV paths (under ``out_dir/analytics``).
    """
    from policykg.graph.store import replace_derived_graph

    graph = ox.NamedNode(ANALYTICS_GRAPH)
    replace_derived_graph(store, graph, analytics_quads(analytics), own_subjects=True)
    folder = Path(out_dir) / ANALYTICS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in _tables(analytics).items():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        path = folder / name
        path.write_text(buffer.getvalue(), encoding="utf-8")
        written.append(path)
    return written


def _round(value):
    return round(value, 6) if isinstance(value, float) else value


def _tables(analytics: Analytics) -> dict[str, tuple[list[str], list[list]]]:
    data = analytics.data
    actor_rows, unit_rows, network_rows, community_rows = [], [], [], []
    for scope, metrics in analytics.metrics.items():
        graph = analytics.fiche_links if scope == "fiches" else analytics.networks[scope]
        network_rows.append(
            [
                scope,
                graph.number_of_nodes(),
                graph.number_of_edges(),
                metrics.sampled,
                metrics.pivots or "",
                _round(metrics.betweenness_error) or "",
                " ".join(metrics.notes),
            ]
        )
        for number, (members, top) in enumerate(
            zip(metrics.communities, metrics.community_leaders(), strict=True), 1
        ):
            leaders = [graph.nodes[m.node]["label"] for m in top]
            community_rows.append([scope, number, len(members), " | ".join(leaders)])
        for rank, m in enumerate(metrics.ranking(), 1):
            attrs = graph.nodes[m.node]
            values = [_round(getattr(m, name)) for name in METRICS]
            if scope == "fiches":
                unit_rows.append(
                    [
                        rank,
                        m.node,
                        attrs["type"],
                        attrs.get("code") or "",
                        attrs.get("title") or "",
                        attrs["contract"],
                        attrs.get("document") or "",
                        attrs["absent"],
                        *values,
                        m.community,
                    ]
                )
            else:
                actor_rows.append(
                    [
                        scope,
                        rank,
                        m.node,
                        attrs["label"],
                        attrs["kind"],
                        " ".join(attrs.get("contracts", ())),
                        " ".join(attrs.get("roles", ())),
                        *values,
                        m.community,
                        m.communities_reached,
                    ]
                )
    link_rows = []
    for u, v, attrs in sorted(analytics.fiche_links.edges(data=True)):
        a, b = sorted((u, v))
        kinds = sorted({r["kind"] for r in attrs["reasons"]})
        text = "; ".join(f"{r['label']} : {', '.join(r['items'])}" for r in attrs["reasons"])
        link_rows.append(
            [
                a,
                b,
                data.units[a].title,
                data.units[b].title,
                data.contract_id(data.units[a].contract),
                " ".join(kinds),
                attrs["weight"],
                text,
            ]
        )
    return {
        "actors.csv": (
            [
                "scope",
                "rank",
                "actor",
                "label",
                "kind",
                "contracts",
                "roles",
                *METRICS,
                "community",
                "communities_reached",
            ],
            actor_rows,
        ),
        "fiches.csv": (
            [
                "rank",
                "unit",
                "type",
                "code",
                "title",
                "contract",
                "document",
                "absent",
                *METRICS,
                "community",
            ],
            unit_rows,
        ),
        "fiche_links.csv": (
            ["unit_a", "unit_b", "title_a", "title_b", "contract", "kinds", "weight", "reasons"],
            link_rows,
        ),
        "communities.csv": (["scope", "community", "size", "leaders"], community_rows),
        "networks.csv": (
            ["scope", "nodes", "edges", "sampled", "pivots", "betweenness_error", "notes"],
            network_rows,
        ),
    }


_READ = """
PREFIX ana: <https://w3id.org/policykg/def/analytics#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX pkg: <https://w3id.org/policykg/def#>
SELECT DISTINCT ?analytics ?scope ?node ?rank ?community ?degree ?weightedDegree
       ?betweenness ?eigenvector ?closeness ?bridging ?communitiesReached ?label ?kind
WHERE {
  GRAPH ?analytics {
    ?net ana:scope ?scope .
    ?m a ana:Measure ; ana:network ?net ; ana:node ?node ; ana:rank ?rank ;
       ana:community ?community ; ana:degree ?degree ; ana:weightedDegree ?weightedDegree ;
       ana:betweenness ?betweenness ; ana:eigenvector ?eigenvector ;
       ana:closeness ?closeness ; ana:bridging ?bridging ;
       ana:communitiesReached ?communitiesReached .
  }
  OPTIONAL { ?node rdfs:label ?label }
  OPTIONAL { ?node pkg:actorKind ?kind }
}
"""


def has_analytics(store: ox.Store) -> bool:
    """Whether the store holds an analytics graph."""
    return store.contains_named_graph(ox.NamedNode(ANALYTICS_GRAPH))


def read_measures(store: ox.Store, scope: str = "all") -> list[dict] | None:
    """The stored measures of one scope, by rank: ``None`` if no analytics graph is stored.

    Each row: node, label, kind (code), rank, community number and every measure.
    """
    if not has_analytics(store):
        return None
    if scope not in SCOPE_LABELS:
        raise ValueError(f"unknown scope {scope!r}")
    bindings = {
        ox.Variable("analytics"): ox.NamedNode(ANALYTICS_GRAPH),
        ox.Variable("scope"): ox.Literal(scope),
    }
    found: dict[str, dict] = {}
    for row in store.query(_READ, substitutions=bindings):
        node = row["node"].value
        entry = found.setdefault(
            node,
            {
                "node": node,
                "rank": int(row["rank"].value),
                "community": int(row["community"].value.rsplit("/", 1)[-1]),
                "communities_reached": int(row["communitiesReached"].value),
                **{name: float(row[_camel(name)].value) for name in METRICS},
            },
        )
        entry["degree"] = int(entry["degree"])
        if row["label"] is not None:
            entry.setdefault("labels", set()).add(row["label"].value)
        if row["kind"] is not None:
            entry.setdefault("kinds", set()).add(row["kind"].value.rsplit("/", 1)[-1])
    rows = sorted(found.values(), key=lambda r: r["rank"])
    for r in rows:
        r["label"] = pick_label(r.pop("labels", ())) or r["node"]
        r["kind"] = pick_kind(r.pop("kinds", ())) if scope != "fiches" else ""
    return rows


_NETWORK = """
PREFIX ana: <https://w3id.org/policykg/def/analytics#>
SELECT DISTINCT ?analytics ?scope ?sampled ?pivots ?error ?seed ?note WHERE {
  GRAPH ?analytics {
    ?net ana:scope ?scope ; ana:sampled ?sampled ; ana:seed ?seed .
    OPTIONAL { ?net ana:pivots ?pivots ; ana:betweennessError ?error }
    OPTIONAL { ?net ana:note ?note }
  }
}
"""


def stored_metrics(store: ox.Store, scope: str = "all") -> Metrics | None:
    """The measures of one scope as stored in the analytics graph (``None`` if absent)."""
    rows = read_measures(store, scope)
    if rows is None:
        return None
    result = Metrics()
    bindings = {
        ox.Variable("analytics"): ox.NamedNode(ANALYTICS_GRAPH),
        ox.Variable("scope"): ox.Literal(scope),
    }
    for row in store.query(_NETWORK, substitutions=bindings):
        result.sampled = row["sampled"].value == "true"
        result.seed = int(row["seed"].value)
        if row["pivots"] is not None:
            result.pivots = int(row["pivots"].value)
            result.betweenness_error = float(row["error"].value)
        if row["note"] is not None and row["note"].value not in result.notes:
            result.notes.append(row["note"].value)
    members: dict[int, list[str]] = {}
    for r in rows:
        result.nodes[r["node"]] = NodeMetrics(
            node=r["node"],
            community=r["community"],
            communities_reached=r["communities_reached"],
            **{name: r[name] for name in METRICS},
        )
        members.setdefault(r["community"], []).append(r["node"])
    result.communities = [sorted(members[n]) for n in sorted(members)]
    return result


def load_analytics(store: ox.Store, contract: str | None = None) -> tuple[Analytics, bool]:
    """The networks read from the store with the stored measures when there are some.

    Returns the analytics and whether the measures came from the store (``False``: they
    were computed now, in memory: no analytics graph, or a ``contract`` was asked for).
    """
    from policykg.viz.networks import load_network_data

    data = load_network_data(store, contract)
    if contract is not None or not has_analytics(store):
        return compute_analytics(data), False
    result = Analytics(data)
    result.networks.update(actor_networks(data, SCOPES))
    result.fiche_graph = fiche_network(data)
    result.fiche_links = undirected(result.fiche_graph)
    for scope in (*SCOPES, "fiches"):
        result.metrics[scope] = stored_metrics(store, scope) or Metrics()
    return result, True
