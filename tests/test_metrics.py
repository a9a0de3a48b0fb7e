"""Centralities on the seeds, checked against networkx run on hand-built edge lists."""

from __future__ import annotations

import itertools
import math

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
