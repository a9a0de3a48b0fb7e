"""Centralities on the seeds, checked against networkx run on hand-built edge lists."""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import subprocess
import sys

import networkx as nx
import pyoxigraph as ox
import pytest

from policykg.graph.store import open_store
from policykg.loaders.resolve.names import normalise_key
from policykg.viz.analytics_graph import (
    ANALYTICS_GRAPH,
    compute_analytics,
    read_measures,
    stored_metrics,
    write_analytics,
)
from policykg.viz.metrics import (
    EIGEN_TOLERANCE,
    HAS_IGRAPH,
    communities,
    compute_metrics,
    hoeffding_error,
    pivot_count,
)
from policykg.viz.networks import actor_network, load_network_data
from tests.answer_key import keys_of
from tests.conftest import answer_key
from tests.test_networks import build_seeds
from tests.test_networks import seed_out as seed_out  # noqa: F401  (a shared fixture)


@pytest.fixture(scope="module")
def two_fiches(tmp_path_factory):
    """Seeds 000 and 001 (fiches 1.1.1 and 1.1.2 of Tour(s)plus) built alone."""
    return build_seeds(tmp_path_factory.mktemp("two"), seeds=("000", "001"))


def hand_built(*shorts: str) -> nx.Graph:
    """The co-mobilisation network written by hand from the answer keys' partner lists:
    partners of one fiche pairwise linked, weight = number of fiches they share."""
    graph = nx.Graph()
    for short in shorts:
        names = [p["name"] for p in answer_key(short)["fiches"][0]["partners"]]
        graph.add_nodes_from(normalise_key(n) for n in names)
        for a, b in itertools.combinations(sorted({normalise_key(n) for n in names}), 2):
            weight = graph.edges[a, b]["weight"] + 1 if graph.has_edge(a, b) else 1
            graph.add_edge(a, b, weight=weight, distance=1 / weight)
    return graph


def by_key(graph: nx.Graph) -> dict[str, str]:
    return {normalise_key(a["label"]): n for n, a in graph.nodes(data=True)}


def test_one_fiche_is_a_clique_of_its_answer_key_partners(two_fiches):
    data = load_network_data(open_store(two_fiches))
    one = {k: v for k, v in data.involvement.items() if k[0].endswith("/fiche/1.1.2")}
    data.involvement = one
    graph = actor_network(data, roles={"partenaire"})
    expected = hand_built("001")
    assert set(by_key(graph)) == set(expected)  # the answer key's 11 partners, no more
    metrics = compute_metrics(graph)
    n = expected.number_of_nodes()
    for m in metrics.nodes.values():
        assert (m.degree, m.weighted_degree, m.betweenness) == (n - 1, n - 1, 0.0)
        assert m.closeness == pytest.approx(1.0)
        assert m.eigenvector == pytest.approx(1 / math.sqrt(n))
    assert len(metrics.communities) == 1


def test_centralities_match_networkx_on_the_hand_built_network(two_fiches):
    graph = actor_network(load_network_data(open_store(two_fiches)), roles={"partenaire"})
    expected = hand_built("000", "001")
    nodes = by_key(graph)
    assert set(nodes) == set(expected)
    metrics = compute_metrics(graph)
    between = nx.betweenness_centrality(expected, weight="distance")
    closeness = nx.closeness_centrality(expected, distance="distance")
    eigen = nx.eigenvector_centrality(expected, weight="weight", tol=EIGEN_TOLERANCE)
    for key, node in nodes.items():
        m = metrics.nodes[node]
        assert m.degree == expected.degree(key), key
        assert m.weighted_degree == expected.degree(key, weight="weight"), key
        assert m.betweenness == pytest.approx(between[key], abs=1e-9), key
        assert m.closeness == pytest.approx(closeness[key], abs=1e-9), key
        assert m.eigenvector == pytest.approx(eigen[key], abs=1e-6), key
    # the partners of both fiches are the bridges between the two cliques
    both = set.intersection(
        *(
            {normalise_key(p["name"]) for p in answer_key(s)["fiches"][0]["partners"]}
            for s in ("000", "001")
        )
    )
    assert both and {k for k in nodes if metrics.nodes[nodes[k]].betweenness > 0} == both


