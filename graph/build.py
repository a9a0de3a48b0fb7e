"""The build pipeline: corpus folder -> records -> RDF -> store and files under ``OUT/``.

Each document is read, parsed and mapped on its own (in worker processes when there are
many), giving N-Quads that are bulk-loaded into the store, one named graph per document.
A document that fails is reported and skipped; the others still build. Outputs are
written to a temporary folder that replaces ``OUT/`` only once everything is written, so
an interrupted or failed build leaves the previous ``OUT/`` intact.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.errors import PolicykgError
from policykg.graph import store as graph_store
from policykg.graph.mapper import SourceInfo, document_graph, map_extraction, ontology_quads
from policykg.graph.serialize import write_graph_files
from policykg.loaders.corpus import Corpus, DocumentEntry, load_corpus
from policykg.loaders.records import Contract
from policykg.loaders.registry import read_and_extract

REPORT_FILE = "report.json"
# Documents per build above which parsing runs in worker processes.
PARALLEL_THRESHOLD = 8


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
    actions: int = 0
    quads: int = 0
    lines: int = 0
    mapped_lines: int = 0
    unmapped_lines: int = 0
    layout_lines: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    """What a build produced, document by document."""

    corpus: str
    out: str
    documents: list[DocumentReport] = field(default_factory=list)
    triples: int = 0
    quads: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[DocumentReport]:
        """The documents that could not be built."""
        return [d for d in self.documents if d.status != "ok"]

    def summary(self) -> str:
        """A few lines for the terminal: counts, unmapped text, failures."""
        ok = [d for d in self.documents if d.status == "ok"]
        lines = [
            f"built {len(ok)} of {len(self.documents)} documents into {self.out}: "
            f"{sum(d.fiches for d in ok)} fiches, {sum(d.actions for d in ok)} actions, "
            f"{self.triples} triples ({self.quads} quads in "
            f"{len({d.graph for d in ok})} document graphs)",
        ]
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
        return asdict(self)


@dataclass
class _DocumentResult:
    report: DocumentReport
    nquads: bytes = b""


def _process(entry: DocumentEntry, contract: Contract) -> _DocumentResult:
    """Read, parse and map one document; never raises (failures go into the report)."""
    report = DocumentReport(file=entry.relative, contract=entry.contract_id)
    try:
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
        quads = map_extraction(extraction, source)
        report.template = source.template
        report.graph = document_graph(source, contract).value
        report.fiches = len(extraction.fiches)
        report.actions = len(extraction.actions)
        report.quads = len(quads)
        report.lines = line_count
        report.mapped_lines = len(extraction.lines.mapped)
        report.unmapped_lines = len(extraction.lines.unmapped)
        report.layout_lines = len(extraction.lines.layout)
        report.warnings = list(extraction.warnings) + (document.warnings if document else [])
        return _DocumentResult(report, ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    except PolicykgError as exc:
        report.status, report.error = "failed", str(exc)
    except Exception as exc:  # a parser bug must not stop the rest of the corpus
        report.status = "failed"
        report.error = f"{entry.relative}: internal error while reading ({type(exc).__name__}: {exc})"
    return _DocumentResult(report)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _process_all(corpus: Corpus, jobs: int) -> list[_DocumentResult]:
    tasks = [(e, corpus.contract_of(e)) for e in corpus.documents]
    if jobs > 1 and len(tasks) > PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(_process, *zip(*tasks, strict=True), chunksize=4))
    return [_process(e, c) for e, c in tasks]


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp``; the old folder is removed only after the new one is in."""
    old = out.with_name(f".{out.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def build_corpus(
    corpus_dir: str | Path,
    out_dir: str | Path,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build a corpus folder into ``out_dir`` (store, graph files, report).

    Raises :class:`PolicykgError` when nothing could be built; the previous ``out_dir``
    is then left as it was.
    """
    corpus = load_corpus(corpus_dir)
    out = Path(out_dir)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    report = BuildReport(corpus=str(corpus_dir), out=str(out), warnings=list(corpus.warnings))
    try:
        results = _process_all(corpus, jobs or os.cpu_count() or 1)
        report.documents = [r.report for r in results]
        if not any(d.status == "ok" for d in report.documents):
            reasons = "; ".join(d.error or "" for d in report.documents)
            raise PolicykgError(f"no document could be built: {reasons}", path=corpus_dir)
        store = graph_store.create_store(tmp / graph_store.STORE_DIR)
        graph_store.load_nquads(store, b"".join(r.nquads for r in results))
        graph_store.load_quads(store, ontology_quads())
        data_graphs = sorted(
            {ox.NamedNode(d.graph) for d in report.documents if d.graph}, key=lambda g: g.value
        )
        report.quads = graph_store.count_quads(store)
        report.triples = graph_store.count_distinct_triples(store, data_graphs)
        if progress:
            progress(f"writing graph files ({report.triples} triples)")
        write_graph_files(store, data_graphs, tmp)
        store.flush()
        del store
        (tmp / REPORT_FILE).write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report
