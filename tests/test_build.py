"""End to end: the Tour(s)plus seeds built into a graph, reproducibly, atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from policykg.cli import main
from tests.conftest import SEED_IDS, answer_key, seed_path

TOURS = ("000", "001", "002")
MANIFEST = """\
contracts:
  tours-2015-2020:
    territory: "Tour(s)plus (agglomération tourangelle)"
    period: "2015-2020"
    epci_siren: "243700754"
documents:
{entries}
"""


def make_corpus(folder: Path, seeds=TOURS, extra: dict[str, bytes] | None = None) -> Path:
    """A corpus folder holding copies of some seeds (and extra files) with a corpus.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for short in seeds:
        name = f"{SEED_IDS[short]}.txt"
        shutil.copy(seed_path(short), folder / name)
        entries.append(f"  - {{file: {name}, contract: tours-2015-2020}}")
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
        entries.append(f"  - {{file: {name}, contract: tours-2015-2020}}")
    (folder / "corpus.yaml").write_text(
        MANIFEST.format(entries="\n".join(entries)), encoding="utf-8"
    )
    return folder


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("built")
    corpus = make_corpus(base / "corpus")
    result = run("build", str(corpus), "-o", str(base / "out"))
    assert result.exit_code == 0, result.output
    return base / "out"


def test_build_writes_the_graph_files_and_a_report(built):
    for name in ("graph.ttl", "graph.trig", "graph.nq", "report.json"):
        assert (built / name).stat().st_size > 0, name
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    assert [d["status"] for d in report["documents"]] == ["ok", "ok", "ok"]
    assert sum(d["fiches"] for d in report["documents"]) == 3
    assert report["triples"] > 300
    for doc in report["documents"]:
        assert doc["mapped_lines"] + doc["unmapped_lines"] + doc["layout_lines"] == doc["lines"]


