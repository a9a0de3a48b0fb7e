"""Graph files under ``OUT/``: sorted, reproducible serialisations, written as streams.

- ``graph.nq``: every quad (document graphs and the ontology graph), one per line, sorted
  bytewise and distinct, so that two builds of the same corpus are byte-identical;
- ``graph.trig``: the same dataset in TriG, graph by graph in corpus order (the ontology
  graph last), each graph's triples sorted;
- ``graph.ttl``: the distinct triples of the document graphs (the instance data), sorted.

The files are a function of the quads alone, written as Oxigraph's store writes them
(:func:`canonical_nquads`: typed literals in canonical form, ``"01"^^xsd:integer`` as
``"1"``), so that quads fresh from the mapper and quads read back from the store give the
same bytes. Memory does not grow with the corpus: the lines of ``graph.nq`` go through an
external sort (:class:`LineSorter`: GNU ``sort`` when present, else sorted runs merged in
Python) whose output is written to ``graph.nq`` and, in the same pass, regrouped into
``graph.ttl`` by :class:`TurtleWriter` (text, not objects: copies of a triple in several
graphs are adjacent lines of the sorted output).

>>> quads = [ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
...                  ox.Literal("01", datatype=ox.NamedNode(XSD_INTEGER)),
...                  ox.NamedNode("http://e/g"))]
>>> canonical_nquads(quads)
b'<http://e/s> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://e/g> .\\n'
"""

from __future__ import annotations

import heapq
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pyoxigraph as ox

GRAPH_FILES = {"nquads": "graph.nq", "trig": "graph.trig", "turtle": "graph.ttl"}
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
# Memory the external sort may use for its in-memory runs.
SORT_MEMORY = 256 << 20


def prefixes() -> dict[str, str]:
    """The prefixes used in Turtle and TriG output (the ontology's and the W3C ones)."""
    from policykg.ontology.namespace import PREFIXES

    return dict(PREFIXES)


@cache
def prefix_header() -> bytes:
    """The ``@prefix`` lines that open ``graph.trig``, sorted by prefix.

    >>> prefix_header().splitlines()[0].decode()
    '@prefix action_type: <https://w3id.org/policykg/def/action_type/> .'
    """
    return b"".join(
        f"@prefix {name}: <{iri}> .\n".encode() for name, iri in sorted(prefixes().items())
    )


def sort_lines(data: bytes) -> bytes:
    """The lines of ``data`` sorted bytewise and distinct (each ending with a newline).

    >>> sort_lines(b"b .\\na .\\nb .\\n")
    b'a .\\nb .\\n'
    """
    lines = sorted(set(data.splitlines()))
    return b"\n".join(lines) + b"\n" if lines else b""


_PLAIN_TYPES = frozenset(
    {
        "http://www.w3.org/2001/XMLSchema#string",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
    }
)


@lru_cache(maxsize=1 << 16)
def _canonical_literal(literal: ox.Literal) -> ox.Literal:
    """A typed literal as the store gives it back (``"01"^^xsd:integer`` -> ``"1"``)."""
    store = ox.Store()  # in memory: encoding then decoding gives the canonical form
    node = ox.NamedNode("urn:x")
    store.add(ox.Quad(node, node, literal))
    return next(iter(store)).object


def canonical_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Quads as the store would give them back, distinct, sorted by their N-Quads line."""
    found: dict[str, ox.Quad] = {}
    for quad in quads:
        value = quad.object
        if isinstance(value, ox.Literal) and value.datatype.value not in _PLAIN_TYPES:
            canonical = _canonical_literal(value)
            if canonical != value:
                quad = ox.Quad(quad.subject, quad.predicate, canonical, quad.graph_name)
        found.setdefault(str(quad), quad)
    return [found[key] for key in sorted(found)]


def canonical_nquads(quads: Iterable[ox.Quad]) -> bytes:
    """N-Quads lines as Oxigraph's store writes them, sorted and distinct (see the module)."""
    return ox.serialize(canonical_quads(quads), format=ox.RdfFormat.N_QUADS) or b""


