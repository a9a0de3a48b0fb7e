"""Networks read from the graph: actors and fiches as networkx graphs.

Everything here starts from the store (never from loader records): the data is read by
SPARQL (:mod:`.network_data`), then builders make networkx graphs: (a)
:func:`actor_fiche_network`, bipartite; (b) :func:`actor_network`, actors co-mobilised in
the same fiches or actions, weighted; (c) :func:`fiche_network`, explicit references
(directed) and implicit links, each edge carrying its reasons. Node ids are IRIs; node and
edge attributes are plain data. Each builder takes a store (and a contract filter) or data
already read.

Implicit "shares partners" links are never a global self-join: they are computed per
contract, each actor weighted by its rarity in the contract (``log(1 + N / df)``), and
actors present in most units (the Préfecture, the Ville…) never create a link on their own
(:class:`LinkRules`).

>>> data = NetworkData()
>>> for unit in ("f1", "f2"):
...     _ = data.add_unit(unit, "fiche", "c", code=unit)
...     for actor in ("CAF", "DDCS", "Ville"):
...         data.add_involvement(unit, actor, "partenaire")
>>> for actor in ("CAF", "DDCS", "Ville"):
...     _ = data.add_actor(actor, actor, "organisation")
>>> g = actor_network(data)
>>> sorted(g.nodes), g.edges["CAF", "DDCS"]["weight"]
(['CAF', 'DDCS', 'Ville'], 2)
>>> sorted(r["kind"] for r in fiche_network(data).edges["f1", "f2"]["reasons"])
['actors']
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
import pyoxigraph as ox

from policykg.viz.network_data import (  # noqa: F401  (re-exported: part of this API)
    ACTOR_KINDS,
    Actor,
    NetworkData,
    Unit,
    last_segment,
    load_network_data,
    pick_kind,
    pick_label,
)

REASON_LABELS = {
    "reference": "renvoi explicite",
    "part": "action de la fiche",
    "enjeu": "même enjeu",
    "actors": "partenaires communs",
    "dispositifs": "dispositifs communs",
    "funding": "financements communs",
}


# Above this many actors, a unit creates no co-mobilisation edges (see actor_network).
MAX_COMOBILISED = 200


def _data(source: ox.Store | NetworkData, contract: str | None) -> NetworkData:
    if isinstance(source, NetworkData):
        return source
    return load_network_data(source, contract)


def actor_attrs(data: NetworkData, iri: str) -> dict:
    """The node attributes of an actor (type, label, kind, acronym, full name, employer)."""
    actor = data.actors.get(iri) or Actor(iri, last_segment(iri))
    return {
        "type": "actor",
        "label": actor.label,
        "kind": actor.kind,
        "acronym": actor.acronym,
        "full_name": actor.full_name,
        "employer": actor.employer,
    }


def unit_attrs(data: NetworkData, unit: Unit) -> dict:
    """The node attributes of a fiche or action (type, label, code, contract, document…)."""
    return {
        "type": unit.type,
        "label": unit.title,
        "kind": unit.type,
        "code": unit.code,
        "title": unit.label,
        "contract": data.contract_id(unit.contract),
        "document": unit.document,
        "line": unit.line,
        "absent": unit.document is None,
    }


def _selected(data: NetworkData, kinds, roles) -> dict[tuple[str, str], set[str]]:
    kinds = set(kinds) if kinds is not None else None
    roles = set(roles) if roles is not None else None
    chosen = {}
    for (unit, actor), actor_roles in sorted(data.involvement.items()):
        kind = data.actors[actor].kind if actor in data.actors else "unknown"
        if kinds is not None and kind not in kinds:
            continue
        kept = actor_roles & roles if roles is not None else actor_roles
        if kept:
            chosen[(unit, actor)] = kept
    return chosen


def actor_fiche_network(
    source: ox.Store | NetworkData, contract: str | None = None, kinds=None, roles=None
) -> nx.Graph:
    """(a) The bipartite network: actors (``bipartite=0``) and units (``bipartite=1``).

    ``kinds`` keeps actors of those kinds (``organisation``, ``category``, ``profession``,
    ``unknown``), ``roles`` keeps those roles (``partenaire``, ``pilote``, ``financeur``…);
    ``None`` keeps all. Each edge carries its sorted ``roles``.
    """
    data = _data(source, contract)
    graph = nx.Graph()
    for (unit, actor), roles_here in _selected(data, kinds, roles).items():
        if actor not in graph:
            graph.add_node(actor, bipartite=0, **actor_attrs(data, actor))
        if unit not in graph:
            graph.add_node(unit, bipartite=1, **unit_attrs(data, data.units[unit]))
        graph.add_edge(actor, unit, roles=sorted(roles_here), weight=1)
    return _sorted_graph(graph)


def actor_network(
    source: ox.Store | NetworkData, contract: str | None = None, kinds=None, roles=None
) -> nx.Graph:
    """(b) Actors linked when mobilised together; ``weight`` = shared fiches + actions.

    Edges also carry ``fiches`` and ``actions`` (the two counts) and ``distance``
    (``1 / weight``, for shortest paths: a strong tie is a short one). Nodes carry
    ``contracts``, ``roles``, ``units`` and ``documents``. Filters as in
    :func:`actor_fiche_network`; actors mobilised alone still appear, without edges.
    A fiche or action naming more than :data:`MAX_COMOBILISED` actors (a list of every
    association of the territory) links none of them pairwise: its actors still appear,
    with the unit in their ``units``, but the square of its size in edges would say
    nothing and take minutes and gigabytes.
    """
    data = _data(source, contract)
    by_unit: dict[str, list[str]] = defaultdict(list)
    node_info: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for (unit, actor), roles_here in _selected(data, kinds, roles).items():
        by_unit[unit].append(actor)
        u = data.units[unit]
        info = node_info[actor]
        info["roles"] |= roles_here
        info["contracts"].add(data.contract_id(u.contract))
        info["units"].add(unit)
        if u.document:
            info["documents"].add(u.document)
    graph = nx.Graph()
    for actor in sorted(node_info):
        extra = {name: sorted(values) for name, values in node_info[actor].items()}
        graph.add_node(actor, **actor_attrs(data, actor), **extra)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for unit, actors in sorted(by_unit.items()):
        if len(actors) > MAX_COMOBILISED:
            continue  # a directory of partners, not a team: no pairwise ties
        slot = 0 if data.units[unit].type == "fiche" else 1
        for a, b in itertools.combinations(sorted(actors), 2):
            counts[(a, b)][slot] += 1
    for (a, b), (fiches, actions) in sorted(counts.items()):
        weight = fiches + actions
        graph.add_edge(a, b, weight=weight, fiches=fiches, actions=actions, distance=1.0 / weight)
    return graph


@dataclass(frozen=True)
class LinkRules:
    """When two units of one contract are linked for sharing actors, dispositifs, funding.

    An actor (dispositif, funding line) used by ``df`` of the contract's ``N`` units weighs
    ``log(1 + N / df)``. Anything used by more than ``max(min_df, max_share * N)`` units,
    or more than ``max_df``, is ubiquitous: it adds its weight to links found through
    rarer actors but creates none itself and does not count as shared, which keeps the
    computation near-linear and stops the Préfecture from linking everything. Two units
    sharing at least ``min_shared_actors`` actors that are not ubiquitous, with weights
    (all shared actors) summing to ``min_actor_score`` or more, are linked; one shared
    dispositif, funding line or enjeu is enough.
    """

    min_shared_actors: int = 2
    min_actor_score: float = 2.0
    max_share: float = 0.5
    min_df: int = 10
    max_df: int = 200

    def ubiquitous(self, df: int, n: int) -> bool:
        """Whether something used by ``df`` of ``n`` units is too common to link them.

        >>> LinkRules().ubiquitous(3, 3), LinkRules().ubiquitous(300, 400)
        (False, True)
        """
        return df > max(self.min_df, self.max_share * n) or df > self.max_df


def _shared_pairs(members: dict[str, set[str]], units_in: int, rules: LinkRules):
    """Pairs of units sharing rare members: ``{(u, v): {member: (weight, rare)}}``."""
    by_member: dict[str, list[str]] = defaultdict(list)
    for unit, items in members.items():
        for item in items:
            by_member[item].append(unit)
    weight = {m: math.log(1 + units_in / len(us)) for m, us in by_member.items()}
    common = {m for m, us in by_member.items() if rules.ubiquitous(len(us), units_in)}
    pairs: dict[tuple[str, str], dict[str, tuple[float, bool]]] = defaultdict(dict)
    for member, units in sorted(by_member.items()):
        if len(units) < 2 or member in common:
            continue
        for u, v in itertools.combinations(sorted(units), 2):
            pairs[(u, v)][member] = (weight[member], True)
    for (u, v), shared in pairs.items():  # ubiquitous members still add their weight
        for member in members[u] & members[v] & common:
            shared[member] = (weight[member], False)
    return pairs


def fiche_network(
    source: ox.Store | NetworkData,
    contract: str | None = None,
    rules: LinkRules | None = None,
) -> nx.DiGraph:
    """(c) Fiches and actions linked by references (directed) and by what they share.

    A reference (``pkg:refersTo`` a fiche, or an action ``pkg:partOfFiche``) is an edge
    from the citing unit to the cited one. An implicit link (same enjeu or transversal
    orientation, partners in common, dispositifs, funding lines) is symmetric and stored
    in both directions. Every edge has ``reasons``: a list of ``{"kind", "label",
    "items", "iris", "score"}`` (kinds in :data:`REASON_LABELS`; ``items`` are the labels
    of what is shared or cited, ``iris`` their IRIs), and ``weight`` (the number of
    reasons). Implicit links stay within a contract (see :class:`LinkRules`).
    """
    data = _data(source, contract)
    rules = rules or LinkRules()
    graph = nx.DiGraph()
    for iri in sorted(data.units):
        graph.add_node(iri, **unit_attrs(data, data.units[iri]))

    def add(
        u: str, v: str, kind: str, items: list[str], iris: list[str], score: float | None = None
    ):
        if u == v or u not in graph or v not in graph:
            return
        reasons = graph.edges[u, v]["reasons"] if graph.has_edge(u, v) else []
        reasons.append(
            {
                "kind": kind,
                "label": REASON_LABELS[kind],
                "items": items,
                "iris": iris,
                "score": None if score is None else round(score, 6),
            }
        )
        reasons.sort(key=lambda r: r["kind"])
        graph.add_edge(u, v, reasons=reasons, weight=len(reasons))

    for (unit, kind), targets in sorted(data.links.items()):
        if kind in ("reference", "part"):
            for target in sorted(targets):
                title = data.units[target].title if target in data.units else targets[target]
                add(unit, target, kind, [title], [target])
    by_contract: dict[str, list[str]] = defaultdict(list)
    for iri, unit in sorted(data.units.items()):
        by_contract[unit.contract].append(iri)
    actors_by_unit: dict[str, set[str]] = defaultdict(set)
    for unit, actor in data.involvement:
        actors_by_unit[unit].add(actor)
    for units in by_contract.values():
        _implicit_links(data, units, actors_by_unit, rules, add)
    return graph


def _implicit_links(data, units, actors_by_unit, rules, add) -> None:
    for kind in ("enjeu", "dispositifs", "funding", "actors"):
        if kind == "actors":
            members = {u: actors_by_unit[u] for u in units if actors_by_unit.get(u)}
            labels = {
                a: data.actors[a].label if a in data.actors else last_segment(a)
                for items in members.values()
                for a in items
            }
        else:
            members = {u: set(data.links[(u, kind)]) for u in units if (u, kind) in data.links}
            labels = {k: v for u in members for k, v in data.links[(u, kind)].items()}
        n = len(members)
        for (u, v), shared in sorted(_shared_pairs(members, n, rules).items()):
            score = sum(w for w, _ in shared.values())
            rare = sum(1 for _, is_rare in shared.values() if is_rare)
            if kind == "actors" and (
                rare < rules.min_shared_actors or score < rules.min_actor_score
            ):
                continue
            keys = sorted(shared, key=lambda m: (labels[m].casefold(), labels[m], m))
            items = [labels[m] for m in keys]
            iris = [] if kind == "funding" else keys  # funding lines are matched by label
            add(u, v, kind, items, iris, score)
            add(v, u, kind, items, iris, score)


def undirected(graph: nx.DiGraph) -> nx.Graph:
    """The fiche network with one edge per pair, reasons of both directions merged.

    A reference keeps its direction in its reason (``source``, ``target``).
    """
    merged = nx.Graph()
    merged.add_nodes_from(graph.nodes(data=True))
    for u, v, attrs in graph.edges(data=True):
        a, b = sorted((u, v))
        reasons = merged.edges[a, b]["reasons"] if merged.has_edge(a, b) else []
        for reason in attrs["reasons"]:
            if reason["kind"] in ("reference", "part"):
                reasons.append({**reason, "source": u, "target": v})
            elif reason not in reasons:
                reasons.append(reason)
        reasons.sort(key=lambda r: (r["kind"], r.get("source", ""), r.get("target", "")))
        merged.add_edge(a, b, reasons=reasons, weight=len(reasons), distance=1 / len(reasons))
    return merged


def _sorted_graph(graph: nx.Graph) -> nx.Graph:
    """A copy with nodes and edges inserted in sorted order (reproducible algorithms)."""
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph.nodes(data=True), key=lambda n: n[0]))
    ordered.add_edges_from(
        sorted(
            (tuple(sorted((u, v))) + (d,) for u, v, d in graph.edges(data=True)),
            key=lambda e: (e[0], e[1]),
        )
    )
    return ordered
