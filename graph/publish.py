"""Publish a built graph to a SPARQL server with the SPARQL 1.1 Graph Store HTTP Protocol.

Each named graph of the store (one per source document, plus the ontology graph) is sent
whole with ``PUT <store>?graph=IRI`` as N-Triples, which replaces that graph on the server
and leaves the others alone: publishing again after a rebuild updates every document that
is still in the corpus. (A graph of a document removed from the corpus stays on the server
until deleted there.)

The Graph Store URL defaults to the endpoint URL with its last path segment replaced by
``store`` (Oxigraph server: ``/query`` -> ``/store``); other servers need ``--store``:
Apache Jena Fuseki ``http://host:3030/DATASET/data``, Virtuoso
``http://host:8890/sparql-graph-crud-auth``. User and password may be given in the URL
(``http://user:password@host/…``): they are sent with HTTP Basic or Digest
authentication, never in the request line.

>>> default_store_url("http://127.0.0.1:7878/query")
'http://127.0.0.1:7878/store'
>>> graph_url("http://h/store", "https://w3id.org/policykg/graph/a b")
'http://h/store?graph=https%3A%2F%2Fw3id.org%2Fpolicykg%2Fgraph%2Fa+b'
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from policykg.errors import PolicykgError
from policykg.graph.store import open_store

DEFAULT_TIMEOUT = 120.0
MEDIA_TYPE = "application/n-triples"
# With HTTP authentication, a server answers 401 before reading the body and may close the
# connection while a large body is still being sent; bodies are then kept this small (the
# first part replaces the graph with PUT, the others are added with POST).
AUTH_CHUNK_BYTES = 32 * 1024


@dataclass
class PublishReport:
    """What was sent: each graph's IRI and triple count, and where."""

    store_url: str
    graphs: list[tuple[str, int]] = field(default_factory=list)

    @property
    def triples(self) -> int:
        """The number of triples sent, all graphs together."""
        return sum(n for _, n in self.graphs)

    def summary(self) -> str:
        """One line for the terminal."""
        return f"published {len(self.graphs)} graphs ({self.triples} triples) to {self.store_url}"


def default_store_url(endpoint_url: str) -> str:
    """The Graph Store URL next to a query endpoint: last path segment -> ``store``."""
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PolicykgError(f"not an http(s) URL: {endpoint_url!r}")
    head, _, _ = parts.path.rpartition("/")
    return urlunsplit((parts.scheme, parts.netloc, f"{head}/store", "", ""))


def graph_url(store_url: str, graph_iri: str) -> str:
    """The Graph Store URL of one named graph (``?graph=`` with the IRI encoded)."""
    separator = "&" if urlsplit(store_url).query else "?"
    return f"{store_url}{separator}{urlencode({'graph': graph_iri})}"


def _opener(store_url: str) -> tuple[urllib.request.OpenerDirector, str]:
    """An opener (with credentials if the URL has some) and the URL without them."""
    parts = urlsplit(store_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PolicykgError(f"not an http(s) URL: {store_url!r}")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    if ":" in parts.hostname:
        netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    handlers: list[urllib.request.BaseHandler] = []
    if parts.username is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, clean, parts.username, parts.password or "")
        handlers += [
            urllib.request.HTTPBasicAuthHandler(passwords),
            urllib.request.HTTPDigestAuthHandler(passwords),
        ]
    return urllib.request.build_opener(*handlers), clean


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(300).decode("utf-8", "replace")
    except OSError:
        body = ""
    body = " ".join(body.split())
    return f"HTTP {exc.code} {exc.reason}" + (f": {body}" if body else "")


def chunks(data: bytes, limit: int) -> list[bytes]:
    """N-Triples cut at line ends into parts of at most ``limit`` bytes (one line may exceed).

    >>> chunks(b"a .\\nb .\\nc .\\n", 8)
    [b'a .\\nb .\\n', b'c .\\n']
    """
    parts: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for line in data.splitlines(keepends=True):
        if current and size + len(line) > limit:
            parts.append(b"".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current or not parts:
        parts.append(b"".join(current))
    return parts


def put_graph(
    opener: urllib.request.OpenerDirector,
    store_url: str,
    graph_iri: str,
    data: bytes,
    timeout: float = DEFAULT_TIMEOUT,
    method: str = "PUT",
) -> int:
    """Replace (PUT) or extend (POST) one named graph on the server with ``data``
    (N-Triples); the HTTP status."""
    request = urllib.request.Request(
        graph_url(store_url, graph_iri),
        data=data,
        method=method,
        headers={"Content-Type": MEDIA_TYPE},
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise PolicykgError(
            f"Graph Store {store_url} refused graph <{graph_iri}>: {_error_text(exc)}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            text = f"no answer within {timeout:g} s"
        elif isinstance(reason, ConnectionRefusedError):
            text = "connection refused"
        else:
            text = getattr(reason, "strerror", None) or str(reason)
        raise PolicykgError(f"cannot reach Graph Store {store_url}: {text}") from None


def graph_ntriples(store: ox.Store, graph: ox.NamedNode) -> tuple[bytes, int]:
    """One named graph as sorted N-Triples, and its number of triples."""
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
    lines = sorted(set(data.splitlines()))
    return b"\n".join(lines) + (b"\n" if lines else b""), len(lines)


def publish(
    out_dir: str | Path,
    endpoint_url: str | None = None,
    graph_store_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> PublishReport:
    """PUT every named graph of the build in ``out_dir`` to a Graph Store, each whole.

    ``graph_store_url`` defaults to :func:`default_store_url` of ``endpoint_url``.
    """
    if graph_store_url is None:
        if endpoint_url is None:
            raise PolicykgError("give the SPARQL endpoint URL or the Graph Store URL")
        graph_store_url = default_store_url(endpoint_url)
    opener, clean_url = _opener(graph_store_url)
    store = open_store(out_dir)
    graphs = sorted(
        (g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value
    )
    if not graphs:
        raise PolicykgError("the built store holds no named graph to publish", path=out_dir)
    report = PublishReport(store_url=clean_url)
    for graph in graphs:
        data, count = graph_ntriples(store, graph)
        authenticated = urlsplit(graph_store_url).username is not None
        parts = chunks(data, AUTH_CHUNK_BYTES) if authenticated else [data]
        for index, part in enumerate(parts):
            put_graph(
                opener, clean_url, graph.value, part, timeout, "PUT" if index == 0 else "POST"
            )
        report.graphs.append((graph.value, count))
        if progress:
            progress(f"  <{graph.value}>: {count} triples")
    return report
