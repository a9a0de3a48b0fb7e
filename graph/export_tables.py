"""CSV tables of an export, one per entity, described by a Frictionless ``datapackage.json``.

Each table is one SPARQL query over the union of the document graphs, grouped by the
row's IRI (so that a resource described by several documents is still one row), sorted by
that IRI. Column names are stable (they are the Table Schema field names below); files
are UTF-8 without BOM, comma-separated, with a header row. Code-list values (roles,
statuses, kinds) are written as their codes (``partenaire``, ``en_cours``); lists of
labels in one cell are joined by ``" ; "``.

>>> [t.name for t in TABLES]  # doctest: +NORMALIZE_WHITESPACE
['contracts', 'territories', 'fiches', 'actions', 'actors', 'roles', 'funding',
 'indicators', 'cross_references']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDFS

from policykg.graph.export_rdf import data_graphs

TABLES_DIR = "tables"
DATAPACKAGE = "datapackage.json"
LIST_SEPARATOR = " ; "
_PREFIXES = """
PREFIX pkg: <https://w3id.org/policykg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
"""
# Code of a code-list concept: the last segment of its IRI.
_CODE = 'REPLACE(STR({}), "^.*/", "")'


@dataclass(frozen=True)
class Field:
    """One column: Table Schema name, type and (English) description."""

    name: str
    type: str
    description: str
    format: str | None = None


def _iri(name: str, description: str) -> Field:
    return Field(name, "string", description, "uri")


@dataclass(frozen=True)
class Table:
    """One CSV file: its query, columns and keys."""

    name: str
    title: str
    description: str
    query: str
    fields: tuple[Field, ...]
    foreign_keys: tuple[tuple[str, str], ...] = ()  # (column, referenced table)
    post: dict[str, str] = field(default_factory=dict)  # column -> "most-specific-type"

    @property
    def path(self) -> str:
        """The file's path inside the export."""
        return f"{TABLES_DIR}/{self.name}.csv"


_SOURCE = """OPTIONAL { ?id pkg:sourceDocument/pkg:fileName ?file }
  OPTIONAL { ?id pkg:sourceLine ?line }"""
_POSITION = "OPTIONAL { ?id pkg:position ?pos }"


def _element(prop: str) -> str:
    """Bind ?f (a fiche) or ?a (an action, sub-action) holding ?id through ``prop``."""
    return (
        f"OPTIONAL {{ ?parent pkg:{prop} ?id . "
        "BIND(IF(EXISTS { ?parent a pkg:Fiche }, ?parent, ?none) AS ?f) "
        "BIND(IF(EXISTS { ?parent a pkg:Fiche }, ?none, ?parent) AS ?a) }"
    )


_ELEMENT_SELECT = "(MIN(?f) AS ?fiche) (MIN(?a) AS ?action)"
_SOURCE_SELECT = "(MIN(?file) AS ?source_document) (MIN(?line) AS ?source_line)"
_SOURCE_FIELDS = (
    Field("source_document", "string", "Source file (path in the corpus) the row was read from."),
    Field("source_line", "integer", "Line of the source file (from 1)."),
)
_POSITION_FIELD = Field("position", "integer", "Rank of the row in its list (from 1).")
_ELEMENT_FIELDS = (
    _iri("fiche", "The fiche this row belongs to (empty when it belongs to an action)."),
    _iri("action", "The action or sub-action this row belongs to (empty for a fiche)."),
)
_ELEMENT_KEYS = (("fiche", "fiches"), ("action", "actions"))


