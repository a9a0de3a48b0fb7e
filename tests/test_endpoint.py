"""Remote endpoints, publish and serve, against a real Oxigraph server on 127.0.0.1.

Each dataset gets a fresh ``oxigraph serve --union-default-graph`` on a free port; the build
is published to it with the Graph Store Protocol, then every library query must give the
same rows through ``--endpoint`` as on the embedded store.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from policykg.graph.publish import publish, put_graph
from policykg.graph.serve import PAGE_FILE, Server, find_oxigraph, free_port, wait_for_port
from policykg.graph.store import open_store
from policykg.queries.library import list_queries
from policykg.queries.runner import run_query
from tests.conftest import SEED_IDS, seed_path
from tests.test_query_runner import ID, PAYLOAD, G, cli, make_out, write_rq

SEED_MANIFEST = """\
contracts:
  tours-2015-2020: {territory: "Tour(s)plus", period: "2015-2020"}
  tours-2024-2030: {territory: "Tours Métropole Val de Loire", period: "2024-2030"}
  nantes-2015-2020: {territory: "Nantes Métropole", period: "2015-2020"}
documents:
  - {file: 000.txt, contract: tours-2015-2020}
  - {file: 001.txt, contract: tours-2015-2020}
  - {file: 002.txt, contract: tours-2015-2020}
  - {file: 003.txt, contract: tours-2024-2030}
  - {file: 004.txt, contract: nantes-2015-2020}
"""
# Parameter values tried on top of the defaults, by parameter type.
SAMPLES = {
    "string": ["emploi", PAYLOAD],
    "code": ["1.1.1"],
    "integer": ["1"],
    "decimal": ["0.5"],
    "date": ["2020-01-01"],
    "boolean": ["true"],
}


def build_seeds(folder: Path) -> Path:
    """The five seeds built with the real pipeline."""
    from policykg.graph.build import build_corpus

    corpus = folder / "corpus"
    corpus.mkdir()
    for short in SEED_IDS:
        shutil.copy(seed_path(short), corpus / f"{short}.txt")
    (corpus / "corpus.yaml").write_text(SEED_MANIFEST, encoding="utf-8")
    report = build_corpus(corpus, folder / "out", jobs=1)
    assert not report.failed, [d.error for d in report.failed]
    return folder / "out"


class OxigraphServer:
    """``oxigraph serve`` (read-write) on a free port of 127.0.0.1, for one test module."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.log = open(folder / "oxigraph.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                find_oxigraph(),
                "serve",
                "--location",
                str(folder / "db"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--union-default-graph",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port("127.0.0.1", self.port, self.process, timeout=30)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module", params=["sample", "seeds"])
def published(request, tmp_path_factory):
    """(out folder, query endpoint URL, server) with the build published to the server."""
    base = tmp_path_factory.mktemp(request.param)
    out = make_out(base / "out") if request.param == "sample" else build_seeds(base)
    server = OxigraphServer(base)
    try:
        report = publish(out, f"{server.url}/query")
        assert report.graphs and report.store_url == f"{server.url}/store"
        yield out, f"{server.url}/query", server
    finally:
        server.stop()


def rows(result) -> list[tuple[str, ...]]:
    return sorted(result.canonical_rows())


def param_cases() -> list:
    cases = []
    for query in list_queries():
        cases.append(pytest.param(query, {}, id=f"{query.name}-defaults"))
        for param in query.params:
            for value in SAMPLES.get(param.type, []):
                cases.append(
                    pytest.param(
                        query, {param.name: value}, id=f"{query.name}-{param.name}={value[:8]}"
                    )
                )
    return cases


@pytest.mark.server
@pytest.mark.parametrize(("query", "params"), param_cases())
def test_every_library_query_agrees_embedded_and_remote(published, query, params):
    out, endpoint, _ = published
    embedded = run_query(query, params, out_dir=out)
    remote = run_query(query, params, endpoint=endpoint)
    assert remote.kind == embedded.kind and remote.variables == embedded.variables
    assert rows(remote) == rows(embedded)


