"""Run a query of the library (or a user's ``.rq``) on the built store or a remote endpoint.

Both paths query the *union of the named graphs* as the default graph, since the build
keeps each source document in its own named graph: the embedded store through its merged
default graph (the distinct triples of all the named graphs, see
:mod:`policykg.graph.store`), a remote endpoint through its own setting (Oxigraph server:
``--union-default-graph``; Apache Jena Fuseki: ``tdb2:unionDefaultGraph true``; Virtuoso
does so by default). The library's queries use ``DISTINCT`` so that a union that keeps
duplicates gives the same answers. Parameters are bound as RDF terms (see
:mod:`policykg.queries.library`).

Results are RDF terms (pyoxigraph), and :meth:`QueryResult.canonical_rows` gives them as
strings in one canonical form so that two engines' answers can be compared.

>>> import pyoxigraph as ox
>>> result = QueryResult("select", ["n"], [(ox.Literal("07", datatype=ox.NamedNode(XSD + "int")),)])
>>> result.canonical_rows()
[('"7"^^<http://www.w3.org/2001/XMLSchema#integer>',)]
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from policykg.errors import PolicykgError
from policykg.queries.library import (
    XSD,
    Query,
    bind_params,
    inject_values,
    load_query,
    query_form,
)

DEFAULT_TIMEOUT = 60.0
ROW_LIMIT = 10_000
"""Rows returned by default (Virtuoso's ``ResultSetMaxRows`` is the same): a query that
matches more says so (:attr:`QueryResult.truncated`); ``limit=0`` returns every row."""
_INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "nonPositiveInteger",
        "positiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_BNODE_CHARS = re.compile(r"[^A-Za-z0-9_]")
_CHAR_CLASS = re.compile(r"\[(?:'[^']*'|[^\]'])*\]")


@dataclass
class QueryResult:
    """The answer to a query: ``select`` rows, an ``ask`` boolean or ``graph`` triples.

    For ``graph`` results (CONSTRUCT, DESCRIBE) the rows are triples, under the variables
    ``subject``, ``predicate`` and ``object``. An unbound value is ``None``.
    """

    kind: str
    variables: list[str]
    rows: list[tuple[ox.Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    """More rows matched than the limit: :attr:`rows` holds the first ones, in order."""

    def canonical_rows(self) -> list[tuple[str, ...]]:
        """The rows as strings in a canonical form (for comparing two engines' answers)."""
        return [tuple(canonical_term(t) for t in row) for row in self.rows]


def canonical_term(term: ox.Term | None) -> str:
    """One RDF term as a string that does not depend on the engine that produced it.

    Integers of any XSD integer type become ``xsd:integer`` in canonical form, decimals
    and booleans get their canonical lexical form, language tags are lowercased, blank
    nodes (whose labels are the engine's own) all read ``_:b``; unbound is ``""``.

    >>> canonical_term(ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")))
    '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    >>> canonical_term(ox.Literal("Bonjour", language="FR")), canonical_term(None)
    ('"Bonjour"@fr', '')
    """
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Triple):
        parts = (
            canonical_term(term.subject),
            canonical_term(term.predicate),
            canonical_term(term.object),
        )
        return "<< " + " ".join(parts) + " >>"
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return str(ox.Literal(str(int(term.value)), datatype=ox.NamedNode(XSD + "integer")))
            if datatype == XSD + "decimal":
                number = Decimal(term.value).normalize()
                lexical = format(number, "f")
                lexical = lexical if "." in lexical else lexical + ".0"
                return str(ox.Literal(lexical, datatype=term.datatype))
            if datatype == XSD + "boolean":
                flag = "true" if term.value.strip() in ("true", "1") else "false"
                return str(ox.Literal(flag, datatype=term.datatype))
        except (ValueError, InvalidOperation):
            return str(term)
        if term.language:
            return str(ox.Literal(term.value, language=term.language.lower()))
    return str(term)


def query_kind(text: str) -> str:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT, DESCRIBE), from the query form.

    >>> query_kind("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'graph'
    """
    return {"SELECT": "select", "ASK": "ask"}.get(query_form(text), "graph")


def _one_line(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parser_reason(reason: str) -> str:
    """The parser's reason, without its lists of character classes.

    >>> parser_reason("expected one of Prefix not found, ['%'], ['-' | '0' ..= '9']")
    'undeclared prefix'
    >>> parser_reason('expected one of ",", "}", [_]')
    'expected one of ",", "}"'
    """
    if "Prefix not found" in reason:
        return "undeclared prefix"
    cleaned = _CHAR_CLASS.sub("", " ".join(reason.split()))
    cleaned = re.sub(r"(,\s*)+(?=,|$)", "", cleaned).strip(" ,")
    cleaned = re.sub(r"one of ,\s*", "one of ", cleaned)
    if cleaned in ("expected", "expected one of", ""):
        return "unexpected text here"
    return _one_line(cleaned)


def _syntax_error(exc: SyntaxError, where: str) -> PolicykgError:
    """``FILE:LINE:COL: message`` from the parser's error."""
    message = str(exc.msg if getattr(exc, "msg", None) else exc)
    match = _POSITION.match(message)
    if match:
        line, column, reason = match.groups()
        return PolicykgError(
            f"{where}:{line}:{column}: SPARQL syntax error: {parser_reason(reason)}"
        )
    return PolicykgError(f"{where}: SPARQL syntax error: {_one_line(message)}")


def check_syntax(query: Query) -> None:
    """Parse the query (not run it); a syntax error names the file, line and column."""
    try:
        ox.Store().query(query.text)
    except SyntaxError as exc:
        raise _syntax_error(exc, query.path) from None


def bound_text(query: Query, params: Mapping[str, str] | None = None) -> str:
    """The query text with its parameters bound (checked first, then VALUES injected)."""
    check_syntax(query)
    bindings = bind_params(query, params)
    try:
        text = inject_values(query.text, bindings)
    except PolicykgError as exc:
        raise PolicykgError(f"{query.path}: {exc}") from None
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise PolicykgError(
            f"{query.path}: the parameters cannot be bound in this query ({_one_line(str(exc))})"
        ) from None
    return text


def limit_rows(result: QueryResult, rows: Iterable, limit: int) -> QueryResult:
    """Fill ``result.rows`` from ``rows``, keeping the first ``limit`` (all when 0): rows
    are taken lazily, so the ones beyond the limit are never converted.

    >>> limit_rows(QueryResult("select", ["n"]), iter([(1,), (2,), (3,)]), 2)
    QueryResult(kind='select', variables=['n'], rows=[(1,), (2,)], boolean=None, truncated=True)
    """
    rows = iter(rows)
    taken = list(islice(rows, limit)) if limit else list(rows)
    result.rows = taken
    result.truncated = bool(limit) and next(rows, None) is not None
    return result


def _from_solutions(
    solutions: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, kind: str, limit: int
) -> QueryResult:
    if kind == "ask":
        return QueryResult("ask", [], [], boolean=bool(solutions))
    if kind == "graph":
        triples = ((t.subject, t.predicate, t.object) for t in solutions)
        return limit_rows(QueryResult("graph", ["subject", "predicate", "object"]), triples, limit)
    variables = [v.value for v in solutions.variables]
    rows = (tuple(solution[v] for v in variables) for solution in solutions)
    return limit_rows(QueryResult("select", variables), rows, limit)


def _run_embedded(text: str, kind: str, out_dir: str | Path, limit: int) -> QueryResult:
    from policykg.graph.store import open_store

    store = open_store(out_dir)
    try:
        return _from_solutions(store.query(text), kind, limit)
    except OSError as exc:
        raise PolicykgError(f"cannot read the store: {exc}", path=out_dir) from None


def check_endpoint_url(url: str) -> str:
    """The URL, if it is an http(s) URL; a one-line error otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PolicykgError(f"not an http(s) URL: {url!r}")
    return url


def unreachable(url: str, exc: BaseException) -> PolicykgError:
    """A one-line error for a server that cannot be reached (or did not answer)."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return PolicykgError(f"SPARQL endpoint {url} did not answer in time")
    if isinstance(reason, ConnectionRefusedError):
        text = "connection refused"
    elif isinstance(reason, OSError) and reason.strerror:
        text = reason.strerror.lower()
    else:
        text = _one_line(str(reason), 120) or type(reason).__name__
    return PolicykgError(f"cannot reach SPARQL endpoint {url}: {text}")


def _server_message(exc: Exception) -> str:
    text = str(exc)
    _, _, response = text.partition("Response:\n")
    if response.startswith(("b'", 'b"')):
        try:
            import ast

            response = ast.literal_eval(response).decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            pass
    return _one_line(response or text.split(":")[0], 200)


def _run_remote(text: str, kind: str, endpoint: str, timeout: float) -> QueryResult:
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    check_endpoint_url(endpoint)
    client = SPARQLWrapper(endpoint)
    client.setQuery(text)
    # SPARQLWrapper guesses the form from the text and can be fooled by a word in a
    # comment (a "# moves ..." comment made it send a query as a MOVE update): say it.
    client.queryType = query_form(text)
    client.setMethod(POST)
    client.setTimeout(int(timeout))
    client.setReturnFormat(TURTLE if kind == "graph" else JSON)
    try:
        response = client.query().response
        data = response.read()
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    except SPARQLWrapperException as exc:
        raise PolicykgError(
            f"SPARQL endpoint {endpoint} refused the query: "
            f"{type(exc).__name__}: {_server_message(exc)}"
        ) from None
    except urllib.error.HTTPError as exc:
        raise PolicykgError(
            f"SPARQL endpoint {endpoint} answered HTTP {exc.code} {exc.reason}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise unreachable(endpoint, exc) from None
    try:
        if kind == "graph":
            fmt = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.TURTLE
            triples = ox.parse(data, format=fmt)
            rows = [(q.subject, q.predicate, q.object) for q in triples]
            return QueryResult("graph", ["subject", "predicate", "object"], rows)
        result = results_from_json(json.loads(data))
    except (SyntaxError, ValueError, KeyError, TypeError) as exc:
        raise PolicykgError(
            f"SPARQL endpoint {endpoint} sent results that cannot be read "
            f"({media_type or 'no content type'}): {_one_line(str(exc))}"
        ) from None
    if kind == "ask" and result.kind == "select":
        # Virtuoso 7 answers ASK in JSON as a table: one row ?__ASK_RETVAL 1 (or 0, or none)
        cells = [t for row in result.rows for t in row if t is not None]
        return QueryResult("ask", [], [], boolean=bool(cells) and cells[0].value in ("1", "true"))
    return result


def term_from_json(value: dict) -> ox.Term:
    """One term of SPARQL 1.1 Query Results JSON (also the older ``typed-literal``).

    Blank node labels are made valid whatever the server sent (Virtuoso: ``nodeID://b1``).

    >>> term_from_json({"type": "bnode", "value": "nodeID://b10"})
    <BlankNode value=nodeID___b10>
    """
    kind = value["type"]
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return ox.BlankNode(_BNODE_CHARS.sub("_", value["value"]) or "b")
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return ox.Literal(value["value"], language=value["xml:lang"])
        if value.get("datatype"):
            return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(value["value"])
    if kind == "triple":
        inner = value["value"]
        return ox.Triple(
            term_from_json(inner["subject"]),
            term_from_json(inner["predicate"]),
            term_from_json(inner["object"]),
        )
    raise ValueError(f"unknown term type {kind!r}")


def results_from_json(data: dict) -> QueryResult:
    """A :class:`QueryResult` from SPARQL 1.1 Query Results JSON data."""
    if "boolean" in data:
        return QueryResult("ask", [], [], boolean=bool(data["boolean"]))
    variables = list(data["head"]["vars"])
    rows = [
        tuple(term_from_json(b[v]) if v in b else None for v in variables)
        for b in data["results"]["bindings"]
    ]
    return QueryResult("select", variables, rows)


def run_query(
    query: Query | str | Path,
    params: Mapping[str, str] | None = None,
    out_dir: str | Path | None = None,
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    limit: int = ROW_LIMIT,
) -> QueryResult:
    """Run a query (a :class:`Query`, a library name or a ``.rq`` path) with parameters.

    On ``endpoint`` (a SPARQL 1.1 Protocol URL) when given, else on the store built in
    ``out_dir`` (default ``out``). At most ``limit`` rows are returned (``0``: all; see
    :data:`ROW_LIMIT`). Errors are :class:`PolicykgError` with one line.
    """
    if not isinstance(query, Query):
        query = load_query(query)
    text = bound_text(query, params)
    kind = query_kind(text)
    if endpoint:
        result = _run_remote(text, kind, endpoint, timeout)
        return limit_rows(result, result.rows, limit) if kind != "ask" else result
    return _run_embedded(text, kind, out_dir if out_dir is not None else "out", limit)