def test_stored_measures_read_back_by_sparql(two_fiches, tmp_path):
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_extend(open_store(two_fiches).quads_for_pattern(None, None, None, None))
    analytics = compute_analytics(store)
    write_analytics(store, analytics, tmp_path)
    rows = read_measures(store, "organisation")
    ranking = analytics.metrics["organisation"].ranking()
    assert [r["node"] for r in rows] == [m.node for m in ranking]
    for row, m in zip(rows, ranking, strict=True):
        assert row["kind"] == "organisation"
        assert row["betweenness"] == round(m.betweenness, 6)
        assert row["weighted_degree"] == m.weighted_degree
    assert {normalise_key(r["label"]) for r in rows} >= keys_of(["CAF", "DDCS", "UFOLEP"])
    again = stored_metrics(store, "organisation")
    assert again.communities == analytics.metrics["organisation"].communities
    # the analytics graph is a named graph of its own, queried with SPARQL like any other
    query = (
        f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ GRAPH <{ANALYTICS_GRAPH}> {{ ?m a "
        "<https://w3id.org/policykg/def/analytics#Measure> } }"
    )
    count = next(iter(store.query(query)))["n"].value
    assert int(count) == sum(len(m.nodes) for m in analytics.metrics.values())


def test_no_analytics_graph_reads_as_none(two_fiches):
    assert read_measures(open_store(two_fiches)) is None


def test_sampled_betweenness_is_within_the_stated_error():
    graph = nx.connected_watts_strogatz_graph(250, 6, 0.1, seed=3)
    exact = compute_metrics(graph)
    sampled = compute_metrics(graph, pivots=80)
    assert sampled.sampled and sampled.pivots == 80 and not exact.sampled
    assert sampled.betweenness_error == pytest.approx(hoeffding_error(250, 80))
    assert "±" in sampled.notes[0] and "80 of 250" in sampled.notes[0]
    worst = max(abs(exact.nodes[n].betweenness - sampled.nodes[n].betweenness) for n in graph)
    assert worst <= sampled.betweenness_error
    # Eppstein-Wang closeness: a mean distance from 80 pivots is close on this graph
    errors = [abs(sampled.nodes[n].closeness / exact.nodes[n].closeness - 1) for n in graph]
    assert sum(errors) / len(errors) < 0.05
    again = compute_metrics(graph, pivots=80)
    assert again.nodes == sampled.nodes  # seeded: reproducible


def test_sampling_starts_above_the_budget():
    graph = nx.complete_graph(80)
    assert pivot_count(graph) is None
    k = pivot_count(graph, budget=100_000)
    assert k is not None and k < 80
    assert compute_metrics(graph, budget=100_000).pivots == k


def test_eigenvector_is_computed_within_each_component():
    """A second territory is another component: it must not be all zeros."""
    a, b = nx.path_graph(["a1", "a2", "a3"]), nx.star_graph(["b0", "b1", "b2", "b3", "b4"])
    graph = nx.union(a, b)
    metrics = compute_metrics(graph)
    for part in (a, b):
        expected = nx.eigenvector_centrality(part, tol=EIGEN_TOLERANCE)
        scale = math.sqrt(part.number_of_nodes() / graph.number_of_nodes())
        for node, value in expected.items():
            assert metrics.nodes[node].eigenvector == pytest.approx(value * scale, abs=1e-6)
    assert sum(m.eigenvector**2 for m in metrics.nodes.values()) == pytest.approx(1, abs=1e-6)


def test_the_bridge_between_two_groups_has_the_highest_bridging_score():
    graph = nx.union(
        nx.complete_graph(["a1", "a2", "a3", "a4"]), nx.complete_graph(["b1", "b2", "b3", "b4"])
    )
    graph.add_edges_from([("a1", "x"), ("x", "b1")])
    metrics = compute_metrics(graph)
    assert metrics.bridging_nodes(top=1)[0].node == "x"
    assert metrics.ranking("betweenness", top=1)[0].node == "x"  # and a1, b1 next
    assert metrics.nodes["x"].communities_reached >= 2
    assert metrics.nodes["a2"].bridging == 0.0


def test_communities_are_reproducible_and_ordered():
    graph = nx.connected_caveman_graph(5, 6)
    first = communities(graph)
    assert first == communities(graph)
    assert [len(c) for c in first] == sorted((len(c) for c in first), reverse=True)
    assert sorted(n for c in first for n in c) == sorted(graph)


def test_empty_and_edgeless_graphs():
    assert compute_metrics(nx.Graph()).nodes == {}
    lonely = compute_metrics(nx.empty_graph(["a", "b"]))
    assert lonely.nodes["a"].degree == 0 and lonely.nodes["a"].eigenvector == 0.0
    with pytest.raises(ValueError):
        compute_metrics(nx.DiGraph([("a", "b")]))


def _weighted(graph: nx.Graph, seed: int = 1) -> nx.Graph:
    """Weights 1-4 and distances 12 / weight: integers, so that no float rounding hides a
    tie between two shortest paths (on 1 / weight, networkx compares sums of floats)."""
    rng = random.Random(seed)
    for u, v in sorted(graph.edges):
        w = rng.randint(1, 4)
        graph.edges[u, v].update(weight=w, distance=12 // w)
    return graph


def _two_territories() -> nx.Graph:
    parts = [
        _weighted(nx.connected_watts_strogatz_graph(90, 6, 0.2, seed=1)),
        _weighted(nx.connected_watts_strogatz_graph(40, 4, 0.3, seed=2), seed=2),
        nx.path_graph(2),
        nx.empty_graph(1),
    ]
    graph = nx.disjoint_union_all(parts)
    return nx.relabel_nodes(graph, {n: f"n{n:03d}" for n in graph})


@pytest.mark.skipif(not HAS_IGRAPH, reason="python-igraph is not installed")
@pytest.mark.parametrize("pivots", [None, 50])
def test_igraph_and_networkx_backends_agree(pivots):
    """The fast backend computes the same measures, from the same pivots when sampled."""
    graph = _two_territories()
    fast = compute_metrics(graph, pivots=pivots, backend="igraph")
    slow = compute_metrics(graph, pivots=pivots, backend="networkx")
    assert (fast.backend, slow.backend) == ("igraph", "networkx")
    assert (fast.sampled, fast.pivots, fast.notes) == (slow.sampled, slow.pivots, slow.notes)
    for node in graph:
        a, b = fast.nodes[node], slow.nodes[node]
        assert (a.degree, a.weighted_degree) == (b.degree, b.weighted_degree), node
        assert a.betweenness == pytest.approx(b.betweenness, abs=1e-12), node
        assert a.closeness == pytest.approx(b.closeness, abs=1e-12), node
        assert a.bridging == pytest.approx(b.bridging, abs=1e-12), node
        assert a.eigenvector == pytest.approx(b.eigenvector, abs=1e-4), node  # nx: tol 1e-6
    # igraph's eigenvector is exact where networkx's power iteration stops at its tolerance
    for members in nx.connected_components(graph):
        if len(members) > 1:
            sub = graph.subgraph(members)
            precise = nx.eigenvector_centrality(sub, weight="weight", tol=1e-13, max_iter=10**5)
            scale = math.sqrt(len(members) / graph.number_of_nodes())
            for node, value in precise.items():
                assert fast.nodes[node].eigenvector == pytest.approx(value * scale, abs=1e-9)
    # Louvain: each library's own, both seeded, both good partitions of the same graph
    for found in (fast.communities, slow.communities):
        assert sorted(n for c in found for n in c) == sorted(graph)
        assert nx.community.modularity(graph, found) > 0.5


def test_many_small_components_are_computed_exactly():
    """Territories are components: exact cost is summed over them, not taken on the whole."""
    graph = nx.disjoint_union_all([nx.complete_graph(30) for _ in range(20)])  # 600 nodes
    n, e = graph.number_of_nodes(), graph.number_of_edges()
    assert n * (e + n * math.log2(n)) > 5_000_000  # the whole graph's cost: above the budget
    assert pivot_count(graph, budget=5_000_000) is None
    metrics = compute_metrics(graph, budget=5_000_000)
    assert not metrics.sampled and metrics.betweenness_error is None


@pytest.mark.skipif(not HAS_IGRAPH, reason="python-igraph is not installed")
def test_measures_are_the_same_in_another_process():
    """igraph draws random numbers (ARPACK's start, Louvain's order): from the seed only."""
    script = (
        "import json, sys, networkx as nx\n"
        "from policykg.viz.metrics import compute_metrics\n"
        "nodes, edges = json.load(sys.stdin)\n"
        "g = nx.Graph()\n"
        "g.add_nodes_from(nodes)\n"
        "g.add_edges_from(edges)\n"
        "m = compute_metrics(g)\n"
        "print(json.dumps([m.communities, [m.nodes[n].as_dict() for n in sorted(m.nodes)]]))\n"
    )
    graph = _two_territories()
    given = json.dumps([list(graph), list(graph.edges(data=True))])
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=given,
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(done.stdout)
    here = compute_metrics(graph)
    assert outputs == {
        json.dumps([here.communities, [here.nodes[n].as_dict() for n in sorted(here.nodes)]]) + "\n"
    }


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown backend"):
        compute_metrics(nx.path_graph(3), backend="graph-tool")
