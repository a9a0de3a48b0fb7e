"""The ontology, code lists and shapes: they parse, every term is documented in French and
English, the generated namespace module matches them, and misspelt terms fail."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from policykg.graph.mapper import ontology_quads
from policykg.loaders.records import ACTION_TYPES, INDICATOR_KINDS, PARTNER_KINDS, ROLES, STATUSES
from policykg.ontology import generate_namespace, loader
from policykg.ontology.namespace import (
    ACTION_TYPE,
    ACTOR_KIND,
    CODE_LISTS,
    FUNDING_KIND,
    INDICATOR_KIND,
    ONTOLOGY_IRI,
    PKG,
    ROLE,
    SCHEME,
    STATUS,
    concept_for,
)

TTL_FILES = (loader.ONTOLOGY_FILE, loader.SCHEMES_FILE, loader.SHAPES_FILE)
PKG_NS = str(PKG)


def _documented_terms(graph: rdflib.Graph) -> list[rdflib.URIRef]:
    """Every pkg: class and property, every code list and every concept."""
    terms = set()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        terms |= {t for t in graph.subjects(RDF.type, kind) if str(t).startswith(PKG_NS)}
    terms |= set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    terms |= set(graph.subjects(RDF.type, SKOS.Concept))
    return sorted(terms)


@pytest.mark.parametrize("name", TTL_FILES)
def test_each_turtle_file_parses(name):
    graph = rdflib.Graph()
    graph.parse(data=loader.resource_text(name), format="turtle")
    assert len(graph) > 100


def test_the_ontology_declares_itself_and_the_terms_the_design_needs():
    graph = loader.ontology_graph()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    for cls in (
        "Contract",
        "Pilier",
        "Axe",
        "Enjeu",
        "TransversalEnjeu",
        "OrientationFiche",
        "ProjectFiche",
        "Objective",
        "ExpectedOutput",
        "ExpectedEffect",
        "Action",
        "SubAction",
        "Organisation",
        "ActorCategory",
        "Profession",
        "Participation",
        "Dispositif",
        "Funding",
        "LegalReference",
        "Indicator",
        "CrossReference",
        "QPV",
        "Commune",
        "EPCI",
        "SourceDocument",
        "UnmappedText",
    ):
        assert (PKG[cls], RDF.type, OWL.Class) in graph, cls


@pytest.mark.parametrize("term", _documented_terms(loader.ontology_graph()), ids=str)
def test_every_term_has_french_and_english_labels_and_definitions(term):
    graph = loader.ontology_graph()
    for prop in (RDFS.label, SKOS.definition):
        languages = {getattr(v, "language", None) for v in graph.objects(term, prop)}
        missing = {"fr", "en"} - languages
        assert not missing, f"{term} has no {prop} in {sorted(missing)}"


def test_every_code_list_concept_has_a_notation_equal_to_its_code():
    graph = loader.ontology_graph()
    for scheme_name, code_list in CODE_LISTS.items():
        scheme = SCHEME[scheme_name]
        concepts = sorted(graph.subjects(SKOS.inScheme, scheme))
        assert concepts, scheme_name
        for concept in concepts:
            code = str(concept).rsplit("/", 1)[-1]
            assert code_list[code] == concept
            assert str(graph.value(concept, SKOS.notation)) == code
            assert (scheme, SKOS.hasTopConcept, concept) in graph


def test_the_namespace_module_matches_the_turtle_files_exactly():
    generated = generate_namespace.render()
    on_disk = loader.resource_text(generate_namespace.OUTPUT)
    assert generated == on_disk, "run python -m policykg.ontology.generate_namespace"
    assert generate_namespace.main(["--check"]) == 0


def test_every_ontology_term_is_an_attribute_and_nothing_else_is():
    graph = loader.ontology_graph()
    declared = {
        str(t)[len(PKG_NS) :] for t in _documented_terms(graph) if str(t).startswith(PKG_NS)
    }
    assert declared == set(PKG.__annotations__)
    assert {str(c)[len(str(STATUS)) :] for c in graph.subjects(SKOS.inScheme, SCHEME.status)} == {
        "realise",
        "en_cours",
        "a_realiser",
    }


def test_misspelt_terms_raise():
    assert PKG.Fiche == rdflib.URIRef("https://w3id.org/policykg/def#Fiche")
    assert ROLE.partenaire.endswith("/role/partenaire")
    with pytest.raises(AttributeError):
        _ = PKG.Fishe
    with pytest.raises(AttributeError):
        _ = STATUS.termine
    with pytest.raises(AttributeError):
        _ = INDICATOR_KIND.effets


def test_the_generator_refuses_an_ontology_that_uses_an_undeclared_term():
    graph = generate_namespace.ontology_source_graph()
    graph.add((PKG.Fiche, RDFS.subClassOf, rdflib.URIRef(PKG_NS + "Fishe")))
    with pytest.raises(generate_namespace.NamespaceError, match="Fishe"):
        generate_namespace.render(graph)


def test_the_code_lists_know_every_value_the_records_use():
    for value in STATUSES:
        assert concept_for(STATUS, value) is not None, value
    for value in ACTION_TYPES:
        assert concept_for(ACTION_TYPE, value) is not None, value
    for value in ROLES:
        assert concept_for(ROLE, value) == ROLE[value]
    for value in INDICATOR_KINDS:
        assert concept_for(INDICATOR_KIND, value) == INDICATOR_KIND[value]
    for value in PARTNER_KINDS:
        assert concept_for(ACTOR_KIND, value) == ACTOR_KIND[value]
    assert concept_for(FUNDING_KIND, "droit_commun") == FUNDING_KIND.droit_commun
    # spellings met in documents: accents, capitals, plurals written as alternative labels
    assert concept_for(STATUS, "À RÉALISER") == STATUS.a_realiser
    assert concept_for(ACTION_TYPE, "Porteur de projet") == ACTION_TYPE.porteur_de_projet
    assert concept_for(ROLE, "Pilote de l'action") == ROLE.pilote
    assert concept_for(STATUS, "Abandonné") is None


def test_statuses_are_aligned_with_schema_org_action_statuses():
    from rdflib.namespace import SDO  # imported here: pytest probes module attributes

    graph = loader.ontology_graph()
    assert (STATUS.realise, SKOS.exactMatch, SDO.CompletedActionStatus) in graph
    assert (STATUS.en_cours, SKOS.exactMatch, SDO.ActiveActionStatus) in graph
    assert (STATUS.a_realiser, SKOS.closeMatch, SDO.PotentialActionStatus) in graph


def test_professions_and_territories_are_disjoint_and_kinds_of_actor_too():
    graph = loader.ontology_graph()
    assert (PKG.Profession, OWL.disjointWith, PKG.Territory) in graph
    assert (PKG.Organisation, OWL.disjointWith, PKG.ActorCategory) in graph
    assert (PKG.Organisation, OWL.disjointWith, PKG.Profession) in graph
    assert (PKG.ActorCategory, OWL.disjointWith, PKG.Profession) in graph


def test_the_ontology_quads_have_no_blank_nodes_and_are_reproducible():
    quads = ontology_quads()
    assert quads == ontology_quads()
    assert {q.graph_name for q in quads} == {ox.NamedNode(str(ONTOLOGY_IRI))}
    assert not [
        q
        for q in quads
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
    ]
    assert len(quads) == len(loader.ontology_graph())


def test_the_shapes_are_valid_shacl():
    from pyshacl import validate

    # meta_shacl validates the shapes graph against the SHACL-for-SHACL shapes first
    conforms, _, text = validate(rdflib.Graph(), shacl_graph=loader.shapes_graph(), meta_shacl=True)
    assert conforms, text


def test_the_loader_hands_out_copies():
    graph = loader.ontology_graph()
    graph.remove((None, None, None))
    assert len(loader.ontology_graph()) > 1000


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs java")
def test_hermit_finds_ontology_and_data_consistent_and_a_profession_territory_not(tmp_path):
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner

    def reason(graph: rdflib.Graph, name: str) -> None:
        path = tmp_path / f"{name}.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = World()
        world.get_ontology(path.as_uri()).load()
        sync_reasoner(world, infer_property_values=False, debug=0)

    from policykg.graph.mapper import map_extraction
    from tests.mapper_records import rich_extraction, source, to_graph

    graph = loader.ontology_graph()
    reason(graph, "ontology")
    reason(graph + to_graph(map_extraction(rich_extraction(), source())), "with-data")
    wrong = rdflib.URIRef("https://example.org/educateur-et-quartier")
    graph.add((wrong, RDF.type, PKG.Profession))
    graph.add((wrong, RDF.type, PKG.Quartier))
    with pytest.raises(OwlReadyInconsistentOntologyError):
        reason(graph, "wrong")
