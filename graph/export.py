"""``policykg export``: the built graph as files for open-data portals and graph tools.

:func:`export` reads ``OUT/store`` and writes, into ``OUT/export/`` (or ``dest``):

- RDF (:mod:`~policykg.graph.export_rdf`): ``graph.ttl|nt|rdf|jsonld|trig|nq``, the
  JSON-LD context ``context-v1.jsonld``, ``ontology.ttl|rdf`` and ``ontology.html``;
- tables (:mod:`~policykg.graph.export_tables`): ``tables/*.csv`` + ``datapackage.json``;
- networks (:mod:`~policykg.graph.export_networks`): ``networks/*.gexf|graphml``;
- the DCAT-AP catalogue (:mod:`~policykg.graph.catalog`): ``catalog.ttl`` and
  ``catalog.jsonld``, one distribution per file above.

Publisher, contact, download URL, title, keywords and dates come from the arguments, else
from the corpus's ``corpus.yaml`` (keys ``publisher``, ``contact``, ``download_url``,
``title``, ``description``, ``keywords``, ``issued``, ``modified``), else from defaults
(with a warning). Without a date, the catalogue uses the latest date the documents state
(legal texts, start of the latest contract), so that exporting twice gives the same bytes.
The folder is written aside and swapped in whole, like ``policykg build``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from policykg.errors import InputError, PolicykgError
from policykg.graph import catalog as cat
from policykg.graph.export_networks import write_networks
from policykg.graph.export_rdf import (
    CONTEXT_IRI,
    RDF_FILES,
    data_graphs,
    ontology_triples,
    write_rdf,
)
from policykg.graph.export_tables import DATAPACKAGE, TABLES, write_tables
from policykg.graph.store import open_store

EXPORT_DIR = "export"
CATALOG_FILES = ("catalog.ttl", "catalog.jsonld")
PLACEHOLDER_URL = "https://example.org/policykg/export/"
# The contrats de ville exist since the law of 21 February 2014 (loi Lamy): the date used
# when the documents state none.
FALLBACK_DATE = "2014-02-21"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STANDARDS = {
    ".gexf": "http://gexf.net/1.2draft",
    ".graphml": "http://graphml.graphdrawing.org/xmlns",
}


@dataclass
class ExportReport:
    """What an export wrote."""

    dest: Path
    files: list[str] = field(default_factory=list)  # relative paths, sorted
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [f"exported {len(self.files)} files into {self.dest}"]
        lines += [f"  {name}" for name in self.files]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _check_date(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if not _DATE.match(text):
        raise InputError(f"{what} must be a date written YYYY-MM-DD, not {text!r}")
    return text


def corpus_metadata(out_dir: Path, corpus: str | Path | None = None) -> dict[str, Any]:
    """The publication keys of ``corpus.yaml`` (of ``corpus``, else of the built corpus)."""
    folder = Path(corpus) if corpus else None
    report = out_dir / "report.json"
    if folder is None and report.is_file():
        folder = Path(json.loads(report.read_text(encoding="utf-8")).get("corpus") or ".")
    manifest = folder / "corpus.yaml" if folder else None
    if manifest is None or not manifest.is_file():
        return {}
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the publication metadata: {exc}", path=manifest) from exc
    keys = (
        "publisher",
        "contact",
        "download_url",
        "title",
        "description",
        "keywords",
        "issued",
        "modified",
    )
    return {k: data[k] for k in keys if isinstance(data, dict) and data.get(k) is not None}


def _as_mapping(value: Any, main: str) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v is not None}
    return {main: str(value)} if value else {}


def catalog_info(
    metadata: dict[str, Any], stated_date: str, warnings: list[str], **options: Any
) -> cat.CatalogInfo:
    """Resolve the catalogue's metadata: options, then ``corpus.yaml``, then defaults."""
    merged = {**metadata, **{k: v for k, v in options.items() if v}}
    publisher = _as_mapping(merged.get("publisher"), "name")
    contact = _as_mapping(merged.get("contact"), "email")
    if isinstance(merged.get("contact"), str) and "@" not in merged["contact"]:
        contact = {"name": merged["contact"]}
    url = merged.get("download_url")
    if not url:
        warnings.append(
            "no download URL (--download-url or download_url: in corpus.yaml); "
            f"the catalogue uses the placeholder {PLACEHOLDER_URL}"
        )
        url = PLACEHOLDER_URL
    if not re.match(r"^https?://[^\s/]+", str(url)):
        raise InputError(f"the download URL must be an http(s) URL, not {url!r}")
    if not publisher.get("name"):
        warnings.append("no publisher (--publisher or publisher: in corpus.yaml)")
        publisher["name"] = "Éditeur non renseigné"
    if not contact:
        warnings.append("no contact point (--contact or contact: in corpus.yaml)")
    keywords = merged.get("keywords")
    info = cat.CatalogInfo(
        download_url=str(url),
        publisher_name=publisher["name"],
        publisher_iri=publisher.get("iri"),
        publisher_url=publisher.get("url"),
        publisher_type=publisher.get("type", "LocalAuthority"),
        contact_name=contact.get("name"),
        contact_email=contact.get("email"),
        contact_url=contact.get("url"),
        issued=_check_date(merged.get("issued"), "issued") or stated_date,
        modified=_check_date(merged.get("modified"), "modified"),
    )
    if merged.get("title"):
        info.title = str(merged["title"])
    if merged.get("description"):
        info.description = str(merged["description"])
    if isinstance(keywords, list | tuple) and keywords:
        info.keywords = [str(k) for k in keywords]
    elif isinstance(keywords, str) and keywords.strip():
        info.keywords = [k.strip() for k in keywords.split(",") if k.strip()]
    return info