def test_the_build_prints_what_it_built(tmp_path):
    corpus = make_corpus(tmp_path / "c", seeds=("000",))
    result = run("build", str(corpus), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "built 1 of 1 documents" in result.output
    assert "1 fiches" in result.output and "triples" in result.output
    assert "unmapped text:" in result.output


def test_a_fiche_described_by_two_documents_is_reported(tmp_path, built):
    copy = seed_path("000").read_bytes()
    corpus = make_corpus(tmp_path / "c", seeds=("000",), extra={"copie.txt": copy})
    result = run("build", str(corpus), "-o", str(tmp_path / "out"), "--no-views")
    assert result.exit_code == 0, result.output
    code = answer_key("000")["fiches"][0]["code"]
    warned = [line for line in result.output.splitlines() if "described by" in line]
    assert warned == [
        f"warning: tours-2015-2020: fiche {code} is described by 2 documents"
        f" ({SEED_IDS['000']}.txt, copie.txt); the graph merges them into one fiche: check"
        " that one is not an older version or a mistyped code"
    ]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [d["fiche_codes"] for d in report["documents"]] == [[code], [code]]
    assert report["warnings"] == [w.removeprefix("warning: ") for w in warned]
    seeds = json.loads((built / "report.json").read_text(encoding="utf-8"))
    assert not any("described by" in w for w in seeds["warnings"])


def test_rapper_reads_graph_ttl(built):
    assert shutil.which("rapper"), "raptor's rapper is missing: run .ci/install-system-deps"
    done = subprocess.run(
        ["rapper", "-i", "turtle", "-c", str(built / "graph.ttl")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    data = rdflib.Graph().parse(built / "graph.ttl", format="turtle")
    assert f"Parsing returned {len(data)} triples" in done.stderr


def test_the_built_graph_conforms_to_the_shapes(built):
    result = run("validate", str(built))
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_building_twice_gives_identical_outputs(built, tmp_path):
    """A second build, in another process (other hash seeds), gives the same bytes."""
    corpus = make_corpus(tmp_path / "corpus")
    subprocess.run(
        [sys.executable, "-m", "policykg", "build", str(corpus), "-o", str(tmp_path / "again")],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert (tmp_path / "again" / "graph.nq").read_bytes() == (built / "graph.nq").read_bytes()
    assert (tmp_path / "again" / "graph.ttl").read_bytes() == (built / "graph.ttl").read_bytes()
    first = rdflib.Dataset().parse(built / "graph.trig", format="trig")
    second = rdflib.Dataset().parse(tmp_path / "again" / "graph.trig", format="trig")
    names = sorted(str(g.identifier) for g in first.graphs())
    assert names == sorted(str(g.identifier) for g in second.graphs())
    for name in names:
        assert isomorphic(first.graph(rdflib.URIRef(name)), second.graph(rdflib.URIRef(name)))


def test_nquads_are_sorted_and_have_no_blank_nodes(built):
    lines = (built / "graph.nq").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert not any(line.startswith("_:") or " _:" in line for line in lines)


def test_one_named_graph_per_document_with_provenance(built):
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    graphs = {d["graph"] for d in report["documents"]}
    assert len(graphs) == 3
    data = rdflib.Dataset().parse(built / "graph.trig", format="trig")
    sha = {
        row.sha
        for row in data.query(
            "PREFIX prov: <http://www.w3.org/ns/prov#> "
            "SELECT ?g ?sha WHERE { GRAPH ?g { ?doc a prov:Entity ; ?p ?sha . "
            "FILTER(STRLEN(STR(?sha)) = 64 && REGEX(STR(?sha), '^[0-9a-f]+$')) } }"
        )
    }
    import hashlib

    expected = {hashlib.sha256(seed_path(s).read_bytes()).hexdigest() for s in TOURS}
    assert {str(s) for s in sha} == expected


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", bytes(range(256)) * 40, "binary file"),
        (
            "recipe.txt",
            "Tarte aux pommes\n\nIngrédients : pommes, sucre.\n".encode(),
            "no known fiche template",
        ),
    ],
)
def test_bad_documents_get_one_line_naming_the_file(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["extract", str(path)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("error: ") and name in message and words in message


def test_a_bad_document_fails_alone_and_the_rest_builds(tmp_path):
    corpus = make_corpus(tmp_path / "c", seeds=("000", "001"), extra={"empty.txt": b""})
    result = run("build", str(corpus), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "built 2 of 3 documents; 1 failed: " in result.output
    assert "empty.txt" in result.output and "empty file" in result.output
    assert (tmp_path / "out" / "graph.ttl").is_file()


def test_a_failed_build_leaves_the_previous_output_intact(tmp_path, built):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = (out / "graph.nq").read_bytes()
    corpus = tmp_path / "bad"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    result = run("build", str(corpus), "-o", str(out))
    assert result.exit_code == 1
    assert "no document could be built" in result.output
    assert (out / "graph.nq").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_the_readme_worked_example_holds(built):
    """The triples and the query result shown in the README come out of the build."""
    import re

    import pyoxigraph as ox

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    turtle = readme.split("```turtle", 1)[1].split("```", 1)[0]
    shown = rdflib.Graph().parse(
        data="@prefix pkg: <https://w3id.org/policykg/def#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + turtle,
        format="turtle",
    )
    data = rdflib.Graph().parse(built / "graph.ttl", format="turtle")
    missing = [t for t in shown if t not in data]
    assert not missing, missing
    query = readme.split("```sparql", 1)[1].split("```", 1)[0]
    store = ox.Store.read_only(str(built / "store"))
    rows = [
        (r["partner"].value, r["employer"].value if r["employer"] else "")
        for r in store.query(query, use_default_graph_as_union=True)
    ]
    table = readme.split("| partner | employer |", 1)[1].split("\n\n", 1)[0]
    expected = [
        tuple(c.strip() for c in line.strip("|").split("|"))
        for line in table.strip().splitlines()[1:]
    ]
    assert rows == expected
    counts = re.search(
        r"(\d+) objectives,\s+(\d+) expected outputs, (\d+) expected effects, "
        r"(\d+) partners",
        readme,
    )
    from policykg.loaders.registry import extract

    (fiche,) = extract(seed_path("001")).fiches
    partners = {p.name for p in fiche.partners if p.role == "partenaire"}
    assert tuple(int(n) for n in counts.groups()) == (
        len(fiche.objectives),
        len(fiche.expected_outputs),
        len(fiche.expected_effects),
        len(partners),
    )


def test_build_writes_the_analytics_views_and_index(built):
    """After `build`, OUT/index.html links the views, and the analytics are in the store."""
    import pyoxigraph as ox

    index = (built / "index.html").read_text(encoding="utf-8")
    views = sorted(p.name for p in (built / "views").glob("*.html"))
    assert {"actors.html", "fiches.html", "graph.html"} <= set(views)
    for name in views:
        if not name.startswith(("fiche-", "actor-")):
            assert f"views/{name}" in index
    assert (built / "analytics").is_dir() and list((built / "analytics").glob("*.csv"))
    store = ox.Store.read_only(str(built / "store"))
    graphs = {g.value for g in store.named_graphs()}
    assert "https://w3id.org/policykg/id/analytics/graph" in graphs


def test_no_views_builds_only_the_graph(tmp_path):
    corpus = make_corpus(tmp_path / "c", seeds=("000",))
    result = run("build", str(corpus), "-o", str(tmp_path / "out"), "--no-views")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out" / "index.html").exists()
    assert (tmp_path / "out" / "graph.ttl").is_file()
