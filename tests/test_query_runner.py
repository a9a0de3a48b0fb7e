"""The query library and its runner on the embedded store: headers, parameters, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib.plugins.sparql import prepareQuery

from policykg.cli_queries import COMMANDS
from policykg.errors import InputError, PolicykgError
from policykg.graph.store import create_store, load_nquads, merge_named_graphs, open_store
from policykg.queries.formats import render
from policykg.queries.library import (
    PARAM_TYPES,
    bind_params,
    inject_values,
    list_queries,
    load_query,
    parse_query,
    where_group_offset,
)
from policykg.queries.runner import canonical_term, check_syntax, run_query

PAYLOAD = 'x" } ; DROP ALL ; #'
STORED = 'y" } ; CLEAR ALL ; #'  # a label in the data that looks like an attack too
G = "https://w3id.org/policykg/graph/"
ID = "https://w3id.org/policykg/id/"
PKG = "https://w3id.org/policykg/def#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TITLE = "http://purl.org/dc/terms/title"
XSD = "http://www.w3.org/2001/XMLSchema#"

# A small dataset in the build's shape: one named graph per document, an ontology graph.
SAMPLE_NQUADS = f"""\
<{ID}fiche/1-1-1> <{RDF_TYPE}> <{PKG}Fiche> <{G}doc-a> .
<{ID}fiche/1-1-1> <{LABEL}> "Emploi et développement économique"@fr <{G}doc-a> .
<{ID}fiche/1-1-1> <{PKG}code> "1.1.1" <{G}doc-a> .
<{ID}fiche/1-1-1> <{PKG}rank> "3"^^<{XSD}int> <{G}doc-a> .
<{ID}fiche/1-1-2> <{RDF_TYPE}> <{PKG}Fiche> <{G}doc-a> .
<{ID}fiche/1-1-2> <{TITLE}> "Santé dans les quartiers | accès aux soins" <{G}doc-a> .
<{ID}fiche/1-1-2> <{PKG}code> "1.1.2" <{G}doc-a> .
<{ID}fiche/1-1-2> <{PKG}amount> "12000.50"^^<{XSD}decimal> <{G}doc-a> .
<{ID}action/7> <{RDF_TYPE}> <{PKG}Action> <{G}doc-b> .
<{ID}action/7> <{LABEL}> "{STORED.replace('"', chr(92) + '"')}" <{G}doc-b> .
<{ID}action/7> <{PKG}start> "2015-01-01"^^<{XSD}date> <{G}doc-b> .
<{ID}action/7> <{PKG}note> _:n1 <{G}doc-b> .
_:n1 <{LABEL}> "Note sur le quartier Europe" <{G}doc-b> .
<{ID}fiche/1-1-1> <{RDF_TYPE}> <{PKG}Fiche> <{G}doc-b> .
<{PKG}Fiche> <{LABEL}> "Fiche"@fr <{G}ontology> .
<{PKG}Action> <{LABEL}> "Action"@fr <{G}ontology> .
"""


def make_out(folder: Path, nquads: str = SAMPLE_NQUADS) -> Path:
    """An output folder holding a store built from N-Quads (what `policykg build` writes)."""
    store = create_store(folder / "store")
    load_nquads(store, nquads.encode("utf-8"))
    merge_named_graphs(store)
    store.flush()
    del store
    return folder


def store_dump(out: Path) -> bytes:
    """Every quad of a built store, sorted (to show that a query changed nothing)."""
    data = open_store(out).dump(format=ox.RdfFormat.N_QUADS) or b""
    return b"\n".join(sorted(data.splitlines()))


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return make_out(tmp_path_factory.mktemp("out"))


def write_rq(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(*args: str):
    group = click.Group("policykg", commands={c.name: c for c in COMMANDS})
    return CliRunner().invoke(group, list(args))


# --- the library -----------------------------------------------------------------------


def test_the_library_is_not_empty_and_sorted():
    names = [q.name for q in list_queries()]
    assert names and names == sorted(names)
    assert {"graphs", "classes", "labels"} <= set(names)


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_library_query_parses_has_a_summary_and_runs(query, out):
    check_syntax(query)
    prepareQuery(query.text)  # a second, independent parser (rdflib)
    assert query.summary, f"{query.path} has no #+ summary"
    assert all(p.type in PARAM_TYPES for p in query.params)
    sample = {p.name: "x" for p in query.params if p.required and p.default is None}
    result = run_query(query, sample, out_dir=out)
    assert result.kind in ("select", "ask", "graph")


def test_graphs_counts_the_triples_of_each_named_graph(out):
    rows = run_query("graphs", out_dir=out).canonical_rows()
    counts = {g: int(n.split('"')[1]) for g, n in rows}
    assert counts == {f"<{G}doc-a>": 8, f"<{G}doc-b>": 6, f"<{G}ontology>": 2}


def test_classes_counts_distinct_instances_across_or_within_graphs(out):
    everywhere = run_query("classes", out_dir=out).canonical_rows()
    # fiche 1-1-1 is typed in two graphs but counted once
    assert [(c, n.split('"')[1]) for c, n in everywhere] == [
        (f"<{PKG}Fiche>", "2"),
        (f"<{PKG}Action>", "1"),
    ]
    only_b = run_query("classes", {"graph": f"{G}doc-b"}, out_dir=out).canonical_rows()
    assert [(c, n.split('"')[1]) for c, n in only_b] == [
        (f"<{PKG}Action>", "1"),
        (f"<{PKG}Fiche>", "1"),
    ]


def test_labels_finds_text_ignoring_case_in_every_label_property(out):
    rows = run_query("labels", {"text": "QUARTIER"}, out_dir=out).rows
    assert [r[1].value for r in rows] == [
        "Note sur le quartier Europe",
        "Santé dans les quartiers | accès aux soins",
    ]


def test_a_row_limit_keeps_the_first_rows_in_order_and_says_more_matched(out):
    every = run_query("labels", {"text": "e"}, out_dir=out, limit=0)
    assert len(every.rows) > 2 and not every.truncated
    first = run_query("labels", {"text": "e"}, out_dir=out, limit=2)
    assert first.rows == every.rows[:2] and first.truncated
    exact = run_query("labels", {"text": "e"}, out_dir=out, limit=len(every.rows))
    assert exact.rows == every.rows and not exact.truncated


def test_the_query_command_prints_the_limit_note_on_stderr(out):
    result = cli("query", "labels", "-p", "text=e", "--limit", "1", "-f", "csv", str(out))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2  # header and one row
    assert "first 1 rows are shown and more rows match; pass --limit 0" in result.stderr
    result = cli("query", "labels", "-p", "text=e", "--limit", "0", "-f", "csv", str(out))
    assert len(result.stdout.splitlines()) > 2 and "--limit" not in result.stderr


# --- the #+ header -------------------------------------------------------------------------


def test_header_params_as_a_list_grlc_style():
    query = parse_query(
        "#+ summary: S\n#+ params:\n#+   - name: code\n#+     type: code\n"
        "#+     default: '1.1'\n#+     required: true\n#+ tags: fiches\n"
        "SELECT ?f WHERE { ?f ?p ?code }",
        name="q",
    )
    (param,) = query.params
    assert (param.name, param.type, param.default, param.required) == ("code", "code", "1.1", True)
    assert query.tags == ("fiches",) and query.header_lines == 7


@pytest.mark.parametrize(
    "header, message",
    [
        ("#+ summary: [unclosed\n", "q.rq:1: invalid #+ YAML header"),
        ("#+ summary: S\n#+ params: {n: {type: float}}\n", "unknown type 'float'"),
        ("#+ summary: S\n#+ params: {zz: {type: string}}\n", "parameter 'zz' is not a variable"),
        (
            "#+ summary: S\n#+ params: {n: {type: integer, default: ten}}\n",
            "parameter 'n' expects an integer, got 'ten'",
        ),
        ("#+ summary: S\n#+ colour: red\n", "unknown #+ header keys ['colour']"),
    ],
)
def test_header_errors_name_the_file(header, message):
    with pytest.raises(PolicykgError) as info:
        parse_query(header + "SELECT ?n WHERE { ?s ?p ?n }", name="q")
    assert message in str(info.value)


def test_a_yaml_error_reports_the_line_of_the_header():
    with pytest.raises(InputError) as info:
        parse_query("#+ summary: S\n#+ tags: [a\n#+ x: 1\nASK {}", name="q", path="my.rq")
    assert str(info.value).startswith("my.rq:3: invalid #+ YAML header")


def test_load_query_by_name_or_by_path(tmp_path):
    assert load_query("graphs").path == "queries/graphs.rq"
    own = write_rq(tmp_path, "own.rq", "#+ summary: Mine\nASK { ?s ?p ?o }")
    assert load_query(str(own)).summary == "Mine"
    with pytest.raises(PolicykgError, match="no query named 'nope'.*known: .*graphs"):
        load_query("nope")
    with pytest.raises(PolicykgError, match="query file not found"):
        load_query(str(tmp_path / "missing.rq"))


# --- parameters -----------------------------------------------------------------------

TYPED = parse_query(
    "#+ summary: typed\n#+ params:\n"
    "#+   i: {type: integer}\n#+   d: {type: decimal}\n#+   t: {type: date}\n"
    "#+   b: {type: boolean}\n#+   u: {type: iri}\n#+   c: {type: code}\n#+   s: {type: string}\n"
    "PREFIX pkg: <https://w3id.org/policykg/def#>\n"
    "SELECT * WHERE { ?x ?p ?o FILTER(?o IN (?i, ?d, ?t, ?b, ?u, ?c, ?s)) }",
    name="typed",
)


@pytest.mark.parametrize(
    "name, value, term",
    [
        ("i", "+042", f'"42"^^<{XSD}integer>'),
        ("d", "12000.5", f'"12000.5"^^<{XSD}decimal>'),
        ("d", "3", f'"3.0"^^<{XSD}decimal>'),
        ("t", "2015-01-01", f'"2015-01-01"^^<{XSD}date>'),
        ("b", "Oui", f'"true"^^<{XSD}boolean>'),
        ("u", "pkg:Fiche", f"<{PKG}Fiche>"),
        ("u", "<http://example.org/a>", "<http://example.org/a>"),
        ("c", "T 1.1", '"T 1.1"'),
        ("s", PAYLOAD, '"x\\" } ; DROP ALL ; #"'),
    ],
)
def test_values_become_rdf_terms(name, value, term):
    assert str(bind_params(TYPED, {name: value})[name]) == term


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("i", "abc", "parameter 'i' expects an integer, got 'abc'"),
        ("i", "1.5", "parameter 'i' expects an integer"),
        ("d", "NaN", "parameter 'd' expects a decimal number"),
        ("t", "01/02/2015", "parameter 't' expects a date (YYYY-MM-DD)"),
        ("b", "peut-être", "parameter 'b' expects true or false"),
        ("u", "not an iri", "parameter 'u' expects an absolute IRI"),
        ("u", f"http://e/{PAYLOAD}", "parameter 'u' expects an absolute IRI"),
        ("c", PAYLOAD, "parameter 'c' expects a code"),
    ],
)
def test_invalid_values_are_refused_with_the_expected_type(name, value, message):
    with pytest.raises(PolicykgError) as info:
        bind_params(TYPED, {name: value})
    assert message in str(info.value)


def test_unknown_and_missing_required_parameters():
    with pytest.raises(PolicykgError, match="unknown parameter 'zz' .*takes: i, d, t, b, u, c, s"):
        bind_params(TYPED, {"zz": "1"})
    required = parse_query(
        "#+ params: {n: {type: integer, required: true}}\nSELECT ?s WHERE { ?s ?p ?n }", name="r"
    )
    with pytest.raises(PolicykgError, match="parameter 'n' is required"):
        bind_params(required, {})
    assert bind_params(TYPED, {}) == {}  # optional and no default: left unbound


@pytest.mark.parametrize(
    "query, rest",
    [
        ('SELECT * WHERE { ?s ?p "}" }', ' ?s ?p "}" }'),
        ("PREFIX e: <http://e/#> select * { ?s e:p ?o }", " ?s e:p ?o }"),
        ("# SELECT { in a comment\nASK WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
        ("SELECT (EXISTS { ?s ?p 1 } AS ?b) WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
        (
            "CONSTRUCT { ?s <http://e/p> '''{''' } FROM <http://e/g> WHERE { ?s ?p ?o }",
            " ?s ?p ?o }",
        ),
        ("SELECT ?s { { SELECT ?s { ?s ?p ?o } } }", " { SELECT ?s { ?s ?p ?o } } }"),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
    ],
)
def test_the_values_block_goes_at_the_top_of_the_outer_where_group(query, rest):
    assert query[where_group_offset(query) :] == rest
    bound = inject_values(query, {"o": ox.Literal("v")})
    ox.Store().query(bound)  # still parses


def test_the_short_construct_form_cannot_take_parameters():
    with pytest.raises(PolicykgError, match="short form"):
        inject_values("CONSTRUCT WHERE { ?s ?p ?o }", {"o": ox.Literal("v")})


def test_a_parameter_used_only_in_a_filter_is_bound(tmp_path, out):
    path = write_rq(
        tmp_path,
        "code.rq",
        "#+ summary: by code\n#+ params: {code: {type: code}}\n"
        "PREFIX pkg: <https://w3id.org/policykg/def#>\n"
        "SELECT ?fiche WHERE { ?fiche pkg:code ?c FILTER(STR(?c) = ?code) }",
    )
    rows = run_query(str(path), {"code": "1.1.2"}, out_dir=out).canonical_rows()
    assert rows == [(f"<{ID}fiche/1-1-2>",)]


def test_an_injection_payload_is_only_ever_a_string(tmp_path, out):
    before = store_dump(out)
    assert run_query("labels", {"text": PAYLOAD}, out_dir=out).rows == []
    # a text of the same shape that really is a label is found: compared, never executed
    exact = write_rq(
        tmp_path,
        "exact.rq",
        "#+ summary: exact\n#+ params: {label: {type: string}}\n"
        "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    )
    assert run_query(str(exact), {"label": STORED}, out_dir=out).canonical_rows() == [
        (f"<{ID}action/7>",)
    ]
    assert run_query(str(exact), {"label": PAYLOAD}, out_dir=out).rows == []
    assert store_dump(out) == before


# --- errors ------------------------------------------------------------------------------


def test_a_malformed_query_gets_file_line_and_column(tmp_path, out):
    bad = write_rq(
        tmp_path, "bad.rq", "#+ summary: broken\nSELECT ?s\nWHERE {\n\n  ?s foo:bar ?o .\n}\n"
    )
    result = cli("query", str(bad), str(out))
    assert result.exit_code == 1
    # line 5 of the file (the #+ header counts), column 13: the end of the unknown "foo:bar"
    assert result.output == f"error: {bad}:5:13: SPARQL syntax error: undeclared prefix\n"
    unclosed = write_rq(tmp_path, "unclosed.rq", "SELECT * WHERE {\n  ?s ?p ?o\n")
    result = cli("query", str(unclosed), str(out))
    assert (
        result.exit_code == 1 and f"{unclosed}:3:1: SPARQL syntax error: expected" in result.output
    )
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_an_update_is_not_a_query(tmp_path, out):
    drop = write_rq(tmp_path, "drop.rq", "DROP ALL")
    result = cli("query", str(drop), str(out))
    assert result.exit_code == 1 and "drop.rq:1:9: SPARQL syntax error" in result.output
    assert run_query("graphs", out_dir=out).rows


def test_no_built_store(tmp_path):
    result = cli("query", "graphs", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "no built graph here; run `policykg build` first" in result.output


# --- results and formats -------------------------------------------------------------------


def test_canonical_terms_do_not_depend_on_the_engine():
    assert (
        canonical_term(ox.Literal("03", datatype=ox.NamedNode(XSD + "long")))
        == f'"3"^^<{XSD}integer>'
    )
    assert (
        canonical_term(ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal")))
        == f'"2.5"^^<{XSD}decimal>'
    )
    assert canonical_term(ox.BlankNode("x")) == canonical_term(ox.BlankNode("y")) == "_:b"


def test_json_output_is_sparql_results_json_that_reads_back(out):
    result = run_query("labels", {"text": "e"}, out_dir=out)
    text = render(result, "json")
    back = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.JSON)
    rows = [tuple(canonical_term(s[v]) for v in ("resource", "label")) for s in back]
    # labels containing "e": Emploi…, Santé…, Note…, Fiche, y" } ; CLEAR… (not "Action")
    assert rows == result.canonical_rows() and len(rows) == 5
    data = json.loads(text)
    assert data["head"]["vars"] == ["resource", "label"]
    tagged = [b["label"] for b in data["results"]["bindings"] if "xml:lang" in b["label"]]
    assert tagged == [
        {"type": "literal", "value": "Emploi et développement économique", "xml:lang": "fr"},
        {"type": "literal", "value": "Fiche", "xml:lang": "fr"},
    ]


def test_csv_output_follows_the_sparql_csv_format(out):
    result = run_query("labels", {"text": "soins"}, out_dir=out)
    rows = list(csv.reader(io.StringIO(render(result, "csv"))))
    assert rows == [
        ["resource", "label"],
        [f"{ID}fiche/1-1-2", "Santé dans les quartiers | accès aux soins"],
    ]


def test_markdown_escapes_pipes_and_table_truncates(out):
    result = run_query("labels", {"text": "soins"}, out_dir=out)
    markdown = render(result, "markdown")
    assert markdown.splitlines()[2].endswith("| Santé dans les quartiers \\| accès aux soins |")
    table = render(result, "table", width=20).splitlines()
    assert table[0].split() == ["resource", "label"]
    assert table[2].endswith("Santé dans les quar…") and table[-1] == "(1 row)"
    assert table[0].index("label") == table[2].index("Santé")  # aligned columns


def test_ask_and_construct_results(tmp_path, out):
    ask = write_rq(tmp_path, "ask.rq", 'ASK { ?s ?p "Fiche"@fr }')
    assert run_query(str(ask), out_dir=out).boolean is True
    assert (
        render(run_query(str(ask), out_dir=out), "json") == '{\n  "head": {},\n  "boolean": true\n}'
    )
    construct = write_rq(
        tmp_path, "c.rq", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G}ontology> {{ ?s ?p ?o }} }}"
    )
    result = run_query(str(construct), out_dir=out)
    assert result.variables == ["subject", "predicate", "object"]
    assert sorted(r[2].value for r in result.rows) == ["Action", "Fiche"]


# --- the commands ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_has_help(command):
    assert command.help and len(command.help) > 20
    assert cli(command.name, "--help").exit_code == 0


def test_queries_lists_the_library_with_parameters():
    result = cli("queries")
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(lines) == {q.name for q in list_queries()}
    assert "[text:string=quartier]" in lines["labels"]
    assert cli("queries", "--tag", "search").output.split()[0] == "labels"


def test_query_command_with_params_and_formats(out):
    result = cli("query", "classes", "-p", f"graph={G}doc-b", "--format", "csv", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"class,instances\n{PKG}Action,1\n{PKG}Fiche,1\n"
    bad = cli("query", "classes", "-p", "graph=nope", str(out))
    assert bad.exit_code == 1 and "parameter 'graph' expects an absolute IRI" in bad.output
    assert "KEY=VALUE" in cli("query", "classes", "-p", "graph", str(out)).output
