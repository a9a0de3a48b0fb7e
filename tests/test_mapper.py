"""Records -> quads: shapes conformance, determinism, IRI scoping, provenance, and the
facts of the seeds (as the answer keys state them) surviving the trip into the graph."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pyoxigraph as ox
import pytest
import rdflib

from policykg.errors import InputError
from policykg.graph.mapper import SourceInfo, document_graph, map_extraction, ontology_quads
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
    extraction_to_dict,
)
from tests.mapper_records import (
    NANTES,
    TOURS,
    rich_extraction,
    select,
    shacl,
    source,
    store_of,
    to_graph,
)


@pytest.fixture(scope="module")
def quads() -> list[ox.Quad]:
    return map_extraction(rich_extraction(), source())


@pytest.fixture(scope="module")
def store(quads) -> ox.Store:
    return store_of(quads)


# --- shapes --------------------------------------------------------------------------------


@pytest.mark.parametrize("inference", ["none", "rdfs"])
def test_the_mapped_graph_conforms_to_the_shapes(quads, inference):
    conforms, text = shacl(to_graph(quads), inference)
    assert conforms, text


# Record fields whose value becomes a class or an IRI rather than a literal, and where.
# (The line account's line lists are summed up as counts on the extraction activity.)
STRUCTURAL_FIELDS = {
    ("Fiche", "kind"),
    ("StructureItem", "kind"),
    ("Reference", "kind"),
    ("Dispositif", "key"),
    ("Contract", "base_iri"),
    ("LineAccount", "mapped"),
    ("LineAccount", "unmapped"),
    ("LineAccount", "layout"),
}


def record_values(obj, seen: set, out: list) -> None:
    """Every (record class, field, value) under ``obj``; ``seen`` collects non-empty fields."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value in (None, [], {}, ""):
            continue
        seen.add((type(obj).__name__, f.name))
        values = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            values = list(value) + [v for items in value.values() for v in items]
        for v in values:
            if dataclasses.is_dataclass(v):
                record_values(v, seen, out)
            else:
                out.append((type(obj).__name__, f.name, v))


def test_every_record_field_and_value_has_a_home_in_the_graph(quads):
    from policykg.graph.iris import split_code
    from policykg.ontology.namespace import CODE_LISTS, concept_for

    seen, values = set(), []
    record_values(rich_extraction(), seen, values)
    every_field = {
        (cls.__name__, f.name)
        for cls in (
            Extraction,
            Contract,
            StructureItem,
            Fiche,
            Item,
            PartnerMention,
            Dispositif,
            Funding,
            LegalReference,
            Indicator,
            Reference,
            Action,
            SubAction,
            Unmapped,
            LineAccount,
        )
        for f in dataclasses.fields(cls)
    }
    # a contract's own base IRI is tested below (it changes every IRI)
    assert every_field - seen == {("Contract", "base_iri")}, "set every field in the fixture"
    literals = {q.object.value for q in quads if isinstance(q.object, ox.Literal)}
    decimals = {float(v) for v in literals if v.replace(".", "", 1).isdigit()}
    concepts = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
    homeless = []
    for cls, name, value in values:
        if (cls, name) in STRUCTURAL_FIELDS:
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            ok = str(value) in literals or float(value) in decimals
        else:
            code, label = split_code(value)
            ok = (
                value in literals
                or {code, label} <= literals | {None}
                or any(
                    ox.NamedNode(str(concept_for(cl, value))) in concepts
                    for cl in CODE_LISTS.values()
                    if concept_for(cl, value)
                )
            )
        if not ok:
            homeless.append((cls, name, value))
    assert homeless == []
    lines = rich_extraction().lines
    counts = select(
        store_of(quads),
        "SELECT ?m ?u ?l WHERE { ?x pkg:mappedLineCount ?m ; "
        "pkg:unmappedLineCount ?u ; pkg:layoutLineCount ?l }",
    )
    assert counts == [tuple(str(len(n)) for n in (lines.mapped, lines.unmapped, lines.layout))]


