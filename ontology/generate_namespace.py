"""Generate ``namespace.py``: fail-closed Python namespaces for the ontology and code lists.

Run ``python -m policykg.ontology.generate_namespace`` after editing ``policykg.ttl`` or
``schemes.ttl``; ``--check`` exits non-zero when ``namespace.py`` is out of date. The
generated classes follow rdflib's ``DefinedNamespace`` (``PKG.Fiche`` works, ``PKG.Fishe``
raises ``AttributeError``), so code never writes an ontology IRI as a string.

>>> source = render()
>>> "class PKG(DefinedNamespace):" in source and "class STATUS(DefinedNamespace):" in source
True
>>> python_name("action_type")
'ACTION_TYPE'
"""

from __future__ import annotations

import argparse
import keyword
import sys
from collections import defaultdict
from importlib import resources
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from policykg.ontology.loader import ONTOLOGY_FILES, label_key, resource_text

PKG_NS = "https://w3id.org/policykg/def#"
SCHEMES_NS = "https://w3id.org/policykg/def/"
ONTOLOGY_IRI = "https://w3id.org/policykg/def"
OUTPUT = "namespace.py"

_KINDS = (
    (OWL.Class, "Classes"),
    (OWL.ObjectProperty, "Object properties"),
    (OWL.DatatypeProperty, "Datatype properties"),
)

_HEADER = '''\
"""Terms of the policykg ontology and its code lists (GENERATED: do not edit by hand).

Regenerate with ``python -m policykg.ontology.generate_namespace`` after changing
``policykg.ttl`` or ``schemes.ttl``; a test checks that this module matches them.

>>> PKG.Fiche
rdflib.term.URIRef('https://w3id.org/policykg/def#Fiche')
>>> STATUS.en_cours
rdflib.term.URIRef('https://w3id.org/policykg/def/status/en_cours')
>>> concept_for(STATUS, "A réaliser") == STATUS.a_realiser
True
>>> PKG.Fishe
Traceback (most recent call last):
...
AttributeError: term 'Fishe' not in namespace 'https://w3id.org/policykg/def#'
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

from policykg.ontology.loader import label_key

ONTOLOGY_IRI = URIRef("{ontology}")
'''

_FOOTER = '''

def concept_for(code_list: type[DefinedNamespace], text: str) -> URIRef | None:
    """The concept of a code list whose code, label or alternative label matches ``text``.

    Case, accents and punctuation are ignored; ``None`` when nothing matches.

    >>> concept_for(ROLE, "Référent")
    rdflib.term.URIRef('https://w3id.org/policykg/def/role/referent')
    >>> concept_for(ROLE, "Mécène") is None
    True
    """
    code = _LABELS[str(code_list)].get(label_key(text))
    return code_list[code] if code else None
'''


class NamespaceError(ValueError):
    """The ontology files name a term that cannot become a Python attribute, or use an
    ontology IRI that they never declare."""


def python_name(local: str) -> str:
    """The Python class name of a code list: its scheme name in capitals."""
    return local.upper()


def _check_identifier(local: str, iri: str) -> None:
    if not local.isidentifier() or keyword.iskeyword(local) or local.startswith("_"):
        raise NamespaceError(f"{iri}: {local!r} cannot be a Python attribute")


def _label(graph: rdflib.Graph, term: rdflib.URIRef) -> str:
    for value in graph.objects(term, RDFS.label):
        if getattr(value, "language", None) == "en":
            return " ".join(str(value).split())
    return ""


def _local(iri: str, namespace: str) -> str:
    return iri[len(namespace) :]


def _pkg_terms(graph: rdflib.Graph) -> dict[str, list[str]]:
    """The pkg: terms by kind heading, checking that every pkg: IRI used is declared."""
    declared: dict[str, str] = {}
    for kind, heading in _KINDS:
        for term in graph.subjects(RDF.type, kind):
            if str(term).startswith(PKG_NS):
                declared[str(term)] = heading
    used = {str(t) for triple in graph for t in triple if isinstance(t, rdflib.URIRef)}
    undeclared = sorted(t for t in used if t.startswith(PKG_NS) and t not in declared)
    if undeclared:
        raise NamespaceError(f"used but not declared in the ontology: {', '.join(undeclared)}")
    by_heading: dict[str, list[str]] = defaultdict(list)
    for iri, heading in declared.items():
        _check_identifier(_local(iri, PKG_NS), iri)
        by_heading[heading].append(iri)
    return {heading: sorted(by_heading[heading]) for _, heading in _KINDS}


