"""The analytics tables, views and index written for a built graph (no browser here)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import click
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from policykg.errors import PolicykgError
from policykg.graph.store import STORE_DIR, open_store
from policykg.loaders.resolve.names import normalise_key
from policykg.viz.analytics_graph import compute_analytics, has_analytics
from policykg.viz.index import write_site
from policykg.viz.payload import embed_json
from policykg.viz.views import combined_graph, contract_slices, write_ego_view, write_views
from tests.answer_key import keys_of
from tests.conftest import answer_key
from tests.test_networks import build_seeds
from tests.test_networks import seed_out as seed_out  # noqa: F401  (a shared fixture)

PAYLOADS = {
    "title": '<img src=x onerror="window.__pwned=1"> & </script><script>window.__pwned=2</script>',
    "partner": '</script><img src=x onerror="window.__pwned=3">',
    "category": "<!-- Centre <b>social</b>",
    "enjeu": '<svg onload="window.__pwned=4">\u2028enjeu\u2029',
}
INJECTED = f"""\
fiches:
  - code: "9.9.9"
    title: {json.dumps(PAYLOADS["title"])}
    pillar: "1"
    enjeu: {json.dumps(PAYLOADS["enjeu"])}
    partners:
      - {{name: {json.dumps(PAYLOADS["partner"])}, kind: organisation}}
      - {{name: CAF, kind: organisation}}
      - {{name: {json.dumps(PAYLOADS["category"])}, kind: category}}
      - {{name: DDCS, kind: organisation}}
    links:
      - {{target: "1.1.1", kind: fiche}}
