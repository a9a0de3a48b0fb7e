"""The DCAT-AP 3 catalogue of an export (``catalog.ttl``, ``catalog.jsonld``), with VoID.

One ``dcat:Catalog`` holds one ``dcat:Dataset`` (also a ``void:Dataset`` with its
statistics), which has one ``dcat:Distribution`` per exported file: media type (IANA IRI),
format (EU file-type list), byte size, SHA-256 checksum, licence (Licence Ouverte 2.0),
download URL. Every vocabulary IRI the catalogue points to is typed (``dct:MediaType``,
``dct:LicenseDocument``, ``dct:LinguisticSystem``, ``dct:Location``, ``skos:Concept``…) so
that the DCAT-AP class-range shapes pass; there are no blank nodes and no wall-clock time.
The conventions (data.gouv.fr, European data portal) are in ``shared/reference/README.md``.

>>> info = CatalogInfo(download_url="https://data.example.org/policykg/",
...                    publisher_name="Métropole", issued="2024-01-01")
>>> triples = build_catalog(info, [], Statistics())
>>> catalog = ox.NamedNode(info.base + "catalog")
>>> ox.Triple(catalog, ox.NamedNode(RDF_TYPE), ox.NamedNode(DCAT + "Catalog")) in triples
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from policykg import __version__
from policykg.graph.iris import slug
from policykg.ontology.namespace import ONTOLOGY_IRI

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
VOID = "http://rdfs.org/ns/void#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCATAP = "http://data.europa.eu/r5r/"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
LICENCE_SPDX = "https://spdx.org/licenses/etalab-2.0.html"
CATALOG_PREFIXES = {
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "vcard": VCARD,
    "spdx": SPDX,
    "void": VOID,
    "skos": SKOS,
    "xsd": XSD,
    "rdfs": RDFS,
    "dcatap": DCATAP,
    "adms": "http://www.w3.org/ns/adms#",
    "filetype": EU + "file-type/",
    "theme": EU + "data-theme/",
}
# EU data themes of the dataset, with their French labels.
THEMES = {
    "GOVE": "Gouvernement et secteur public",
    "REGI": "Régions et villes",
    "SOCI": "Population et société",
}
DEFAULT_KEYWORDS = (
    "politique de la ville",
    "contrat de ville",
    "quartiers prioritaires",
    "QPV",
    "cohésion sociale",
    "données liées",
)
# ADMS publisher types (http://purl.org/adms/publishertype/…) with their labels.
PUBLISHER_TYPES = {
    "LocalAuthority": "Local Authority",
    "NationalAuthority": "National Authority",
    "RegionalAuthority": "Regional Authority",
    "Company": "Company",
    "NonProfitOrganisation": "Non-Profit Organisation",
    "Academia-ScientificOrganisation": "Academia/Scientific organisation",
}


@dataclass
class CatalogInfo:
    """What the catalogue says about the publication (from options or ``corpus.yaml``)."""

    download_url: str  # base URL of the exported files, ending with "/"
    publisher_name: str
    issued: str  # ISO date (YYYY-MM-DD)
    modified: str | None = None
    title: str = "Fiches des contrats de ville (graphe de connaissances policykg)"
    description: str = (
        "Fiches des contrats de ville (piliers, axes, enjeux, fiches, actions, "
        "acteurs et leurs rôles, financements, indicateurs, renvois) extraites "
        "des documents sources par policykg, en données liées (RDF) avec leur "
        "provenance, en tables CSV et en réseaux."
    )
    publisher_iri: str | None = None
    publisher_type: str = "LocalAuthority"
    publisher_url: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_url: str | None = None
    keywords: list[str] = field(default_factory=lambda: list(DEFAULT_KEYWORDS))

    @property
    def base(self) -> str:
        """The base of the catalogue's own IRIs (the download URL)."""
        return self.download_url if self.download_url.endswith("/") else self.download_url + "/"


@dataclass(frozen=True)
class Distribution:
    """One exported file as the catalogue describes it."""

    path: str  # relative to the export folder, with "/"
    media_type: str  # IANA media type
    file_type: str  # EU file-type code
    title: str
    description: str
    byte_size: int
    sha256: str
    conforms_to: str | None = None  # IRI of a standard or schema


@dataclass
class Statistics:
    """What VoID and the coverage say about the data (see ``export.dataset_statistics``)."""

    triples: int = 0
    entities: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> entities
    properties: dict[str, int] = field(default_factory=dict)  # property IRI -> triples
    start_year: int | None = None
    end_year: int | None = None
    territories: dict[str, str] = field(default_factory=dict)  # IRI -> label
    uri_space: str | None = None
    vocabularies: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.triples: set[ox.Triple] = set()

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        obj = ox.NamedNode(o) if isinstance(o, str) else o
        self.triples.add(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def typed(self, s: str, *classes: str) -> str:
        for cls in classes:
            self.add(s, RDF_TYPE, cls)
        return s

    def text(self, s: str, p: str, value: str, language: str | None = "fr") -> None:
        self.add(s, p, ox.Literal(value, language=language) if language else ox.Literal(value))

    def value(self, s: str, p: str, value: str | int, datatype: str) -> None:
        self.add(s, p, ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype)))

    def concept(self, iri: str, label: str, scheme: str | None = None, language: str = "en") -> str:
        self.typed(iri, SKOS + "Concept")
        self.text(iri, SKOS + "prefLabel", label, language)
        if scheme:
            self.add(iri, SKOS + "inScheme", scheme)
        return iri