TABLES: tuple[Table, ...] = (
    Table(
        "contracts",
        "Contrats de ville",
        "One row per city contract (territory and period).",
        """SELECT ?id (MIN(?i) AS ?identifier) (MIN(?l) AS ?label) (MIN(?t) AS ?territory)
  (MIN(?p) AS ?period) (MIN(?s) AS ?start_year) (MIN(?e) AS ?end_year)
WHERE { ?id a pkg:Contract . OPTIONAL { ?id dcterms:identifier ?i }
  OPTIONAL { ?id rdfs:label ?l } OPTIONAL { ?id pkg:territory ?t }
  OPTIONAL { ?id pkg:period ?p } OPTIONAL { ?id pkg:startYear ?s }
  OPTIONAL { ?id pkg:endYear ?e } } GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the contract."),
            Field("identifier", "string", "Contract identifier (as in corpus.yaml)."),
            Field("label", "string", "Title of the contract."),
            _iri("territory", "The territory (EPCI) the contract covers."),
            Field("period", "string", "Period as written (2015-2020)."),
            Field("start_year", "integer", "First year of the period."),
            Field("end_year", "integer", "Last year of the period."),
        ),
        (("territory", "territories"),),
    ),
    Table(
        "territories",
        "Territoires",
        "EPCI, communes, quartiers and sets of quartiers.",
        """SELECT ?id (MIN(?l) AS ?label) (GROUP_CONCAT(DISTINCT ?c; separator=" ") AS ?type)
  (MIN(?s) AS ?siren) (MIN(?n) AS ?insee_code) (MIN(?q) AS ?qpv_code) (MIN(?w) AS ?within)
WHERE { VALUES ?cls { %TERRITORY_CLASSES% } ?id a ?cls .
  BIND(STRAFTER(STR(?cls), "#") AS ?c)
  OPTIONAL { ?id rdfs:label ?l } OPTIONAL { ?id pkg:siren ?s }
  OPTIONAL { ?id pkg:inseeCode ?n } OPTIONAL { ?id pkg:qpvCode ?q }
  OPTIONAL { ?id pkg:withinTerritory ?w } } GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the territory."),
            Field("label", "string", "Name."),
            Field(
                "type",
                "string",
                "Most specific class: EPCI, Commune, QPV, Quartier, QuartierSet or Territory.",
            ),
            Field("siren", "string", "SIREN number of an EPCI."),
            Field("insee_code", "string", "INSEE code of a commune."),
            Field("qpv_code", "string", "Official code of a priority neighbourhood."),
            _iri("within", "The enclosing territory."),
        ),
        (("within", "territories"),),
        {"type": "most-specific-type"},
    ),
    Table(
        "fiches",
        "Fiches",
        "Fiches of the contracts, including fiches cited but absent "
        "from the corpus (described = false).",
        f"""SELECT ?id (MIN(?k) AS ?contract) (MIN(?c) AS ?code) (MIN(?l) AS ?title)
  (GROUP_CONCAT(DISTINCT ?cn; separator=" ") AS ?template)
  (MIN(?pi) AS ?pilier) (MIN(?ax) AS ?axe) (MIN(?en) AS ?enjeu) (MIN(?v) AS ?version)
  (COUNT(?doc) > 0 AS ?described) {_SOURCE_SELECT}
WHERE {{ ?id a pkg:Fiche . OPTIONAL {{ ?id pkg:partOfContract ?k }}
  OPTIONAL {{ ?id pkg:code ?c }} OPTIONAL {{ ?id rdfs:label ?l }}
  OPTIONAL {{ ?id a ?cls . FILTER(?cls IN (pkg:OrientationFiche, pkg:ProjectFiche,
             pkg:ActionFiche)) BIND(STRAFTER(STR(?cls), "#") AS ?cn) }}
  OPTIONAL {{ ?id pkg:pilier ?p . OPTIONAL {{ ?p skos:notation ?pn }}
             OPTIONAL {{ ?p rdfs:label ?pl }} BIND(COALESCE(?pn, ?pl) AS ?pi) }}
  OPTIONAL {{ ?id pkg:axe ?x . OPTIONAL {{ ?x skos:notation ?xn }}
             OPTIONAL {{ ?x rdfs:label ?xl }} BIND(COALESCE(?xn, ?xl) AS ?ax) }}
  OPTIONAL {{ ?id pkg:enjeu/rdfs:label ?en }} OPTIONAL {{ ?id pkg:versionLabel ?v }}
  OPTIONAL {{ ?id pkg:sourceDocument ?doc }} {_SOURCE} }}
GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the fiche."),
            _iri("contract", "The contract."),
            Field("code", "string", "Code of the fiche in its contract (1.1.2, T 1.1)."),
            Field("title", "string", "Title (sentence case, accents restored)."),
            Field(
                "template",
                "string",
                "Kind of fiche: OrientationFiche, ProjectFiche, "
                "ActionFiche (empty for a fiche only cited).",
            ),
            Field("pilier", "string", "Pillar (code, or label when it has no code)."),
            Field("axe", "string", "Axis (code, or label when it has no code)."),
            Field("enjeu", "string", "Issue the fiche addresses."),
            Field("version", "string", "Version as written (2017)."),
            Field(
                "described",
                "boolean",
                "Whether a source document describes the fiche "
                "(false: only cited by another fiche).",
            ),
            *_SOURCE_FIELDS,
        ),
        (("contract", "contracts"),),
    ),
    Table(
        "actions",
        "Actions",
        "Actions of the action plans and their sub-actions "
        "(level = sub-action, with their parent action).",
        f"""SELECT ?id (MIN(?lv) AS ?level) (MIN(?k) AS ?contract) (MIN(?l) AS ?label)
  (MIN(?pi) AS ?pilier) (MIN(?vo) AS ?volet) (MIN(?ob) AS ?objective)
  (MIN(?st) AS ?status) (MIN(?ty) AS ?action_type)
  (GROUP_CONCAT(DISTINCT ?q; separator="{LIST_SEPARATOR}") AS ?quartiers)
  (MIN(?fi) AS ?fiche) (MIN(?up) AS ?parent_action) {_SOURCE_SELECT} (MIN(?pos) AS ?position)
WHERE {{ {{ ?id a pkg:Action BIND("action" AS ?lv) }}
  UNION {{ ?id a pkg:SubAction BIND("sub-action" AS ?lv) }}
  OPTIONAL {{ ?up pkg:subAction ?id }}
  OPTIONAL {{ ?id pkg:partOfContract|^pkg:subAction/pkg:partOfContract ?k }}
  OPTIONAL {{ ?id rdfs:label ?l }}
  OPTIONAL {{ ?id pkg:pilier ?p . OPTIONAL {{ ?p skos:notation ?pn }}
             OPTIONAL {{ ?p rdfs:label ?pl }} BIND(COALESCE(?pn, ?pl) AS ?pi) }}
  OPTIONAL {{ ?id pkg:volet/rdfs:label ?vo }}
  OPTIONAL {{ ?id pkg:operationalObjective/rdfs:label ?ob }}
  OPTIONAL {{ ?id pkg:status ?s BIND({_CODE.format("?s")} AS ?st) }}
  OPTIONAL {{ ?id pkg:actionType ?t BIND({_CODE.format("?t")} AS ?ty) }}
  OPTIONAL {{ ?id pkg:quartier/rdfs:label ?q }} OPTIONAL {{ ?id pkg:partOfFiche ?fi }}
  {_SOURCE} {_POSITION} }} GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the action or sub-action."),
            Field("level", "string", "action or sub-action."),
            _iri("contract", "The contract."),
            Field("label", "string", "Label of the action."),
            Field("pilier", "string", "Pillar (code, or label when it has no code)."),
            Field("volet", "string", "Strand of the action plan."),
            Field("objective", "string", "Operational objective."),
            Field("status", "string", "Progress status code: realise, en_cours, a_realiser."),
            Field(
                "action_type", "string", "Action type code (institution, mixte, porteur_de_projet)."
            ),
            Field("quartiers", "string", f"Neighbourhoods, joined by '{LIST_SEPARATOR}'."),
            _iri("fiche", "The fiche the action belongs to."),
            _iri("parent_action", "The action a sub-action belongs to."),
            *_SOURCE_FIELDS,
            _POSITION_FIELD,
        ),
        (("contract", "contracts"), ("fiche", "fiches"), ("parent_action", "actions")),
    ),
    Table(
        "actors",
        "Acteurs",
        "Actors named by the fiches: one row per actor and territory.",
        f"""SELECT ?id (MIN(?l) AS ?label) (MIN(?kc) AS ?kind) (MIN(?ac) AS ?acronym)
  (MIN(?fn) AS ?full_name) (MIN(?em) AS ?employer) (MIN(?sc) AS ?territorial_scope)
WHERE {{ ?id a pkg:Actor . OPTIONAL {{ ?id rdfs:label ?l }}
  OPTIONAL {{ ?id pkg:actorKind ?k BIND({_CODE.format("?k")} AS ?kc) }}
  OPTIONAL {{ ?id pkg:acronym ?ac }} OPTIONAL {{ ?id pkg:fullName ?fn }}
  OPTIONAL {{ ?id pkg:employer ?em }} OPTIONAL {{ ?id pkg:territorialScope ?sc }} }}
GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the actor."),
            Field("label", "string", "Name."),
            Field(
                "kind",
                "string",
                "Actor kind code: organisation, category, profession "
                "(empty when only named as a funder or signatory).",
            ),
            Field("acronym", "string", "Acronym (CAF, DDCS)."),
            Field("full_name", "string", "Expansion of the acronym."),
            _iri("employer", "The organisation employing a profession."),
            _iri("territorial_scope", "The territory within which the actor is identified."),
        ),
        (("employer", "actors"), ("territorial_scope", "territories")),
    ),
    Table(
        "roles",
        "Rôles des acteurs",
        "Participations: an actor plays a role in a fiche, "
        "an action or a sub-action, as the mention writes it.",
        f"""SELECT ?id {_ELEMENT_SELECT} (MIN(?ag) AS ?actor) (MIN(?rc) AS ?role)
  (MIN(?ql) AS ?qualifier) (MIN(?rw) AS ?raw_text) (MIN(?line) AS ?source_line)
  (MIN(?pos) AS ?position)
WHERE {{ ?id a pkg:Participation . {_element("qualifiedParticipation")}
  OPTIONAL {{ ?id pkg:agent ?ag }}
  OPTIONAL {{ ?id pkg:role ?r BIND({_CODE.format("?r")} AS ?rc) }}
  OPTIONAL {{ ?id pkg:qualifier ?ql }} OPTIONAL {{ ?id pkg:rawText ?rw }}
  OPTIONAL {{ ?id pkg:sourceLine ?line }} {_POSITION} }} GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the participation."),
            *_ELEMENT_FIELDS,
            _iri("actor", "The actor."),
            Field(
                "role",
                "string",
                "Role code: partenaire, animateur, pilote, referent, financeur, porteur.",
            ),
            Field("qualifier", "string", "Precision in parentheses that is not an employer."),
            Field("raw_text", "string", "The mention as written, when it differs from the name."),
            _SOURCE_FIELDS[1],
            _POSITION_FIELD,
        ),
        (*_ELEMENT_KEYS, ("actor", "actors")),
    ),
    Table(
        "funding",
        "Financements",
        "Funding lines of fiches and actions.",
        f"""SELECT ?id {_ELEMENT_SELECT} (MIN(?l) AS ?label)
  (GROUP_CONCAT(DISTINCT ?fl; separator="{LIST_SEPARATOR}") AS ?funders)
  (MIN(?am) AS ?amount_eur) (MIN(?sh) AS ?share) (MIN(?kc) AS ?kind)
  (MIN(?pr) AS ?programme)
  (GROUP_CONCAT(DISTINCT ?lb; separator="{LIST_SEPARATOR}") AS ?legal_basis)
  (MIN(?line) AS ?source_line) (MIN(?pos) AS ?position)
WHERE {{ ?id a pkg:Funding . {_element("funding")} OPTIONAL {{ ?id rdfs:label ?l }}
  OPTIONAL {{ ?id pkg:funder/rdfs:label ?fl }}
  OPTIONAL {{ ?id schema:amount/schema:value ?am }} OPTIONAL {{ ?id pkg:share ?sh }}
  OPTIONAL {{ ?id pkg:fundingKind ?k BIND({_CODE.format("?k")} AS ?kc) }}
  OPTIONAL {{ ?id pkg:programme ?pr }} OPTIONAL {{ ?id pkg:legalBasis/rdfs:label ?lb }}
  OPTIONAL {{ ?id pkg:sourceLine ?line }} {_POSITION} }} GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the funding line."),
            *_ELEMENT_FIELDS,
            Field("label", "string", "The funding line as written (repaired)."),
            Field("funders", "string", f"Funders, joined by '{LIST_SEPARATOR}'."),
            Field("amount_eur", "number", "Envelope in euros."),
            Field("share", "number", "Share of the envelope, between 0 and 1."),
            Field("kind", "string", "droit_commun or specifique."),
            Field("programme", "string", "State budget programme."),
            Field("legal_basis", "string", f"Legal texts, joined by '{LIST_SEPARATOR}'."),
            _SOURCE_FIELDS[1],
            _POSITION_FIELD,
        ),
        _ELEMENT_KEYS,
    ),
    Table(
        "indicators",
        "Indicateurs",
        "Evaluation indicators of fiches and actions.",
        f"""SELECT ?id {_ELEMENT_SELECT} (MIN(?kc) AS ?kind) (MIN(?l) AS ?label)
  (MIN(?line) AS ?source_line) (MIN(?pos) AS ?position)
WHERE {{ ?id a pkg:Indicator . {_element("indicator")}
  OPTIONAL {{ ?id pkg:indicatorKind ?k BIND({_CODE.format("?k")} AS ?kc) }}
  OPTIONAL {{ ?id rdfs:label ?l }} OPTIONAL {{ ?id pkg:sourceLine ?line }} {_POSITION} }}
GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the indicator."),
            *_ELEMENT_FIELDS,
            Field("kind", "string", "realisation, effet, resultat or impact."),
            Field("label", "string", "The indicator."),
            _SOURCE_FIELDS[1],
            _POSITION_FIELD,
        ),
        _ELEMENT_KEYS,
    ),
    Table(
        "cross_references",
        "Renvois",
        "References a fiche makes to other fiches, axes or cross-cutting orientations.",
        f"""SELECT ?id (MIN(?fi) AS ?fiche) (MIN(?t) AS ?target)
  (GROUP_CONCAT(DISTINCT ?tc; separator=" ") AS ?target_type) (MIN(?tf) AS ?target_fiche)
  (MIN(?tt) AS ?target_text) (MIN(?l) AS ?label) (MIN(?line) AS ?source_line)
  (MIN(?pos) AS ?position)
WHERE {{ ?id a pkg:CrossReference . OPTIONAL {{ ?fi pkg:qualifiedReference ?id }}
  OPTIONAL {{ ?id pkg:referenceTarget ?t . OPTIONAL {{ ?t a ?cls
             FILTER(STRSTARTS(STR(?cls), STR(pkg:))) BIND(STRAFTER(STR(?cls), "#") AS ?tc) }}
             OPTIONAL {{ ?t a pkg:Fiche BIND(?t AS ?tf) }} }}
  OPTIONAL {{ ?id pkg:targetText ?tt }} OPTIONAL {{ ?id rdfs:label ?l }}
  OPTIONAL {{ ?id pkg:sourceLine ?line }} {_POSITION} }} GROUP BY ?id ORDER BY ?id""",
        (
            _iri("id", "IRI of the reference."),
            _iri("fiche", "The fiche that refers."),
            _iri("target", "What the reference points to (fiche, axis, orientation)."),
            Field("target_type", "string", "Most specific class of the target."),
            _iri("target_fiche", "The target, when it is a fiche."),
            Field("target_text", "string", "The target as cited (1.1.2, axe 1.2)."),
            Field("label", "string", "The cited title."),
            _SOURCE_FIELDS[1],
            _POSITION_FIELD,
        ),
        (("fiche", "fiches"), ("target_fiche", "fiches")),
        {"target_type": "most-specific-type"},
    ),
)


