"""``policykg export``, tables and networks: the CSV files validate against their
datapackage (frictionless), their rows agree with the answer keys, and the GEXF and
GraphML networks load in networkx and igraph with the same node and edge counts."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import networkx as nx
import pytest

from policykg.graph.export import export
from policykg.graph.export_tables import TABLES
from policykg.ontology.loader import label_key
from tests.conftest import answer_key
from tests.test_export_rdf import build_five_seeds

TOURS = "https://w3id.org/policykg/id/contract/tours-2015-2020"
CENTRALITIES = ("degree", "weighted_degree", "betweenness", "closeness", "eigenvector", "bridging")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = build_five_seeds(tmp_path_factory.mktemp("export-tables"))
    export(out, issued="2025-03-01")
    return out / "export"


def rows(exported: Path, table: str) -> list[dict[str, str]]:
    with open(exported / "tables" / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _validate(package: Path):
    from frictionless import validate

    return validate(str(package))


def test_the_tables_validate_against_their_datapackage(exported):
    report = _validate(exported / "tables" / "datapackage.json")
    errors = [e.message for task in report.tasks for e in task.errors]
    assert report.valid, errors[:5]
    package = json.loads((exported / "tables" / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == [t.name for t in TABLES]
    for resource in package["resources"]:
        assert resource["schema"]["primaryKey"] == ["id"]
        for field in resource["schema"]["fields"]:
            assert field["description"] and field["type"] in (
                "string",
                "integer",
                "number",
                "boolean",
            )


def test_a_broken_foreign_key_fails_validation(exported, tmp_path):
    """frictionless really checks the keys: a role naming an unknown actor is caught."""
    copy = tmp_path / "tables"
    copy.mkdir()
    for path in (exported / "tables").iterdir():
        copy.joinpath(path.name).write_bytes(path.read_bytes())
    roles = copy / "roles.csv"
    text = roles.read_text(encoding="utf-8")
    broken = re.sub(r"/actor/243700754/ville,", "/actor/243700754/personne,", text, count=1)
    assert broken != text
    roles.write_text(broken, encoding="utf-8")
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        if resource["name"] == "roles":
            data = roles.read_bytes()
            resource["bytes"], resource["hash"] = (
                len(data),
                "sha256:" + hashlib.sha256(data).hexdigest(),
            )
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = _validate(copy / "datapackage.json")
    assert not report.valid
    assert {e.type for task in report.tasks for e in task.errors} == {"foreign-key"}


def test_headers_are_the_stable_column_names_in_utf8(exported):
    for table in TABLES:
        data = (exported / "tables" / f"{table.name}.csv").read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        header = data.decode("utf-8").split("\r\n", 1)[0]
        assert header.split(",") == [f.name for f in table.fields]


def test_the_fiches_table_has_the_answer_key_fiches(exported):
    described = {r["code"] for r in rows(exported, "fiches") if r["described"] == "true"}
    expected = {answer_key(s)["fiches"][0]["code"] for s in ("000", "001", "002", "003")}
    assert described == expected
    cited = {r["code"] for r in rows(exported, "fiches") if r["described"] == "false"}
    key = answer_key("001")["fiches"][0]
    assert {"4.1.1", "4.1.2", "4.1.3"} <= cited  # referenced by 1.1.2, absent from the corpus
    fiche = next(r for r in rows(exported, "fiches") if r["id"] == f"{TOURS}/fiche/1.1.2")
    assert (fiche["title"], fiche["pilier"], fiche["axe"]) == (
        key["title"],
        key["pillar"],
        key["axis"],
    )


def test_indicators_references_and_funding_of_fiche_112(exported):
    key = answer_key("001")["fiches"][0]
    fiche = f"{TOURS}/fiche/1.1.2"
    kinds = [r["kind"] for r in rows(exported, "indicators") if r["fiche"] == fiche]
    assert kinds.count("realisation") == key["counts"]["indicators_realisation"]
    assert kinds.count("effet") == key["counts"]["indicators_effet"]
    targets = {r["target_text"] for r in rows(exported, "cross_references") if r["fiche"] == fiche}
    assert targets == set(key["links"])
    p147 = next(f for f in key["funding"] if "amount_eur" in f)
    line = next(r for r in rows(exported, "funding") if r["fiche"] == fiche and r["amount_eur"])
    assert float(line["amount_eur"]) == p147["amount_eur"]
    assert float(line["share"]) == p147["share"]


def test_roles_join_actors_as_the_answer_key_says(exported):
    key = answer_key("001")["fiches"][0]
    actors = {r["id"]: r for r in rows(exported, "actors")}
    fiche = f"{TOURS}/fiche/1.1.2"
    roles = [
        (r["role"], actors[r["actor"]]["label"])
        for r in rows(exported, "roles")
        if r["fiche"] == fiche
    ]
    for role, names in key["roles"].items():
        for name in names:
            assert (role, name) in roles
    partners = {_singular(name) for role, name in roles if role == "partenaire"}
    assert {_singular(p["name"]) for p in key["partners"]} <= partners


def _code(text: str) -> str:
    return label_key(text).replace(" ", "_")


def _singular(name: str) -> str:
    """Names compared as the answer key allows: case, accents and plurals aside."""
    return " ".join(
        w[:-3] + "al" if w.endswith("aux") else w.rstrip("sx") for w in label_key(name).split()
    )


def test_the_action_plan_spot_checks(exported):
    key = answer_key("004")
    actions = [
        r
        for r in rows(exported, "actions")
        if r["level"] == "action" and r["contract"].endswith("/nantes-2015-2020")
    ]
    assert key["approx_action_count"]["min"] <= len(actions) <= key["approx_action_count"]["max"]
    everything = [
        r for r in rows(exported, "actions") if r["contract"].endswith("/nantes-2015-2020")
    ]
    for check in key["spot_checks"]:
        # the key names actions as a reader shortens them ("… sur Plaisance" for "… en 2015")
        row = next(
            r for r in everything if label_key(r["label"]).startswith(label_key(check["action"]))
        )
        # several statuses or types stacked in a cell go to the action and its sub-actions
        family = [row] + [r for r in everything if r["parent_action"] == row["id"]]
        for column, name in (("status", "status"), ("action_type", "type")):
            wanted = check[name] if isinstance(check[name], list) else [check[name]]
            assert {_code(w) for w in wanted} <= {r[column] for r in family}, (check, column)
        quartiers = {label_key(q) for q in row["quartiers"].split(" ; ")}
        assert all(
            any(label_key(q) in found or found in label_key(q) for found in quartiers)
            for q in check["quartiers"]
        ), (check, row["quartiers"])


def test_territories_are_the_two_epci_and_their_quartiers(exported):
    found = {r["id"]: r for r in rows(exported, "territories")}
    epci = {r["siren"] for r in found.values() if r["type"] == "EPCI"}
    assert epci == {"243700754", "244400404"}
    nantes = {
        label_key(r["label"])
        for r in found.values()
        if r["type"] == "QPV" and "/244400404/commune/" in r["within"]
    }
    communes = {r["insee_code"] for r in found.values() if r["type"] == "Commune"}
    assert {"44109", "44143", "44162", "44114", "37261", "37122"} <= communes
    assert {label_key(q) for q in answer_key("004")["quartiers"]} - {"tous quartiers"} <= {
        w for q in nantes for w in (q, q.split(" de ")[0])
    }


@pytest.mark.parametrize("name", ["actors", "fiches"])
def test_networks_load_in_networkx_and_igraph_with_the_same_counts(exported, name):
    import igraph

    gexf = nx.read_gexf(exported / "networks" / f"{name}.gexf")
    graphml = nx.read_graphml(exported / "networks" / f"{name}.graphml")
    ig = igraph.Graph.Read_GraphML(str(exported / "networks" / f"{name}.graphml"))
    counts = {
        (gexf.number_of_nodes(), gexf.number_of_edges()),
        (graphml.number_of_nodes(), graphml.number_of_edges()),
        (ig.vcount(), ig.ecount()),
    }
    assert len(counts) == 1, counts
    ((nodes, edges),) = counts
    assert nodes > 10 and edges > 10
    for node, attrs in graphml.nodes(data=True):
        assert all(c in attrs for c in CENTRALITIES), node
    assert all(c in ig.vs.attributes() for c in CENTRALITIES)


def test_the_actor_network_has_the_actors_of_the_roles_table(exported):
    graph = nx.read_graphml(exported / "networks" / "actors.graphml")
    involved = {r["actor"] for r in rows(exported, "roles")}
    assert set(graph.nodes) <= {r["id"] for r in rows(exported, "actors")}
    assert len(set(graph.nodes) & involved) >= 0.9 * len(involved)
    ville, caf = (f"https://w3id.org/policykg/id/actor/243700754/{a}" for a in ("ville", "caf"))
    assert graph.has_edge(ville, caf) and graph.edges[ville, caf]["weight"] >= 1


def test_the_gexf_carries_the_export_date_not_today(exported):
    text = (exported / "networks" / "actors.gexf").read_text(encoding="utf-8")
    assert 'lastmodifieddate="2025-03-01"' in text