def _media_type(b: _Builder, media_type: str) -> str:
    iri = IANA + media_type
    return b.typed(iri, DCT + "MediaType", DCT + "MediaTypeOrExtent")


def _file_type(b: _Builder, code: str) -> str:
    return b.typed(EU + "file-type/" + code, DCT + "MediaTypeOrExtent")


def _publisher(b: _Builder, info: CatalogInfo) -> str:
    iri = info.publisher_iri or info.base + "publisher"
    b.typed(iri, FOAF + "Agent", FOAF + "Organization")
    b.text(iri, FOAF + "name", info.publisher_name)
    kind = info.publisher_type if info.publisher_type in PUBLISHER_TYPES else "LocalAuthority"
    b.add(
        iri,
        DCT + "type",
        b.concept("http://purl.org/adms/publishertype/" + kind, PUBLISHER_TYPES[kind]),
    )
    if info.publisher_url:
        b.add(iri, FOAF + "homepage", b.typed(info.publisher_url, FOAF + "Document"))
    return iri


def _contact(b: _Builder, info: CatalogInfo) -> str | None:
    if not (info.contact_email or info.contact_url or info.contact_name):
        return None
    iri = info.base + "contact"
    b.typed(iri, VCARD + "Kind", VCARD + "Organization")
    b.text(iri, VCARD + "fn", info.contact_name or info.publisher_name, None)
    if info.contact_email:
        email = info.contact_email.removeprefix("mailto:")
        b.add(iri, VCARD + "hasEmail", "mailto:" + quote(email, safe="@.+-_"))
    if info.contact_url:
        b.add(iri, VCARD + "hasURL", info.contact_url)
    return iri


def _licence(b: _Builder) -> str:
    b.typed(LICENCE, DCT + "LicenseDocument")
    b.add(
        LICENCE,
        DCT + "type",
        b.concept("http://purl.org/adms/licencetype/Attribution", "Attribution"),
    )
    b.add(LICENCE, RDFS + "seeAlso", LICENCE_SPDX)
    return LICENCE


def _shared(b: _Builder, subject: str, info: CatalogInfo, language: str) -> None:
    """Licence, language, dates: what the catalogue, dataset and distributions repeat."""
    b.add(subject, DCT + "license", _licence(b))
    b.add(subject, DCT + "language", language)
    b.value(subject, DCT + "issued", info.issued, "date")
    b.value(subject, DCT + "modified", info.modified or info.issued, "date")


