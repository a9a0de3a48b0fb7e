"""Records and helpers for the mapper tests: fiches, actions and contracts as careful parsers
read them from the seeds (their values checked against shared/seeds/expected), and small
helpers to validate and query mapped quads."""

from __future__ import annotations

import copy

import pyoxigraph as ox
import rdflib

from policykg.graph.mapper import SourceInfo
from policykg.loaders.records import (
    Action,
    Contract,
    Dispositif,
    Extraction,
    Fiche,
    Funding,
    Indicator,
    Item,
    LegalReference,
    LineAccount,
    PartnerMention,
    Reference,
    StructureItem,
    SubAction,
    Unmapped,
)
from policykg.ontology.loader import ontology_graph, shapes_graph

TOURS = Contract(
    territory="Tour(s)plus (agglomération tourangelle)",
    period="2015-2020",
    id="tours-2015-2020",
    epci_siren="243700754",
)
NANTES = Contract(territory="Nantes Métropole", period="2015-2020", id="nantes-2015-2020")
PREFIX = """
PREFIX pkg: <https://w3id.org/policykg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def source(name: str = "001_199027a4c7dc3eab.txt", contract: Contract = TOURS) -> SourceInfo:
    return SourceInfo(
        file_name=name,
        sha256="9f" * 32,
        template="orientation",
        format="text",
        contract_id=contract.id or "",
        line_count=95,
    )


def fiche_112() -> Fiche:
    """Fiche 1.1.2 of seed 001 as a careful parser reads it (see its answer key)."""
    return Fiche(
        code="1.1.2",
        version="2017",
        pillar="1",
        axis="1.1",
        line=3,
        title="Développer les coordinations des acteurs sociaux, culturels, sportifs, "
        "techniques… pour diversifier l'offre",
        enjeu="Au regard des besoins de chaque quartier, adapter en continu les dispositifs, "
        "équipements et l'offre de services qui leur est associée",
        objectives=[
            Item("Mobiliser les acteurs", 20),
            Item(
                "Chaque territoire veillera à mettre en œuvre la politique de la ville",
                21,
                raw="Chaque territoire veillera a metire en ceuvre la politique de la ville",
            ),
        ],
        expected_outputs=[Item("Un annuaire des acteurs", 30)],
        expected_effects=[Item("Une offre diversifiée", 35)],
        partners=[
            PartnerMention("Ville", "organisation", "animateur", line=48),
            PartnerMention(
                "Services municipaux",
                "category",
                qualifier="culture, sport, DSI",
                raw="services municipaux (culture, sport, DSI…)",
                line=51,
            ),
            PartnerMention("UFOLEP", "organisation", line=51),
            PartnerMention("Centre social", "category", raw="centres sociaux", line=51),
            PartnerMention(
                "Éducateur spécialisé",
                "profession",
                employer="Conseil départemental",
                raw="éducateurs spécialisés (Conseil Départemental)",
                line=51,
            ),
            PartnerMention(
                "CAF",
                "organisation",
                acronym="CAF",
                expansion="Caisse d'allocations familiales",
                line=51,
            ),
        ],
        dispositifs=[Dispositif("Passeport Loisirs Jeunes", owner="Ville", key=True, line=53)],
        funding=[
            Funding(
                "Crédits de droit commun",
                kind="droit_commun",
                raw="crédits de droit commun",
                line=57,
            ),
            Funding(
                "Programme 147 (culture, circulaire du 21 mai 2015)",
                funders=["État"],
                amount_eur=6_000_000,
                share=0.30,
                programme="Programme 147",
                kind="specifique",
                line=58,
                legal_basis=[
                    LegalReference("circulaire du 21 mai 2015", "circulaire", "2015-05-21", 58)
                ],
            ),
            Funding("Projet social de territoire", funders=["CAF", "Ville"], line=60),
        ],
        indicators=[
            Indicator("realisation", "Nombre de réunions de coordination", line=70),
            Indicator("effet", "Évolution de la fréquentation", line=75),
        ],
        links=[
            Reference("1.1.1", line=80),
            Reference(
                "4.1.1", raw="Fiche 411", line=83, label="Promouvoir la citoyenneté par le sport"
            ),
            Reference("axe 1.2", kind="axe", line=84),
            Reference("AT égalité homme-femme", kind="transversal", line=85),
        ],
        calendar=["En continu"],
        scale="Quartiers et Ville",
        territories=["Sanitas"],
    )


def plan_action() -> Action:
    """A row of seed 004's action plan (see its answer key's spot checks)."""
    return Action(
        "Mettre en place les conseils citoyens",
        pillar="4 - Gouvernance et participation citoyenne",
        volet="2. Participation citoyenne",
        status="Réalisé",
        type="Institution",
        quartiers=["SILLON"],
        line=47,
        sub_actions=[
            SubAction(
                "Installer le conseil citoyen sur Plaisance",
                status="Réalisé",
                type="Institution",
                quartiers=["PLAISANCE"],
                line=48,
            ),
            SubAction(
                "Expérimenter le tirage au sort",
                status="Réalisé",
                type="Institution",
                quartiers=["TOUS QUARTIERS"],
                line=52,
            ),
        ],
        partners=[PartnerMention("CAF", "organisation", "financeur", line=47)],
    )


def fiche_t11() -> Fiche:
    """Fiche projet T 1.1 of seed 003 (OCR), with the sections only fiches projet have."""
    return Fiche(
        code="T 1.1",
        kind="projet",
        line=1,
        enjeu="Participation citoyenne",
        enjeu_kind="enjeu transversal 1",
        title="Impulser toute action favorisant la création "
        "d'espaces de dialogue ouverts aux habitants",
        title_raw="Impulser toute action "
        "favorisant la création d'espaces de dialogue ouverts aux habitants",
        context=[
            Item(
                "Une gouvernance du Contrat de Ville qui intègre les habitants",
                102,
                raw="Une gouvernance du Contrat de Vile qui integre les habitants",
            )
        ],
        expected_outputs=[
            Item(
                "Encourager l'émergence de dynamiques collectives",
                48,
                raw="Encourager I'émergence de dynamiques collectives",
            )
        ],
        partners=[
            PartnerMention("Ville", "organisation", "pilote", line=20),
            PartnerMention("Référent politique de la ville", "profession", "referent", line=22),
            PartnerMention(
                "Délégué du préfet",
                "profession",
                employer="État",
                raw="Etat — Déléguées du Préfet",
                line=120,
            ),
        ],
        indicators=[
            Indicator(
                "resultat",
                "Fréquence d'organisation des espaces d'échange",
                raw="Fréguence d’organisation des espaces d'échange",
                line=211,
            ),
            Indicator("impact", "Évolution du pouvoir d'agir des habitants", line=215),
        ],
        target_public="Tous les habitants des QPV",
        calendar=["En continu", "2024-2030"],
        scale="Chacun des 13 QPV de la métropole",
        interests={"habitants": [Item("Être acteur de son quartier", 60)]},
        framework={
            "Quand ?": [Item("Tout au long du contrat", 70)],
            "Avec qui ?": [Item("Les conseils citoyens", 71)],
        },
        resources={"Moyens humains": [Item("Les délégués du préfet", 90)]},
        favourable_factors=[Item("Des conseils citoyens actifs", 80)],
        unfavourable_factors=[Item("L'essoufflement des bénévoles", 85)],
        strategy_steps=[Item("Recenser les espaces de dialogue existants", 88)],
        dispositifs=[Dispositif("Fonds de participation des habitants", raw="FPH", line=100)],
    )


def fiche_action() -> Action:
    """An action that belongs to a fiche, with its own dispositif and funding."""
    return Action(
        "Organiser une rencontre annuelle des acteurs",
        fiche="1.1.2",
        objective="Mobiliser les acteurs",
        line=66,
        raw="Organiser une recontre annuelle des acteurs",
        dispositifs=[Dispositif("Service civique", owner="État", line=66)],
        funding=[Funding("Fonds de participation des habitants", line=67)],
        sub_actions=[
            SubAction(
                "Inviter les associations",
                line=67,
                raw="Inviter les associatons",
                partners=[PartnerMention("Association", "category")],
                dispositifs=[Dispositif("Service civique")],
                funding=[Funding("Crédits de la Ville")],
            )
        ],
    )


def rich_extraction(contract: Contract = TOURS) -> Extraction:
    contract = copy.deepcopy(contract)
    contract.signatories = ["État", "Conseil départemental"]
    return Extraction(
        source="001_199027a4c7dc3eab.txt",
        template="orientation",
        contract=contract,
        structure=[
            StructureItem("pilier", "1", "Cohésion sociale", line=1),
            StructureItem("axe", "1.1", "Participation des habitants", parent="1", line=2),
        ],
        fiches=[fiche_112(), fiche_t11()],
        actions=[plan_action(), fiche_action()],
        unmapped=[Unmapped("Document de travail – octobre 2015", 94, "Calendrier")],
        lines=LineAccount(mapped=list(range(1, 94)), unmapped=[94], layout=[95]),
        warnings=["line 94: text outside any section"],
    )


def to_graph(quads: list[ox.Quad]) -> rdflib.Graph:
    """The union of the quads' graphs as an rdflib graph (for pySHACL)."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def shacl(graph: rdflib.Graph, inference: str = "none") -> tuple[bool, str]:
    from pyshacl import validate

    conforms, _, text = validate(
        graph,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference=inference,
        allow_warnings=True,
    )
    return bool(conforms), text


def store_of(*quad_lists: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    for quads in quad_lists:
        store.extend(quads)
    return store


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    rows = store.query(PREFIX + query, use_default_graph_as_union=True)
    return sorted(tuple(term.value for term in row) for row in rows)
