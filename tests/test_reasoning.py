"""``policykg validate``: SHACL results name their source document; OWL consistency with
HermiT (Java) over the five seeds; a deliberately inconsistent fact is caught; ``--reason``
stores the inferred triples as their own named graph, apart from the asserted ones.

The HermiT tests are slow and need Java: CI installs it, so they fail (not skip) without it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import OWL, PROV, RDF

from policykg.cli_export import validate as validate_command
from policykg.errors import PolicykgError
from policykg.graph.export import export
from policykg.graph.export_rdf import data_graphs
from policykg.graph.reasoning import INFERRED_FILE, INFERRED_GRAPH, JAVA_HINT, check_output, reason
from policykg.graph.validate import validate_output
from policykg.ontology.loader import ontology_graph
from policykg.ontology.namespace import PKG
from tests.conftest import SEED_IDS
from tests.test_export_rdf import build_five_seeds

ID = "https://w3id.org/policykg/id/"
FICHE_112 = ID + "contract/tours-2015-2020/fiche/1.1.2"
EDUCATEUR = ID + "actor/243700754/educateur-specialise"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_five_seeds(tmp_path_factory.mktemp("reasoning"))


def _copy(built: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    return out


def _require_java() -> None:
    assert shutil.which("java"), f"{JAVA_HINT} (CI installs it through .ci/install-system-deps)"


def _run(*args: str):
    return CliRunner().invoke(validate_command, list(args))


def test_a_shacl_violation_names_the_shape_the_resource_and_its_source_document(built, tmp_path):
    out = _copy(built, tmp_path)
    with open(out / "graph.ttl", "a", encoding="utf-8") as f:
        f.write(f"\n<{FICHE_112}> <{PKG.sourceLine}> 0 .\n")
    report = validate_output(out)
    assert not report.conforms
    (violation,) = report.errors
    assert violation.shape == "https://w3id.org/policykg/shapes#SourceLineShape"
    assert violation.focus == FICHE_112
    assert violation.source == f"{SEED_IDS['001']}.txt"
    result = _run(str(out))
    assert result.exit_code == 1
    assert f"[in {SEED_IDS['001']}.txt]" in result.output


def test_without_java_the_owl_check_says_so(built, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    result = _run(str(built))  # by default, the OWL check is skipped with a note
    assert result.exit_code == 0, result.output
    assert "OWL check skipped: no Java runtime found" in result.output
    assert "default-jre-headless" in result.output
    result = _run(str(built), "--owl")
    assert result.exit_code == 1
    assert result.output.startswith("error: ") or "\nerror: " in result.output
    assert "Java runtime" in result.output and "Traceback" not in result.output
    with pytest.raises(PolicykgError, match="default-jre-headless"):
        check_output(built)


@pytest.mark.slow
def test_the_five_seeds_are_consistent_and_reason_adds_a_separate_graph(built, tmp_path):
    _require_java()
    out = _copy(built, tmp_path)
    store = ox.Store.read_only(str(out / "store"))
    before = {
        g.value: sorted(map(str, store.quads_for_pattern(None, None, None, g)))
        for g in data_graphs(store)
    }
    del store
    result = _run(str(out), "--reason")
    assert result.exit_code == 0, result.output
    assert "are consistent (HermiT)" in result.output and INFERRED_GRAPH in result.output

    store = ox.Store.read_only(str(out / "store"))
    after = {
        g.value: sorted(map(str, store.quads_for_pattern(None, None, None, g)))
        for g in data_graphs(store)
    }
    assert after == before  # asserted graphs untouched
    inferred_graph = ox.NamedNode(INFERRED_GRAPH)
    inferred = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in store.quads_for_pattern(None, None, None, inferred_graph)
    }
    asserted = {
        (q.subject.value, q.predicate.value, str(q.object))
        for q in store
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name != inferred_graph
    }
    assert inferred and not {t for t in inferred if (t[0], t[1], f"<{t[2]}>") in asserted}
    merged = {
        (q.subject.value, q.predicate.value, str(q.object))
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    # queries without GRAPH see the inferences too (the default graph is the union)
    assert merged == asserted | {(s, p, f"<{o}>") for s, p, o in inferred}
    ville = ID + "actor/243700754/ville"
    assert (FICHE_112, str(PKG.involves), ville) in inferred  # animateur ⊑ involves
    assert (EDUCATEUR, str(RDF.type), str(PROV.Agent)) in inferred  # Profession ⊑ Actor ⊑ Agent
    lines = (out / INFERRED_FILE).read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(inferred)

    del store
    export(out, dest=tmp_path / "export")
    dataset = rdflib.Dataset().parse(tmp_path / "export" / "graph.trig", format="trig")
    assert len(dataset.graph(rdflib.URIRef(INFERRED_GRAPH))) == len(inferred)
    union = rdflib.Graph().parse(tmp_path / "export" / "graph.ttl", format="turtle")
    assert (rdflib.URIRef(FICHE_112), PKG.involves, rdflib.URIRef(ville)) not in union


@pytest.mark.slow
def test_an_actor_typed_as_a_territory_too_is_caught(built, tmp_path):
    _require_java()
    assert (PKG.Profession, OWL.disjointWith, PKG.Territory) in ontology_graph()
    out = _copy(built, tmp_path)
    store = ox.Store(str(out / "store"))
    graph = next(g for g in data_graphs(store) if "001-" in g.value)
    store.add(
        ox.Quad(
            ox.NamedNode(EDUCATEUR),
            ox.NamedNode(str(RDF.type)),
            ox.NamedNode(str(PKG.Territory)),
            graph,
        )
    )
    store.flush()
    del store
    report = check_output(out)
    assert not report.consistent
    assert report.clashes and all(EDUCATEUR in c for c in report.clashes)
    (clash,) = [c for c in report.clashes if str(PKG.Profession) in c]
    assert str(PKG.Territory) in clash and f"{SEED_IDS['001']}.txt" in clash
    result = _run(str(out), "--owl")
    assert result.exit_code == 1 and "inconsistent" in result.output


@pytest.mark.slow
def test_inverse_properties_and_role_classes_are_inferred(built):
    """With an inverse of pkg:involves and a class of actors defined by that role, HermiT
    types the actor and the inverse property gets its values (axioms given here, since the
    ontology declares no inverse yet)."""
    _require_java()
    ex = rdflib.Namespace("https://example.org/axioms#")
    axioms = rdflib.Graph().parse(
        data=f"""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix ex: <{ex}> .
        @prefix pkg: <https://w3id.org/policykg/def#> .
        ex:involvedIn a owl:ObjectProperty ; owl:inverseOf pkg:involves .
        ex:FicheActor a owl:Class ; owl:equivalentClass [ a owl:Restriction ;
            owl:onProperty ex:involvedIn ; owl:someValuesFrom pkg:Fiche ] .
        """,
        format="turtle",
    )
    data = rdflib.Graph().parse(built / "graph.ttl", format="turtle")
    report = reason(ontology_graph() + axioms, data, infer=True)
    assert report.consistent
    inferred = {(t.subject.value, t.predicate.value, t.object.value) for t in report.inferred}
    ville = ID + "actor/243700754/ville"
    assert (ville, str(ex.involvedIn), FICHE_112) in inferred
    assert (ville, str(RDF.type), str(ex.FicheActor)) in inferred
    assert (EDUCATEUR, str(RDF.type), str(ex.FicheActor)) in inferred


@pytest.mark.slow
def test_validate_runs_the_owl_check_by_default_when_java_is_there(built):
    _require_java()
    result = _run(str(built))
    assert result.exit_code == 0, result.output
    assert "are consistent (HermiT)" in result.output
    skipped = _run(str(built), "--no-owl")
    assert skipped.exit_code == 0 and "HermiT" not in skipped.output