@pytest.mark.server
def test_graph_parameters_agree_for_every_published_graph(published):
    out, endpoint, _ = published
    graphs = [r[0].value for r in run_query("graphs", out_dir=out).rows]
    assert graphs
    for graph in graphs:
        embedded = run_query("classes", {"graph": graph}, out_dir=out)
        assert rows(run_query("classes", {"graph": graph}, endpoint=endpoint)) == rows(embedded)


@pytest.mark.server
def test_user_queries_agree_ask_construct_and_filters(published, tmp_path):
    out, endpoint, _ = published
    queries = {
        "ask.rq": "ASK { GRAPH ?g { ?s a ?class } }",
        "construct.rq": "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } ",
        "langs.rq": "SELECT ?lang (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?l WHERE { "
        "?s ?p ?l FILTER(isLiteral(?l)) } } GROUP BY (LANG(?l) AS ?lang)",
    }
    for name, text in queries.items():
        path = str(write_rq(tmp_path, name, text))
        embedded = run_query(path, out_dir=out, limit=0)
        remote = run_query(path, endpoint=endpoint, limit=0)
        assert (remote.kind, remote.boolean) == (embedded.kind, embedded.boolean)
        assert rows(remote) == rows(embedded), name


@pytest.mark.server
def test_a_word_in_a_comment_does_not_change_the_query_form(published, tmp_path):
    """SPARQLWrapper alone takes "added" in this comment for an ADD update and sends the
    query to the update service; the runner tells it the form."""
    out, endpoint, _ = published
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> # the added labels\n"
        "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 5"
    )
    path = str(write_rq(tmp_path, "comment.rq", text))
    embedded = run_query(path, out_dir=out)
    remote = run_query(path, endpoint=endpoint)
    assert remote.kind == "select" and len(embedded.rows) == 5
    assert rows(remote) == rows(embedded)