_PREFIX = (
    "PREFIX pkg: <https://w3id.org/policykg/def#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


def _one(store: ox.Store, query: str, graphs: list[ox.NamedNode]) -> Any:
    row = next(iter(store.query(_PREFIX + query, default_graph=graphs)), None)
    return row[0] if row is not None else None


def stated_date(store: ox.Store) -> str:
    """The latest date the documents state: legal texts, start of the latest contract."""
    graphs = data_graphs(store)
    dates = [
        r["d"].value
        for r in store.query(
            _PREFIX + "SELECT DISTINCT ?d WHERE { ?x pkg:legalDate ?d }", default_graph=graphs
        )
        if _DATE.match(r["d"].value)
    ]
    dates += [
        f"{int(r['y'].value):04d}-01-01"
        for r in store.query(
            _PREFIX + "SELECT DISTINCT ?y WHERE { ?c pkg:startYear ?y }", default_graph=graphs
        )
    ]
    return max(dates, default=FALLBACK_DATE)


def dataset_statistics(store: ox.Store) -> cat.Statistics:
    """VoID statistics and coverage (years, territories) of the document graphs."""
    from policykg.ontology.namespace import PREFIXES

    graphs = data_graphs(store)
    distinct = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"
    stats = cat.Statistics()
    stats.triples = int(
        _one(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {distinct} }}", graphs).value
    )
    for attr, query in (
        ("distinct_subjects", "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        ("distinct_objects", "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        ("entities", "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?s)) }"),
    ):
        setattr(stats, attr, int(_one(store, query, graphs).value))
    for row in store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", default_graph=graphs
    ):
        stats.classes[row["c"].value] = int(row["n"].value)
    for row in store.query(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {distinct} }} GROUP BY ?p", default_graph=graphs
    ):
        stats.properties[row["p"].value] = int(row["n"].value)
    start = _one(store, "SELECT (MIN(?y) AS ?v) WHERE { ?c pkg:startYear ?y }", graphs)
    end = _one(store, "SELECT (MAX(?y) AS ?v) WHERE { ?c pkg:endYear ?y }", graphs)
    stats.start_year = int(start.value) if start is not None else None
    stats.end_year = int(end.value) if end is not None else None
    contracts = set()
    for row in store.query(
        _PREFIX + "SELECT DISTINCT ?c ?t ?l WHERE { ?c a pkg:Contract ; "
        "pkg:territory ?t . OPTIONAL { ?t rdfs:label ?l } }",
        default_graph=graphs,
    ):
        contracts.add(row["c"].value)
        label = row["l"].value if row["l"] is not None else row["t"].value
        stats.territories[row["t"].value] = min(stats.territories.get(row["t"].value, label), label)
    bases = {c.rsplit("/contract/", 1)[0] + "/" for c in contracts if "/contract/" in c}
    stats.uri_space = bases.pop() if len(bases) == 1 else None
    used = set(stats.classes) | set(stats.properties)
    namespaces = sorted(set(PREFIXES.values()), key=len, reverse=True)
    stats.vocabularies = sorted(
        {next((n for n in namespaces if t.startswith(n)), None) for t in used} - {None}
    )
    return stats


