"""Centralities, communities and bridging actors of a network (reproducible).

For every node: degree and weighted degree, betweenness and closeness (shortest paths
over the ``distance`` edge attribute, ``1 / weight``: a strong tie is a short one),
eigenvector centrality, a Louvain community (seeded) and a bridging score.

Eigenvector centrality (weighted) is computed within each connected component: on a whole
graph it gives zero to every component but the dominant one, and actors of different
territories are different components. Each component's vector has unit norm, scaled by
``sqrt(size / n)``, so that the whole vector still has unit norm.

Bridging is Hwang et al.'s *bridging centrality*: betweenness times the bridging
coefficient ``(1 / d(v)) / sum(1 / d(u) for u in neighbours(v))``, high for a node whose
betweenness is high for its degree (it sits between groups rather than in a hub).

Exact betweenness and closeness cost about ``r * (e + r log r)`` steps for a connected
component of ``r`` nodes and ``e`` edges (paths never leave a component), summed over the
components. Above ``budget`` (:data:`EXACT_BUDGET`), both are estimated from ``k`` source
pivots drawn with the seed (Brandes-Pich for betweenness, scaled as networkx's
``betweenness_centrality(k=...)``; Eppstein-Wang for closeness, per connected component).
The error is stated: with 95 % probability every normalised betweenness is within
``± (n / (n - 1)) * sqrt(ln(2 / 0.05) / (2 k))`` of its exact value (Hoeffding's bound on a
mean of ``k`` terms in ``[0, n / (n - 1)]``), recorded in :attr:`Metrics.betweenness_error`.

Backends (:data:`BACKENDS`): the measures are computed by **igraph** (C; python-igraph, a
dependency) when it is installed, else by networkx alone (pure Python, the same measures,
10-100x slower). The API is networkx either way: graphs in, dicts keyed by node out. Both
give the same degrees, betweenness (exact or from the same pivots), closeness and bridging
up to floating-point ties (igraph compares path lengths with a tolerance, networkx exactly:
on ``1 / weight`` distances igraph finds the ties that rounding hides from networkx), and
the same eigenvector centrality up to networkx's convergence tolerance (igraph's ARPACK
solves it to machine precision; networkx's power iteration stops when the mean change per
node is under :data:`EIGEN_TOLERANCE`). Louvain communities are seeded in both but are each
library's own (the same algorithm, different visiting orders). Results are reproducible:
same graph, seed and backend, same numbers, in any process (igraph's random numbers are
drawn from the seed).

>>> import networkx as nx
>>> g = nx.Graph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
>>> m = compute_metrics(g)
>>> round(m.nodes["c"].betweenness, 3), m.nodes["c"].degree, m.sampled
(0.667, 2, False)
>>> [r.node for r in m.ranking("betweenness", top=2)]
['c', 'b']
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import networkx as nx

try:
    import igraph
except ImportError:  # pragma: no cover - a dependency; networkx alone is the slow fallback
    igraph = None

HAS_IGRAPH = igraph is not None
BACKENDS = ("igraph", "networkx")
DEFAULT_BACKEND = "igraph" if HAS_IGRAPH else "networkx"
SEED = 42
EXACT_BUDGET = 50_000_000
MIN_PIVOTS = 64
CONFIDENCE = 0.95
EIGEN_TOLERANCE = 1e-6  # networkx's default: per-node mean change at convergence
EIGEN_MAX_ITER = 1000
METRICS = ("degree", "weighted_degree", "betweenness", "eigenvector", "closeness", "bridging")


@dataclass
class NodeMetrics:
    """The measures of one node (normalised betweenness and closeness, in ``[0, 1]``)."""

    node: str
    degree: int = 0
    weighted_degree: float = 0.0
    betweenness: float = 0.0
    eigenvector: float = 0.0
    closeness: float = 0.0
    bridging: float = 0.0
    community: int = 0  # numbered from 1, largest community first
    communities_reached: int = 0  # distinct communities among the node and its neighbours

    def as_dict(self) -> dict:
        """The measures as a plain dict (floats rounded to 6 decimals).

        >>> NodeMetrics("a", betweenness=1 / 3).as_dict()["betweenness"]
        0.333333
        """
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass
class Metrics:
    """The measures of every node of a network, and how they were obtained."""

    nodes: dict[str, NodeMetrics] = field(default_factory=dict)
    communities: list[list[str]] = field(default_factory=list)  # community i+1, sorted
    sampled: bool = False
    pivots: int | None = None
    betweenness_error: float | None = None  # Hoeffding bound at CONFIDENCE, if sampled
    seed: int = SEED
    notes: list[str] = field(default_factory=list)
    backend: str = ""  # the library that computed the measures (see BACKENDS)

    def ranking(
        self, by: str = "weighted_degree", top: int | None = None, nodes=None
    ) -> list[NodeMetrics]:
        """Nodes sorted by one measure (ties: weighted degree, betweenness, then id).

        ``nodes`` restricts the ranking to some nodes (e.g. the named organisations).
        """
        if by not in METRICS:
            raise ValueError(f"unknown measure {by!r} (known: {', '.join(METRICS)})")
        chosen = [m for n, m in self.nodes.items() if nodes is None or n in nodes]
        chosen.sort(key=lambda m: (-getattr(m, by), -m.weighted_degree, -m.betweenness, m.node))
        return chosen[:top] if top is not None else chosen

    def community_leaders(self, top: int = 5) -> list[list[NodeMetrics]]:
        """The ``top`` nodes of each community (in :attr:`communities` order), by ranking."""
        leaders: list[list[NodeMetrics]] = [[] for _ in self.communities]
        for m in self.ranking():
            if 0 < m.community <= len(leaders) and len(leaders[m.community - 1]) < top:
                leaders[m.community - 1].append(m)
        return leaders

    def bridging_nodes(self, top: int | None = None) -> list[NodeMetrics]:
        """Nodes with a bridging score, highest first (high betweenness for their degree)."""
        return [m for m in self.ranking("bridging", top=None) if m.bridging > 0][:top]


def _exact_cost(parts) -> float:
    """Steps of exact betweenness over components given as ``(nodes, edges)`` pairs."""
    return sum(r * (e + r * max(1.0, math.log2(max(r, 2)))) for r, e in parts)


def _pivots_for(n: int, parts, budget: int) -> int | None:
    cost = _exact_cost(parts)
    if cost <= budget:
        return None
    per_pivot = max(1.0, cost / max(n, 1))
    return min(n, max(MIN_PIVOTS, int(budget / per_pivot)))


def pivot_count(graph: nx.Graph, budget: int = EXACT_BUDGET) -> int | None:
    """The number of pivots to sample, or ``None`` when exact computation fits the budget.

    The cost is summed over connected components: many small ones (one per territory) are
    cheap to compute exactly however many nodes they hold together.

    >>> pivot_count(nx.path_graph(10)) is None
    True
    >>> pivot_count(nx.complete_graph(300), budget=1_000_000)
    64
    >>> pivot_count(nx.union_all([nx.complete_graph(range(i, i + 30)) for i in range(0, 600, 30)]),
    ...             budget=1_000_000) is None
    True
    """
    degree = dict(graph.degree())
    parts = [(len(c), sum(degree[v] for v in c) // 2) for c in nx.connected_components(graph)]
    return _pivots_for(graph.number_of_nodes(), parts, budget)


def hoeffding_error(n: int, k: int, confidence: float = CONFIDENCE) -> float:
    """The half-width of the confidence interval of a ``k``-pivot normalised betweenness.

    >>> round(hoeffding_error(10_000, 500), 4)
    0.0607
    """
    return (n / (n - 1)) * math.sqrt(math.log(2 / (1 - confidence)) / (2 * k))


def _sorted_components(components) -> list[list]:
    """Components as sorted lists of nodes, ordered by first node (the pivots' draw order)."""
    return sorted((sorted(c) for c in components), key=lambda c: c[0])


# -- networkx (pure Python): the fallback when igraph is not installed -----------------


def _closeness(graph: nx.Graph, distance: str, pivots: int | None, seed: int) -> dict:
    if pivots is None:
        return nx.closeness_centrality(graph, distance=distance)
    rng = random.Random(seed)
    n = graph.number_of_nodes()
    result = dict.fromkeys(graph, 0.0)
    for component in _sorted_components(nx.connected_components(graph)):
        r = len(component)
        if r < 2:
            continue
        sub = graph.subgraph(component)
        scale = (r - 1) / (n - 1)
        if r <= pivots:
            exact = nx.closeness_centrality(sub, distance=distance)
            for node, value in exact.items():
                result[node] = value * scale
            continue
        totals = dict.fromkeys(component, 0.0)
        for pivot in rng.sample(component, pivots):
            for node, d in nx.single_source_dijkstra_path_length(
                sub, pivot, weight=distance
            ).items():
                totals[node] += d
        for node, total in totals.items():
            mean = total * r / (pivots * (r - 1))  # Eppstein-Wang estimate of mean distance
            result[node] = scale / mean if mean > 0 else 0.0
    return result


def _eigenvector(graph: nx.Graph, weight: str, notes: list[str]) -> dict:
    """Eigenvector centrality within each connected component (see the module doc)."""
    result = dict.fromkeys(graph, 0.0)
    n = graph.number_of_nodes()
    for component in nx.connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(sorted(component))
        # Long chains converge slowly: small components get many more iterations.
        budget = EIGEN_MAX_ITER * (20 if sub.number_of_edges() <= 50_000 else 1)
        try:
            values = nx.eigenvector_centrality(
                sub, weight=weight, max_iter=budget, tol=EIGEN_TOLERANCE
            )
        except nx.PowerIterationFailedConvergence:
            notes.append(
                f"eigenvector centrality did not converge in {budget} iterations on a"
                f" component of {len(component)} nodes: left at 0 there"
            )
            continue
        scale = math.sqrt(len(component) / n)
        for node, value in values.items():
            result[node] = value * scale
    return result


def _networkx_communities(graph: nx.Graph, weight: str, seed: int) -> list[set]:
    return nx.community.louvain_communities(graph, weight=weight, seed=seed)


def _networkx_measures(graph, weight, distance, k, seed, notes):
    if k is None:
        between = nx.betweenness_centrality(graph, weight=distance, normalized=True)
    else:  # draws the same pivots as _pivots (random.Random(seed).sample)
        between = nx.betweenness_centrality(graph, k=k, weight=distance, normalized=True, seed=seed)
    close = _closeness(graph, distance, k, seed)
    eigen = _eigenvector(graph, weight, notes)
    return between, close, eigen, _networkx_communities(graph, weight, seed)


# -- igraph (C) ----------------------------------------------------------------------


class _IGraph:
    """An igraph copy of a networkx graph: vertex ``i`` is ``nodes[i]`` (networkx order)."""

    def __init__(self, graph: nx.Graph, weight: str, distance: str):
        self.nodes = list(graph)
        self.index = index = {node: i for i, node in enumerate(self.nodes)}
        edges, weights, distances = [], [], []
        # Each edge once, in the order of graph.edges(): from the node first seen.
        for i, (_, neighbours) in enumerate(graph.adjacency()):
            for v, attrs in neighbours.items():
                j = index[v]
                if j >= i:
                    edges.append((i, j))
                    weights.append(attrs.get(weight, 1))
                    distances.append(attrs.get(distance, 1))
        self.edges, self.weights = edges, weights
        self.graph = igraph.Graph(n=len(self.nodes), edges=edges)
        self.graph.es["weight"] = weights
        self.graph.es["distance"] = distances
        # igraph wants positive weights (shortest paths, eigenvector): else networkx.
        self.usable = all(w > 0 for w in weights) and all(d > 0 for d in distances)
        self.components = list(self.graph.connected_components())

    def parts(self) -> list[tuple[int, int]]:
        degree = self.graph.degree()
        return [(len(m), sum(degree[i] for i in m) // 2) for m in self.components]

    def values(self, values) -> dict:
        return dict(zip(self.nodes, values, strict=True))


def _igraph_betweenness(ig: _IGraph, pivots: list | None) -> dict:
    g, n = ig.graph, ig.graph.vcount()
    if n <= 2:
        return ig.values([0.0] * n)
    if pivots is None:
        raw = g.betweenness(weights="distance")  # unordered pairs
        scale = 2 / ((n - 1) * (n - 2))  # networkx: ordered pairs over (n - 1)(n - 2)
        return ig.values([b * scale for b in raw])
    # Paths from the k pivots to every node, halved (undirected): doubled back, then scaled
    # as networkx's k-sampled estimate (a pivot is not a target of its own paths).
    sources = [ig.index[p] for p in pivots]
    raw = g.betweenness(weights="distance", sources=sources)
    k = len(sources)
    scale_source = 2 / ((k - 1) * (n - 2)) if k > 1 else math.nan
    scale_other = 2 / (k * (n - 2))
    chosen = set(sources)
    return ig.values(
        [b * (scale_source if i in chosen else scale_other) for i, b in enumerate(raw)]
    )


def _igraph_closeness(ig: _IGraph, k: int | None, seed: int) -> dict:
    """Wasserman-Faust closeness, as networkx's (see :func:`_closeness` for the sampling)."""
    g, n = ig.graph, ig.graph.vcount()
    result = [0.0] * n
    if n < 2:
        return ig.values(result)
    size = [0] * n
    for members in ig.components:
        for i in members:
            size[i] = len(members)
    # igraph's normalised closeness is (r - 1) / sum of distances within the component.
    if k is None:
        exact = list(range(n))
    else:
        exact = []
        rng = random.Random(seed)
        nodes, index = ig.nodes, ig.index
        for component in _sorted_components([nodes[i] for i in m] for m in ig.components):
            r = len(component)
            if r < 2:
                continue
            if r <= k:
                exact.extend(index[node] for node in component)
                continue
            targets = [index[node] for node in component]
            sources = [index[node] for node in rng.sample(component, k)]
            rows = g.distances(source=sources, target=targets, weights="distance")
            for i, total in zip(targets, map(sum, zip(*rows, strict=True)), strict=True):
                mean = total * r / (k * (r - 1))  # Eppstein-Wang estimate of mean distance
                result[i] = (r - 1) / (n - 1) / mean if mean > 0 else 0.0
    if exact:
        values = g.closeness(vertices=exact, weights="distance", normalized=True)
        for i, value in zip(exact, values, strict=True):
            r = size[i]
            result[i] = value * (r - 1) / (n - 1) if r > 1 else 0.0
    return ig.values(result)


def _igraph_eigenvector(ig: _IGraph, notes: list[str]) -> dict:
    """Eigenvector centrality within each connected component (ARPACK, see the module doc).

    Components are solved from their own edge lists (nodes numbered in order), once per
    distinct shape: small ones repeat (two or three fiches linked by one reason).
    """
    n = ig.graph.vcount()
    result = [0.0] * n
    where, local = [0] * n, [0] * n
    for c, members in enumerate(ig.components):
        for j, i in enumerate(members):
            where[i], local[i] = c, j
    shapes: list[list] = [[] for _ in ig.components]
    for (a, b), w in zip(ig.edges, ig.weights, strict=True):
        shapes[where[a]].append((local[a], local[b], w))
    solved: dict[tuple, list[float] | None] = {}
    for c, members in enumerate(ig.components):
        r = len(members)
        if r < 2:
            continue
        key = (r, tuple(sorted(shapes[c])))
        if key not in solved:
            solved[key] = _eigenvector_of(r, key[1], notes)
        values = solved[key]
        if values is None:
            continue
        scale = math.sqrt(r / n) / math.hypot(*values)
        for i, value in zip(members, values, strict=True):
            result[i] = value * scale
    return ig.values(result)


def _eigenvector_of(r: int, edges: tuple, notes: list[str]) -> list[float] | None:
    if r == 2:
        return [1.0, 1.0]
    graph = igraph.Graph(n=r, edges=[(a, b) for a, b, _ in edges])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # e.g. no convergence
            return graph.eigenvector_centrality(weights=[w for _, _, w in edges])
    except (igraph.InternalError, RuntimeWarning) as exc:
        notes.append(
            f"eigenvector centrality failed on a component of {r} nodes ({exc}): left at 0 there"
        )
        return None


@contextmanager
def _igraph_random(seed: int) -> Iterator[None]:
    """igraph draws from ``random.Random(seed)`` meanwhile (ARPACK's start vector, Louvain's
    visiting order): the same graph gives the same numbers, in any process."""
    igraph.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        igraph.set_random_number_generator(random)  # python-igraph's default


def _igraph_communities(ig: _IGraph, seed: int) -> list[list]:
    """Louvain (Blondel et al.'s multilevel), its random visiting order drawn from ``seed``."""
    with _igraph_random(seed):
        membership = ig.graph.community_multilevel(weights="weight").membership
    found: dict[int, list] = {}
    for node, number in zip(ig.nodes, membership, strict=True):
        found.setdefault(number, []).append(node)
    return list(found.values())


# -- the API -------------------------------------------------------------------------


def _backend(name: str | None) -> str:
    name = name or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")
    if name == "igraph" and igraph is None:
        raise ValueError("the igraph backend needs python-igraph: `pip install igraph`")
    return name


def _ordered(found) -> list[list]:
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def communities(
    graph: nx.Graph, weight: str = "weight", seed: int = SEED, backend: str | None = None
) -> list[list[str]]:
    """Louvain communities (seeded), each sorted; the largest first, ties by first member.

    >>> communities(nx.Graph([("a", "b"), ("c", "d")]))
    [['a', 'b'], ['c', 'd']]
    """
    if graph.number_of_nodes() == 0:
        return []
    if _backend(backend) == "igraph":
        ig = _IGraph(graph, weight, weight)
        if ig.usable:
            return _ordered(_igraph_communities(ig, seed))
    return _ordered(_networkx_communities(graph, weight, seed))


def compute_metrics(
    graph: nx.Graph,
    weight: str = "weight",
    distance: str = "distance",
    seed: int = SEED,
    budget: int = EXACT_BUDGET,
    pivots: int | None = None,
    backend: str | None = None,
) -> Metrics:
    """Every measure of every node of an undirected ``graph`` (see the module doc).

    ``pivots`` forces sampling with that many pivots; otherwise it is chosen from
    ``budget``. A missing ``weight`` or ``distance`` attribute counts as 1. ``backend``:
    ``"igraph"`` (the default when installed) or ``"networkx"``; a graph with a weight or
    distance that is not positive is measured by networkx.
    """
    if graph.is_directed():
        raise ValueError("compute_metrics expects an undirected graph")
    backend = _backend(backend)
    result = Metrics(seed=seed, backend=backend)
    n = graph.number_of_nodes()
    if n == 0:
        return result
    ig = None
    if backend == "igraph":
        ig = _IGraph(graph, weight, distance)
        if not ig.usable:
            ig, result.backend = None, "networkx"
    if pivots is not None:
        k = pivots
    elif ig is not None:
        k = _pivots_for(n, ig.parts(), budget)
    else:
        k = pivot_count(graph, budget)
    if k is not None and k >= n:
        k = None
    if k is not None:
        result.sampled, result.pivots = True, k
        result.betweenness_error = hoeffding_error(n, k)
        result.notes.append(
            f"betweenness and closeness estimated from {k} of {n} source nodes (seed {seed});"
            f" betweenness within ±{result.betweenness_error:.4f} of its exact value with"
            f" {CONFIDENCE:.0%} probability (Hoeffding)"
        )
    if ig is not None:
        # networkx's draw for betweenness_centrality(k=k, seed=seed): the same pivots.
        chosen = random.Random(seed).sample(list(graph), k) if k is not None else None
        between = _igraph_betweenness(ig, chosen)
        close = _igraph_closeness(ig, k, seed)
        with _igraph_random(seed):
            eigen = _igraph_eigenvector(ig, result.notes)
        found = _igraph_communities(ig, seed)
    else:
        between, close, eigen, found = _networkx_measures(
            graph, weight, distance, k, seed, result.notes
        )
    result.communities = _ordered(found)
    community_of = {node: i for i, members in enumerate(result.communities, 1) for node in members}
    degree = dict(graph.degree())
    strength = dict(graph.degree(weight=weight))
    inverse_degree = {node: 1 / d for node, d in degree.items() if d}
    for node, neighbours in graph.adjacency():
        d = degree[node]
        inverse = sum(inverse_degree[u] for u in neighbours)
        coefficient = (1 / d) / inverse if d and inverse else 0.0
        own = community_of[node]
        reached = {own}
        reached.update(community_of[u] for u in neighbours)
        b = between.get(node, 0.0)
        result.nodes[node] = NodeMetrics(
            node=node,
            degree=d,
            weighted_degree=float(strength[node]),
            betweenness=b,
            eigenvector=eigen.get(node, 0.0),
            closeness=close.get(node, 0.0),
            bridging=b * coefficient,
            community=own,
            communities_reached=len(reached),
        )
    return result
