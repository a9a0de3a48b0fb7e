"""The build pipeline: corpus folder -> records -> RDF -> store and files under ``OUT/``.

Each document is read, parsed and mapped on its own, in worker processes on all cores
when there are many. Workers hand back bytes (the document's canonical N-Quads and its
TriG), never Python objects; the main process streams them, in corpus order, to a
:class:`~policykg.graph.store.BatchLoader` (bulk loads in a background thread) and to
:class:`~policykg.graph.serialize.GraphFiles` (external sort for ``graph.nq``, TriG
written as it comes, Turtle streamed from the sorted N-Quads), so memory does not grow
with the corpus. One named graph per document; a document that fails is reported and
skipped, the others still build.

Outputs are written to a temporary folder that replaces ``OUT/`` only once everything is
written, so an interrupted or failed build leaves the previous ``OUT/`` intact.

An incremental build (``update=True``) starts from a copy of the previous store, re-reads
only the documents that are new or changed (file checksum, manifest entry, contract, or
policykg itself: see :func:`build_fingerprint`), replaces their named graphs whole, drops
the graphs of documents gone from the corpus and rewrites the graph files: the result is
the same, byte for byte, as a full build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox

from policykg import __version__
from policykg.errors import PolicykgError
from policykg.graph import atomic, reuse
from policykg.graph import store as graph_store
from policykg.graph.mapper import SourceInfo, document_graph, map_nquads, ontology_quads
from policykg.graph.serialize import GraphFiles, canonical_quads, graph_nquads, trig_body
from policykg.loaders.corpus import Corpus, DocumentEntry, load_corpus
from policykg.loaders.records import Contract
from policykg.loaders.registry import read_and_extract
from policykg.ontology.namespace import ONTOLOGY_IRI

REPORT_FILE = "report.json"
# Documents per build above which parsing runs in worker processes.
PARALLEL_THRESHOLD = 8
# Documents handed to each worker ahead of need (bounds the results held in memory).
WINDOW_PER_WORKER = 8
# The code and data that decide what a document becomes: whole packages, or some modules.
_FINGERPRINTED = {
    "policykg.loaders": None,
    "policykg.ontology": None,
    "policykg.graph": (
        "build.py",
        "iris.py",
        "mapper.py",
        "nquads.py",
        "places.py",
        "serialize.py",
        "structure.py",
    ),
}


@dataclass
class DocumentReport:
    """What the build did with one document."""

    file: str
    contract: str
    status: str = "ok"
    error: str | None = None
    template: str | None = None
    graph: str | None = None
    fiches: int = 0
    fiche_codes: list[str] = field(default_factory=list)
    actions: int = 0
    quads: int = 0
    lines: int = 0
    mapped_lines: int = 0
    unmapped_lines: int = 0
    layout_lines: int = 0
    warnings: list[str] = field(default_factory=list)
    sha256: str | None = None
    fingerprint: str | None = None


@dataclass
class BuildReport:
    """What a build produced, document by document.

    ``timings`` (seconds per phase) is for benchmarks: it is not written to
    ``report.json``, which stays the same for the same corpus.
    """

    corpus: str
    out: str
    documents: list[DocumentReport] = field(default_factory=list)
    triples: int = 0
    quads: int = 0
    warnings: list[str] = field(default_factory=list)
    build_fingerprint: str = ""
    reused: int = 0
    timings: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def failed(self) -> list[DocumentReport]:
        """The documents that could not be built."""
        return [d for d in self.documents if d.status != "ok"]

    def summary(self) -> str:
        """A few lines for the terminal: counts, unmapped text, failures."""
        ok = [d for d in self.documents if d.status == "ok"]
        failed = f"; {len(self.failed)} failed: {self.failed[0].error}" if self.failed else ""
        lines = [
            f"built {len(ok)} of {len(self.documents)} documents{failed}",
            f"into {self.out}: "
            f"{sum(d.fiches for d in ok)} fiches, {sum(d.actions for d in ok)} actions, "
            f"{self.triples} triples ({self.quads} quads in "
            f"{len({d.graph for d in ok})} document graphs)",
        ]
        if self.reused:
            lines.append(
                f"incremental: {self.reused} unchanged documents kept, "
                f"{len(self.documents) - self.reused} read again"
            )
        unmapped = [d for d in ok if d.unmapped_lines]
        lines.append(
            f"unmapped text: {sum(d.unmapped_lines for d in ok)} lines in "
            f"{len(unmapped)} documents (kept in the graph as pkg:UnmappedText)"
        )
        for d in self.documents:
            if d.status == "ok":
                lines.append(
                    f"  {d.file} [{d.template}] {d.fiches} fiches, {d.actions} actions, "
                    f"lines {d.mapped_lines} mapped / {d.unmapped_lines} unmapped / "
                    f"{d.layout_lines} layout of {d.lines}"
                )
        if self.failed:
            lines.append(f"{len(self.failed)} failed:")
            lines.extend(f"  {d.error}" for d in self.failed)
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The report as JSON-ready data (written to ``OUT/report.json``)."""
        data = asdict(self)
        del data["timings"], data["reused"]
        return data