def test_a_fiche_without_code_breaks_the_shapes(quads):
    graph = to_graph(quads)
    fiche = rdflib.URIRef("https://w3id.org/policykg/id/contract/tours-2015-2020/fiche/1.1.2")
    code = rdflib.URIRef("https://w3id.org/policykg/def#code")
    assert graph.value(fiche, code) == rdflib.Literal("1.1.2")
    graph.remove((fiche, code, None))
    conforms, text = shacl(graph)
    assert not conforms
    assert "a fiche has exactly one code" in text and str(fiche) in text


def test_a_share_given_in_percent_and_a_participation_without_role_break_the_shapes(quads):
    graph = to_graph(quads)
    share, role = (rdflib.URIRef(f"https://w3id.org/policykg/def#{n}") for n in ("share", "role"))
    funding, _, _ = next(iter(graph.triples((None, share, None))))
    graph.set((funding, share, rdflib.Literal("30", datatype=rdflib.XSD.decimal)))
    graph.remove((next(iter(graph.subjects(role, None))), role, None))
    conforms, text = shacl(graph)
    assert not conforms
    assert "between 0 and 1" in text and "exactly one role" in text


# --- determinism and form ------------------------------------------------------------------


def nquads(quads: list[ox.Quad]) -> bytes:
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


def test_mapping_twice_gives_identical_sorted_nquads(quads):
    again = map_extraction(rich_extraction(), source())
    assert nquads(again) == nquads(quads)
    lines = nquads(quads).splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines))


