"""The DCAT-AP 3 catalogue of an export: it conforms to the official DCAT-AP 3.0.1 shapes
(read from shared/reference, imports never resolved) and to the project's own catalogue
shapes, breaking a mandatory property fails both, and every distribution tells the truth
about its file (size, SHA-256, URL, licence, media type, format)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from policykg.cli_export import validate as validate_command
from policykg.errors import InputError
from policykg.graph.catalog import LICENCE
from policykg.graph.export import PLACEHOLDER_URL, export
from policykg.graph.validate import validate_catalog
from tests.conftest import REFERENCE, answer_key
from tests.test_export_rdf import build_five_seeds

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
BASE = "https://data.example.org/policykg/"  # download_url of the test corpus.yaml
OFFICIAL = REFERENCE / "dcat-ap-3.0.1-shacl"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = build_five_seeds(tmp_path_factory.mktemp("catalog"))
    report = export(out)  # metadata from corpus.yaml, date derived from the documents
    assert report.warnings == []
    return out


@pytest.fixture
def catalog(out) -> rdflib.Graph:
    return rdflib.Graph().parse(out / "export" / "catalog.ttl", format="turtle")


def official_validation(data: rdflib.Graph) -> tuple[bool, str]:
    from pyshacl import validate

    assert OFFICIAL.is_dir(), f"the DCAT-AP shapes are missing from {OFFICIAL}"
    shapes = rdflib.Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(OFFICIAL / name, format="turtle")
    conforms, _, text = validate(data, shacl_graph=shapes, do_owl_imports=False)
    return bool(conforms), text


def test_the_catalogue_conforms_to_the_official_dcat_ap_shapes(catalog):
    conforms, text = official_validation(catalog)
    assert conforms, text


def test_the_catalogue_conforms_to_the_project_shapes_without_warnings(out):
    report = validate_catalog(out / "export" / "catalog.ttl")
    assert report.conforms and report.violations == [], report.summary()


@pytest.mark.parametrize(
    ("subject", "prop"),
    [
        (BASE + "dataset", DCT.title),
        (BASE + "dataset", DCT.description),
        (BASE + "catalog", DCT.publisher),
        (BASE + "distribution/graph-ttl", DCAT.accessURL),
    ],
)
def test_removing_a_mandatory_property_fails_both_validations(catalog, subject, prop):
    assert (rdflib.URIRef(subject), prop, None) in catalog
    catalog.remove((rdflib.URIRef(subject), prop, None))
    conforms, text = official_validation(catalog)
    assert not conforms and subject in text
    report = validate_catalog(catalog)
    assert not report.conforms
    assert any(v.focus == subject and v.path == str(prop) for v in report.errors)


def test_an_untyped_licence_breaks_the_range_shapes(catalog):
    catalog.remove((rdflib.URIRef(LICENCE), RDF.type, None))
    conforms, text = official_validation(catalog)
    assert not conforms and "LicenseDocument" in text


def test_every_distribution_describes_its_file(out, catalog):
    dataset = rdflib.URIRef(BASE + "dataset")
    distributions = set(catalog.objects(dataset, DCAT.distribution))
    files = sorted(
        p
        for p in (out / "export").rglob("*")
        if p.is_file() and p.name not in ("catalog.ttl", "catalog.jsonld")
    )
    assert len(distributions) == len(files) == 24
    by_url = {str(catalog.value(d, DCAT.downloadURL)): d for d in distributions}
    for path in files:
        relative = path.relative_to(out / "export").as_posix()
        d = by_url[BASE + relative]
        data = path.read_bytes()
        assert catalog.value(d, DCAT.accessURL) == rdflib.URIRef(BASE + relative)
        size = catalog.value(d, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger and int(size) == len(data)
        checksum = catalog.value(d, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert catalog.value(d, DCT.license) == rdflib.URIRef(LICENCE)
        assert str(catalog.value(d, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/media-types/"
        )
        assert str(catalog.value(d, DCT["format"])).startswith(
            "http://publications.europa.eu/resource/authority/file-type/"
        )
        assert catalog.value(d, DCT.title) is not None
    formats = {
        str(catalog.value(by_url[BASE + n], DCT["format"])).rsplit("/", 1)[-1]
        for n in ("graph.ttl", "graph.jsonld", "tables/fiches.csv", "graph.nq")
    }
    assert formats == {"RDF_TURTLE", "JSON_LD", "CSV", "RDF_N_QUADS"}


def test_the_dataset_has_licence_title_coverage_and_contact(out, catalog):
    dataset = rdflib.URIRef(BASE + "dataset")
    assert catalog.value(dataset, DCT.license) == rdflib.URIRef(LICENCE)
    assert (rdflib.URIRef(LICENCE), RDF.type, DCT.LicenseDocument) in catalog
    assert str(catalog.value(dataset, DCT.title)).startswith("Fiches des contrats de ville")
    periods = [answer_key(s)["contrat"]["period"] for s in ("000", "003", "004")]
    first = min(int(p[:4]) for p in periods)
    last = max(int(p[-4:]) for p in periods)
    period = catalog.value(dataset, DCT.temporal)
    assert str(catalog.value(period, DCAT.startDate)) == f"{first}-01-01"
    assert str(catalog.value(period, DCAT.endDate)) == f"{last}-12-31"
    spatial = {str(s) for s in catalog.objects(dataset, DCT.spatial)}
    assert {
        "https://w3id.org/policykg/id/territory/243700754",
        "https://w3id.org/policykg/id/territory/244400404",
    } <= spatial
    publisher = catalog.value(dataset, DCT.publisher)
    assert str(catalog.value(publisher, FOAF.name)) == "Tours Métropole Val de Loire"
    contact = catalog.value(dataset, DCAT.contactPoint)
    assert catalog.value(
        contact, rdflib.URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")
    ) == rdflib.URIRef("mailto:opendata@example.org")
    assert {"Nantes", "Tours"} <= {str(k) for k in catalog.objects(dataset, DCAT.keyword)}
    language = rdflib.URIRef("http://publications.europa.eu/resource/authority/language/FRA")
    assert catalog.value(dataset, DCT.language) == language


def test_without_a_date_the_catalogue_uses_the_latest_date_the_documents_state(catalog):
    """Seed 003's contract starts in 2024, later than every legal text the fiches cite."""
    starts = [int(answer_key(s)["contrat"]["period"][:4]) for s in ("000", "003", "004")]
    issued = catalog.value(rdflib.URIRef(BASE + "dataset"), DCT.issued)
    assert issued.datatype == XSD.date and str(issued) == f"{max(starts)}-01-01"