@cache
def build_fingerprint() -> str:
    """A digest of what decides a document's graph: policykg's version, the code and data
    of its loaders and ontology, the mapper and serialisation, and pyoxigraph's version.

    An incremental build reuses a document's graph only under the same fingerprint.

    >>> len(build_fingerprint())
    16
    """
    digest = hashlib.sha256(f"{__version__} {ox.__version__}".encode())

    def walk(node, prefix: str, only: tuple[str, ...] | None = None) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name == "__pycache__" or child.name.endswith((".pyc", ".pyo")):
                continue
            if only is not None and child.name not in only:
                continue
            name = f"{prefix}/{child.name}"
            if child.is_dir():
                walk(child, name)
            else:
                digest.update(name.encode() + b"\0" + child.read_bytes() + b"\0")

    for package, only in _FINGERPRINTED.items():
        walk(files(package), package, only)
    return digest.hexdigest()[:16]


def document_fingerprint(sha256: str, entry: DocumentEntry, contract: Contract) -> str:
    """What a document's graph depends on: its bytes, manifest entry, contract and
    :func:`build_fingerprint`."""
    facts = {
        "sha256": sha256,
        "file": entry.relative,
        "contract": entry.contract_id,
        "template": entry.template,
        "contract_data": dataclasses.asdict(contract),
        "build": build_fingerprint(),
    }
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class _DocumentResult:
    report: DocumentReport
    nquads: bytes = b""
    trig: bytes = b""


def _process(entry: DocumentEntry, contract: Contract) -> _DocumentResult:
    """Read, parse and map one document; never raises (failures go into the report)."""
    report = DocumentReport(file=entry.relative, contract=entry.contract_id)
    try:
        entry.check()  # a bad corpus.yaml entry fails its document with corpus.yaml:LINE
        document, extraction = read_and_extract(entry.path, entry.template, contract)
        extraction.contract = contract
        line_count = document.line_count if document else extraction.lines.total()
        source = SourceInfo(
            file_name=entry.relative,
            sha256=document.sha256 if document else _sha256(entry.path),
            template=extraction.template or "canonical",
            format=document.format if document else "yaml",
            contract_id=entry.contract_id,
            line_count=line_count,
        )
        nquads, trig, quad_count = map_nquads(extraction, source)
        report.template = source.template
        report.graph = document_graph(source, contract).value
        report.fiches = len(extraction.fiches)
        report.fiche_codes = sorted({f.code for f in extraction.fiches if f.code})
        report.actions = len(extraction.actions)
        report.quads = quad_count
        report.lines = line_count
        report.mapped_lines = len(extraction.lines.mapped)
        report.unmapped_lines = len(extraction.lines.unmapped)
        report.layout_lines = len(extraction.lines.layout)
        report.warnings = list(extraction.warnings) + (document.warnings if document else [])
        report.sha256 = source.sha256
        report.fingerprint = document_fingerprint(source.sha256, entry, contract)
        return _DocumentResult(report, nquads, trig)
    except PolicykgError as exc:
        report.status, report.error = "failed", str(exc)
    except Exception as exc:  # a parser bug must not stop the rest of the corpus
        report.status = "failed"
        report.error = (
            f"{entry.relative}: internal error while reading ({type(exc).__name__}: {exc})"
        )
    return _DocumentResult(report)


