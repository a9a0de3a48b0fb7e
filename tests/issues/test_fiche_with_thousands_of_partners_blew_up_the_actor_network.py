"""Regression: a fiche listing 5,000 partners made ``actor_network`` build a clique of
12.5 million edges (``policykg views`` ran for minutes and took gigabytes)."""

from __future__ import annotations

import time

from policykg.graph.build import build_corpus
from policykg.graph.store import open_store
from policykg.viz.networks import MAX_COMOBILISED, actor_network, load_network_data
from tests.bad_inputs import many_partners, orientation_fiche


def test_a_fiche_with_thousands_of_partners_adds_nodes_but_no_clique(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "big.txt").write_text(many_partners(3000), encoding="utf-8")
    (corpus / "small.txt").write_text(
        orientation_fiche("1.1.1", "UNE PETITE FICHE", "CAF, DDCS, Mission locale"),
        encoding="utf-8",
    )
    build_corpus(corpus, tmp_path / "out", jobs=1)
    store = open_store(tmp_path / "out")
    started = time.perf_counter()
    graph = actor_network(load_network_data(store))
    assert time.perf_counter() - started < 30
    names = {data.get("label") for _, data in graph.nodes(data=True)}
    assert "Association Quartier 3000" in names
    assert graph.number_of_edges() == 3  # the small fiche's three partners, pairwise
    assert 3000 > MAX_COMOBILISED