def test_the_void_statistics_count_the_data(out, catalog):
    dataset = rdflib.URIRef(BASE + "dataset")
    lines = (out / "export" / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert int(catalog.value(dataset, VOID.triples)) == len(lines)
    parts = {
        catalog.value(p, VOID["class"]): int(catalog.value(p, VOID.entities))
        for p in catalog.objects(dataset, VOID.classPartition)
    }
    fiches = (out / "export" / "tables" / "fiches.csv").read_text(encoding="utf-8")
    assert (
        parts[rdflib.URIRef("https://w3id.org/policykg/def#Fiche")]
        == len(fiches.strip().splitlines()) - 1
    )
    dumps = {str(d) for d in catalog.objects(dataset, VOID.dataDump)}
    assert dumps == {BASE + "graph.nt", BASE + "graph.ttl"}


def test_the_json_ld_catalogue_is_the_same_graph(out, catalog):
    parsed = rdflib.Graph().parse(out / "export" / "catalog.jsonld", format="json-ld")
    assert isomorphic(parsed, catalog)


def test_options_override_corpus_yaml_and_bad_dates_are_refused(out, tmp_path):
    report = export(
        out,
        dest=tmp_path / "e",
        publisher="Nantes Métropole",
        download_url="https://opendata.example.net/kg",
        issued="2025-06-30",
    )
    assert report.warnings == []
    graph = rdflib.Graph().parse(tmp_path / "e" / "catalog.ttl", format="turtle")
    dataset = rdflib.URIRef("https://opendata.example.net/kg/dataset")
    assert str(graph.value(graph.value(dataset, DCT.publisher), FOAF.name)) == "Nantes Métropole"
    assert str(graph.value(dataset, DCT.issued)) == "2025-06-30"
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        export(out, dest=tmp_path / "f", issued="30/06/2025")
    with pytest.raises(InputError, match="http"):
        export(out, dest=tmp_path / "f", download_url="ftp://example.org/")
    assert not (tmp_path / "f").exists()


def test_missing_metadata_gives_warnings_and_a_placeholder_url(out, tmp_path):
    empty = tmp_path / "corpus"
    empty.mkdir()
    report = export(out, dest=tmp_path / "e", corpus=empty)
    assert len(report.warnings) == 3 and PLACEHOLDER_URL in report.warnings[0]
    graph = rdflib.Graph().parse(tmp_path / "e" / "catalog.ttl", format="turtle")
    conforms, text = official_validation(graph)
    assert conforms, text
    warnings = validate_catalog(tmp_path / "e" / "catalog.ttl")
    assert warnings.conforms and [v.path for v in warnings.violations] == [str(DCAT.contactPoint)]


def test_validate_checks_the_catalogue_and_groups_results_by_shape(out, tmp_path):
    result = CliRunner().invoke(validate_command, [str(out)])
    assert result.exit_code == 0, result.output
    assert "the catalogue conforms to the DCAT-AP catalogue shapes" in result.output
    broken = rdflib.Graph().parse(out / "export" / "catalog.ttl", format="turtle")
    broken.remove((rdflib.URIRef(BASE + "dataset"), DCT.title, None))
    path = tmp_path / "catalog.ttl"
    broken.serialize(path, format="turtle")
    result = CliRunner().invoke(validate_command, [str(out), "--catalog", str(path)])
    assert result.exit_code == 1
    assert "https://w3id.org/policykg/shapes/catalog#DatasetShape (1):" in result.output
    assert f"{BASE}dataset http://purl.org/dc/terms/title" in result.output
