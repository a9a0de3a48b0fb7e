"""The build at scale, without timing: parallel and incremental builds give the same bytes.

A small generated corpus (three contracts, one per text template, plus a YAML document)
is built with one and with two worker processes, then changed (one document edited, one
added, one removed) and built again incrementally and in full. Timings live in
``benchmarks/run.py``, never here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner

from benchmarks.generate import generate_corpus
from policykg.cli import main
from policykg.errors import PolicykgError
from policykg.graph import build as build_module
from policykg.graph import reuse
from policykg.graph.build import build_corpus
from policykg.graph.serialize import (
    GRAPH_FILES,
    LineSorter,
    _gnu_sort,
    graph_nquads,
    sort_lines,
    trig_body,
    write_graph_files,
)
from policykg.graph.store import count_quads, open_store
from policykg.ontology.namespace import ONTOLOGY_IRI

FILES = (*GRAPH_FILES.values(), "report.json")


def _outputs(out: Path) -> dict[str, bytes]:
    """The bytes of the graph files and of the report (without the output path in it)."""
    found = {name: (out / name).read_bytes() for name in GRAPH_FILES.values()}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    del report["out"]
    found["report.json"] = json.dumps(report, sort_keys=True).encode()
    return found


def _documents(corpus: Path) -> list[dict]:
    return yaml.safe_load((corpus / "corpus.yaml").read_text(encoding="utf-8"))["documents"]


def _write_documents(corpus: Path, documents: list[dict]) -> None:
    manifest = yaml.safe_load((corpus / "corpus.yaml").read_text(encoding="utf-8"))
    manifest["documents"] = documents
    (corpus / "corpus.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "corpus"
    generate_corpus(folder, contracts=3)
    return folder


@pytest.fixture(scope="module")
def serial(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "out"
    build_corpus(corpus, out, jobs=1, views=False)
    return out


@pytest.fixture(scope="module")
def parallel(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parallel") / "out"
    build_corpus(corpus, out, jobs=2, views=False)
    return out


def test_the_generated_corpus_is_parsed_in_worker_processes(corpus):
    assert len(_documents(corpus)) > build_module.PARALLEL_THRESHOLD
    templates = {d["template"] for d in _documents(corpus)}
    assert {"orientation", "projet", "plan"} <= templates


def test_two_workers_give_the_same_bytes_as_one(serial, parallel):
    one, two = _outputs(serial), _outputs(parallel)
    for name in FILES:
        assert one[name] == two[name], name


def test_every_document_builds_and_the_counts_match_the_files(parallel):
    report = json.loads((parallel / "report.json").read_text(encoding="utf-8"))
    assert [d["status"] for d in report["documents"]] == ["ok"] * len(report["documents"])
    lines = (parallel / "graph.nq").read_bytes().splitlines()
    assert report["quads"] == len(lines) == len(set(lines))
    assert lines == sorted(lines)
    parsed = ox.parse(path=str(parallel / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    turtle = {ox.Triple(t.subject, t.predicate, t.object) for t in parsed}
    quads = ox.parse(path=str(parallel / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    data = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in quads
        if q.graph_name != ox.NamedNode(str(ONTOLOGY_IRI))
    }
    assert len(turtle) == report["triples"]
    assert turtle == data
    store = open_store(parallel)
    union = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o }"
    union += f" FILTER(?g != <{ONTOLOGY_IRI}>) }} }}"
    assert int(next(iter(store.query(union)))["n"].value) == report["triples"]
    assert count_quads(store) == report["quads"]


def test_graph_nq_holds_what_the_named_graphs_hold(parallel):
    store = open_store(parallel)
    quads = ox.parse(store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
    named = [q for q in quads if isinstance(q.graph_name, ox.NamedNode)]
    dumped = sort_lines(ox.serialize(named, format=ox.RdfFormat.N_QUADS))
    assert dumped == (parallel / "graph.nq").read_bytes()


def test_the_default_graph_is_the_set_union_of_the_named_graphs(parallel):
    """Queries without GRAPH read the merged default graph: each triple of any named
    graph once, and nothing else."""
    store = open_store(parallel)
    default = {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    union = {
        (q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(parallel / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    }
    assert default == union
    assert len(store) == count_quads(store) + len(union)
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(rows))["n"].value) == len(union)


def test_the_graph_files_can_be_written_again_from_the_store_alone(parallel, tmp_path):
    report = json.loads((parallel / "report.json").read_text(encoding="utf-8"))
    graphs = [ox.NamedNode(d["graph"]) for d in report["documents"]]
    store = open_store(parallel)
    counts = write_graph_files(
        store, [*graphs, ox.NamedNode(str(ONTOLOGY_IRI))], tmp_path, str(ONTOLOGY_IRI)
    )
    assert (counts.quads, counts.triples) == (report["quads"], report["triples"])
    for name in GRAPH_FILES.values():
        assert (tmp_path / name).read_bytes() == (parallel / name).read_bytes(), name


def test_trig_shows_one_graph_per_document_in_corpus_order(parallel):
    report = json.loads((parallel / "report.json").read_text(encoding="utf-8"))
    text = (parallel / "graph.trig").read_text(encoding="utf-8")
    positions = [text.index(f"<{d['graph']}> {{") for d in report["documents"]]
    assert positions == sorted(positions)
    assert text.index(f"<{ONTOLOGY_IRI}> {{") > positions[-1]
    data = ox.Dataset(ox.parse(path=str(parallel / "graph.trig"), format=ox.RdfFormat.TRIG))
    assert len(data) == report["quads"]


@pytest.fixture(scope="module")
def changed(corpus, parallel, tmp_path_factory):
    """The corpus after one edit, one addition and one removal, built incrementally."""
    folder = tmp_path_factory.mktemp("changed") / "corpus"
    shutil.copytree(corpus, folder)
    documents = _documents(folder)
    edited = next(d for d in documents if d["template"] == "orientation")
    path = folder / edited["file"]
    path.write_text(
        path.read_text(encoding="utf-8") + "\nUne ligne ajoutée au bas de la fiche.\n",
        encoding="utf-8",
    )
    removed = next(d for d in documents if d["template"] == "projet")
    (folder / removed["file"]).unlink()
    source = next(d for d in documents if d["template"] == "plan")
    added = dict(source, file=source["file"].replace(".txt", "-bis.txt"))
    shutil.copy(folder / source["file"], folder / added["file"])
    _write_documents(folder, [d for d in documents if d is not removed] + [added])
    out = tmp_path_factory.mktemp("incremental") / "out"
    shutil.copytree(parallel, out)
    report = build_corpus(folder, out, jobs=2, update=True, views=False)
    return folder, out, report, edited, removed, added


def test_an_update_reads_only_new_and_changed_documents(changed):
    folder, out, report, edited, removed, added = changed
    assert report.reused == len(_documents(folder)) - 2
    assert report.timings["total"] > 0


def test_an_update_gives_the_same_bytes_as_a_full_build(changed, parallel, tmp_path):
    folder, out, _, edited, removed, added = changed
    full = tmp_path / "full"
    build_corpus(folder, full, jobs=2, views=False)
    updated, rebuilt = _outputs(out), _outputs(full)
    for name in FILES:
        assert updated[name] == rebuilt[name], name
    assert updated["graph.nq"] != _outputs(parallel)["graph.nq"]  # the changes show


def test_the_previous_files_give_each_graph_as_the_store_does(parallel):
    """An update reads kept graphs from the previous graph.trig and graph.nq: they must
    be, graph by graph, the bytes a dump from the store gives."""
    store = open_store(parallel)
    graphs = {d["graph"] for d in json.loads((parallel / "report.json").read_text())["documents"]}
    with reuse.open_previous(parallel, graphs) as previous:
        assert previous.blocks.keys() == graphs | {str(ONTOLOGY_IRI)}
        lines = b"".join(previous.nquads(graphs))
        for graph in sorted(graphs):
            dumped = graph_nquads(store, ox.NamedNode(graph))
            assert previous.trig_body(graph) == trig_body(dumped), graph
        assert sort_lines(lines) == lines  # a subsequence of the sorted graph.nq
        every = sort_lines(b"".join(graph_nquads(store, ox.NamedNode(g)) for g in graphs))
        assert lines == every
    assert reuse.open_previous(parallel, graphs | {"https://example.org/other"}) is None


def test_an_update_reads_kept_graphs_from_the_files_not_the_store(changed, monkeypatch, tmp_path):
    """With the previous graph files there, no kept graph is dumped from the store; without
    them, every kept graph is, and the outputs are the same bytes."""
    folder, out, _, _, _, _ = changed
    dumped = []

    def counting(store, graph):
        dumped.append(graph)
        return graph_nquads(store, graph)

    monkeypatch.setattr(build_module, "graph_nquads", counting)
    again = tmp_path / "again"
    shutil.copytree(out, again)
    build_corpus(folder, again, jobs=1, update=True, views=False)
    assert dumped == [] and _outputs(again) == _outputs(out)
    (again / "graph.trig").unlink()
    build_corpus(folder, again, jobs=1, update=True, views=False)
    assert len(dumped) == len(_documents(folder)) and _outputs(again) == _outputs(out)


def test_an_update_replaces_changed_graphs_and_drops_removed_ones(changed, parallel):
    folder, out, report, edited, removed, added = changed
    before = {d["file"]: d for d in json.loads((parallel / "report.json").read_text())["documents"]}
    after = {d.file: d for d in report.documents}
    assert removed["file"] not in after
    assert after[edited["file"]].sha256 != before[edited["file"]]["sha256"]
    graphs = {g.value for g in open_store(out).named_graphs()}
    assert before[removed["file"]]["graph"] not in graphs
    assert after[added["file"]].graph in graphs and after[edited["file"]].graph in graphs
    assert graphs == {d.graph for d in report.documents} | {str(ONTOLOGY_IRI)}


def test_an_update_drops_derived_graphs_it_does_not_write_again(corpus, parallel, tmp_path):
    """A graph that no document owns (e.g. the analytics of an earlier build) does not
    survive an update that does not write it again."""
    out = tmp_path / "out"
    shutil.copytree(parallel, out)
    store = ox.Store(str(out / "store"))
    stale = ox.NamedNode("https://w3id.org/policykg/id/analytics/graph")
    store.add(ox.Quad(stale, stale, ox.Literal("stale"), stale))
    store.flush()
    del store
    build_corpus(corpus, out, jobs=1, update=True, views=False)
    assert stale not in set(open_store(out).named_graphs())
    assert _outputs(out) == _outputs(parallel)


def test_an_update_without_a_previous_build_builds_everything(corpus, parallel, tmp_path):
    messages = []
    report = build_corpus(corpus, tmp_path / "out", jobs=1, update=True, progress=messages.append)
    assert report.reused == 0
    assert any("building everything" in m for m in messages)
    assert _outputs(tmp_path / "out") == _outputs(parallel)


def test_a_document_whose_contract_changes_is_read_again(corpus, parallel, tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(corpus, folder)
    manifest = yaml.safe_load((folder / "corpus.yaml").read_text(encoding="utf-8"))
    contract = next(iter(manifest["contracts"]))
    manifest["contracts"][contract]["territory"] += " (renommé)"
    (folder / "corpus.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8"
    )
    out = tmp_path / "out"
    shutil.copytree(parallel, out)
    report = build_corpus(folder, out, jobs=1, update=True)
    same_contract = [d for d in manifest["documents"] if d["contract"] == contract]
    assert report.reused == len(manifest["documents"]) - len(same_contract)
    build_corpus(folder, tmp_path / "full", jobs=1)
    assert _outputs(out) == _outputs(tmp_path / "full")


def test_a_failed_update_leaves_the_previous_output_intact(corpus, parallel, tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(corpus, folder)
    documents = _documents(folder)
    for d in documents:
        (folder / d["file"]).write_bytes(b"")
    out = tmp_path / "out"
    shutil.copytree(parallel, out)
    with pytest.raises(PolicykgError, match="no document could be built"):
        build_corpus(folder, out, jobs=1, update=True)
    assert _outputs(out) == _outputs(parallel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]


def test_the_cli_update_option_reports_what_it_kept(corpus, parallel, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(parallel, out)
    result = CliRunner().invoke(main, ["build", str(corpus), "-o", str(out), "--update"])
    assert result.exit_code == 0, result.output
    kept = len(_documents(corpus))
    assert f"incremental: {kept} unchanged documents kept, 0 read again" in result.output


@pytest.mark.slow
def test_the_generated_corpus_conforms_to_the_shapes(parallel):
    from policykg.graph.validate import validate_output

    report = validate_output(parallel)
    assert report.conforms, report.summary()


LINES = [
    b'<a> <p> "x" <g> .',
    b'<a> <p> "x y" <g> .',
    b"<a> <p> <b> <g> .",
    b"<a> <p> <b> <g2> .",
    b"<ab> <p> <b> <g> .",
    '<é> <p> "ü" <g> .'.encode(),
    b"<a> <p> <b> <g> .",
]


@pytest.mark.parametrize("system_sort", [False, True])
def test_the_external_sort_matches_sorting_in_memory(tmp_path, system_sort):
    if system_sort and _gnu_sort() is None:
        pytest.skip("GNU sort is not installed")
    sorter = LineSorter(tmp_path, memory=40, system_sort=system_sort)
    for line in LINES:
        sorter.write(line + b"\n")
    (tmp_path / "out").write_bytes(b"".join(sorter.sorted_lines()))
    expected = sorted(set(LINES))
    assert (tmp_path / "out").read_bytes().splitlines() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
