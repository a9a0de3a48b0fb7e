"""Networks read from the built graph by SPARQL, checked against the answer keys."""

from __future__ import annotations

import gc
import math
import shutil
from pathlib import Path

import pytest

from policykg.errors import PolicykgError
from policykg.graph.build import build_corpus
from policykg.graph.store import open_store
from policykg.loaders.resolve.names import normalise_key
from policykg.viz.networks import (
    LinkRules,
    NetworkData,
    actor_fiche_network,
    actor_network,
    actor_networks,
    fiche_network,
    load_network_data,
    paused_gc,
    undirected,
)
from tests.answer_key import funding_keys, keys_of
from tests.conftest import SEED_IDS, answer_key, seed_path

SEED_CONTRACTS = {
    "000": "tours-2015-2020",
    "001": "tours-2015-2020",
    "002": "tours-2015-2020",
    "003": "tours-metropole-2024-2030",
    "004": "nantes-2015-2020",
}
SEED_MANIFEST = """\
contracts:
  tours-2015-2020:
    territory: "Tour(s)plus (agglomération tourangelle)"
    period: "2015-2020"
    epci_siren: "243700754"
  tours-metropole-2024-2030:
    territory: "Tours Métropole Val de Loire"
    period: "2024-2030"
    epci_siren: "243700754"
  nantes-2015-2020:
    territory: "Nantes Métropole"
    period: "2015-2020"
    epci_siren: "244400404"
documents:
"""
FICHE = "https://w3id.org/policykg/id/contract/{contract}/fiche/{code}"


def make_seed_corpus(folder: Path, seeds=tuple(SEED_CONTRACTS), extra: dict | None = None) -> Path:
    """A corpus folder with copies of some seeds in their three contracts (and extra
    files, ``{name: (bytes, contract)}``)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for short in seeds:
        name = f"{SEED_IDS[short]}.txt"
        shutil.copy(seed_path(short), folder / name)
        lines.append(f"  - {{file: {name}, contract: {SEED_CONTRACTS[short]}}}")
    for name, (data, contract) in (extra or {}).items():
        (folder / name).write_bytes(data)
        lines.append(f"  - {{file: {name}, contract: {contract}}}")
    (folder / "corpus.yaml").write_text(SEED_MANIFEST + "\n".join(lines) + "\n", "utf-8")
    return folder


def build_seeds(base: Path, seeds=tuple(SEED_CONTRACTS), extra: dict | None = None) -> Path:
    """Build some seeds into ``base/out``; the output folder."""
    corpus = make_seed_corpus(base / "corpus", seeds, extra)
    report = build_corpus(corpus, base / "out", jobs=1, views=False)
    assert not report.failed, report.summary()
    return base / "out"


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory) -> Path:
    """All five seeds built once (read-only: tests that write copy it first)."""
    return build_seeds(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="session")
def seed_data(seed_out) -> NetworkData:
    return load_network_data(open_store(seed_out))


def key_names(partners: list[dict]) -> dict[str, set[str]]:
    """Answer-key partners: name -> the keys it may be found under."""
    return {p["name"]: keys_of([p["name"], *p.get("aliases", [])]) for p in partners}


def by_key(graph, iris) -> dict[str, str]:
    """normalise_key(label) -> node, for some nodes."""
    return {normalise_key(graph.nodes[n]["label"]): n for n in iris}


def test_the_bipartite_network_holds_each_fiches_partners_from_the_answer_key(seed_data):
    graph = actor_fiche_network(seed_data, roles={"partenaire"})
    for short, code in (("000", "1.1.1"), ("001", "1.1.2"), ("002", "1.1.5")):
        fiche = FICHE.format(contract="tours-2015-2020", code=code)
        assert graph.nodes[fiche]["bipartite"] == 1
        found = by_key(graph, graph.neighbors(fiche))
        key = answer_key(short)["fiches"][0]
        acceptable = keys_of(key.get("also_acceptable_partners", []))
        for name, keys in key_names(key["partners"]).items():
            assert keys & set(found), f"{code}: partner {name} missing"
            acceptable |= keys
        assert set(found) <= acceptable, f"{code}: unexpected {set(found) - acceptable}"


def test_funders_count_as_involvement_with_the_financeur_role(seed_data):
    """Answer key 001: "Projet social de territoire" is funded by the CAF and the Ville."""
    graph = actor_fiche_network(seed_data)
    fiche = FICHE.format(contract="tours-2015-2020", code="1.1.2")
    funders = {
        p["name"]
        for f in answer_key("001")["fiches"][0]["funding"]
        for p in [{"name": n} for n in f.get("funders", [])]
    }
    found = by_key(graph, graph.neighbors(fiche))
    for name in funders:
        assert "financeur" in graph.edges[found[normalise_key(name)], fiche]["roles"]


def test_co_mobilisation_weights_count_the_shared_fiches_of_the_answer_keys(seed_data):
    graph = actor_network(seed_data, roles={"partenaire"})
    keys = [answer_key(s)["fiches"][0] for s in ("000", "001", "002", "003")]  # SIREN 243700754
    sure = [set().union(*key_names(k["partners"]).values()) for k in keys]
    maybe = [
        s | keys_of(k.get("also_acceptable_partners", [])) for s, k in zip(sure, keys, strict=True)
    ]
    nodes = {normalise_key(a["label"]): n for n, a in graph.nodes(data=True) if "243700754" in n}
    exact = 0
    for a, b in (
        ("Centre social", "Conseil citoyen"),
        ("Centre social", "Association"),
        ("Adulte relais", "Centre social"),
        ("DDCS", "UFOLEP"),
        ("CAF", "CIDFF"),
    ):
        a, b = normalise_key(a), normalise_key(b)
        low = sum(1 for k in sure if a in k and b in k)
        high = sum(1 for k in maybe if a in k and b in k)
        edge = graph.get_edge_data(nodes[a], nodes[b])
        weight = edge["weight"] if edge else 0
        assert low <= weight <= high, (a, b)
        exact += low == high
        if edge:
            assert edge["fiches"] == weight and edge["actions"] == 0
            assert edge["distance"] == pytest.approx(1 / weight)
    assert exact >= 3


def test_actors_are_one_node_whatever_the_number_of_documents(seed_data):
    """The union graph is a multiset: a resource in several document graphs is still one."""
    graph = actor_network(seed_data)
    labels = [(a["label"], n.split("/actor/")[1].split("/")[0]) for n, a in graph.nodes(data=True)]
    assert len(labels) == len(set(labels))
    centre = next(n for n in graph if n.endswith("243700754/centre-social"))
    assert graph.nodes[centre]["contracts"] == ["tours-2015-2020", "tours-metropole-2024-2030"]


def test_kind_filters_separate_organisations_categories_and_professions(seed_data):
    """The architecture's examples: UFOLEP is named, associations generic, éducateurs a job."""
    expected = {
        "organisation": "ufolep",
        "category": "association",
        "profession": "educateur specialise",
    }
    for kind, name in expected.items():
        graph = actor_network(seed_data, kinds={kind})
        assert {a["kind"] for _, a in graph.nodes(data=True)} == {kind}
        assert name in {normalise_key(a["label"]) for _, a in graph.nodes(data=True)}
        others = set(expected.values()) - {name}
        assert not others & {normalise_key(a["label"]) for _, a in graph.nodes(data=True)}