"""


def site_of(out: Path, limit: int | None = None):
    """Analytics, views and index written into ``out`` (its store opened read-write)."""
    store = ox.Store(str(out / STORE_DIR))
    report = write_site(store, out) if limit is None else write_site(store, out, limit=limit)
    store.flush()
    del store
    return report


@pytest.fixture(scope="session")
def seed_site(seed_out, tmp_path_factory):
    """The five seeds with their site written (a copy of the shared build)."""
    out = tmp_path_factory.mktemp("site") / "out"
    shutil.copytree(seed_out, out)
    return out, site_of(out)


@pytest.fixture(scope="session")
def injected_site(tmp_path_factory):
    """Seeds 000 and 001 with a fiche whose text is a script payload, site written."""
    out = build_seeds(
        tmp_path_factory.mktemp("injected"),
        seeds=("000", "001"),
        extra={"injected.yaml": (INJECTED.encode("utf-8"), "tours-2015-2020")},
    )
    report = site_of(out)
    analytics = compute_analytics(open_store(out))
    ego = write_ego_view(out, analytics, "fiche", "9.9.9")
    return out, report, ego


def page_data(path: Path) -> dict:
    """The JSON data block of a view."""
    html = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="pkg-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.found.append((tag, name, value or ""))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1


def attributes(path: Path) -> list[tuple[str, str, str]]:
    parser = _Attributes()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


def test_the_site_has_an_index_views_and_tables(seed_site):
    out, report = seed_site
    names = sorted(v.path for v in report.views)
    assert names == sorted(
        [
            "views/actors.html",
            "views/fiches.html",
            "views/graph.html",
            "views/contract-tours-2015-2020.html",
            "views/contract-tours-metropole-2024-2030.html",
            "views/contract-nantes-2015-2020.html",
        ]
    )
    for name in (*names, "index.html"):
        assert (out / name).stat().st_size > 0
    for table in ("actors", "fiches", "fiche_links", "communities", "networks"):
        rows = list(csv.DictReader((out / "analytics" / f"{table}.csv").open(encoding="utf-8")))
        assert rows, table
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in names:
        assert f'href="{name}"' in index
    assert has_analytics(open_store(out))


def test_index_shows_key_counts_from_the_graph(seed_site):
    out, _ = seed_site
    index = (out / "index.html").read_text(encoding="utf-8")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = dict(re.findall(r'<li><span class="n">(\d+)</span>([^<]+)</li>', index))
    counts = {label: int(n) for n, label in counts.items()}
    assert counts["contrats"] == 3 and counts["documents sources"] == 5
    assert counts["fiches"] == sum(d["fiches"] for d in report["documents"])
    assert counts["actions"] == sum(d["actions"] for d in report["documents"])
    # fiches cited by the answer keys but absent from the corpus (Tour(s)plus 2015-2020)
    cited = {
        t
        for s in ("000", "001", "002")
        for t in answer_key(s)["fiches"][0]["links"]
        if t[0].isdigit()
    } - {"1.1.1", "1.1.2", "1.1.5"}
    assert counts["fiches citées, absentes du corpus"] == len(cited)


def test_the_top_organisations_table_ranks_named_organisations(seed_site):
    out, _ = seed_site
    index = (out / "index.html").read_text(encoding="utf-8")
    table = index.split('id="top-organisations"', 1)[1].split("</table>", 1)[0]
    names = re.findall(r'<td class="num">\d+</td><td>([^<]+)</td><td>([^<]+)</td>', table)
    assert names and all(kind == "Organisation nommée" for _, kind in names)
    rows = list(csv.DictReader((out / "analytics" / "actors.csv").open(encoding="utf-8")))
    expected = [r["label"] for r in rows if r["scope"] == "organisation"][: len(names)]
    assert [n.replace("&#39;", "'") for n, _ in names] == expected


def _sparql_count(out: Path, where: str) -> int:
    query = (
        "PREFIX pkg: <https://w3id.org/policykg/def#>\n"
        f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}"
    )
    rows = open_store(out).query(query, use_default_graph_as_union=True)
    return int(next(iter(rows))["n"].value)


def test_view_node_counts_match_the_graph(seed_site):
    out, _ = seed_site
    involved = (
        "{ ?u pkg:subAction?/pkg:qualifiedParticipation/pkg:agent ?x } UNION "
        "{ ?u pkg:subAction?/pkg:funding/pkg:funder ?x }"
    )
    actors = _sparql_count(out, involved)
    assert len(page_data(out / "views" / "actors.html")["nodes"]) == actors
    units = _sparql_count(out, "{ ?x a pkg:Fiche } UNION { ?x a pkg:Action }")
    assert len(page_data(out / "views" / "fiches.html")["nodes"]) == units
    dispositifs = _sparql_count(out, "?u pkg:subAction?/pkg:dispositif ?x")
    employers = _sparql_count(
        out,
        f"{{ {involved} }} ?e pkg:employer ?x . "
        f"FILTER NOT EXISTS {{ {involved.replace('?x', '?x2')} "
        "FILTER(?x2 = ?x) }",
    )
    whole = page_data(out / "views" / "graph.html")
    assert len(whole["nodes"]) == actors + units + dispositifs + employers
    nantes = page_data(out / "views" / "contract-nantes-2015-2020.html")
    assert {c for n in nantes["nodes"] for c in n["contracts"]} == {"nantes-2015-2020"}


def test_views_request_nothing_outside_the_file(seed_site):
    out, _ = seed_site
    for path in [out / "index.html", *(out / "views").glob("*.html")]:
        html = path.read_text(encoding="utf-8")
        assert "default-src 'none'" in html, path.name
        for tag, name, value in attributes(path):
            if name in ("src", "href", "action", "srcset", "poster", "data"):
                assert not re.match(r"(?i)\s*(https?:|//|ftp:)", value), (path.name, tag, value)
            if tag == "script":
                assert name != "src", path.name  # every script inline
            if tag == "link":
                assert value in ("icon", "data:,"), (path.name, value)
        for url in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html):
            assert url.startswith("data:"), (path.name, url[:40])
        assert not re.search(r"@import|bootstrap|cdn\.jsdelivr|unpkg\.com|cdnjs", html, re.I)


def test_shared_assets_are_written_beside_the_views(seed_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(seed_out, out)
    views = write_views(out, compute_analytics(open_store(out)), shared=True)
    lib = out / "views" / "lib"
    assert sorted(p.name for p in lib.iterdir()) == [
        "policykg.css",
        "view.js",
        "vis-network.css",
        "vis-network.min.js",
    ]
    for view in views:
        sources = [v for t, n, v in attributes(out / view.path) if t == "script" and n == "src"]
        assert sources == ["lib/vis-network.min.js", "lib/view.js"]


def test_document_text_is_escaped_everywhere(injected_site):
    out, _, ego = injected_site
    pages = [out / "index.html", *(out / "views").glob("*.html")]
    assert out / ego.path in pages
    for path in pages:
        html = path.read_text(encoding="utf-8")
        for payload in PAYLOADS.values():
            for fragment in ("<img src=x", "<svg onload", "<b>social", "<script>window"):
                if fragment in payload:
                    assert fragment not in html, (path.name, fragment)
        assert "\u2028" not in html and "\u2029" not in html
        # no element ended early: exactly the page's own elements, nothing injected
        tags = _Tags()
        tags.feed(html)
        assert tags.counts.get("script", 0) == (0 if path.name == "index.html" else 3)
        assert not {"img", "svg", "b", "iframe"} & set(tags.counts), path.name
    data = page_data(out / ego.path)
    labels = {n["full"] for n in data["nodes"]}
    assert f"9.9.9 – {PAYLOADS['title']}" in labels  # the characters, as data
    assert PAYLOADS["partner"] in labels
    fiches = page_data(out / "views" / "fiches.html")
    enjeu = [r for e in fiches["edges"] for r in e["info"] if PAYLOADS["enjeu"] in r[1]]
    assert not enjeu or enjeu[0][1] == PAYLOADS["enjeu"]


def test_embedded_json_round_trips_and_cannot_end_the_script():
    tricky = {"a": "</script><!-- \u2028 \u2029 & <b>", "b": ["</SCRIPT >"]}
    text = str(embed_json(tricky))
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == tricky


def test_the_site_is_reproducible(seed_out, tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        shutil.copytree(seed_out, out)
        site_of(out)
        outs.append(out)
    files = sorted(
        p.relative_to(outs[0])
        for p in outs[0].rglob("*")
        if p.is_file() and p.suffix in (".html", ".csv")
    )
    assert len(files) > 10
    for name in files:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_large_views_aggregate(seed_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(seed_out, out)
    report = site_of(out, limit=20)
    views = {v.path: v for v in report.views}
    actors = views["views/actors.html"]
    assert actors.nodes == 20 and "20 acteurs les plus centraux" in actors.notes[0]
    whole = page_data(out / "views" / "graph.html")
    assert {n["kind"] for n in whole["nodes"]} == {"community"}
    members = sum(int(row[1]) for n in whole["nodes"] for row in n["info"] if row[0] == "Acteurs")
    rows = list(csv.DictReader((out / "analytics" / "actors.csv").open(encoding="utf-8")))
    assert members == sum(1 for r in rows if r["scope"] == "all")  # every actor, folded


def test_a_contract_view_is_the_whole_graph_around_its_units(seed_out):
    """Each contract's graph (made from the slices computed once for all contracts) is
    the whole graph's subgraph of the contract's units, their actors, the actors'
    employers and the dispositifs the units use."""
    analytics = compute_analytics(open_store(seed_out))
    whole, data = combined_graph(analytics), analytics.data
    assert data.involvement and all(whole.has_edge(u, a) for u, a in data.involvement)
    used = [(u, t) for (u, kind), ts in data.links.items() if kind == "dispositifs" for t in ts]
    assert used and all(whole.has_edge(u, t) for u, t in used)
    slices = contract_slices(analytics)
    assert sorted(slices) == sorted(map(data.contract_id, data.contracts))
    assert sorted(u for part in slices.values() for u in part.units) == sorted(data.units)
    assert all(whole.nodes[u].get("contract") for u in data.units)
    for contract, part in slices.items():
        graph = combined_graph(analytics, contract, part)
        units = set(part.units)
        around = units | {n for u in units for n in whole[u] if n not in data.units}
        around |= {e for n in around if (e := whole.nodes[n].get("employer"))}
        expected = whole.subgraph(around)
        assert set(graph) == set(expected), contract
        assert {frozenset(e) for e in graph.edges} == {frozenset(e) for e in expected.edges}


def test_ego_view_of_a_fiche_holds_its_partners_and_linked_fiches(seed_out, tmp_path):
    analytics = compute_analytics(open_store(seed_out))
    view = write_ego_view(tmp_path, analytics, "fiche", "1.1.2")
    assert view.path == "views/fiche-tours-2015-2020-1.1.2.html"
    nodes = page_data(tmp_path / view.path)["nodes"]
    labels = {normalise_key(n["full"]) for n in nodes}
    key = answer_key("001")["fiches"][0]
    for partner in key["partners"]:
        assert keys_of([partner["name"], *partner.get("aliases", [])]) & labels, partner
    codes = {row[1] for n in nodes for row in n["info"] if row[0] == "Code"}
    assert {t for t in key["links"] if t[0].isdigit()} <= codes


def test_ego_view_lookups_say_what_is_ambiguous_or_missing(seed_out, tmp_path):
    analytics = compute_analytics(open_store(seed_out))
    with pytest.raises(PolicykgError, match="several actors match 'Ville'.*pass --contract"):
        write_ego_view(tmp_path, analytics, "actor", "Ville")
    view = write_ego_view(tmp_path, analytics, "actor", "ville", contract="nantes-2015-2020")
    assert view.path == "views/actor-244400404-ville.html"
    with pytest.raises(PolicykgError, match="no fiche '7.7.7'"):
        write_ego_view(tmp_path, analytics, "fiche", "7.7.7")
    assert write_ego_view(tmp_path, analytics, "fiche", "t 1.1").nodes > 5  # code as typed


@pytest.fixture
def cli():
    from policykg.cli_viz import COMMANDS

    group = click.Group("policykg", commands={c.name: c for c in COMMANDS})
    return lambda *args: CliRunner().invoke(group, list(args))


def test_centrality_prints_the_ranking(seed_site, cli):
    out, _ = seed_site
    result = cli("centrality", str(out), "--top", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("organisations nommées: ")
    rows = list(csv.DictReader((out / "analytics" / "actors.csv").open(encoding="utf-8")))
    top = [r["label"] for r in rows if r["scope"] == "organisation"][:3]
    for rank, label in enumerate(top, 1):
        assert re.match(rf"\s*{rank}\s+{re.escape(label)}\s", lines[rank + 1]), lines
    data = json.loads(
        cli(
            "centrality",
            str(out),
            "--kind",
            "all",
            "--format",
            "json",
            "--top",
            "5",
            "--by",
            "betweenness",
        ).output
    )
    values = [r["betweenness"] for r in data]
    assert len(data) == 5 and values == sorted(values, reverse=True)


def test_centrality_without_stored_analytics_measures_in_memory(seed_out, cli):
    result = cli("centrality", str(seed_out), "--kind", "profession", "--top", "2")
    assert result.exit_code == 0
    assert "professions:" in result.output


def test_view_commands_write_files_and_fail_in_one_line(seed_site, cli):
    out, _ = seed_site
    result = cli("view", "fiche", "1.1.1", str(out))
    assert result.exit_code == 0 and "fiche-tours-2015-2020-1.1.1.html" in result.output
    assert (out / "views" / "fiche-tours-2015-2020-1.1.1.html").exists()
    result = cli("view", "actor", "CAF", str(out))
    assert result.exit_code == 0, result.output
    failed = cli("view", "actor", "Ville", str(out))
    assert failed.exit_code == 1
    assert (
        failed.output.startswith("error: several actors match") and failed.output.count("\n") == 1
    )


def test_views_command_rewrites_the_site(seed_out, tmp_path, cli):
    out = tmp_path / "out"
    shutil.copytree(seed_out, out)
    result = cli("views", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "index.html").exists() and has_analytics(open_store(out))
    missing = cli("views", str(tmp_path / "nothing"))
    assert missing.exit_code == 1 and "run `policykg build` first" in missing.output
