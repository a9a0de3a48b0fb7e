"""RDF terms and quads written straight as N-Quads text, as Oxigraph writes them.

The mapper builds each document's quads as text rather than as ``pyoxigraph`` objects:
creating, hashing, canonicalising and sorting objects cost more than the mapping itself.
The text is what Oxigraph's N-Quads serialiser writes for the same quads, typed literals
in the canonical form its store gives back (see :mod:`policykg.graph.serialize`), so the
bytes do not depend on the way they were made (a test compares the two on a corpus).

Terms are ``str`` in N-Triples syntax: ``<iri>``, ``"text"``, ``"text"@fr``,
``"5"^^<…#integer>``.

>>> literal("Il a dit \\"oui\\"\\n"), literal("Cœur", "fr"), literal(3)
('"Il a dit \\\\"oui\\\\"\\\\n"', '"Cœur"@fr', '"3"^^<http://www.w3.org/2001/XMLSchema#integer>')
>>> decimal_literal("1.50")
'"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'
>>> triples = {triple(iri("http://e/s"), iri("http://e/p"), literal("b")),
...            triple(iri("http://e/s"), iri("http://e/p"), literal("a"))}
>>> nquads(sorted_triples(triples), iri("http://e/g")).decode().splitlines()[0]
'<http://e/s> <http://e/p> "a" <http://e/g> .'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib import namespace

from policykg.ontology import namespace as _pkg

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER = f"^^<{XSD}integer>"
_DECIMAL = ox.NamedNode(f"{XSD}decimal")
_PLAIN = (f"{XSD}string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")

# Characters Oxigraph escapes in a quoted literal, and how.
_ESCAPES = {chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)}
_ESCAPES.update({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"})
_ESCAPES.update({'"': '\\"', "\\": "\\\\"})
_TO_ESCAPE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def iri(value: str) -> str:
    """An IRI as a term (not checked: callers build IRIs from checked parts)."""
    return f"<{value}>"


def iri_value(term: str) -> str:
    """The IRI of an IRI term.

    >>> iri_value("<http://e/s>")
    'http://e/s'
    """
    return term[1:-1]


def quoted(text: str) -> str:
    """A text between double quotes, escaped as Oxigraph escapes it."""
    if _TO_ESCAPE.search(text):
        text = _TO_ESCAPE.sub(lambda found: _ESCAPES[found.group()], text)
    return f'"{text}"'


def literal(value, language: str | None = None) -> str:
    """A literal as a term: a plain or language-tagged string, an ``xsd:integer`` for an
    ``int``; anything else as ``pyoxigraph`` makes it (canonical form)."""
    kind = type(value)
    if kind is str and (language is None or language == "fr"):
        return quoted(value) if language is None else f"{quoted(value)}@fr"
    if kind is int and language is None:
        return f'"{value}"{_INTEGER}'
    return _other(value, language)


def _other(value, language: str | None) -> str:
    if language is None:
        made = ox.Literal(value)
        if made.datatype.value == f"{XSD}string":
            return quoted(made.value)
    else:
        made = ox.Literal(value, language=language)
    return str(_canonical(made))


def plain(text: str) -> str:
    """A plain (``xsd:string``) literal."""
    return quoted(text) if type(text) is str else literal(text)


@lru_cache(maxsize=1 << 14)
def decimal_literal(lexical: str) -> str:
    """An ``xsd:decimal`` literal of a lexical form, canonical (as the store gives it)."""
    return str(_canonical(ox.Literal(lexical, datatype=_DECIMAL)))


def _canonical(value: ox.Literal) -> ox.Literal:
    from policykg.graph.serialize import _canonical_literal  # its cache is shared

    if value.datatype.value in _PLAIN:
        return value
    return _canonical_literal(value)


def triple(s: str, p: str, o: str) -> str:
    """The text of a triple (terms separated by a space)."""
    return f"{s} {p} {o}"


def sorted_triples(triples: Iterable[str]) -> list[str]:
    """Distinct triples (text) in the order of their quads in one graph, the order of
    :func:`policykg.graph.serialize.canonical_quads`.

    Adding the same graph name to every triple keeps their order: a triple that is a prefix
    of another is followed there by a character above the space (``@``, ``^``, a letter…)
    since terms never end just before a space or a control character.
    """
    return sorted(set(triples))


def nquads(triples: list[str], graph: str) -> bytes:
    """Triples from :func:`sorted_triples` in ``graph`` as N-Quads lines (UTF-8)."""
    end = f" {graph} .\n"
    return (end.join(triples) + end).encode() if triples else b""


def trig_body(triples: list[str], graph: str) -> bytes:
    """Triples from :func:`sorted_triples` in ``graph`` as TriG, byte for byte what
    :func:`policykg.graph.serialize.trig_body` makes of them (Oxigraph's serialiser with
    :func:`policykg.graph.serialize.prefixes`): a subject's triples grouped with ``;``,
    a predicate's objects with ``,``, prefixed names, ``a``, bare numbers and booleans.

    Only the layout is written here; the Turtle form of each IRI under a prefix and of each
    typed literal comes from Oxigraph itself (:func:`_turtle`, cached).

    >>> g = iri("http://e/g")
    >>> triples = sorted_triples([f"<http://e/s> <{RDF_TYPE}> <{XSD}integer>",
    ...                           '<http://e/s> <http://e/p> "1"^^<' + XSD + 'integer>',
    ...                           '<http://e/s> <http://e/p> "b"@fr'])
    >>> trig_body(triples, g).decode().splitlines()
    ['<http://e/g> {', '\\t<http://e/s> <http://e/p> 1 , "b"@fr ;', '\\t\\ta xsd:integer .', '}']
    """
    if not triples:
        return b""
    terms, predicates = _TERMS, _PREDICATES
    if len(terms) > 1 << 16:
        terms.clear()
    out = [terms.get(graph) or _iri_turtle(graph), " {\n\t"]
    append = out.append
    subject = predicate = None
    for triple_text in triples:
        s, p, o = triple_text.split(" ", 2)
        if o[-1] == ">":  # an IRI or a typed literal (other literals stay as they are)
            o = terms.get(o) or _object_turtle(o)
        if s == subject:
            if p == predicate:
                append(" , " + o)
            else:
                append(f" ;\n\t\t{predicates.get(p) or _predicate_turtle(p)} {o}")
                predicate = p
        else:
            if subject is not None:
                append(" .\n\t")
            s_text = terms.get(s) or _iri_turtle(s)
            append(f"{s_text} {predicates.get(p) or _predicate_turtle(p)} {o}")
            subject, predicate = s, p
    append(" .\n}\n")
    return "".join(out).encode()


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# The Turtle form of IRIs and typed literals (bounded: cleared when large), of predicates.
_TERMS: dict[str, str] = {}
_PREDICATES: dict[str, str] = {f"<{RDF_TYPE}>": "a"}


@lru_cache(maxsize=1)
def _prefix_iris() -> tuple[str, ...]:
    from policykg.graph.serialize import prefixes

    return tuple(f"<{value}" for value in prefixes().values())


def _iri_turtle(term: str) -> str:
    """An IRI term as Turtle: as it is, or prefixed (as Oxigraph writes it) under a prefix."""
    found = _TERMS[term] = _turtle(term) if term.startswith(_prefix_iris()) else term
    return found


def _predicate_turtle(term: str) -> str:
    found = _PREDICATES[term] = _turtle(term) if term.startswith(_prefix_iris()) else term
    return found


def _object_turtle(term: str) -> str:
    if term[0] == "<":
        return _iri_turtle(term)
    found = _TERMS[term] = _turtle(term)
    return found


def _turtle(term: str) -> str:
    """A term (IRI or literal) as Oxigraph's TriG serialiser writes it as an object."""
    from policykg.graph.serialize import prefixes

    quad = f"<urn:x:s> <urn:x:p> {term} <urn:x:g> .\n".encode()
    text = ox.serialize(
        ox.parse(quad, format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.TRIG, prefixes=prefixes()
    ).decode()
    start = text.index("<urn:x:p> ") + len("<urn:x:p> ")
    return text[start : text.rindex(" .\n}\n")]


class Terms:
    """The terms of an rdflib namespace as IRI terms, made once each.

    Unknown names fail as the namespace fails them (a closed namespace raises).

    >>> from rdflib.namespace import RDFS
    >>> Terms(RDFS).label
    '<http://www.w3.org/2000/01/rdf-schema#label>'
    """

    def __init__(self, namespace):
        self._namespace = namespace
        self._items: dict[str, str] = {}

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        term = iri(str(getattr(self._namespace, name)))
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> str:
        term = self._items.get(name)
        if term is None:
            term = self._items[name] = iri(str(self._namespace[name]))
        return term


# The vocabularies the mapper writes, as IRI terms.
PKG = Terms(_pkg.PKG)
DCTERMS, PROV, RDF = Terms(namespace.DCTERMS), Terms(namespace.PROV), Terms(namespace.RDF)
RDFS, SDO, SKOS = Terms(namespace.RDFS), Terms(namespace.SDO), Terms(namespace.SKOS)