def test_a_contract_filter_reads_one_contract_only(seed_out):
    data = load_network_data(open_store(seed_out), "nantes-2015-2020")
    assert {data.contract_id(u.contract) for u in data.units.values()} == {"nantes-2015-2020"}
    assert all("/244400404/" in a for a in data.actors)
    assert sum(1 for u in data.units.values() if u.type == "action") == 52  # build report


def test_an_unknown_contract_names_the_known_ones(seed_out):
    with pytest.raises(PolicykgError, match="known: nantes-2015-2020, tours-2015-2020"):
        load_network_data(open_store(seed_out), "lyon")


def _reasons(graph, a, b) -> dict[str, dict]:
    data = graph.get_edge_data(a, b)
    return {r["kind"]: r for r in data["reasons"]} if data else {}


def test_explicit_references_are_directed_and_match_the_answer_keys(seed_data):
    graph = fiche_network(seed_data)
    for short, code in (("000", "1.1.1"), ("001", "1.1.2")):
        source = FICHE.format(contract="tours-2015-2020", code=code)
        cited = {
            graph.nodes[v]["code"]
            for v in graph.successors(source)
            if "reference" in _reasons(graph, source, v)
        }
        links = answer_key(short)["fiches"][0]["links"]
        assert cited == {t for t in links if t[0].isdigit()}  # not "axe …" nor "AT …"
    a = FICHE.format(contract="tours-2015-2020", code="1.1.2")
    b = FICHE.format(contract="tours-2015-2020", code="4.1.1")
    assert "reference" in _reasons(graph, a, b) and not _reasons(graph, b, a)
    assert graph.nodes[b]["absent"] and not graph.nodes[a]["absent"]


def test_implicit_links_carry_their_reasons(seed_data):
    graph = fiche_network(seed_data)
    f111, f112, f115 = (
        FICHE.format(contract="tours-2015-2020", code=c) for c in ("1.1.1", "1.1.2", "1.1.5")
    )
    key1, key2 = answer_key("001")["fiches"][0], answer_key("002")["fiches"][0]
    assert key1["shares_enjeu_with"] == ["1.1.1"]
    assert _reasons(graph, f112, f111)["enjeu"]["items"] == [key1["enjeu"]]
    # 1.1.2 and 1.1.5 both cite the transversal axis "AT égalité homme-femme"
    shared = set(key1["links"]) & set(key2["links"])
    assert shared == {"AT égalité homme-femme"}
    assert _reasons(graph, f112, f115)["enjeu"]["items"] == sorted(shared)
    # funding lines in common, as the answer keys list them
    common = [
        e["label"]
        for e in key1["funding"]
        if any(funding_keys(e) & funding_keys(o) for o in key2["funding"])
    ]
    items = _reasons(graph, f112, f115)["funding"]["items"]
    assert keys_of(items) == keys_of(common)
    actors = _reasons(graph, f111, f112)["actors"]
    assert len(actors["items"]) >= LinkRules().min_shared_actors
    assert actors["score"] >= LinkRules().min_actor_score
    # symmetric: the same reasons both ways
    assert _reasons(graph, f112, f115) == _reasons(graph, f115, f112)


