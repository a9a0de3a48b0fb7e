"""The seeds' answer keys through the mapper: fiche and action records written from what a
careful reader extracts (shared/seeds/expected) map to conforming graphs that keep the
facts the keys state: partners, employers, roles, links, amounts, statuses, quartiers."""

from __future__ import annotations

import pytest

from policykg.graph.mapper import SourceInfo, map_extraction
from policykg.loaders.records import (
    Action,
    Contract,
    Dispositif,
    Extraction,
    Fiche,
    Funding,
    PartnerMention,
    Reference,
)
from policykg.ontology.namespace import ACTION_TYPE, STATUS, concept_for
from tests.conftest import answer_key
from tests.mapper_records import select, shacl, store_of, to_graph


def fiche_from_key(entry: dict) -> Fiche:
    """A fiche record written from an answer-key entry (what a perfect parser would give)."""
    links = []
    for target in entry.get("links", []):
        kind = "axe" if target.startswith("axe ") else "fiche"
        kind = kind if target[:1].isdigit() or kind == "axe" else "transversal"
        links.append(Reference(target, kind=kind, label=entry.get("link_titles", {}).get(target)))
    return Fiche(
        code=entry["code"],
        title=entry.get("title"),
        pillar=entry.get("pillar"),
        axis=entry.get("axis"),
        enjeu=entry.get("enjeu"),
        enjeu_kind=entry.get("enjeu_kind"),
        partners=[
            PartnerMention(p["name"], employer=p.get("employer")) for p in entry.get("partners", [])
        ]
        + [
            PartnerMention(name, role=role)
            for role, names in entry.get("roles", {}).items()
            for name in names
        ],
        funding=[
            Funding(
                f["label"],
                funders=f.get("funders", []),
                amount_eur=f.get("amount_eur"),
                share=f.get("share"),
            )
            for f in entry.get("funding", [])
        ],
        dispositifs=[Dispositif(d) for d in entry.get("dispositifs", [])],
        links=links,
        calendar=entry.get("calendar", []),
        scale=entry.get("scale"),
    )


@pytest.mark.parametrize("short", ["000", "001", "002", "003"])
def test_answer_key_fiches_map_to_conforming_graphs_that_keep_their_facts(short):
    key = answer_key(short)
    contract = Contract(
        territory=key["contrat"]["territory"], period=key["contrat"]["period"], id=f"seed-{short}"
    )
    ex = Extraction(contract=contract, fiches=[fiche_from_key(e) for e in key["fiches"]])
    quads = map_extraction(ex, SourceInfo(key["source"], "0" * 64, "orientation", "text", ""))
    conforms, text = shacl(to_graph(quads))
    assert conforms, text
    store = store_of(quads)
    for entry in key["fiches"]:
        code = entry["code"]
        names = select(
            store,
            f"SELECT DISTINCT ?n WHERE {{ ?f pkg:code '{code}' ; "
            "pkg:qualifiedParticipation/pkg:agent ?a . ?a rdfs:label ?n }",
        )
        expected = {p["name"] for p in entry.get("partners", [])}
        expected |= {n for names_ in entry.get("roles", {}).values() for n in names_}
        assert {n for (n,) in names} == expected
        employers = select(
            store, "SELECT ?p ?e WHERE { ?a pkg:employer/rdfs:label ?e ; rdfs:label ?p }"
        )
        assert dict(employers) == {
            p["name"]: p["employer"] for p in entry.get("partners", []) if p.get("employer")
        }
        targets = select(
            store,
            f"SELECT ?t WHERE {{ ?f pkg:code '{code}' ; "
            "pkg:qualifiedReference/pkg:targetText ?t }",
        )
        assert sorted(t for (t,) in targets) == sorted(entry.get("links", []))
        amounts = select(
            store, "SELECT ?v ?s WHERE { ?fu schema:amount/schema:value ?v ; pkg:share ?s }"
        )
        assert [(float(v), float(s)) for v, s in amounts] == [
            (f["amount_eur"], f["share"]) for f in entry.get("funding", []) if "share" in f
        ]


def test_answer_key_action_plan_spot_checks_keep_status_type_quartiers_and_volet():
    key = answer_key("004")
    checks = [c for c in key["spot_checks"] if isinstance(c["status"], str)]
    assert len(checks) >= 10
    actions = [
        Action(
            c["action"],
            pillar=key["pillar"],
            volet=c["volet"],
            status=c["status"],
            type=c["type"],
            quartiers=c["quartiers"],
        )
        for c in checks
    ]
    contract = Contract(territory=key["contrat"]["territory"], id="nantes")
    quads = map_extraction(
        Extraction(contract=contract, actions=actions),
        SourceInfo(key["source"], "0" * 64, "plan", "text", "nantes"),
    )
    conforms, text = shacl(to_graph(quads))
    assert conforms, text
    store = store_of(quads)
    for check in checks:
        label = check["action"].replace("'", "\\'")
        rows = select(
            store,
            f"SELECT ?s ?t ?v WHERE {{ ?a rdfs:label '{label}'@fr ; "
            "pkg:status ?s ; pkg:actionType ?t ; pkg:volet/skos:notation ?v }",
        )
        assert rows == [
            (
                str(concept_for(STATUS, check["status"])),
                str(concept_for(ACTION_TYPE, check["type"])),
                check["volet"],
            )
        ]
        # Quartiers are linked to the reference QPV (label "Plaisance"), the document's
        # spelling ("PLAISANCE") kept as skos:altLabel; TOUS QUARTIERS keeps its label.
        quartiers = select(
            store,
            f"SELECT ?n ?q WHERE {{ ?a rdfs:label '{label}'@fr ; pkg:quartier ?n . "
            "{ ?n skos:altLabel ?q } UNION { ?n rdfs:label ?q } }",
        )
        assert len({n for n, _ in quartiers}) == len(check["quartiers"])
        assert set(check["quartiers"]) <= {q for _, q in quartiers}
    pillar = select(
        store,
        "SELECT DISTINCT ?n ?l WHERE { ?a pkg:pilier ?p . "
        "?p skos:notation ?n ; skos:prefLabel ?l }",
    )
    assert pillar == [("4", "Gouvernance et participation citoyenne")]