def _subclasses(name: str) -> list[str]:
    """A ``pkg:`` class and its subclasses in the ontology, as SPARQL terms."""
    from policykg.ontology.loader import ontology_graph
    from policykg.ontology.namespace import PKG

    found = ontology_graph().transitive_subjects(RDFS.subClassOf, PKG[name])
    return sorted(f"<{c}>" for c in found)


@cache
def _pkg_ancestors() -> dict[str, frozenset[str]]:
    """Each ``pkg:`` class name -> the IRIs of its strict superclasses."""
    from policykg.ontology.loader import ontology_graph
    from policykg.ontology.namespace import PKG

    graph = ontology_graph()
    return {
        n: frozenset(str(c) for c in graph.transitive_objects(PKG[n], RDFS.subClassOf))
        - {str(PKG[n])}
        for n in PKG.__annotations__
    }


def _most_specific(names: list[str]) -> str:
    """Of some ``pkg:`` class names, the one no other is a subclass of (ties: sorted).

    >>> _most_specific(["Territory", "Quartier", "QPV"])
    'QPV'
    """
    from policykg.ontology.namespace import PKG

    known = {n: _pkg_ancestors()[n] for n in names if n in _pkg_ancestors()}
    below = [n for n in sorted(known) if not any(str(PKG[n]) in known[m] for m in known if m != n)]
    return " ".join(below) or " ".join(sorted(names))