def test_implicit_links_stay_within_a_contract(seed_data):
    graph = fiche_network(seed_data)
    for u, v, attrs in graph.edges(data=True):
        assert graph.nodes[u]["contract"] == graph.nodes[v]["contract"], (u, v)
        assert attrs["weight"] == len(attrs["reasons"]) > 0


def test_undirected_merges_both_directions_and_keeps_reference_direction(seed_data):
    merged = undirected(fiche_network(seed_data))
    f111, f112 = (FICHE.format(contract="tours-2015-2020", code=c) for c in ("1.1.1", "1.1.2"))
    reasons = merged.edges[f111, f112]["reasons"]
    references = {(r["source"], r["target"]) for r in reasons if r["kind"] == "reference"}
    assert references == {(f111, f112), (f112, f111)}  # each cites the other
    assert sum(1 for r in reasons if r["kind"] == "enjeu") == 1


def _data(units: int, ubiquitous: str, pairs: dict[tuple[int, int], list[str]]) -> NetworkData:
    data = NetworkData()
    for i in range(units):
        data.add_unit(f"u{i:02d}", "action", "c")
        data.add_involvement(f"u{i:02d}", ubiquitous, "partenaire")
    for (a, b), actors in pairs.items():
        for actor in actors:
            data.add_involvement(f"u{a:02d}", actor, "partenaire")
            data.add_involvement(f"u{b:02d}", actor, "partenaire")
    for actor in {a for (_, a) in data.involvement}:
        data.add_actor(actor, actor, "organisation")
    return data


def test_ubiquitous_actors_link_nothing_on_their_own():
    """The Préfecture is in every unit: it links nothing and does not count as shared."""
    data = _data(40, "Préfecture", {(1, 2): ["CIDFF", "UFOLEP"], (3, 4): ["PJJ"]})
    graph = fiche_network(data)
    assert sorted(graph.edges) == [("u01", "u02"), ("u02", "u01")]
    reason = _reasons(graph, "u01", "u02")["actors"]
    assert reason["items"] == ["CIDFF", "Préfecture", "UFOLEP"]  # it still adds its weight
    assert reason["score"] == pytest.approx(2 * math.log(1 + 40 / 2) + math.log(1 + 40 / 40))
    assert LinkRules().ubiquitous(40, 40) and not LinkRules().ubiquitous(3, 40)


def test_rarer_actors_weigh_more():
    data = _data(
        12, "Ville", {(0, 1): ["A", "B"], (2, 3): ["A", "C"], (2, 5): ["C"], (6, 7): ["C"]}
    )
    graph = fiche_network(data, rules=LinkRules(min_actor_score=0.0, min_df=100))
    score_ab = _reasons(graph, "u00", "u01")["actors"]["score"]
    score_ac = _reasons(graph, "u02", "u03")["actors"]["score"]
    assert score_ab > score_ac  # B is in 2 units, C in 5


def _reversed(data: NetworkData) -> NetworkData:
    """The same data with every dict in the reverse order (as another store might give it)."""
    return NetworkData(
        contracts=dict(reversed(data.contracts.items())),
        units=dict(reversed(data.units.items())),
        actors=dict(reversed(data.actors.items())),
        involvement=dict(reversed(data.involvement.items())),
        links={k: dict(reversed(v.items())) for k, v in reversed(data.links.items())},
    )


def _same_graph(a, b) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))
    assert all(list(a.adj[n]) == list(b.adj[n]) for n in a)  # what algorithms iterate


def test_networks_do_not_depend_on_the_order_data_was_read_in(seed_data):
    other = _reversed(seed_data)
    for kinds in (None, {"organisation"}):
        _same_graph(actor_network(seed_data, kinds=kinds), actor_network(other, kinds=kinds))
    _same_graph(actor_fiche_network(seed_data), actor_fiche_network(other))
    directed = fiche_network(seed_data)
    _same_graph(directed, fiche_network(other))
    _same_graph(undirected(directed), undirected(fiche_network(other)))


def test_builders_pause_the_garbage_collector_and_restore_it(seed_data):
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        actor_network(seed_data)
        assert not gc.isenabled()  # a nested pause does not resume it
    assert gc.isenabled()
    actor_network(seed_data)
    assert gc.isenabled()


def test_several_scopes_at_once_are_the_scopes_one_by_one(seed_data):
    scopes = {"all": None, "organisation": {"organisation"}, "mixed": {"category", "profession"}}
    together = actor_networks(seed_data, scopes)
    for name, kinds in scopes.items():
        _same_graph(together[name], actor_network(seed_data, kinds=kinds))