@pytest.mark.server
def test_without_distinct_the_embedded_store_counts_each_triple_once(published, tmp_path):
    """The embedded store's default graph is the merged graph (a set); Oxigraph's union
    default graph repeats a triple once per graph holding it."""
    out, endpoint, _ = published
    path = str(write_rq(tmp_path, "n.rq", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    embedded = int(run_query(path, out_dir=out).rows[0][0].value)
    remote = int(run_query(path, endpoint=endpoint).rows[0][0].value)
    named = [q for q in open_store(out) if isinstance(q.graph_name, ox.NamedNode)]
    assert embedded == len({(q.subject, q.predicate, q.object) for q in named}) < remote


@pytest.mark.server
def test_query_command_on_the_endpoint_prints_the_same_json(published):
    out, endpoint, _ = published
    local = cli("query", "graphs", "--format", "json", str(out))
    remote = cli("query", "graphs", "--format", "json", "--endpoint", endpoint)
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert json.loads(remote.output) == json.loads(local.output)


@pytest.mark.server
def test_an_injection_payload_returns_nothing_and_changes_nothing(published):
    out, endpoint, _ = published
    before = rows(run_query("graphs", endpoint=endpoint))
    assert run_query("labels", {"text": PAYLOAD}, endpoint=endpoint).rows == []
    assert run_query("labels", {"text": PAYLOAD}, out_dir=out).rows == []
    assert rows(run_query("graphs", endpoint=endpoint)) == before
    assert before == rows(run_query("graphs", out_dir=out))


@pytest.mark.server
def test_publish_replaces_each_graph_whole(published):
    out, endpoint, server = published
    graph = run_query("graphs", out_dir=out).rows[0][0].value
    opener = urllib.request.build_opener()
    put_graph(
        opener,
        f"{server.url}/store",
        graph,
        b'<http://example.org/stale> <http://example.org/p> "old" .\n',
    )
    assert rows(run_query("graphs", endpoint=endpoint)) != rows(run_query("graphs", out_dir=out))
    result = cli("publish", "--endpoint", endpoint, str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("published ")
    assert rows(run_query("graphs", endpoint=endpoint)) == rows(run_query("graphs", out_dir=out))


# --- a second server of another make: Virtuoso (Debian virtuoso-opensource-7-bin) ----------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 5
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""
# Queries over the whole default graph: Virtuoso's union also holds its own system graphs.
WHOLE_STORE = {"graphs", "classes"}


class VirtuosoServer:
    """A fresh Virtuoso Open Source 7 database, HTTP and SQL bound to 127.0.0.1."""

    def __init__(self, folder: Path):
        binary = shutil.which("virtuoso-t")
        assert binary, (
            "Virtuoso is not installed: run .ci/install-system-deps "
            "(Debian package virtuoso-opensource-7-bin)"
        )
        db = folder / "virtuoso"
        db.mkdir()
        self.port = free_port()
        ini = db / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=free_port(), http_port=self.port))
        self.log = open(db / "stdout.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=db,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port("127.0.0.1", self.port, self.process, timeout=120)
        self.url = f"http://127.0.0.1:{self.port}"
        # the default administrator of a new database; the server only listens on loopback
        self.store = f"http://dba:dba@127.0.0.1:{self.port}/sparql-graph-crud-auth"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module", params=["sample", "seeds"])
def virtuoso(request, tmp_path_factory):
    """(out folder, query endpoint URL) with the build published to a new Virtuoso."""
    base = tmp_path_factory.mktemp(f"virtuoso-{request.param}")
    out = make_out(base / "out") if request.param == "sample" else build_seeds(base)
    server = VirtuosoServer(base)
    try:
        result = cli("publish", "--store", server.store, str(out))
        assert result.exit_code == 0, result.output
        assert "dba" not in result.output  # credentials are never printed
        yield out, f"{server.url}/sparql"
    finally:
        server.stop()


@pytest.mark.server
@pytest.mark.parametrize(("query", "params"), param_cases())
def test_library_queries_agree_on_virtuoso(virtuoso, query, params):
    out, endpoint = virtuoso
    embedded = run_query(query, params, out_dir=out)
    remote = run_query(query, params, endpoint=endpoint)
    if query.name in WHOLE_STORE:
        ours = {r[0].value for r in run_query("graphs", out_dir=out).rows}
        if query.name == "graphs":
            remote.rows = [r for r in remote.rows if r[0].value in ours]
        else:
            for graph in sorted(ours):
                assert rows(run_query(query, {"graph": graph}, endpoint=endpoint)) == rows(
                    run_query(query, {"graph": graph}, out_dir=out)
                )
            return
    assert remote.kind == embedded.kind and remote.variables == embedded.variables
    assert rows(remote) == rows(embedded)


@pytest.mark.server
def test_user_queries_agree_on_virtuoso(virtuoso, tmp_path):
    out, endpoint = virtuoso
    graph = run_query("graphs", out_dir=out).rows[0][0].value
    queries = {
        "ask.rq": f"ASK {{ GRAPH <{graph}> {{ ?s a ?class }} }}",
        "no.rq": 'ASK { ?s ?p "no such text, anywhere" }',
        "construct.rq": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
    }
    for name, text in queries.items():
        path = str(write_rq(tmp_path, name, text))
        embedded, remote = run_query(path, out_dir=out), run_query(path, endpoint=endpoint)
        assert (remote.kind, remote.boolean) == (embedded.kind, embedded.boolean), name
        assert rows(remote) == rows(embedded), name


# --- errors -------------------------------------------------------------------------------


@pytest.mark.server
def test_an_unreachable_endpoint_gets_one_line(tmp_path):
    out = make_out(tmp_path / "out")
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    result = cli("query", "graphs", "--endpoint", url)
    assert result.exit_code == 1
    assert result.output == f"error: cannot reach SPARQL endpoint {url}: connection refused\n"
    result = cli("publish", "--endpoint", url, str(out))
    assert result.exit_code == 1
    store = url.replace("/query", "/store")
    assert result.output == f"error: cannot reach Graph Store {store}: connection refused\n"
    result = cli("query", "graphs", "--endpoint", "ftp://example.org/sparql")
    assert result.output == "error: not an http(s) URL: 'ftp://example.org/sparql'\n"


@pytest.mark.server
def test_a_wrong_graph_store_url_is_reported(published):
    out, _, server = published
    result = cli("publish", "--store", f"{server.url}/nowhere", str(out))
    assert result.exit_code == 1
    assert result.output.startswith(f"error: Graph Store {server.url}/nowhere refused graph <")
    assert "HTTP 404" in result.output and len(result.output.splitlines()) == 1


# --- serve -----------------------------------------------------------------------------------


def http(
    url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None
) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    out = make_out(tmp_path_factory.mktemp("served") / "out")
    with Server(out, port=0) as server:
        yield out, server


def sparql_json(server: Server, query: str) -> dict:
    status, kind, body = http(
        server.url + "query",
        query.encode(),
        {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert status == 200 and "json" in kind, body
    return json.loads(body)


@pytest.mark.server
def test_serve_binds_loopback_and_serves_the_query_page(served):
    out, server = served
    assert server.httpd.server_address[0] == "127.0.0.1"
    assert server.process.args[1] == "serve-read-only"
    assert server.process.args[server.process.args.index("--bind") + 1].startswith("127.0.0.1:")
    status, kind, page = http(server.url)
    assert status == 200 and kind.startswith("text/html")
    assert page == (out / PAGE_FILE).read_bytes()
    text = page.decode("utf-8")
    for query in list_queries():
        assert f'id="q-{query.name}"' in text and query.summary in text
    assert "<script src=" not in text and "<link" not in text  # self-contained


@pytest.mark.server
def test_serve_answers_queries_like_the_embedded_store(served):
    out, server = served
    data = sparql_json(
        server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    got = sorted((b["g"]["value"], b["n"]["value"]) for b in data["results"]["bindings"])
    expected = sorted((r[0].value, r[1].value) for r in run_query("graphs", out_dir=out).rows)
    assert got == expected
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    status, _, body = http(
        f"{server.url}sparql?{query}", headers={"Accept": "application/sparql-results+json"}
    )
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.server
def test_serve_runs_library_queries_with_checked_parameters(served):
    _, server = served
    form = urllib.parse.urlencode({"name": "labels", "param.text": "SOINS"}).encode()
    status, _, body = http(server.url + "run", form)
    bindings = json.loads(body)["results"]["bindings"]
    assert status == 200 and [b["resource"]["value"] for b in bindings] == [f"{ID}fiche/1-1-2"]
    form = urllib.parse.urlencode({"name": "labels", "param.text": PAYLOAD}).encode()
    status, _, body = http(server.url + "run", form)
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    form = urllib.parse.urlencode({"name": "classes", "param.graph": "not an iri"}).encode()
    status, _, body = http(server.url + "run", form)
    assert status == 400 and "expects an absolute IRI" in json.loads(body)["error"]


@pytest.mark.server
def test_serve_refuses_every_kind_of_update(served):
    _, server = served
    before = sparql_json(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = [
        ("query", urllib.parse.urlencode({"update": "DROP ALL"}).encode(), form, None),
        ("query", b"DROP ALL", {"Content-Type": "application/sparql-update"}, None),
        ("update", urllib.parse.urlencode({"update": "DROP ALL"}).encode(), form, None),
        (f"store?graph={G}doc-a", b"", {"Content-Type": "application/n-triples"}, "PUT"),
        (f"store?graph={G}doc-a", None, {}, "DELETE"),
    ]
    for path, data, headers, method in attempts:
        status, _, _ = http(server.url + path, data, headers, method)
        assert status == 403, path
    status, _, _ = http(
        server.url + "query", urllib.parse.urlencode({"query": "DROP ALL"}).encode(), form
    )
    assert status == 400  # not a query: the parser refuses it
    after = sparql_json(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert after == before and int(after["results"]["bindings"][0]["n"]["value"]) == 16


@pytest.mark.server
def test_the_serve_command_starts_and_stops_cleanly(tmp_path):
    out = make_out(tmp_path / "out")
    command = [
        sys.executable,
        "-c",
        "from policykg.cli_queries import serve_command; serve_command(prog_name='policykg serve')",
        "--port",
        "0",
        str(out),
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        assert line.startswith("query page: http://127.0.0.1:"), line
        url = line.split()[2]
        status, _, page = http(url)
        assert status == 200 and b"policykg: SPARQL queries" in page
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stderr.close()
    store = str(out / "store")
    left = [p for p in Path("/proc").glob("[0-9]*") if _cmdline(p).find(store) >= 0]
    assert not left, "the Oxigraph server outlived `policykg serve`"


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


@pytest.mark.server
def test_serving_a_folder_without_a_build_is_one_line(tmp_path):
    result = cli("serve", "--port", "0", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "run `policykg build` first" in result.output
    assert os.listdir(tmp_path) == []