def _cell(term: ox.NamedNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    return term.value


def table_rows(store: ox.Store, graphs: list[ox.NamedNode], table: Table) -> list[list[str]]:
    """The rows of one table (cells as text), sorted by IRI."""
    names = [f.name for f in table.fields]
    rows = []
    query = table.query.replace("%TERRITORY_CLASSES%", " ".join(_subclasses("Territory")))
    for solution in store.query(_PREFIXES + query, default_graph=graphs):
        row = [_cell(solution[name]) for name in names]
        for column, rule in table.post.items():
            if rule == "most-specific-type":
                i = names.index(column)
                row[i] = _most_specific(row[i].split())
        rows.append(row)
    return rows


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def table_schema(table: Table) -> dict:
    """The Table Schema of one table: fields, primary key, foreign keys."""
    fields = []
    for f in table.fields:
        entry = {"name": f.name, "type": f.type, "description": f.description}
        if f.format:
            entry["format"] = f.format
        if f.name == "id":
            entry["constraints"] = {"required": True, "unique": True}
        fields.append(entry)
    schema: dict = {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}
    keys = [
        {
            "fields": column,
            "reference": {"resource": "" if target == table.name else target, "fields": "id"},
        }
        for column, target in table.foreign_keys
    ]
    if keys:
        schema["foreignKeys"] = keys
    return schema


def datapackage(resources: list[dict], title: str, description: str) -> dict:
    """The ``datapackage.json`` describing the CSV files (Frictionless Data Package)."""
    return {
        "profile": "tabular-data-package",
        "name": "policykg-tables",
        "title": title,
        "description": description,
        "licenses": [
            {
                "name": "etalab-2.0",
                "title": "Licence Ouverte 2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
            }
        ],
        "resources": resources,
    }


def write_tables(
    store: ox.Store,
    dest: Path,
    title: str = "Tables policykg",
    description: str = "Fiches des contrats de ville en tables.",
) -> list[Path]:
    """Write ``tables/*.csv`` and ``tables/datapackage.json`` under ``dest``."""
    graphs = data_graphs(store)
    folder = dest / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written, resources = [], []
    for table in TABLES:
        data = _csv_bytes([f.name for f in table.fields], table_rows(store, graphs, table))
        path = folder / f"{table.name}.csv"
        path.write_bytes(data)
        written.append(path)
        resources.append(
            {
                "name": table.name,
                "path": path.name,
                "title": table.title,
                "description": table.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "schema": table_schema(table),
            }
        )
    package = folder / DATAPACKAGE
    package.write_text(
        json.dumps(datapackage(resources, title, description), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    written.append(package)
    return written