def _kind(path: str) -> tuple[str, str, str, str, str | None]:
    """Media type, EU file type, title, description and standard of an exported file."""
    name = path.rsplit("/", 1)[-1]
    tables = {f"{t.name}.csv": t for t in TABLES}
    if path in RDF_FILES:
        k = RDF_FILES[path]
        standard = CONTEXT_IRI if path == "graph.jsonld" else None
        return k.media_type, k.file_type, k.title, k.description, standard
    if name == "ontology.html":
        return (
            "text/html",
            "HTML",
            "Documentation de l'ontologie",
            "Page HTML décrivant les classes, propriétés et listes de codes.",
            None,
        )
    if name in tables:
        t = tables[name]
        return "text/csv", "CSV", f"Table « {t.title} » (CSV)", t.description, None
    if name == DATAPACKAGE:
        return (
            "application/json",
            "JSON",
            "Description des tables (Data Package)",
            "Schémas des tables CSV : types, descriptions, clés primaires et étrangères.",
            "https://specs.frictionlessdata.io/tabular-data-package/",
        )
    suffix = Path(name).suffix
    if suffix in _STANDARDS:
        network = "acteurs" if name.startswith("actors") else "fiches et actions"
        fmt = "GEXF" if suffix == ".gexf" else "GraphML"
        return (
            "application/xml",
            "XML",
            f"Réseau des {network} ({fmt})",
            f"Réseau des {network} avec des mesures de centralité, pour Gephi.",
            _STANDARDS[suffix],
        )
    raise PolicykgError(f"no catalogue entry for exported file {path}")  # pragma: no cover


def distributions(dest: Path, paths: list[Path]) -> list[cat.Distribution]:
    """The catalogue entries of written files (size and SHA-256 read from disk)."""
    entries = []
    for path in sorted(paths):
        relative = path.relative_to(dest).as_posix()
        data = path.read_bytes()
        media, file_type, title, description, standard = _kind(relative)
        entries.append(
            cat.Distribution(
                relative,
                media,
                file_type,
                title,
                description,
                len(data),
                hashlib.sha256(data).hexdigest(),
                standard,
            )
        )
    return entries


def _write_all(store: ox.Store, tmp: Path, info: cat.CatalogInfo) -> list[Path]:
    import rdflib

    from policykg.graph.ontology_doc import render_html

    written = write_rdf(store, tmp)
    ontology = rdflib.Graph()
    ontology.parse(data=(tmp / "ontology.ttl").read_text(encoding="utf-8"), format="turtle")
    (tmp / "ontology.html").write_text(render_html(ontology), encoding="utf-8")
    written.append(tmp / "ontology.html")
    written += write_tables(store, tmp, title=info.title, description=info.description)
    written += write_networks(store, tmp, info.modified or info.issued)
    triples = cat.build_catalog(info, distributions(tmp, written), dataset_statistics(store))
    (tmp / "catalog.ttl").write_bytes(cat.catalog_turtle(triples))
    (tmp / "catalog.jsonld").write_text(
        json.dumps(cat.catalog_jsonld(triples), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return written + [tmp / name for name in CATALOG_FILES]


def export(
    out_dir: str | Path,
    dest: str | Path | None = None,
    publisher: str | dict | None = None,
    contact: str | dict | None = None,
    download_url: str | None = None,
    issued: str | None = None,
    modified: str | None = None,
    corpus: str | Path | None = None,
) -> ExportReport:
    """Export the graph built in ``out_dir`` into ``dest`` (default ``OUT/export``).

    Raises :class:`PolicykgError` when ``out_dir`` holds no built graph, and
    :class:`InputError` for unusable metadata (a date not written YYYY-MM-DD, a download
    URL that is not http(s)).
    """
    out = Path(out_dir)
    target = Path(dest) if dest else out / EXPORT_DIR
    store = open_store(out)
    if not ontology_triples(store):
        raise PolicykgError(
            "the store has no ontology graph; rebuild with `policykg build`", path=out
        )
    report = ExportReport(dest=target)
    info = catalog_info(
        corpus_metadata(out, corpus),
        stated_date(store),
        report.warnings,
        publisher=publisher,
        contact=contact,
        download_url=download_url,
        issued=issued,
        modified=modified,
    )
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        written = _write_all(store, tmp, info)
        report.files = sorted(p.relative_to(tmp).as_posix() for p in written)
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report