class _Workers:
    """Documents processed in order, in worker processes when there are many.

    At most ``WINDOW_PER_WORKER`` documents per worker are in flight, so results do not
    pile up in memory when the consumer is slower than the parsers.
    """

    def __init__(self, tasks: list[tuple[DocumentEntry, Contract]], jobs: int):
        self._tasks = tasks
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque = deque()
        self._next = 0
        if jobs > 1 and len(tasks) > PARALLEL_THRESHOLD:
            # fork: workers start at once and share the parent's loaded modules.
            methods = multiprocessing.get_all_start_methods()
            context = (
                multiprocessing.get_context("fork")
                if sys.platform == "linux" and "fork" in methods
                else None
            )
            self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
            for _ in range(jobs * WINDOW_PER_WORKER):
                self._submit()

    def _submit(self) -> None:
        if self._pool is not None and self._next < len(self._tasks):
            self._pending.append(self._pool.submit(_process, *self._tasks[self._next]))
            self._next += 1

    def __iter__(self) -> Iterator[_DocumentResult]:
        if self._pool is None:
            yield from (_process(e, c) for e, c in self._tasks)
            return
        while self._pending:
            result = self._pending.popleft().result()
            self._submit()
            yield result

    def close(self) -> None:
        """Stop the workers (pending documents are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _previous_documents(out: Path) -> dict[str, DocumentReport] | None:
    """The documents of the previous build in ``out``, or None if it cannot be reused."""
    try:
        data = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
        if data.get("build_fingerprint") != build_fingerprint():
            return None
        previous = [DocumentReport(**d) for d in data["documents"]]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not (out / graph_store.STORE_DIR).is_dir():
        return None
    return {d.file: d for d in previous}


def _reusable(corpus: Corpus, previous: dict[str, DocumentReport]) -> dict[str, DocumentReport]:
    """The previous documents whose graphs an incremental build can keep."""
    kept = {}
    for entry in corpus.documents:
        before = previous.get(entry.relative)
        if before is None or before.status != "ok" or not before.graph:
            continue
        try:
            sha = _sha256(entry.path)
        except OSError:
            continue  # read again, to report the error as a full build would
        if before.fingerprint == document_fingerprint(sha, entry, corpus.contract_of(entry)):
            kept[entry.relative] = before
    return kept


class _Clock:
    """Seconds spent per phase (for :attr:`BuildReport.timings`)."""

    def __init__(self, timings: dict[str, float]):
        self.timings, self._last = timings, time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = round(self.timings.get(phase, 0.0) + now - self._last, 3)
        self._last = now


def build_corpus(
    corpus_dir: str | Path,
    out_dir: str | Path,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    update: bool = False,
    views: bool = True,
) -> BuildReport:
    """Build a corpus folder into ``out_dir`` (store, graph files, report).

    With ``update``, reuse the previous build in ``out_dir`` and read again only the
    documents that are new or changed (a full build when there is no usable previous
    build). With ``views`` (the default), the network analytics (their own named graph
    and ``OUT/analytics/*.csv``), ``OUT/views/*.html`` and ``OUT/index.html`` are written
    too. Raises :class:`PolicykgError` when nothing could be built; the previous
    ``out_dir`` is then left as it was.
    """
    say = progress or (lambda message: None)
    started = time.perf_counter()
    clock = _Clock({})
    corpus = load_corpus(corpus_dir)
    clock.lap("corpus")
    out = Path(out_dir)
    jobs = jobs or os.cpu_count() or 1
    report = BuildReport(
        corpus=str(corpus_dir),
        out=str(out),
        warnings=list(corpus.warnings),
        build_fingerprint=build_fingerprint(),
        timings=clock.timings,
    )
    atomic.clean_stale(out)  # restores OUT and removes what a killed build left
    previous = _previous_documents(out) if update else None
    if update and previous is None:
        say("no reusable previous build here: building everything")
    kept = _reusable(corpus, previous) if previous is not None else {}
    clock.lap("plan")
    tmp = atomic.staging_dir(out)
    tasks = [(e, corpus.contract_of(e)) for e in corpus.documents if e.relative not in kept]
    say(
        f"reading {len(tasks)} documents ({len(kept)} unchanged) with "
        f"{min(jobs, max(1, len(tasks)))} worker(s)"
    )
    workers = None
    try:
        workers = _Workers(tasks, jobs)  # forks before the store opens
        store = _open_store(tmp, out, previous, kept)
        kept_graphs = {d.graph for d in kept.values()}
        previous_files = reuse.open_previous(out, kept_graphs) if kept else None
        with previous_files or nullcontext() as kept_files:
            _stream(corpus, report, store, workers, kept, kept_files, tmp, jobs, clock)
        report.warnings.extend(shared_fiche_warnings(report.documents))
        say(f"wrote the graph files ({report.triples} triples)")
        if views:
            from policykg.viz.index import write_site

            write_site(store, tmp, progress=say)
            clock.lap("views")
        store.flush()
        del store
        (tmp / REPORT_FILE).write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        atomic.publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if workers is not None:
            workers.close()
    clock.lap("finish")
    report.timings["total"] = round(time.perf_counter() - started, 3)
    return report


def shared_fiche_warnings(documents: list[DocumentReport]) -> list[str]:
    """A warning per fiche code that several documents of one contract describe: the graph
    makes them one fiche (an older version left in the corpus, or a mistyped code?).

    >>> docs = [DocumentReport("a.txt", "c", fiche_codes=["1.1"]),
    ...         DocumentReport("b.txt", "c", fiche_codes=["1.1", "1.2"])]
    >>> shared_fiche_warnings(docs)  # doctest: +NORMALIZE_WHITESPACE
    ['c: fiche 1.1 is described by 2 documents (a.txt, b.txt); the graph merges them
      into one fiche: check that one is not an older version or a mistyped code']
    """
    files: dict[tuple[str, str], list[str]] = {}
    for d in documents:
        if d.status == "ok":
            for code in d.fiche_codes:
                files.setdefault((d.contract, code), []).append(d.file)
    return [
        f"{contract}: fiche {code} is described by {len(names)} documents"
        f" ({', '.join(names)}); the graph merges them into one fiche: check that one is"
        " not an older version or a mistyped code"
        for (contract, code), names in sorted(files.items())
        if len(names) > 1
    ]


def _open_store(
    tmp: Path, out: Path, previous: dict | None, kept: dict[str, DocumentReport]
) -> ox.Store:
    """A new store, or a copy of the previous one holding only the graphs to keep (the
    graphs of changed and removed documents, the ontology graph and any derived graph,
    such as the analytics, are dropped: they are written again)."""
    path = tmp / graph_store.STORE_DIR
    if previous is None:
        return graph_store.create_store(path)
    store = graph_store.copy_store(out / graph_store.STORE_DIR, path)
    graph_store.clear_merged(store)  # written again from the named graphs
    keep = {d.graph for d in kept.values()}
    for graph in sorted(g.value for g in store.named_graphs()):
        if graph not in keep:
            store.remove_graph(ox.NamedNode(graph))
    return store


def _stream(
    corpus: Corpus,
    report: BuildReport,
    store: ox.Store,
    workers: _Workers,
    kept: dict[str, DocumentReport],
    kept_files: reuse.PreviousGraphFiles | None,
    tmp: Path,
    jobs: int,
    clock: _Clock,
) -> None:
    """Documents in corpus order -> the store and the graph files; fills ``report``.

    The graph files' lines and TriG of the ``kept`` documents are read from the previous
    build's files (``kept_files``), or else dumped from the store."""
    loader = graph_store.BatchLoader(store)
    merged = None
    graph_files = GraphFiles(tmp, str(ONTOLOGY_IRI), jobs=jobs)
    try:
        results = iter(workers)
        for entry in corpus.documents:
            if entry.relative in kept:
                document = kept[entry.relative]
                if kept_files is not None:
                    graph_files.add_graph(b"", kept_files.trig_body(document.graph))
                else:
                    graph_files.add_graph(graph_nquads(store, ox.NamedNode(document.graph)))
            else:
                result = next(results)
                document = result.report
                loader.add(result.nquads)
                graph_files.add_graph(result.nquads, result.trig)
            report.documents.append(document)
        if kept_files is not None:
            for lines in kept_files.nquads({d.graph for d in kept.values()}):
                graph_files.add_lines(lines)
        report.reused = len(kept)
        if not any(d.status == "ok" for d in report.documents):
            reasons = "; ".join(d.error or "" for d in report.documents)
            raise PolicykgError(f"no document could be built: {reasons}", path=corpus.folder)
        ontology = canonical_quads(ontology_quads())
        nquads = ox.serialize(ontology, format=ox.RdfFormat.N_QUADS) or b""
        loader.add(nquads)
        graph_files.add_graph(nquads, trig_body(ontology))
        clock.lap("documents")
        loader.close()
        clock.lap("load")
        merged = graph_store.BatchLoader(store)  # the merged default graph (see .store)
        counts = graph_files.close(merged=merged.add)
        merged.close()
        clock.lap("files")
    except BaseException:
        loader.abort()
        if merged is not None:
            merged.abort()
        graph_files.abort()
        raise
    report.quads, report.triples = counts.quads, counts.triples
