"""Query results as text: a terminal table, CSV, JSON (SPARQL 1.1 results) or Markdown.

>>> import pyoxigraph as ox
>>> from policykg.queries.runner import QueryResult
>>> result = QueryResult("select", ["s", "label"],
...     [(ox.NamedNode("http://e/a"), ox.Literal("Emploi | insertion", language="fr"))])
>>> print(render(result, "markdown", prefixes={"e": "http://e/"}))
| s | label |
| --- | --- |
| e:a | Emploi \\| insertion |
>>> print(render(result, "csv"), end="")
s,label
http://e/a,Emploi | insertion
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping

import pyoxigraph as ox

from policykg.queries.runner import QueryResult

FORMATS = ("table", "csv", "json", "markdown")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
DEFAULT_WIDTH = 48
_LOCAL = re.compile(r"(?:\w(?:[\w.\-]*[\w\-])?)?\Z")
WELL_KNOWN = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "pkg": "https://w3id.org/policykg/def#",
}


def default_prefixes() -> dict[str, str]:
    """The prefixes used to shorten IRIs: W3C ones and the ontology's."""
    prefixes = dict(WELL_KNOWN)
    try:
        from policykg.ontology.namespace import PREFIXES
    except ImportError:
        return prefixes
    prefixes.update(dict(PREFIXES))
    return prefixes


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` when a prefix covers the IRI, else ``<iri>``.

    >>> compact("http://e/x", {"e": "http://e/"}), compact("http://f/x", {})
    ('e:x', '<http://f/x>')
    """
    candidates = sorted(
        (-len(namespace), prefix)
        for prefix, namespace in prefixes.items()
        if namespace and iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :])
    )
    if candidates:
        size, prefix = candidates[0]
        return f"{prefix}:{iri[-size:]}"
    return f"<{iri}>"


def display(term: ox.Term | None, prefixes: Mapping[str, str]) -> str:
    """A readable form of a term: a short IRI, a literal's text, ``_:label``; unbound: ``""``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, prefixes)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def truncate(text: str, width: int, middle: bool = False) -> str:
    """Text cut to ``width`` characters with "…": at the end, or in the middle (for IRIs,
    whose ends tell them apart).

    >>> truncate("<https://w3id.org/policykg/id/contract/a/document/000>", 30, middle=True)
    '<https://w3id.org/…cument/000>'
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if middle and width > 10:
        tail = (width - 1) // 2 - 3
        return text[: width - 1 - tail] + "…" + text[-tail:]
    return text[: max(width - 1, 0)] + "…"


def _cell(term: ox.Term | None, prefixes: Mapping[str, str], width: int) -> str:
    return truncate(display(term, prefixes), width, middle=isinstance(term, ox.NamedNode))


def to_table(result: QueryResult, prefixes: Mapping[str, str], width: int = DEFAULT_WIDTH) -> str:
    """An aligned table for the terminal, each column cut at ``width`` characters."""
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    cells = [[_cell(t, prefixes, width) for t in row] for row in result.rows]
    header = [truncate(v, width) for v in result.variables]
    sizes = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = [
        "  ".join(h.ljust(n) for h, n in zip(header, sizes, strict=True)).rstrip(),
        "  ".join("-" * n for n in sizes),
    ]
    lines += ["  ".join(c.ljust(n) for c, n in zip(r, sizes, strict=True)).rstrip() for r in cells]
    count = len(result.rows)
    lines.append(f"({count} {'row' if count == 1 else 'rows'})")
    return "\n".join(lines)


def _csv_value(term: ox.Term | None) -> str:
    """SPARQL 1.1 CSV results: IRIs and literals as plain text, blank nodes as ``_:x``."""
    if term is None:
        return ""
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV (an ASK answer is one ``boolean`` column)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if result.kind == "ask":
        writer.writerows([["boolean"], ["true" if result.boolean else "false"]])
    else:
        writer.writerow(result.variables)
        writer.writerows([_csv_value(t) for t in row] for row in result.rows)
    return buffer.getvalue()


def json_term(term: ox.Term) -> dict:
    """One RDF term in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": json_term(term.subject),
                "predicate": json_term(term.predicate),
                "object": json_term(term.object),
            },
        }
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
        out["datatype"] = term.datatype.value
    return out


def to_json_data(result: QueryResult) -> dict:
    """The results as SPARQL 1.1 Query Results JSON data (a dict)."""
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [
        {v: json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
        for row in result.rows
    ]
    return {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON, indented."""
    return json.dumps(to_json_data(result), ensure_ascii=False, indent=2)


def _md(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def to_markdown(result: QueryResult, prefixes: Mapping[str, str]) -> str:
    """A Markdown (GitHub) table; ``|`` in values is escaped."""
    if result.kind == "ask":
        return f"| boolean |\n| --- |\n| {'true' if result.boolean else 'false'} |"
    lines = [
        "| " + " | ".join(_md(v) for v in result.variables) + " |",
        "| " + " | ".join("---" for _ in result.variables) + " |",
    ]
    for row in result.rows:
        lines.append("| " + " | ".join(_md(display(t, prefixes)) for t in row) + " |")
    return "\n".join(lines)


def render(
    result: QueryResult,
    fmt: str = "table",
    prefixes: Mapping[str, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> str:
    """The results in one of :data:`FORMATS`; ``prefixes`` shorten IRIs in table/markdown."""
    names = default_prefixes() if prefixes is None else prefixes
    if fmt == "table":
        return to_table(result, names, width)
    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return to_json(result)
    if fmt == "markdown":
        return to_markdown(result, names)
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
