"""``policykg export``, RDF side: every file re-read by rdflib, by raptor's rapper and (for
JSON-LD) by pyld, each isomorphic to the store; export -> load -> export is byte-identical.

The five seeds are built as three contracts (:func:`build_five_seeds`), the corpus the
issue names; the other export tests import the builder from here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from policykg.cli import main
from policykg.cli_export import export as export_command
from policykg.errors import PolicykgError
from policykg.graph.export import export
from policykg.graph.export_rdf import CONTEXT_IRI, data_graphs, local_document_loader
from policykg.graph.store import merge_named_graphs
from policykg.ontology.loader import ontology_graph
from policykg.ontology.namespace import ONTOLOGY_IRI, PKG
from tests.conftest import SEED_IDS, seed_path

FIVE_SEEDS_MANIFEST = """\
title: "Fiches des contrats de ville de Tours et de Nantes (graines)"
publisher: {{name: "Tours Métropole Val de Loire", url: "https://www.tours-metropole.fr/"}}
contact: {{name: "Mission open data", email: "opendata@example.org"}}
download_url: "https://data.example.org/policykg/"
keywords: ["politique de la ville", "contrat de ville", "Tours", "Nantes"]
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
{entries}
"""
CONTRACT_OF = {
    "000": "tours-2015-2020",
    "001": "tours-2015-2020",
    "002": "tours-2015-2020",
    "003": "tours-metropole-2024-2030",
    "004": "nantes-2015-2020",
}
RAPPER_SYNTAX = {
    "graph.ttl": "turtle",
    "graph.nt": "ntriples",
    "graph.rdf": "rdfxml",
    "graph.trig": "trig",
    "graph.nq": "nquads",
    "ontology.ttl": "turtle",
    "ontology.rdf": "rdfxml",
}
RDFLIB_FORMAT = {
    "graph.ttl": "turtle",
    "graph.nt": "nt",
    "graph.rdf": "xml",
    "graph.jsonld": "json-ld",
}


def build_five_seeds(base: Path) -> Path:
    """Build the five seeds (three contracts) into ``base/out``; returns the OUT folder."""
    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    entries = []
    for short, contract in CONTRACT_OF.items():
        name = f"{SEED_IDS[short]}.txt"
        shutil.copy(seed_path(short), corpus / name)
        entries.append(f"  - {{file: {name}, contract: {contract}}}")
    (corpus / "corpus.yaml").write_text(
        FIVE_SEEDS_MANIFEST.format(entries="\n".join(entries)), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["build", str(corpus), "-o", str(base / "out"), "--no-views"])
    assert result.exit_code == 0, result.output
    return base / "out"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = build_five_seeds(tmp_path_factory.mktemp("export-rdf"))
    result = CliRunner().invoke(export_command, [str(out), "--issued", "2025-03-01"])
    assert result.exit_code == 0, result.output
    return out


def _store_union(out: Path) -> rdflib.Graph:
    store = ox.Store.read_only(str(out / "store"))
    triples = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=data_graphs(store)
    )
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def _store_dataset(out: Path) -> dict[str, rdflib.Graph]:
    store = ox.Store.read_only(str(out / "store"))
    graphs: dict[str, rdflib.Graph] = {}
    for quad in store:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            continue  # the merged graph, a derived index of the named graphs
        graphs.setdefault(quad.graph_name.value, rdflib.Graph()).parse(
            data=ox.serialize(
                [ox.Triple(quad.subject, quad.predicate, quad.object)],
                format=ox.RdfFormat.N_TRIPLES,
            ).decode("utf-8"),
            format="nt",
        )
    return graphs


def _parse(path: Path, fmt: str) -> rdflib.Graph:
    if fmt != "json-ld":
        return rdflib.Graph().parse(path, format=fmt)
    # rdflib has no document loader: give it the context inline, never over the network
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["@context"] = local_document_loader()(doc["@context"])["document"]["@context"]
    return rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")


@pytest.mark.parametrize("name", sorted(RDFLIB_FORMAT))
def test_each_data_file_is_isomorphic_to_the_store(exported, name):
    parsed = _parse(exported / "export" / name, RDFLIB_FORMAT[name])
    expected = _store_union(exported)
    assert len(expected) > 3000
    assert isomorphic(parsed, expected), name


@pytest.mark.parametrize("name", ["graph.trig", "graph.nq"])
def test_the_named_graph_files_hold_every_graph_of_the_store(exported, name):
    dataset = rdflib.Dataset()
    dataset.parse(exported / "export" / name, format="trig" if name.endswith("trig") else "nquads")
    expected = _store_dataset(exported)
    found = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert found == set(expected)
    assert str(ONTOLOGY_IRI) in found and len(found) == 6  # five documents + the ontology
    for name_ in expected:
        assert isomorphic(dataset.graph(rdflib.URIRef(name_)), expected[name_]), name_


@pytest.mark.parametrize("name", sorted(RAPPER_SYNTAX))
def test_rapper_reads_every_rdf_file_with_the_same_count(exported, name):
    assert shutil.which("rapper"), "raptor's rapper is missing: run .ci/install-system-deps"
    path = exported / "export" / name
    done = subprocess.run(
        ["rapper", "-i", RAPPER_SYNTAX[name], "-c", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    if name.endswith((".trig", ".nq")):
        count = sum(
            1
            for _ in ox.parse(
                path=str(path),
                format=ox.RdfFormat.N_QUADS if name.endswith(".nq") else ox.RdfFormat.TRIG,
            )
        )
    else:
        count = len(
            rdflib.Graph().parse(
                path,
                format="xml"
                if name.endswith(".rdf")
                else "turtle"
                if name.endswith(".ttl")
                else "nt",
            )
        )
    assert f"Parsing returned {count} triples" in done.stderr


def test_pyld_expands_the_json_ld_to_the_same_graph_without_the_network(exported):
    from pyld import jsonld

    doc = json.loads((exported / "export" / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == CONTEXT_IRI
    nquads = jsonld.to_rdf(
        doc, {"format": "application/n-quads", "documentLoader": local_document_loader()}
    )
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), _store_union(exported))
    with pytest.raises(PolicykgError, match="refusing to fetch"):
        local_document_loader()("https://example.org/other.jsonld", {})
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(
            {"@context": "https://example.org/other.jsonld", "a": 1},
            {"documentLoader": local_document_loader()},
        )


def test_json_ld_uses_terms_and_language_maps(exported):
    doc = json.loads((exported / "export" / "graph.jsonld").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in doc["@graph"]}
    fiche = nodes["https://w3id.org/policykg/id/contract/tours-2015-2020/fiche/1.1.2"]
    assert fiche["label"] == {
        "fr": "Développer les coordinations des acteurs sociaux, "
        "culturels, sportifs, techniques… pour diversifier l'offre"
    }
    assert fiche["code"] == "1.1.2" and "OrientationFiche" in fiche["type"]
    # every property of every node is a context term: the context covers the whole graph
    keys = {k for n in doc["@graph"] for k in n}
    assert not [k for k in keys if ":" in k], sorted(k for k in keys if ":" in k)


def test_the_context_copy_is_the_shipped_versioned_context(exported):
    copy = json.loads((exported / "export" / "context-v1.jsonld").read_text(encoding="utf-8"))
    assert copy == local_document_loader()(CONTEXT_IRI)["document"]
    assert copy["@context"]["@version"] == 1.1


def test_the_context_has_a_term_of_the_right_kind_for_every_ontology_property():
    from rdflib.namespace import OWL, RDF, RDFS, XSD

    context = local_document_loader()(CONTEXT_IRI)["document"]["@context"]
    graph = ontology_graph()
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in graph.subjects(RDF.type, kind):
            if not str(prop).startswith(str(PKG._NS)):
                continue
            term = context[str(prop)[len(str(PKG._NS)) :]]
            assert term["@id"] == "pkg:" + str(prop)[len(str(PKG._NS)) :]
            if kind == OWL.ObjectProperty:
                assert term.get("@type") == "@id", prop
            elif graph.value(prop, RDFS.range) == RDF.langString:
                assert term.get("@container") == "@language", prop
            elif graph.value(prop, RDFS.range) == XSD.decimal:
                assert term.get("@type") == "xsd:decimal", prop


def test_the_ontology_files_are_the_ontology(exported):
    for name, fmt in (("ontology.ttl", "turtle"), ("ontology.rdf", "xml")):
        parsed = rdflib.Graph().parse(exported / "export" / name, format=fmt)
        assert isomorphic(parsed, ontology_graph()), name


def test_the_ontology_page_documents_every_class_and_property(exported):
    from rdflib.namespace import OWL, RDF

    class Ids(HTMLParser):
        ids: set[str] = set()

        def handle_starttag(self, tag, attrs):
            self.ids |= {v for k, v in attrs if k == "id"}

    page = (exported / "export" / "ontology.html").read_text(encoding="utf-8")
    parser = Ids()
    parser.feed(page)
    graph = ontology_graph()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in graph.subjects(RDF.type, kind):
            if str(term).startswith(str(PKG._NS)):
                assert str(term)[len(str(PKG._NS)) :] in parser.ids, term
    assert "Contrat de ville" in page and "<script" not in page


def test_export_then_load_then_export_is_identical(exported, tmp_path):
    """The exported N-Quads, loaded into a fresh store, export to the very same bytes."""
    again = tmp_path / "out"
    (again / "store").mkdir(parents=True)
    store = ox.Store(str(again / "store"))
    store.bulk_load(path=str(exported / "export" / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    store.flush()
    with pytest.raises(PolicykgError, match="no merged default graph"):
        export(again, issued="2025-03-01")
    merge_named_graphs(store)  # as `policykg build` does
    store.flush()
    del store
    corpus = json.loads((exported / "report.json").read_text(encoding="utf-8"))["corpus"]
    export(again, issued="2025-03-01", corpus=corpus)
    first, second = exported / "export", again / "export"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()
    )
    assert len(names) == 26
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_exporting_without_a_build_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(export_command, [str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "policykg build" in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1
    with pytest.raises(PolicykgError):
        export(tmp_path / "nothing")
