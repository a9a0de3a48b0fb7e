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

import functools
import gc
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting still frees memory).

    Building a network allocates millions of small dicts, lists and tuples next to the
    millions the data already holds: each full collection scans them all, and the collector
    ran often enough to double the build time of the national networks. They hold no
    reference cycles worth collecting early; the collector resumes (if it was on) after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _without_gc(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with paused_gc():
            return function(*args, **kwargs)

    return wrapper


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
    """The involvements kept by the filters (in the data's order: callers sort)."""
    kinds = set(kinds) if kinds is not None else None
    roles = set(roles) if roles is not None else None
    actors = data.actors
    chosen = {}
    for (unit, actor), actor_roles in data.involvement.items():
        if kinds is not None:
            known = actors.get(actor)
            if (known.kind if known is not None else "unknown") not in kinds:
                continue
        kept = actor_roles & roles if roles is not None else actor_roles
        if kept:
            chosen[(unit, actor)] = kept
    return chosen


@_without_gc
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


@_without_gc
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
    return _actor_graph(data, *_involved(data, _selected(data, kinds, roles)))


@_without_gc
def actor_networks(data: NetworkData, scopes: dict[str, set[str] | None]) -> dict[str, nx.Graph]:
    """:func:`actor_network` for several ``kinds`` filters at once (``{name: kinds}``).

    Each graph is the one :func:`actor_network` gives for its kinds (tested); what the
    scopes share (who is involved where, with which roles) is gathered once.
    """
    by_unit, node_info = _involved(data, _selected(data, None, None))
    graphs = {}
    for name, kinds in scopes.items():
        if kinds is None:
            graphs[name] = _actor_graph(data, by_unit, node_info)
            continue
        kinds = set(kinds)
        kept = {
            a: info
            for a, info in node_info.items()
            if (data.actors[a].kind if a in data.actors else "unknown") in kinds
        }
        graphs[name] = _actor_graph(data, by_unit, kept, filtered=True)
    return graphs


def _involved(data: NetworkData, selected: dict[tuple[str, str], set[str]]):
    """Actors by unit, and each actor's roles, contracts, units and documents."""
    by_unit: dict[str, list[str]] = defaultdict(list)
    node_info: dict[str, tuple[set, set, set, set]] = {}
    contract_of: dict[str, str] = {}  # contract IRI -> id
    for (unit, actor), roles_here in selected.items():
        by_unit[unit].append(actor)
        u = data.units[unit]
        info = node_info.get(actor)
        if info is None:
            info = node_info[actor] = (set(), set(), set(), set())
        info[0].update(roles_here)
        cid = contract_of.get(u.contract)
        if cid is None:
            cid = contract_of[u.contract] = data.contract_id(u.contract)
        info[1].add(cid)
        info[2].add(unit)
        if u.document:
            info[3].add(u.document)
    return by_unit, node_info


def _actor_graph(data: NetworkData, by_unit, node_info, filtered: bool = False) -> nx.Graph:
    """The actor network of the actors in ``node_info`` (``filtered``: not all of
    ``by_unit``'s actors are, the others are left out of each unit)."""
    graph = nx.Graph()
    names = ("roles", "contracts", "units", "documents")
    actors_sorted = sorted(node_info)
    graph.add_nodes_from(
        (
            actor,
            {
                **actor_attrs(data, actor),
                **{
                    name: sorted(values)
                    for name, values in zip(names, node_info[actor], strict=True)
                    if values
                },
            },
        )
        for actor in actors_sorted
    )
    # Pairs of actors' ranks (sorted order) counted in C: all shared units, and fiches.
    rank = {actor: i for i, actor in enumerate(actors_sorted)}
    weights: Counter = Counter()
    fiches: Counter = Counter()
    for unit, actors in by_unit.items():
        if filtered:
            ranks = sorted(rank[a] for a in actors if a in rank)
            if len(ranks) < 2:
                continue
        else:
            ranks = sorted(rank[a] for a in actors)
        if len(ranks) > MAX_COMOBILISED:
            continue  # a directory of partners, not a team: no pairwise ties
        weights.update(itertools.combinations(ranks, 2))
        if data.units[unit].type == "fiche":
            fiches.update(itertools.combinations(ranks, 2))
    graph.add_edges_from(
        (
            actors_sorted[a],
            actors_sorted[b],
            {"weight": w, "fiches": f, "actions": w - f, "distance": 1.0 / w},
        )
        for (a, b), w in sorted(weights.items())
        for f in (fiches.get((a, b), 0),)
    )
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


def _shared_pairs(members: dict[str, set[str]], units_in: int, rules: LinkRules, min_rare: int = 1):
    """Pairs of units sharing at least ``min_rare`` rare members.

    Returns ``{(u, v): (score, rare, shared)}`` (``u < v``): ``shared`` lists the rare
    members (sorted), then the ubiquitous ones the pair also shares (sorted: they add their
    weight but do not make a link); ``score`` sums their weights in that order.
    """
    by_member: dict[str, list[str]] = defaultdict(list)
    for unit, items in members.items():
        for item in items:
            by_member[item].append(unit)
    weight = {m: math.log(1 + units_in / len(us)) for m, us in by_member.items()}
    common = {m for m, us in by_member.items() if rules.ubiquitous(len(us), units_in)}
    counts: Counter = Counter()  # rare members shared, per pair (counted in C)
    for member, units in by_member.items():
        if len(units) >= 2 and member not in common:
            counts.update(itertools.combinations(sorted(units), 2))
    pairs = {}
    for (u, v), rare in counts.items():
        if rare < min_rare:
            continue
        both = members[u] & members[v]
        shared = sorted(both - common) + sorted(both & common) if common else sorted(both)
        pairs[(u, v)] = (sum(map(weight.__getitem__, shared)), rare, shared)
    return pairs


def _reason(kind: str, items: list[str], iris: list[str], score: float | None = None) -> dict:
    return {
        "kind": kind,
        "label": REASON_LABELS[kind],
        "items": items,
        "iris": iris,
        "score": None if score is None else round(score, 6),
    }


@_without_gc
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
    units = data.units
    graph = nx.DiGraph()
    graph.add_nodes_from((iri, unit_attrs(data, units[iri])) for iri in sorted(units))
    # Reasons gathered per edge first (in the order edges are first found), then added.
    edges: dict[tuple[str, str], list[dict]] = {}

    def put(u: str, v: str, reason: dict) -> None:
        found = edges.get((u, v))
        if found is None:
            edges[(u, v)] = [reason]
        else:
            found.append(reason)

    for (unit, kind), targets in sorted(data.links.items()):
        if kind in ("reference", "part") and unit in units:
            for target in sorted(targets):
                if target != unit and target in units:
                    put(unit, target, _reason(kind, [units[target].title], [target]))
    by_contract: dict[str, list[str]] = defaultdict(list)
    for iri, unit in sorted(units.items()):
        by_contract[unit.contract].append(iri)
    actors_by_unit: dict[str, set[str]] = defaultdict(set)
    for unit, actor in data.involvement:
        actors_by_unit[unit].add(actor)
    actor_labels = _actor_labels(data, actors_by_unit)
    for contract_units in by_contract.values():
        for u, v, reason in _implicit_links(
            data, contract_units, actors_by_unit, actor_labels, rules
        ):
            put(u, v, reason)
            put(v, u, dict(reason))
    for reasons in edges.values():
        if len(reasons) > 1:
            reasons.sort(key=_kind)  # stable: within a kind, in the order found
    graph.add_edges_from(
        (u, v, {"reasons": reasons, "weight": len(reasons)}) for (u, v), reasons in edges.items()
    )
    return graph


def _actor_labels(data: NetworkData, actors_by_unit: dict[str, set[str]]) -> dict[str, str]:
    labels = {}
    for actors in actors_by_unit.values():
        for a in actors:
            if a not in labels:
                actor = data.actors.get(a)
                labels[a] = actor.label if actor is not None else last_segment(a)
    return labels


def _kind(reason: dict) -> str:
    return reason["kind"]


def _implicit_links(data, units, actors_by_unit, actor_labels, rules):
    """The implicit links of one contract's units: ``(u, v, reason)``, ``u < v``."""
    for kind in ("enjeu", "dispositifs", "funding", "actors"):
        if kind == "actors":
            members = {u: actors_by_unit[u] for u in units if actors_by_unit.get(u)}
        else:
            members = {u: set(data.links[(u, kind)]) for u in units if (u, kind) in data.links}
        n = len(members)
        min_rare = rules.min_shared_actors if kind == "actors" else 1
        pairs = _shared_pairs(members, n, rules, min_rare)
        if not pairs:
            continue
        if kind == "actors":
            labels = actor_labels
        else:
            labels = {k: v for u in members for k, v in data.links[(u, kind)].items()}
        order: dict[str, tuple[str, str, str]] = {}  # members sorted by label, then IRI
        for (u, v), (score, _, shared) in sorted(pairs.items()):
            if kind == "actors" and score < rules.min_actor_score:
                continue
            for m in shared:
                if m not in order:
                    label = labels[m]
                    order[m] = (label.casefold(), label, m)
            keys = sorted(shared, key=order.__getitem__)
            items = [labels[m] for m in keys]
            iris = [] if kind == "funding" else keys  # funding lines are matched by label
            yield u, v, _reason(kind, items, iris, score)


@_without_gc
def undirected(graph: nx.DiGraph) -> nx.Graph:
    """The fiche network with one edge per pair, reasons of both directions merged.

    A reference keeps its direction in its reason (``source``, ``target``).
    """
    merged = nx.Graph()
    merged.add_nodes_from(graph.nodes(data=True))
    pairs: dict[tuple[str, str], list[dict]] = {}
    for u, successors in graph.adjacency():  # = graph.edges(data=True), in its order
        for v, attrs in successors.items():
            key = (u, v) if u <= v else (v, u)
            reasons = pairs.get(key)
            if reasons is None:
                reasons = pairs[key] = []
            for reason in attrs["reasons"]:
                if reason["kind"] in ("reference", "part"):
                    reasons.append({**reason, "source": u, "target": v})
                elif reason not in reasons:
                    reasons.append(reason)
    for reasons in pairs.values():
        if len(reasons) > 1:
            reasons.sort(key=_merged_order)
    merged.add_edges_from(
        (a, b, {"reasons": reasons, "weight": len(reasons), "distance": 1 / len(reasons)})
        for (a, b), reasons in pairs.items()
    )
    return merged


def _merged_order(reason: dict) -> tuple[str, str, str]:
    return reason["kind"], reason.get("source", ""), reason.get("target", "")


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
