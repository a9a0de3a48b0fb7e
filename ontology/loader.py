"""The ontology's data files, read through ``importlib.resources`` (checkout or wheel alike).

>>> "pkg:Fiche a owl:Class" in ontology_text()
True
>>> len(ontology_graph()) > 1000
True
>>> label_key("  À réaliser ! ")
'a realiser'
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import rdflib

PACKAGE = "policykg.ontology"
ONTOLOGY_FILE = "policykg.ttl"
SCHEMES_FILE = "schemes.ttl"
SHAPES_FILE = "shapes.ttl"
# The files whose terms make up the ontology graph (and the generated namespace module).
ONTOLOGY_FILES = (ONTOLOGY_FILE, SCHEMES_FILE)


def resource_text(name: str) -> str:
    """The text of a data file of the ontology package (``policykg.ttl``, ``shapes.ttl``…)."""
    return (resources.files(PACKAGE) / name).read_text(encoding="utf-8")


def ontology_text() -> str:
    """The OWL ontology (``policykg.ttl``) as Turtle text."""
    return resource_text(ONTOLOGY_FILE)


def schemes_text() -> str:
    """The SKOS code lists (``schemes.ttl``) as Turtle text."""
    return resource_text(SCHEMES_FILE)


def shapes_text() -> str:
    """The SHACL shapes (``shapes.ttl``) as Turtle text."""
    return resource_text(SHAPES_FILE)


def _parse(*names: str) -> rdflib.Graph:
    graph = rdflib.Graph(bind_namespaces="none")
    for name in names:
        graph.parse(data=resource_text(name), format="turtle")
    return graph


@cache
def _ontology_graph() -> rdflib.Graph:
    return _parse(*ONTOLOGY_FILES)


@cache
def _shapes_graph() -> rdflib.Graph:
    return _parse(SHAPES_FILE)


def _copy(graph: rdflib.Graph) -> rdflib.Graph:
    copy = rdflib.Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace)
    for triple in graph:
        copy.add(triple)
    return copy


def ontology_graph() -> rdflib.Graph:
    """The ontology and its code lists as one rdflib graph (a fresh copy each call)."""
    return _copy(_ontology_graph())


def shapes_graph() -> rdflib.Graph:
    """The SHACL shapes as an rdflib graph (a fresh copy each call)."""
    return _copy(_shapes_graph())


def label_key(text: str) -> str:
    """A label reduced for matching: no accents, lower case, words split by one space.

    >>> label_key("Porteur_de_projet")
    'porteur de projet'
    >>> label_key("Œuvre")
    'oeuvre'
    """
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.split(r"[^0-9a-z]+", plain)).strip()
