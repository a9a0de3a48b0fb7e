"""Quartiers named in documents are linked to the reference QPV, commune and EPCI."""

from __future__ import annotations

import pyoxigraph as ox

from policykg.graph.mapper import SourceInfo, map_extraction
from policykg.loaders.records import Action, Contract, Extraction, Fiche
from policykg.loaders.territories import quartiers_of

QUERY = """
PREFIX pkg: <https://w3id.org/policykg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?label ?commune ?insee WHERE {
  ?q a pkg:QPV ; rdfs:label ?label ; pkg:withinTerritory ?c .
  ?c a pkg:Commune ; rdfs:label ?commune ; pkg:inseeCode ?insee ; pkg:withinTerritory ?epci .
} ORDER BY ?label
"""


def store_of(extraction: Extraction, contract_id: str) -> ox.Store:
    source = SourceInfo(
        file_name="doc.txt",
        sha256="0" * 64,
        template="plan",
        format="text",
        contract_id=contract_id,
    )
    store = ox.Store()
    store.extend(map_extraction(extraction, source))
    return store


def rows(store: ox.Store, query: str = QUERY) -> list[tuple[str, ...]]:
    return [tuple(t.value for t in r) for r in store.query(query, use_default_graph_as_union=True)]


def test_named_quartiers_become_qpv_in_their_commune():
    nantes = Contract(
        territory="Nantes Métropole", period="2015-2020", id="nantes", epci_siren="244400404"
    )
    extraction = Extraction(
        contract=nantes,
        actions=[
            Action(label="Installer les conseils citoyens", quartiers=["SILLON", "CHATEAU"]),
            Action(label="Autre action", quartiers=["Sillon de Bretagne", "Quartier inconnu"]),
        ],
    )
    store = store_of(extraction, "nantes")
    assert rows(store, QUERY.replace("?epci .", '?epci . ?epci pkg:siren "244400404" .')) == [
        ("Château", "Rezé", "44143"),
        ("Sillon de Bretagne", "Saint-Herblain", "44162"),
    ]
    # "SILLON" and "Sillon de Bretagne" are one resource; the unknown name stays a quartier.
    (unknown,) = rows(
        store,
        """
        PREFIX pkg: <https://w3id.org/policykg/def#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label WHERE { ?q a pkg:Quartier ; rdfs:label ?label
                              FILTER NOT EXISTS { ?q a pkg:QPV } }""",
    )
    assert unknown == ("Quartier inconnu",)


def test_tous_quartiers_includes_the_qpv_of_the_contract_generation():
    tours = Contract(
        territory="Tours Métropole Val de Loire",
        period="2024-2030",
        id="tmvl",
        epci_siren="243700754",
    )
    extraction = Extraction(
        contract=tours,
        actions=[
            Action(label="Une action partout", quartiers=["TOUS QUARTIERS"]),
        ],
    )
    included = rows(
        store_of(extraction, "tmvl"),
        """
        PREFIX pkg: <https://w3id.org/policykg/def#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?label WHERE { ?set a pkg:QuartierSet ;
            pkg:includesTerritory/rdfs:label ?label } ORDER BY ?label""",
    )
    expected = sorted(q.name for q in quartiers_of("243700754", "2024"))
    assert [r[0] for r in included] == expected
    assert "Les Tourettes" in expected and len(expected) == 13


def test_a_fiche_territory_found_without_a_siren_through_the_epci_name():
    contract = Contract(territory="Tours Métropole Val de Loire", period="2015-2020", id="t")
    extraction = Extraction(
        contract=contract,
        fiches=[
            Fiche(code="1.1.5", territories=["Sanitas", "La Rabière"]),
        ],
    )
    assert rows(store_of(extraction, "t")) == [
        ("La Rabière", "Joué-lès-Tours", "37122"),
        ("Sanitas", "Tours", "37261"),
    ]
