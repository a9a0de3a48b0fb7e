"""The ontology's HTML documentation page (``ontology.html`` of an export).

One self-contained page (no script, no external style sheet, nothing fetched): the
ontology's metadata, then every class, object property, datatype property and code list
of the ``pkg:`` namespace with its French and English labels and definitions, super- and
sub-terms, domain, range and disjoint classes. Every text from the ontology is escaped.

>>> import rdflib
>>> g = rdflib.Graph().parse(data='''
... @prefix owl: <http://www.w3.org/2002/07/owl#> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... <https://w3id.org/policykg/def#Fiche> a owl:Class ; rdfs:label "Fiche <b>"@fr .
... ''', format="turtle")
>>> page = render_html(g)
>>> 'id="Fiche"' in page and "Fiche &lt;b&gt;" in page and "<b>" not in page
True
"""

from __future__ import annotations

from html import escape

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from policykg.ontology.namespace import ONTOLOGY_IRI, PKG

_NS = str(PKG._NS)
_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }
h1 { font-size: 1.8rem; } h2 { border-bottom: 2px solid #ddd; margin-top: 2.5rem; }
section.term { border-left: 4px solid #5a7; padding: .2rem 1rem; margin: 1.2rem 0; }
section.term h3 { margin: .3rem 0; } code { background: #f4f4f4; padding: 0 .2rem; }
dl { display: grid; grid-template-columns: 11rem 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; color: #555; } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #ddd;
       padding: .25rem .5rem; text-align: left; vertical-align: top; }
nav ul { columns: 3; }
"""


def _local(term: rdflib.term.Node) -> str | None:
    text = str(term)
    return text[len(_NS) :] if text.startswith(_NS) else None


def _texts(graph: rdflib.Graph, subject, prop, language: str) -> list[str]:
    return sorted(
        str(v)
        for v in graph.objects(subject, prop)
        if isinstance(v, rdflib.Literal) and v.language == language
    )


def _label(graph: rdflib.Graph, term) -> str:
    for lang in ("fr", "en"):
        found = _texts(graph, term, RDFS.label, lang) or _texts(graph, term, SKOS.prefLabel, lang)
        if found:
            return found[0]
    return _local(term) or str(term)


def _link(term) -> str:
    local = _local(term)
    if local is not None:
        return f'<a href="#{escape(local)}"><code>pkg:{escape(local)}</code></a>'
    if isinstance(term, rdflib.URIRef):
        return f'<a href="{escape(str(term))}"><code>{escape(str(term))}</code></a>'
    return f"<code>{escape(str(term))}</code>"


def _links(terms) -> str:
    return ", ".join(_link(t) for t in sorted(terms, key=str))


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in pairs if v)


def _definitions(graph: rdflib.Graph, term) -> list[tuple[str, str]]:
    pairs = []
    for lang, name in (("fr", "Définition"), ("en", "Definition")):
        text = " ".join(_texts(graph, term, SKOS.definition, lang))
        pairs.append((name, escape(text)))
    return pairs


def _term_section(graph: rdflib.Graph, term, extra: list[tuple[str, str]]) -> str:
    local = _local(term) or str(term)
    fr = ", ".join(_texts(graph, term, RDFS.label, "fr"))
    en = ", ".join(_texts(graph, term, RDFS.label, "en"))
    rows = [
        ("IRI", f"<code>{escape(str(term))}</code>"),
        ("Libellé (fr)", escape(fr)),
        ("Label (en)", escape(en)),
        *_definitions(graph, term),
        *extra,
    ]
    return (
        f'<section class="term" id="{escape(local)}"><h3>{escape(_label(graph, term))} '
        f"<small><code>pkg:{escape(local)}</code></small></h3><dl>{_rows(rows)}</dl>"
        "</section>"
    )


def _class_section(graph: rdflib.Graph, cls) -> str:
    disjoint = set(graph.objects(cls, OWL.disjointWith)) | set(
        graph.subjects(OWL.disjointWith, cls)
    )
    return _term_section(
        graph,
        cls,
        [
            ("Sous-classe de", _links(graph.objects(cls, RDFS.subClassOf))),
            ("Sous-classes", _links(graph.subjects(RDFS.subClassOf, cls))),
            ("Disjointe de", _links(disjoint)),
            ("Voir aussi", _links(graph.objects(cls, RDFS.seeAlso))),
        ],
    )


def _property_section(graph: rdflib.Graph, prop) -> str:
    traits = [
        str(t).rsplit("#", 1)[-1]
        for t in graph.objects(prop, RDF.type)
        if t in (OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty)
    ]
    return _term_section(
        graph,
        prop,
        [
            ("Domaine", _links(graph.objects(prop, RDFS.domain))),
            ("Portée", _links(graph.objects(prop, RDFS.range))),
            ("Sous-propriété de", _links(graph.objects(prop, RDFS.subPropertyOf))),
            ("Sous-propriétés", _links(graph.subjects(RDFS.subPropertyOf, prop))),
            ("Inverse", _links(graph.objects(prop, OWL.inverseOf))),
            ("Caractéristiques", escape(", ".join(sorted(traits)))),
            ("Voir aussi", _links(graph.objects(prop, RDFS.seeAlso))),
        ],
    )


def _scheme_section(graph: rdflib.Graph, scheme) -> str:
    rows = []
    for concept in sorted(graph.subjects(SKOS.inScheme, scheme), key=str):
        cells = [
            f"<code>{escape(str(graph.value(concept, SKOS.notation) or ''))}</code>",
            escape(", ".join(_texts(graph, concept, SKOS.prefLabel, "fr"))),
            escape(", ".join(_texts(graph, concept, SKOS.prefLabel, "en"))),
            escape(", ".join(_texts(graph, concept, SKOS.altLabel, "fr"))),
            escape(" ".join(_texts(graph, concept, SKOS.definition, "fr"))),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    anchor = "scheme-" + str(scheme).rstrip("/").rsplit("/", 1)[-1]
    head = "".join(f"<th>{h}</th>" for h in ("Code", "Libellé", "Label", "Variantes", "Définition"))
    definition = escape(" ".join(_texts(graph, scheme, SKOS.definition, "fr")))
    return (
        f'<section class="term" id="{escape(anchor)}"><h3>{escape(_label(graph, scheme))}'
        f"</h3><p><code>{escape(str(scheme))}</code></p><p>{definition}</p>"
        f"<table><tr>{head}</tr>{''.join(rows)}</table></section>"
    )


def _pkg_terms(graph: rdflib.Graph, kind) -> list:
    return sorted((t for t in graph.subjects(RDF.type, kind) if _local(t)), key=str)


def render_html(graph: rdflib.Graph) -> str:
    """The documentation page of an ontology graph (``policykg.ttl`` + ``schemes.ttl``)."""
    onto = rdflib.URIRef(str(ONTOLOGY_IRI))
    title = " ".join(_texts(graph, onto, DCTERMS.title, "fr")) or "Ontologie policykg"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p><em>{escape(' '.join(_texts(graph, onto, DCTERMS.title, 'en')))}</em></p>",
        "<dl>"
        + _rows(
            [
                ("IRI", f"<code>{escape(str(onto))}</code>"),
                ("Espace de noms", f"<code>pkg: {escape(_NS)}</code>"),
                ("Version", escape(str(graph.value(onto, OWL.versionInfo) or ""))),
                ("Description", escape(" ".join(_texts(graph, onto, DCTERMS.description, "fr")))),
                (
                    "Description (en)",
                    escape(" ".join(_texts(graph, onto, DCTERMS.description, "en"))),
                ),
            ]
        )
        + "</dl>",
    ]
    groups = [
        ("classes", "Classes", _pkg_terms(graph, OWL.Class), _class_section),
        (
            "object-properties",
            "Propriétés d'objet",
            _pkg_terms(graph, OWL.ObjectProperty),
            _property_section,
        ),
        (
            "datatype-properties",
            "Propriétés de données",
            _pkg_terms(graph, OWL.DatatypeProperty),
            _property_section,
        ),
    ]
    schemes = sorted(graph.subjects(RDF.type, SKOS.ConceptScheme), key=str)
    nav = "".join(
        f'<li><a href="#{key}">{escape(name)}</a> ({len(terms)})</li>'
        for key, name, terms, _ in groups
    )
    nav += f'<li><a href="#code-lists">Listes de codes</a> ({len(schemes)})</li>'
    parts.append(f"<nav><ul>{nav}</ul></nav>")
    for key, name, terms, render in groups:
        parts.append(f'<h2 id="{key}">{escape(name)}</h2>')
        parts.extend(render(graph, term) for term in terms)
    parts.append('<h2 id="code-lists">Listes de codes</h2>')
    parts.extend(_scheme_section(graph, scheme) for scheme in schemes)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