def graph_nquads(store: ox.Store, graph: ox.NamedNode) -> bytes:
    """The N-Quads lines of one named graph of a store, sorted (canonical, as stored)."""
    triples = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
    suffix = f" {graph} .".encode()
    return sort_lines(b"\n".join(line[:-2] + suffix for line in triples.splitlines()))


def trig_body(quads: Iterable[ox.Quad] | bytes) -> bytes:
    """TriG of sorted quads (or N-Quads lines) without the ``@prefix`` lines.

    Each document's body can be written by a worker process; the bodies concatenated
    after :func:`prefix_header` form ``graph.trig``.
    """
    if isinstance(quads, bytes):
        quads = ox.parse(quads, format=ox.RdfFormat.N_QUADS)
    text = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes()) or b""
    start = 0
    while text.startswith(b"@prefix ", start):
        start = text.index(b"\n", start) + 1
    return text[start:]


def _gnu_sort() -> str | None:
    """The path of GNU ``sort`` (needed for its options), or None."""
    path = shutil.which("sort")
    if path is None:
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if b"GNU" in done.stdout else None


class LineSorter:
    """Sorts lines bytewise (distinct) without holding them in memory.

    GNU ``sort`` (``LC_ALL=C``, bounded buffer, temporary runs in ``workdir``) reads the
    lines through a pipe while the caller goes on; without it, runs of ``memory`` bytes
    are sorted in Python and merged. Both give the same lines, read back with
    :meth:`sorted_lines`.

    >>> folder = Path(tempfile.mkdtemp())
    >>> sorter = LineSorter(folder, system_sort=False)
    >>> sorter.write(b"c\\na\\n"); sorter.write(b"b\\na\\n")
    >>> list(sorter.sorted_lines())
    [b'a\\n', b'b\\n', b'c\\n']
    """

    def __init__(
        self,
        workdir: Path,
        memory: int = SORT_MEMORY,
        jobs: int = 1,
        system_sort: bool | None = None,
    ):
        self.memory = memory
        self._workdir = Path(tempfile.mkdtemp(prefix=".sort-", dir=workdir))
        self._runs: list[Path] = []
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._process: subprocess.Popen | None = None
        command = _gnu_sort() if system_sort is not False else None
        if system_sort and command is None:
            raise RuntimeError("GNU sort is not available")
        if command:
            options = ["-u", "-S", f"{max(1, memory >> 10)}K", f"--parallel={max(1, jobs)}"]
            self._process = subprocess.Popen(
                [command, *options, "-T", str(self._workdir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "LC_ALL": "C"},
            )

    def write(self, data: bytes) -> None:
        """Add lines (bytes ending with a newline)."""
        if not data:
            return
        if self._process is not None:
            self._process.stdin.write(data)
            return
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= self.memory:
            self._spill()

    def _spill(self) -> None:
        run = self._workdir / f"run-{len(self._runs):05d}"
        run.write_bytes(sort_lines(b"".join(self._buffer)))
        self._runs.append(run)
        self._buffer, self._buffered = [], 0

    def sorted_lines(self) -> Iterator[bytes]:
        """Every line written, sorted and distinct, as they come out of the merge; raises
        ``RuntimeError`` at the end if the sort failed."""
        try:
            if self._process is not None:
                self._process.stdin.close()
                yield from self._process.stdout
                self._process.stdout.close()
                if self._process.wait() != 0:
                    raise RuntimeError(f"sort failed with status {self._process.returncode}")
                return
            if self._buffer:
                self._spill()
            with ExitStack() as stack:
                # Compare lines without their newline, as sort(1) does.
                runs = [
                    (line[:-1] for line in stack.enter_context(open(run, "rb")))
                    for run in self._runs
                ]
                previous = None
                for line in heapq.merge(*runs):
                    if line != previous:
                        yield line + b"\n"
                        previous = line
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop sorting and remove the temporary files."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self._workdir, ignore_errors=True)


class TurtleWriter:
    """Writes N-Triples lines as Turtle, grouping a subject's triples (``;``) and a
    predicate's objects (``,``), with prefixed names where the local part is plain.

    The terms of N-Triples are valid Turtle terms, so lines are regrouped as text, without
    parsing them into objects: several times faster than a parser and serialiser pair.
    Lines must come grouped by subject (sorted lines are).

    >>> import io
    >>> out = io.BytesIO()
    >>> writer = TurtleWriter(out, {"ex": "http://e/"})
    >>> for line in [b'<http://e/s> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ...              b'<http://e/s> <http://e/p> <http://e/o>',
    ...              b'<http://e/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/C>']:
    ...     writer.add(line)
    >>> writer.close()
    >>> out.getvalue().decode().splitlines()
    ['@prefix ex: <http://e/> .', 'ex:s ex:p 1 , ex:o ;', '\\ta ex:C .']
    """

    _TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    _BARE = {  # datatypes whose canonical lexical forms Turtle writes bare
        b"<http://www.w3.org/2001/XMLSchema#integer>": re.compile(rb'"[+-]?[0-9]+"'),
        b"<http://www.w3.org/2001/XMLSchema#boolean>": re.compile(rb'"(?:true|false)"'),
    }

    def __init__(self, output, prefixes: dict[str, str]):
        self._output = output
        self._pending: list[bytes] = []
        self._subject = self._predicate = None
        names = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self._names = {iri.encode(): name.encode() for name, iri in names}
        alternatives = b"|".join(re.escape(iri.encode()) for _, iri in names)
        self._iri = re.compile(rb"<(" + alternatives + rb")([A-Za-z_][A-Za-z0-9_-]*)>")
        self._cache: dict[bytes, bytes] = {}
        output.write(
            b"".join(f"@prefix {n}: <{i}> .\n".encode() for n, i in sorted(prefixes.items()))
        )

    def _term(self, term: bytes) -> bytes:
        if term.startswith(b"<"):
            found = self._iri.fullmatch(term)
            return self._names[found.group(1)] + b":" + found.group(2) if found else term
        if term.endswith(b">"):  # a typed literal
            cached = self._cache.get(term)
            if cached is None:
                lexical, _, datatype = term.rpartition(b"^^")
                bare = self._BARE.get(datatype)
                if bare is not None and bare.fullmatch(lexical):
                    cached = lexical[1:-1]
                else:
                    cached = lexical + b"^^" + self._term(datatype)
                if len(self._cache) < 1 << 16:
                    self._cache[term] = cached
            return cached
        return term

    def add(self, line: bytes) -> None:
        """Add one N-Triples line (``S P O``, without the final `` .`` and newline)."""
        subject, predicate, value = line.split(b" ", 2)
        value = self._term(value)
        if subject == self._subject:
            if predicate == self._predicate:
                self._pending.append(b" , " + value)
            else:
                verb = b"a" if predicate == self._TYPE else self._term(predicate)
                self._pending.append(b" ;\n\t" + verb + b" " + value)
        else:
            if self._subject is not None:
                self._pending.append(b" .\n")
            verb = b"a" if predicate == self._TYPE else self._term(predicate)
            self._pending.append(self._term(subject) + b" " + verb + b" " + value)
            if len(self._pending) > 4096:
                self._output.write(b"".join(self._pending))
                self._pending = []
        self._subject, self._predicate = subject, predicate

    def close(self) -> None:
        """Write what is pending (the output stays open)."""
        if self._subject is not None:
            self._pending.append(b" .\n")
        self._output.write(b"".join(self._pending))
        self._pending = []


@dataclass
class FileCounts:
    """What the graph files hold: quads (all graphs) and distinct triples (document graphs)."""

    quads: int = 0
    triples: int = 0


def write_nquads_and_turtle(
    lines: Iterable[bytes],
    nquads_path: Path,
    turtle_path: Path,
    exclude_graph: str,
    merged: Callable[[bytes], None] | None = None,
) -> FileCounts:
    """Write sorted N-Quads lines to ``nquads_path`` and, except one graph's, their
    distinct triples as Turtle to ``turtle_path``, in one pass.

    In sorted N-Quads the copies of a triple in several graphs are adjacent lines, so
    dropping the graph names and the repeats needs no memory. ``merged``, when given,
    receives the distinct triples of *all* the graphs as N-Triples lines, in batches
    (the build loads them into the store's default graph: see :mod:`.store`).
    """
    counts = FileCounts()
    excluded = f" <{exclude_graph}> .\n".encode()
    with open(nquads_path, "wb") as nquads, open(turtle_path, "wb") as turtle:
        writer = TurtleWriter(turtle, prefixes())
        previous = previous_any = None
        batch: list[bytes] = []
        distinct: list[bytes] = []
        for line in lines:
            counts.quads += 1
            batch.append(line)
            triple = line[: line.rindex(b" ", 0, len(line) - 3)]  # drop " <graph> .\n"
            if len(batch) >= 4096:
                nquads.write(b"".join(batch))
                batch = []
                if merged is not None:
                    merged(b"".join(distinct))
                    distinct = []
            if merged is not None and triple != previous_any:
                distinct.append(triple + b" .\n")
                previous_any = triple
            if line.endswith(excluded):
                continue
            if triple != previous:
                writer.add(triple)
                previous = triple
                counts.triples += 1
        nquads.write(b"".join(batch))
        if merged is not None:
            merged(b"".join(distinct))
        writer.close()
    return counts


class GraphFiles:
    """Writes ``graph.nq``, ``graph.trig`` and ``graph.ttl`` from one graph after another.

    Call :meth:`add_graph` with each graph's sorted N-Quads lines (see
    :func:`canonical_nquads`, :func:`graph_nquads`) in the order TriG should show them,
    then :meth:`close`; :meth:`abort` on failure.
    """

    def __init__(
        self, folder: Path, ontology_graph: str, jobs: int = 1, system_sort: bool | None = None
    ):
        self.folder, self.ontology_graph = Path(folder), ontology_graph
        self._sorter = LineSorter(self.folder, jobs=jobs, system_sort=system_sort)
        self._trig = open(self.folder / GRAPH_FILES["trig"], "wb")  # noqa: SIM115
        self._trig.write(prefix_header())

    def add_graph(self, nquads: bytes, trig: bytes | None = None) -> None:
        """Add one graph's N-Quads lines (and its TriG body, when already made)."""
        self._sorter.write(nquads)
        self._trig.write(trig_body(nquads) if trig is None else trig)

    def add_lines(self, nquads: bytes) -> None:
        """Add N-Quads lines of graphs whose TriG was given apart (empty ``nquads`` to
        :meth:`add_graph`): any order, any number of graphs."""
        self._sorter.write(nquads)

    def close(self, merged: Callable[[bytes], None] | None = None) -> FileCounts:
        """Finish the three files; the counts of quads and distinct data triples.

        ``merged`` receives the distinct triples of all the graphs (N-Triples lines).
        """
        self._trig.close()
        return write_nquads_and_turtle(
            self._sorter.sorted_lines(),
            self.folder / GRAPH_FILES["nquads"],
            self.folder / GRAPH_FILES["turtle"],
            self.ontology_graph,
            merged,
        )

    def abort(self) -> None:
        """Stop writing (the caller removes the folder)."""
        self._trig.close()
        self._sorter.abort()


def write_graph_files(
    store: ox.Store, graphs: list[ox.NamedNode], folder: Path, ontology_graph: str, jobs: int = 1
) -> FileCounts:
    """Write the three graph files of a store's graphs (in this order) into ``folder``."""
    files = GraphFiles(folder, ontology_graph, jobs=jobs)
    try:
        for graph in graphs:
            files.add_graph(graph_nquads(store, graph))
    except BaseException:
        files.abort()
        raise
    return files.close()


# --- whole-store helpers, in memory (fine for small graphs; the build streams instead) ---


def sorted_nquads(store: ox.Store) -> bytes:
    """Every quad of the store's named graphs as N-Quads, lines sorted (held in memory;
    the merged default graph is left out)."""
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return sort_lines(b"".join(graph_nquads(store, ox.NamedNode(g)) for g in graphs))


def union_triples(store: ox.Store, graphs: list[ox.NamedNode]) -> list[ox.Triple]:
    """The distinct triples of some named graphs, sorted (held in memory)."""
    if not graphs:
        return []
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=graphs)
    unique = {(str(t.subject), str(t.predicate), str(t.object)): t for t in triples}
    return [unique[k] for k in sorted(unique)]