def _schemes(graph: rdflib.Graph) -> dict[str, list[str]]:
    """The code lists: scheme IRI -> its concepts, checking names and membership."""
    schemes = sorted(str(s) for s in graph.subjects(RDF.type, SKOS.ConceptScheme))
    found: dict[str, list[str]] = {}
    for scheme in schemes:
        if not scheme.startswith(SCHEMES_NS):
            continue
        _check_identifier(_local(scheme, SCHEMES_NS), scheme)
        concepts = sorted(str(c) for c in graph.subjects(SKOS.inScheme, rdflib.URIRef(scheme)))
        for concept in concepts:
            if not concept.startswith(scheme + "/"):
                raise NamespaceError(f"{concept} is in scheme {scheme} but not under its IRI")
            _check_identifier(_local(concept, scheme + "/"), concept)
        found[scheme] = concepts
    return found


def _label_table(graph: rdflib.Graph, scheme: str, concepts: list[str]) -> dict[str, str]:
    """Normalised code, notation, labels and alternative labels -> the concept's code."""
    table: dict[str, str] = {}
    for concept in concepts:
        code = _local(concept, scheme + "/")
        node = rdflib.URIRef(concept)
        names = [code, *graph.objects(node, SKOS.notation), *graph.objects(node, SKOS.prefLabel)]
        names += [*graph.objects(node, SKOS.altLabel), *graph.objects(node, RDFS.label)]
        for name in names:
            key = label_key(str(name))
            if key and table.setdefault(key, code) != code:
                raise NamespaceError(f"{scheme}: label {str(name)!r} names two concepts")
    return dict(sorted(table.items()))


def _class_source(
    name: str, namespace: str, doc: str, groups: list[tuple[str, list[str]]], graph: rdflib.Graph
) -> list[str]:
    lines = ["", "", f"class {name}(DefinedNamespace):", f'    """{doc}"""', ""]
    lines += [f'    _NS = Namespace("{namespace}")', "    _fail = True"]
    for heading, terms in groups:
        if not terms:
            continue
        lines += ["", f"    # {heading}"] if heading else [""]
        for iri in terms:
            label = _label(graph, rdflib.URIRef(iri))
            comment = f"  # {label}" if label else ""
            lines.append(f"    {_local(iri, namespace)}: URIRef{comment}")
    return lines


def ontology_source_graph() -> rdflib.Graph:
    """The ontology files parsed, keeping only the prefixes they declare."""
    graph = rdflib.Graph(bind_namespaces="none")
    for name in ONTOLOGY_FILES:
        graph.parse(data=resource_text(name), format="turtle")
    return graph


def render(graph: rdflib.Graph | None = None) -> str:
    """The source of ``namespace.py`` for the ontology files (or a given graph)."""
    graph = graph if graph is not None else ontology_source_graph()
    lines = [_HEADER.format(ontology=ONTOLOGY_IRI).rstrip("\n")]
    prefixes = sorted((str(p), str(n)) for p, n in graph.namespaces() if str(p))
    lines += ["", "# The prefixes the ontology files declare, for readable serialisations."]
    lines.append("PREFIXES: dict[str, str] = {")
    lines += [f'    "{prefix}": "{namespace}",' for prefix, namespace in prefixes]
    lines.append("}")
    pkg_groups = list(_pkg_terms(graph).items())
    lines += _class_source(
        "PKG", PKG_NS, "The policykg ontology: classes and properties.", pkg_groups, graph
    )
    schemes = _schemes(graph)
    lines += _class_source(
        "SCHEME", SCHEMES_NS, "The code lists (SKOS concept schemes).", [("", list(schemes))], graph
    )
    for scheme, concepts in schemes.items():
        local = _local(scheme, SCHEMES_NS)
        title = _label(graph, rdflib.URIRef(scheme)) or local
        lines += _class_source(
            python_name(local), scheme + "/", f"Code list: {title}.", [("", concepts)], graph
        )
    lines += ["", "", "# Code lists by scheme name (``status``, ``role``…)."]
    lines.append("CODE_LISTS: dict[str, type[DefinedNamespace]] = {")
    lines += [
        f'    "{_local(s, SCHEMES_NS)}": {python_name(_local(s, SCHEMES_NS))},' for s in schemes
    ]
    lines += ["}", "", "# Normalised labels (see ``label_key``) -> concept code, by code list."]
    lines.append("_LABELS: dict[str, dict[str, str]] = {")
    for scheme, concepts in schemes.items():
        lines.append(f'    "{scheme}/": {{')
        for key, code in _label_table(graph, scheme, concepts).items():
            lines.append(f'        "{key}": "{code}",')
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n" + _FOOTER


def output_path() -> Path:
    """Where ``namespace.py`` lives (beside this module, in a checkout)."""
    return Path(str(resources.files("policykg.ontology") / OUTPUT))


def main(argv: list[str] | None = None) -> int:
    """Write ``namespace.py`` (or, with ``--check``, say whether it is up to date)."""
    parser = argparse.ArgumentParser(
        prog="python -m policykg.ontology.generate_namespace", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    try:
        source = render()
    except NamespaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    path = output_path()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != source:
            print(
                f"{path} is out of date: run python -m policykg.ontology.generate_namespace",
                file=sys.stderr,
            )
            return 1
        return 0
    if current != source:
        path.write_text(source, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