def test_mapping_is_the_same_in_another_process_with_another_hash_seed(quads):
    data = json.dumps(extraction_to_dict(rich_extraction()), ensure_ascii=False)
    script = (
        "import sys, json, hashlib, pyoxigraph as ox\n"
        "from policykg.loaders.records import extraction_from_dict\n"
        "from policykg.graph.mapper import map_extraction, SourceInfo\n"
        "ex = extraction_from_dict(json.loads(sys.stdin.read()))\n"
        f"src = SourceInfo(**{source().__dict__!r})\n"
        "data = ox.serialize(map_extraction(ex, src), format=ox.RdfFormat.N_QUADS)\n"
        "print(hashlib.sha256(data).hexdigest())\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=data,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    import hashlib

    assert out.stdout.strip() == hashlib.sha256(nquads(quads)).hexdigest()


def test_no_blank_nodes_no_clock_and_everything_in_the_document_graph(quads):
    graph = document_graph(source(), TOURS)
    assert graph.value == (
        "https://w3id.org/policykg/id/contract/tours-2015-2020/document/"
        "001-199027a4c7dc3eab-txt/graph"
    )
    assert {q.graph_name for q in quads} == {graph}
    assert all(isinstance(q.subject, ox.NamedNode) for q in quads)
    assert all(isinstance(q.object, ox.NamedNode | ox.Literal) for q in quads)
    datatypes = {q.object.datatype.value for q in quads if isinstance(q.object, ox.Literal)}
    assert not {d for d in datatypes if d.endswith(("#dateTime", "#dateTimeStamp", "#time"))}


def test_every_label_of_document_text_is_tagged_french(store):
    rows = select(store, "SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(lang(?l) != 'fr') }")
    assert {s.rsplit("/", 2)[1] for s, _ in rows} == {"software", "document"}, rows


# --- IRIs: contract and territory scoping --------------------------------------------------


def test_the_same_fiche_code_in_two_contracts_gives_two_iris():
    tours = map_extraction(rich_extraction(TOURS), source())
    nantes = map_extraction(rich_extraction(NANTES), source(contract=NANTES))
    rows = select(
        store_of(tours, nantes), "SELECT ?f WHERE { ?f pkg:code '1.1.2' ; pkg:sourceDocument ?d }"
    )
    assert [r[0].split("/contract/")[1] for r in rows] == [
        "nantes-2015-2020/fiche/1.1.2",
        "tours-2015-2020/fiche/1.1.2",
    ]


def test_one_actor_per_name_and_territory(store):
    second = Fiche(
        code="1.1.5",
        partners=[
            PartnerMention("CAF", "organisation", line=12),
            PartnerMention("Caf", "organisation", line=13),
        ],
    )
    other = rich_extraction()
    other.fiches = [second]
    both = store_of(
        map_extraction(rich_extraction(), source()),
        map_extraction(other, source("002_41331f3159c0efad.txt")),
    )
    rows = select(
        both,
        "SELECT DISTINCT ?caf WHERE { ?f pkg:involves|pkg:partenaire ?caf . "
        "?caf rdfs:label 'CAF'@fr }",
    )
    assert rows == [("https://w3id.org/policykg/id/actor/243700754/caf",)]
    fiches = select(
        both,
        "SELECT DISTINCT ?code WHERE { ?f pkg:code ?code ; pkg:partenaire "
        "<https://w3id.org/policykg/id/actor/243700754/caf> }",
    )
    assert fiches == [("1.1.2",), ("1.1.5",)]
    nantes = store_of(map_extraction(rich_extraction(NANTES), source(contract=NANTES)))
    rows = select(nantes, "SELECT ?caf WHERE { ?caf rdfs:label 'CAF'@fr }")
    assert rows == [("https://w3id.org/policykg/id/actor/nantes-metropole/caf",)]


def test_a_contract_may_set_its_own_base_iri():
    contract = Contract(territory="Lyon", id="lyon", base_iri="https://data.example.org/pv")
    quads = map_extraction(
        Extraction(contract=contract, fiches=[Fiche("1")]), source(contract=contract)
    )
    subjects = {q.subject.value for q in quads}
    assert "https://data.example.org/pv/contract/lyon/fiche/1" in subjects
    assert not [s for s in subjects if "w3id.org/policykg/id/contract" in s]


# --- what the graph says -------------------------------------------------------------------


def test_partners_with_roles_kinds_and_employer(store):
    rows = select(
        store,
        "SELECT ?name ?role ?kind WHERE { ?f pkg:code '1.1.2' ; "
        "pkg:qualifiedParticipation ?p . ?p pkg:agent ?a ; pkg:role ?role . "
        "?a rdfs:label ?name ; pkg:actorKind ?kind }",
    )
    by_name = {name: (role.rsplit("/", 1)[1], kind.rsplit("/", 1)[1]) for name, role, kind in rows}
    assert by_name["Ville"] == ("animateur", "organisation")
    assert by_name["Centre social"] == ("partenaire", "category")
    assert by_name["Éducateur spécialisé"] == ("partenaire", "profession")
    employer = select(
        store,
        "SELECT ?p ?e WHERE { ?a a pkg:Profession ; rdfs:label ?p ; pkg:employer/rdfs:label ?e }",
    )
    assert employer == [
        ("Délégué du préfet", "État"),
        ("Éducateur spécialisé", "Conseil départemental"),
    ]
    raw = select(
        store,
        "SELECT ?raw WHERE { ?p pkg:agent/rdfs:label 'Éducateur spécialisé'@fr ; "
        "pkg:rawText ?raw }",
    )
    assert raw == [("éducateurs spécialisés (Conseil Départemental)",)]


def test_funding_amount_share_and_legal_basis(store):
    rows = select(
        store,
        "SELECT ?label ?value ?share ?legal ?date WHERE { ?f pkg:funding ?fu . "
        "?fu rdfs:label ?label ; schema:amount/schema:value ?value ; "
        "pkg:share ?share ; pkg:legalBasis ?l . ?l rdfs:label ?legal ; "
        "pkg:legalDate ?date }",
    )
    assert rows == [
        (
            "Programme 147 (culture, circulaire du 21 mai 2015)",
            "6000000",
            "0.3",
            "circulaire du 21 mai 2015",
            "2015-05-21",
        )
    ]
    kinds = select(
        store, "SELECT ?kind (COUNT(?fu) AS ?n) WHERE { ?fu pkg:fundingKind ?kind } GROUP BY ?kind"
    )
    assert [(k.rsplit("/", 1)[1], n) for k, n in kinds] == [
        ("droit_commun", "1"),
        ("specifique", "1"),
    ]


def test_references_reach_absent_fiches_axes_and_transversal_orientations(store):
    absent = select(
        store,
        "SELECT ?code WHERE { ?f pkg:refersTo ?t . ?t pkg:code ?code "
        "FILTER NOT EXISTS { ?t pkg:sourceDocument ?d } }",
    )
    assert absent == [("1.1.1",), ("4.1.1",)]
    cited = select(
        store,
        "SELECT ?label ?raw WHERE { ?r pkg:referenceTarget/pkg:code '4.1.1' ; "
        "rdfs:label ?label ; pkg:rawText ?raw }",
    )
    assert cited == [("Promouvoir la citoyenneté par le sport", "Fiche 411")]
    others = select(
        store,
        "SELECT ?c WHERE { ?f pkg:refersTo ?t . ?t a ?c "
        "FILTER(?c IN (pkg:Axe, pkg:TransversalOrientation)) }",
    )
    assert [c[0].rsplit("#", 1)[1] for c in others] == ["Axe", "TransversalOrientation"]


def test_ocr_raw_text_is_kept_beside_the_repaired_label(store):
    rows = select(
        store,
        "SELECT ?label ?raw WHERE { ?o a pkg:Objective ; rdfs:label ?label ; pkg:rawText ?raw }",
    )
    assert rows == [
        (
            "Chaque territoire veillera à mettre en œuvre la politique de la ville",
            "Chaque territoire veillera a metire en ceuvre la politique de la ville",
        )
    ]


def test_actions_sub_actions_statuses_and_quartiers(store):
    rows = select(
        store,
        "SELECT ?label ?status ?type ?q WHERE { ?a pkg:status ?status ; "
        "pkg:actionType ?type ; rdfs:label ?label ; pkg:quartier/rdfs:label ?q }",
    )
    assert [(label, s.rsplit("/", 1)[1], t.rsplit("/", 1)[1], q) for label, s, t, q in rows] == [
        ("Expérimenter le tirage au sort", "realise", "institution", "TOUS QUARTIERS"),
        ("Installer le conseil citoyen sur Plaisance", "realise", "institution", "PLAISANCE"),
        ("Mettre en place les conseils citoyens", "realise", "institution", "SILLON"),
    ]
    volet = select(
        store,
        "SELECT ?n ?label ?pn WHERE { ?a pkg:volet ?v . ?v skos:notation ?n ; "
        "skos:prefLabel ?label ; skos:broader/skos:notation ?pn }",
    )
    assert volet == [("2", "Participation citoyenne", "4")]
    everywhere = select(store, "SELECT ?t WHERE { ?t a pkg:QuartierSet }")
    assert len(everywhere) == 1


def test_structure_enjeu_and_unmapped_text(store):
    axe = select(
        store,
        "SELECT ?label ?parent WHERE { ?f pkg:axe ?a . ?a skos:prefLabel ?label ; "
        "skos:broader/skos:notation ?parent }",
    )
    assert axe == [("Participation des habitants", "1")]
    enjeu = select(store, "SELECT ?axe WHERE { ?f pkg:enjeu/skos:broader/skos:notation ?axe }")
    assert enjeu == [("1.1",)]
    unmapped = select(
        store,
        "SELECT ?text ?line ?section WHERE { ?u a pkg:UnmappedText ; "
        "pkg:text ?text ; pkg:sourceLine ?line ; pkg:section ?section }",
    )
    assert unmapped == [("Document de travail – octobre 2015", "94", "Calendrier")]


def test_provenance_names_file_checksum_template_and_version(store):
    import policykg

    rows = select(
        store,
        "SELECT ?file ?sha ?template ?version WHERE { GRAPH ?g { "
        "?g prov:wasDerivedFrom ?d ; prov:wasAttributedTo ?agent . "
        "?d pkg:fileName ?file ; pkg:sha256 ?sha ; pkg:template ?template . "
        "?agent pkg:softwareVersion ?version } }",
    )
    assert rows == [("001_199027a4c7dc3eab.txt", "9f" * 32, "orientation", policykg.__version__)]
    lines = select(store, "SELECT ?line WHERE { ?f pkg:code '1.1.2' ; pkg:sourceLine ?line }")
    assert lines == [("3",)]


def test_the_ontology_goes_into_its_own_graph(quads):
    graphs = {q.graph_name for q in ontology_quads()}
    assert len(graphs) == 1 and graphs.isdisjoint({q.graph_name for q in quads})


# --- errors users can hit ------------------------------------------------------------------


def test_an_unknown_status_names_the_file_and_line():
    ex = rich_extraction()
    ex.actions[0].sub_actions[0].status = "Terminé puis repris"
    with pytest.raises(InputError, match=r"001_199027a4c7dc3eab\.txt:48: unknown status"):
        map_extraction(ex, source())


def test_a_contract_without_id_or_with_a_bad_base_is_an_input_error():
    ex = Extraction(contract=Contract(territory="Lyon"), fiches=[Fiche("1")])
    with pytest.raises(InputError, match="no id"):
        map_extraction(ex, SourceInfo("a.txt", "0" * 64, "orientation", "text", ""))
    ex.contract = Contract(territory="Lyon", id="lyon", base_iri="not an iri")
    with pytest.raises(InputError, match="base IRI"):
        map_extraction(ex, source(contract=ex.contract))
    with pytest.raises(InputError, match="no contract"):
        map_extraction(Extraction(), source())


def test_regression_volets_of_two_piliers_are_two_concepts():
    """Volet 1 of pilier 1 and volet 1 of pilier 2 of one contract used to be one resource
    with two labels."""
    from policykg.loaders.records import Action, StructureItem

    contract = Contract(territory="Agglo", id="agglo")
    structure = [
        StructureItem("pilier", "1", "Cohésion sociale"),
        StructureItem("volet", "1", "Éducation", parent="1"),
        StructureItem("objectif", "1.1", "Réussite scolaire", parent="1"),
        StructureItem("pilier", "2", "Cadre de vie"),
        StructureItem("volet", "1", "Gestion urbaine de proximité", parent="2"),
        StructureItem("objectif", "1.1", "Qualité de service", parent="1"),
    ]
    actions = [
        Action("Aide aux devoirs", pillar="1", volet="1", objective="1.1"),
        Action("Diagnostic en marchant", pillar="2", volet="1", objective="1.1"),
    ]
    source = SourceInfo("plan.txt", "0" * 64, "plan", "text", "agglo")
    store = ox.Store()
    store.extend(
        map_extraction(Extraction(contract=contract, structure=structure, actions=actions), source)
    )
    found = sorted(
        (r["a"].value, r["v"].value)
        for r in store.query(
            "PREFIX pkg: <https://w3id.org/policykg/def#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT DISTINCT ?a ?v WHERE { ?x rdfs:label ?a ; pkg:volet/rdfs:label ?v }",
            use_default_graph_as_union=True,
        )
    )
    assert found == [
        ("Aide aux devoirs", "Éducation"),
        ("Diagnostic en marchant", "Gestion urbaine de proximité"),
    ]
    objectives = sorted(
        (r["a"].value, r["o"].value)
        for r in store.query(
            "PREFIX pkg: <https://w3id.org/policykg/def#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT DISTINCT ?a ?o WHERE { ?x rdfs:label ?a ; "
            "pkg:operationalObjective/rdfs:label ?o }",
            use_default_graph_as_union=True,
        )
    )
    assert objectives == [
        ("Aide aux devoirs", "Réussite scolaire"),
        ("Diagnostic en marchant", "Qualité de service"),
    ]
    broader = sorted(
        (r["o"].value, r["v"].value)
        for r in store.query(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX pkg: <https://w3id.org/policykg/def#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT DISTINCT ?o ?v WHERE { ?x a pkg:OperationalObjective ; rdfs:label ?o ; "
            "skos:broader/rdfs:label ?v }",
            use_default_graph_as_union=True,
        )
    )
    assert broader == [
        ("Qualité de service", "Gestion urbaine de proximité"),
        ("Réussite scolaire", "Éducation"),
    ]
