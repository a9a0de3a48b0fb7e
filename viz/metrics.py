"""Centralities, communities and bridging actors of a network (networkx, reproducible).

For every node: degree and weighted degree, betweenness and closeness (shortest paths
over the ``distance`` edge attribute, ``1 / weight``: a strong tie is a short one),
eigenvector centrality, a Louvain community (seeded) and a bridging score.

Eigenvector centrality (weighted; networkx's power iteration, pure Python — PageRank would
need SciPy) is computed within each connected component: on a whole graph, the power
iteration gives zero to every component but the dominant one, and actors of different
territories are different components. Each component's vector has unit norm, scaled by
``sqrt(size / n)``, so that the whole vector still has unit norm.

Bridging is Hwang et al.'s *bridging centrality*: betweenness times the bridging
coefficient ``(1 / d(v)) / sum(1 / d(u) for u in neighbours(v))``, high for a node whose
betweenness is high for its degree (it sits between groups rather than in a hub).

Exact betweenness and closeness cost about ``N * (E + N log N)`` steps. Above ``budget``
(:data:`EXACT_BUDGET`), both are estimated from ``k`` source pivots drawn with the seed
(Brandes-Pich for betweenness, Eppstein-Wang for closeness, per connected component). The
error is stated: with 95 % probability every normalised betweenness is within
``± (n / (n - 1)) * sqrt(ln(2 / 0.05) / (2 k))`` of its exact value (Hoeffding's bound on a
mean of ``k`` terms in ``[0, n / (n - 1)]``), recorded in :attr:`Metrics.betweenness_error`.

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
from dataclasses import asdict, dataclass, field

import networkx as nx

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


def pivot_count(graph: nx.Graph, budget: int = EXACT_BUDGET) -> int | None:
    """The number of pivots to sample, or ``None`` when exact computation fits the budget.

    >>> pivot_count(nx.path_graph(10)) is None
    True
    >>> pivot_count(nx.complete_graph(300), budget=1_000_000)
    64
    """
    n, e = graph.number_of_nodes(), graph.number_of_edges()
    cost = n * (e + n * max(1.0, math.log2(max(n, 2))))
    if cost <= budget:
        return None
    per_pivot = max(1.0, cost / max(n, 1))
    return min(n, max(MIN_PIVOTS, int(budget / per_pivot)))


def hoeffding_error(n: int, k: int, confidence: float = CONFIDENCE) -> float:
    """The half-width of the confidence interval of a ``k``-pivot normalised betweenness.

    >>> round(hoeffding_error(10_000, 500), 4)
    0.0607
    """
    return (n / (n - 1)) * math.sqrt(math.log(2 / (1 - confidence)) / (2 * k))


def _closeness(graph: nx.Graph, distance: str, pivots: int | None, seed: int) -> dict:
    if pivots is None:
        return nx.closeness_centrality(graph, distance=distance)
    rng = random.Random(seed)
    n = graph.number_of_nodes()
    result = dict.fromkeys(graph, 0.0)
    for component in sorted(
        (sorted(c) for c in nx.connected_components(graph)), key=lambda c: c[0]
    ):
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


def communities(graph: nx.Graph, weight: str = "weight", seed: int = SEED) -> list[list[str]]:
    """Louvain communities (seeded), each sorted; the largest first, ties by first member.

    >>> communities(nx.Graph([("a", "b"), ("c", "d")]))
    [['a', 'b'], ['c', 'd']]
    """
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight=weight, seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def compute_metrics(
    graph: nx.Graph,
    weight: str = "weight",
    distance: str = "distance",
    seed: int = SEED,
    budget: int = EXACT_BUDGET,
    pivots: int | None = None,
) -> Metrics:
    """Every measure of every node of an undirected ``graph`` (see the module doc).

    ``pivots`` forces sampling with that many pivots; otherwise it is chosen from
    ``budget``. A missing ``weight`` or ``distance`` attribute counts as 1.
    """
    if graph.is_directed():
        raise ValueError("compute_metrics expects an undirected graph")
    result = Metrics(seed=seed)
    n = graph.number_of_nodes()
    if n == 0:
        return result
    k = pivots if pivots is not None else pivot_count(graph, budget)
    if k is not None and k >= n:
        k = None
    if k is None:
        between = nx.betweenness_centrality(graph, weight=distance, normalized=True)
    else:
        between = nx.betweenness_centrality(graph, k=k, weight=distance, normalized=True, seed=seed)
        result.sampled, result.pivots = True, k
        result.betweenness_error = hoeffding_error(n, k)
        result.notes.append(
            f"betweenness and closeness estimated from {k} of {n} source nodes (seed {seed});"
            f" betweenness within ±{result.betweenness_error:.4f} of its exact value with"
            f" {CONFIDENCE:.0%} probability (Hoeffding)"
        )
    close = _closeness(graph, distance, k, seed)
    eigen = _eigenvector(graph, weight, result.notes)
    result.communities = communities(graph, weight, seed)
    community_of = {node: i for i, members in enumerate(result.communities, 1) for node in members}
    for node in graph:
        degree = graph.degree(node)
        inverse = sum(1 / graph.degree(u) for u in graph.neighbors(node))
        coefficient = (1 / degree) / inverse if degree and inverse else 0.0
        reached = {community_of[node]} | {community_of[u] for u in graph.neighbors(node)}
        result.nodes[node] = NodeMetrics(
            node=node,
            degree=degree,
            weighted_degree=float(graph.degree(node, weight=weight)),
            betweenness=between.get(node, 0.0),
            eigenvector=eigen.get(node, 0.0),
            closeness=close.get(node, 0.0),
            bridging=between.get(node, 0.0) * coefficient,
            community=community_of[node],
            communities_reached=len(reached),
        )
    return result