def _distribution(b: _Builder, info: CatalogInfo, d: Distribution, language: str) -> str:
    iri = info.base + "distribution/" + slug(d.path)
    url = info.base + quote(d.path)
    b.typed(iri, DCAT + "Distribution")
    b.text(iri, DCT + "title", d.title)
    b.text(iri, DCT + "description", d.description)
    b.add(iri, DCAT + "accessURL", url)
    b.add(iri, DCAT + "downloadURL", url)
    b.add(iri, DCAT + "mediaType", _media_type(b, d.media_type))
    b.add(iri, DCT + "format", _file_type(b, d.file_type))
    b.value(iri, DCAT + "byteSize", d.byte_size, "nonNegativeInteger")
    checksum = b.typed(iri + "/checksum", SPDX + "Checksum")
    algorithm = b.typed(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm")
    b.add(checksum, SPDX + "algorithm", algorithm)
    b.value(checksum, SPDX + "checksumValue", d.sha256, "hexBinary")
    b.add(iri, SPDX + "checksum", checksum)
    availability = EU + "planned-availability/STABLE"
    b.add(iri, DCATAP + "availability", b.concept(availability, "stable"))
    if d.conforms_to:
        b.add(iri, DCT + "conformsTo", b.typed(d.conforms_to, DCT + "Standard"))
    _shared(b, iri, info, language)
    return iri


def _void(b: _Builder, dataset: str, stats: Statistics, dumps: list[str]) -> None:
    b.typed(dataset, VOID + "Dataset")
    for prop, value in (
        ("triples", stats.triples),
        ("entities", stats.entities),
        ("distinctSubjects", stats.distinct_subjects),
        ("distinctObjects", stats.distinct_objects),
        ("classes", len(stats.classes)),
        ("properties", len(stats.properties)),
    ):
        b.value(dataset, VOID + prop, value, "integer")
    for cls, count in sorted(stats.classes.items()):
        part = b.typed(f"{dataset}/class/{slug(cls)}", VOID + "Dataset")
        b.add(dataset, VOID + "classPartition", part)
        b.add(part, VOID + "class", cls)
        b.value(part, VOID + "entities", count, "integer")
    for prop, count in sorted(stats.properties.items()):
        part = b.typed(f"{dataset}/property/{slug(prop)}", VOID + "Dataset")
        b.add(dataset, VOID + "propertyPartition", part)
        b.add(part, VOID + "property", prop)
        b.value(part, VOID + "triples", count, "integer")
    for url in dumps:
        b.add(dataset, VOID + "dataDump", url)
    for vocabulary in stats.vocabularies:
        b.add(dataset, VOID + "vocabulary", vocabulary)
    if stats.uri_space:
        b.text(dataset, VOID + "uriSpace", stats.uri_space, None)


def build_catalog(
    info: CatalogInfo,
    files: list[Distribution],
    stats: Statistics,
    rdf_dumps: tuple[str, ...] = ("graph.nt", "graph.ttl"),
) -> list[ox.Triple]:
    """The catalogue's triples, sorted: catalogue, dataset (with VoID), distributions."""
    b = _Builder()
    catalog, dataset = info.base + "catalog", info.base + "dataset"
    language = b.typed(EU + "language/FRA", DCT + "LinguisticSystem")
    publisher = _publisher(b, info)
    france = b.typed(EU + "country/FRA", DCT + "Location")
    themes = b.typed(EU + "data-theme", SKOS + "ConceptScheme")
    b.text(themes, DCT + "title", "Data theme", "en")

    b.typed(catalog, DCAT + "Catalog")
    b.text(catalog, DCT + "title", info.title)
    b.text(catalog, DCT + "description", info.description)
    b.add(catalog, DCT + "publisher", publisher)
    b.add(catalog, DCAT + "dataset", dataset)
    b.add(catalog, DCAT + "themeTaxonomy", themes)
    b.add(catalog, DCT + "spatial", france)
    b.add(catalog, FOAF + "homepage", b.typed(info.base, FOAF + "Document"))
    _shared(b, catalog, info, language)

    b.typed(dataset, DCAT + "Dataset")
    b.text(dataset, DCT + "title", info.title)
    b.text(dataset, DCT + "description", info.description)
    b.text(dataset, DCT + "identifier", dataset, None)
    b.add(dataset, DCT + "publisher", publisher)
    contact = _contact(b, info)
    if contact:
        b.add(dataset, DCAT + "contactPoint", contact)
    for keyword in sorted(set(info.keywords)):
        b.text(dataset, DCAT + "keyword", keyword)
    for code, label in sorted(THEMES.items()):
        b.add(dataset, DCAT + "theme", b.concept(EU + "data-theme/" + code, label, themes, "fr"))
    b.add(dataset, DCT + "spatial", france)
    for iri, label in sorted(stats.territories.items()):
        b.typed(iri, DCT + "Location")
        b.text(iri, RDFS + "label", label)
        b.add(dataset, DCT + "spatial", iri)
    if stats.start_year and stats.end_year:
        period = b.typed(dataset + "/period", DCT + "PeriodOfTime")
        b.value(period, DCAT + "startDate", f"{stats.start_year}-01-01", "date")
        b.value(period, DCAT + "endDate", f"{stats.end_year}-12-31", "date")
        b.add(dataset, DCT + "temporal", period)
    b.add(
        dataset, DCT + "accessRights", b.typed(EU + "access-right/PUBLIC", DCT + "RightsStatement")
    )
    b.add(dataset, DCT + "accrualPeriodicity", b.typed(EU + "frequency/IRREG", DCT + "Frequency"))
    b.add(dataset, DCT + "conformsTo", b.typed(str(ONTOLOGY_IRI), DCT + "Standard"))
    provenance = b.typed(dataset + "/provenance", DCT + "ProvenanceStatement")
    b.text(
        provenance,
        RDFS + "label",
        f"Extrait des documents sources par policykg "
        f"{__version__} : un graphe nommé par document, avec le nom du fichier, son "
        "empreinte SHA-256 et la ligne source de chaque élément.",
    )
    b.add(dataset, DCT + "provenance", provenance)
    _shared(b, dataset, info, language)
    for d in sorted(files, key=lambda f: f.path):
        b.add(dataset, DCAT + "distribution", _distribution(b, info, d, language))
    dumps = [info.base + quote(d.path) for d in files if d.path in rdf_dumps]
    _void(b, dataset, stats, sorted(dumps))
    return sorted(b.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def catalog_turtle(triples: list[ox.Triple]) -> bytes:
    """The catalogue as Turtle."""
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=CATALOG_PREFIXES) or b""


def catalog_jsonld(triples: list[ox.Triple]) -> dict:
    """The catalogue as JSON-LD, compacted with an inline context of its prefixes."""
    from pyld import jsonld

    from policykg.graph.export_rdf import expanded_jsonld

    context = {"@context": dict(sorted(CATALOG_PREFIXES.items()))}
    return jsonld.compact(expanded_jsonld(triples), context, {"documentLoader": _no_network})


def _no_network(url: str, options: dict | None = None) -> dict:
    from policykg.errors import PolicykgError

    raise PolicykgError(f"refusing to fetch {url} while writing the catalogue")
