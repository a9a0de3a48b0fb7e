"""The evaluators' query library (queries/*.rq) on the five seeds and the bundled example.

Every library file parses (rdflib and Oxigraph), has a complete header and runs on both
corpora; each query's answer on the seeds is checked against the answer keys in
shared/seeds/expected/ or against the seed text itself, and on the example corpus against
the fiches it holds in the canonical format (fiches-ajoutees.yaml).
"""

from __future__ import annotations

import re
import shlex
import shutil
import unicodedata
from importlib.resources import as_file, files
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from rdflib.plugins.sparql import prepareQuery

from policykg.cli import main
from policykg.graph.build import build_corpus
from policykg.graph.store import open_store
from policykg.queries.library import list_queries, query_variables
from policykg.queries.runner import check_syntax, run_query
from tests.conftest import SEED_IDS, answer_key, seed_path

PAYLOAD = 'x" } ; DROP ALL ; #'
GENERIC = {"graphs", "classes", "labels"}  # the runner's own examples, tested with it
LIBRARY = [q for q in list_queries() if q.name not in GENERIC]
CONTRACTS = {  # the two Tours contracts share the EPCI's SIREN, so their actors
    "tours-2015-2020": ("Tour(s)plus (agglomération tourangelle)", "2015-2020", "243700754"),
    "tours-2024-2030": ("Tours Métropole Val de Loire", "2024-2030", "243700754"),
    "nantes-2015-2020": ("Nantes Métropole", "2015-2020", "244400404"),
}
SEED_CONTRACTS = dict.fromkeys(("000", "001", "002"), "tours-2015-2020") | {
    "003": "tours-2024-2030", "004": "nantes-2015-2020"}  # fmt: skip
FICHES = ("000", "001", "002", "003")  # the seeds that hold fiches
TOURS = FICHES[:3]  # the orientation fiches of Tour(s)plus 2015-2020
# A fiche written by hand for Nantes: a CAF of its own, no funding, only output indicators.
NANTES_YAML = """\
fiches:
  - code: "4.2.1"
    title: "Accompagner les familles vers leurs droits"
    pillar: "4"
    partners:
      - {name: CAF, kind: organisation}
      - {name: Conseil citoyen, kind: category}
    indicators:
      - {kind: realisation, label: "Nombre de familles accompagnées"}
"""
STATUS = {"Réalisé": "realise", "En cours": "en_cours", "A réaliser": "a_realiser"}


def _build(corpus: Path, out: Path) -> Path:
    report = build_corpus(corpus, out, jobs=1)
    assert not report.failed, [d.error for d in report.failed]
    return out


def _seed_corpus(folder: Path, seeds: dict[str, str], extra: dict[str, tuple] = ()) -> Path:
    folder.mkdir(parents=True)
    documents = []
    for short, contract in seeds.items():
        shutil.copy(seed_path(short), folder / f"{SEED_IDS[short]}.txt")
        documents.append({"file": f"{SEED_IDS[short]}.txt", "contract": contract})
    for name, (text, contract) in dict(extra).items():
        (folder / name).write_text(text, encoding="utf-8")
        documents.append({"file": name, "contract": contract})
    contracts = {c: dict(zip(("territory", "period", "epci_siren"), v, strict=True))
                 for c, v in CONTRACTS.items()}  # fmt: skip
    manifest = {"contracts": contracts, "documents": documents}
    (folder / "corpus.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    return folder


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    """The five seeds in three contracts (two share the Tours SIREN), built once."""
    base = tmp_path_factory.mktemp("seeds")
    return _build(_seed_corpus(base / "corpus", SEED_CONTRACTS), base / "out")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The bundled example corpus, built once."""
    base = tmp_path_factory.mktemp("example")
    with as_file(files("policykg.examples")) as corpus:
        return _build(corpus, base / "out")


@pytest.fixture(scope="module")
def nantes_caf(tmp_path_factory) -> Path:
    """Seed 000 (Tours) and a hand-written Nantes fiche that names a CAF of its own."""
    base = tmp_path_factory.mktemp("nantes-caf")
    extra = {"nantes.yaml": (NANTES_YAML, "nantes-2015-2020")}
    return _build(_seed_corpus(base / "corpus", {"000": "tours-2015-2020"}, extra), base / "out")


def _cell(term):
    kind = term.datatype.value.rsplit("#", 1)[-1] if isinstance(term, ox.Literal) else None
    convert = {"integer": int, "decimal": float, "boolean": lambda v: v == "true"}
    return None if term is None else convert.get(kind, str)(term.value)


def rows(out: Path, name: str, **params: str) -> list[dict]:
    """The answer of a library query as dicts of plain values, in the query's order."""
    result = run_query(name, params, out_dir=out)
    return [dict(zip(result.variables, map(_cell, row), strict=True)) for row in result.rows]


def pick(row: dict, names: str) -> tuple:
    """Some values of a row, by space-separated column names."""
    return tuple(row[name] for name in names.split())


def norm(text: str) -> str:
    """Accent-, case- and plural-insensitive form of a name, to compare with the keys."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", text.replace("œ", "oe"))
    return " ".join(w[:-3] + "al" if w.endswith("aux") else w.rstrip("s") for w in words)


def key_fiche(short: str) -> dict:
    return answer_key(short)["fiches"][0]


def _names(key: dict) -> list[str]:
    return [p["name"] for p in key["partners"]]


def source_line(short: str, text: str) -> int:
    """The 1-based line of a seed where ``text`` first appears."""
    lines = seed_path(short).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize("query", LIBRARY, ids=lambda q: q.name)
def test_the_file_parses_and_its_header_is_complete(query):
    prepareQuery(query.text)  # rdflib
    check_syntax(query)  # Oxigraph
    assert query.summary and query.description and query.tags
    used = query_variables(query.text)
    for param in query.params:
        assert param.name in used and param.description, param.name
    # A variable tested for being unbound must be a parameter: nothing else is unbound there.
    for name in re.findall(r"!BOUND\(\?(\w+)\)", query.text):
        assert query.param(name), f"?{name} is tested with !BOUND but is not a parameter"


def test_the_evaluators_page_names_every_query_and_shows_true_results(seeds, tmp_path):
    text = (Path(__file__).resolve().parent.parent / "docs" / "evaluators.md").read_text("utf-8")
    assert all(f"`{q.name}`" in text for q in list_queries())
    own = tmp_path / "effect_indicators.rq"
    own.write_text(text.split("```sparql\n")[1].split("```")[0], encoding="utf-8")
    examples = re.findall(r"```\n\$ policykg (query .*?)\n(.*?)```", text, re.DOTALL)
    assert len(examples) == 5
    for command, shown in examples:
        args = shlex.split(command.replace(own.name, str(own)))
        result = CliRunner().invoke(main, [*args, str(seeds)])
        assert result.exit_code == 0, result.output
        assert [line.rstrip() for line in result.output.splitlines()] == shown.splitlines()


@pytest.mark.parametrize("query", LIBRARY, ids=lambda q: q.name)
def test_the_query_runs_on_both_corpora_with_distinct_stable_rows(query, seeds, example):
    for out in (seeds, example):
        first = run_query(query, out_dir=out).canonical_rows()
        assert first == run_query(query, out_dir=out).canonical_rows()
        assert len(first) == len(set(first)), "duplicate rows (missing DISTINCT?)"
        if query.name != "evaluation_gaps_indicators":
            assert first, f"{query.name} found nothing in {out}"


HOSTILE = ("actor_fiches:actor transversal_axes:theme territory_elements:place provenance:text "
           "dispositifs:dispositif")  # fmt: skip


@pytest.mark.parametrize("name,param", [x.split(":") for x in HOSTILE.split()])
def test_a_hostile_parameter_matches_nothing_and_changes_nothing(seeds, name, param):
    def dump():
        return sorted((open_store(seeds).dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines())

    before = dump()
    assert rows(seeds, name, **{param: PAYLOAD}) == []
    assert dump() == before


def test_fiches_by_structure_counts_match_the_answer_keys(seeds):
    found = {r["fiche_code"]: r for r in rows(seeds, "fiches_by_structure")}
    assert sorted(found) == ["1.1.1", "1.1.2", "1.1.5", "T 1.1"]
    for short in FICHES:
        key = key_fiche(short)
        row, counts = found[key["code"]], key["counts"]
        assert row["contract"] == SEED_CONTRACTS[short]
        assert row["pilier_code"] == key.get("pillar") and row["axe_code"] == key.get("axis")
        assert row["enjeu"] == key["enjeu"]
        assert row["objectives"] == counts.get("objectives", 0)
        assert row["expected_outputs"] == counts["expected_outputs"]
        assert row["indicators"] == sum(v for k, v in counts.items() if k.startswith("indic"))
        assert row["actions"] == 0
    only = rows(seeds, "fiches_by_structure", pilier="1", contract="tours-2015-2020")
    assert [r["fiche_code"] for r in only] == ["1.1.1", "1.1.2", "1.1.5"]


def test_plan_structure_holds_the_three_volets_of_the_nantes_plan(seeds):
    found = rows(seeds, "plan_structure", contract="nantes-2015-2020")
    volets = {r["volet_code"]: r["volet"] for r in found}
    for label in answer_key("004")["volets"]:
        code, _, text = label.partition(". ")
        assert norm(volets[code]) == norm(text)
    actions = sum(r["actions"] for r in found)
    bounds = answer_key("004")["approx_action_count"]
    assert bounds["min"] <= actions <= bounds["max"]
    assert actions == len(rows(seeds, "provenance", contract="nantes-2015-2020")) - sum(
        r["sub_actions"] for r in found
    )


def test_the_partners_of_1_1_2_with_their_roles(seeds):
    found = [
        (r["partner"], r["role"], r["kind"], r["employer"])
        for r in rows(seeds, "fiche_partners", fiche_code="1.1.2")
    ]
    assert found == [
        ("Ville", "animateur", "organisation", None),
        ("Assistante sociale", "partenaire", "profession", None),
        ("Association", "partenaire", "category", None),
        ("Centre social", "partenaire", "category", None),
        ("Conseil citoyen", "partenaire", "category", None),
        ("Conseil départemental", "partenaire", "organisation", None),
        ("Cultures du cœur", "partenaire", "organisation", None),
        ("DDCS", "partenaire", "organisation", None),
        ("Service municipal", "partenaire", "category", None),
        ("UFOLEP", "partenaire", "organisation", None),
        ("Ville", "partenaire", "organisation", None),
        ("Éducateur spécialisé", "partenaire", "profession", "Conseil départemental"),
    ]
    key = key_fiche("001")
    assert {norm(p) for p, role, _, _ in found if role == "partenaire"} == {
        norm(p["name"]) for p in key["partners"]
    }
    assert [p for p, role, _, _ in found if role == "animateur"] == key["roles"]["animateur"]


@pytest.mark.parametrize("short", ["000", "002", "003"])
def test_the_partners_of_each_fiche_cover_its_answer_key(seeds, short):
    key = key_fiche(short)
    found = rows(seeds, "fiche_partners", fiche_code=key["code"])
    partners = {norm(r["partner"]): r for r in found if r["role"] == "partenaire"}
    acceptable = {norm(n) for n in key.get("also_acceptable_partners", [])}
    for partner in key["partners"]:
        assert norm(partner["name"]) in partners, partner["name"]
        if partner.get("employer"):
            assert norm(partners[norm(partner["name"])]["employer"]) == norm(partner["employer"])
    for role, names in key["roles"].items():
        got = {norm(r["partner"]) for r in found if r["role"] == role}
        assert {norm(n) for n in names} <= got | acceptable, role


def test_the_caf_of_tours_is_one_actor_for_two_fiches(seeds):
    found = rows(seeds, "actor_fiches", actor="caf")
    with_caf = [key_fiche(s)["code"] for s in FICHES if "CAF" in _names(key_fiche(s))]
    assert [r["fiche"] for r in found] == with_caf == ["1.1.1", "1.1.5"]
    assert {r["agent"] for r in found} == {"https://w3id.org/policykg/id/actor/243700754/caf"}
    assert rows(seeds, "actor_fiches", actor="Caisse d'allocations familiales") == found


def test_the_caf_of_nantes_is_another_actor(nantes_caf):
    found = rows(nantes_caf, "actor_fiches", actor="CAF")
    assert {(r["agent"].rsplit("/", 2)[-2], r["contract"], r["fiche"]) for r in found} == {
        ("243700754", "tours-2015-2020", "1.1.1"),
        ("244400404", "nantes-2015-2020", "4.2.1"),
    }


def test_conseils_citoyens_are_one_actor_per_territory(seeds):
    found = rows(seeds, "actor_fiches", actor="Conseil citoyen")
    by_agent = {}
    for r in found:
        by_agent.setdefault(r["agent"].rsplit("/", 2)[-2], set()).add(r["contract"])
    assert by_agent == {
        "243700754": {"tours-2015-2020", "tours-2024-2030"},
        "244400404": {"nantes-2015-2020"},
    }
    fiches = {r["fiche"] for r in found if r["level"] == "fiche"}
    assert fiches == {"1.1.1", "1.1.2", "1.1.5", "T 1.1"}


def test_top_actors_counts_fiches_and_actions_by_kind(seeds):
    found = rows(seeds, "top_actors")
    assert [r["total"] for r in found] == sorted((r["total"] for r in found), reverse=True)
    caf = next(r for r in found if r["partner"] == "CAF")
    got = (caf["actor_kind"], caf["fiches"], caf["actions"], caf["contracts"])
    assert got == ("organisation", 2, 0, 1)
    tours_cc = next(r for r in found if r["agent"].endswith("243700754/conseil-citoyen"))
    assert (tours_cc["fiches"], tours_cc["contracts"]) == (4, 2)
    professions = rows(seeds, "top_actors", kind="profession")
    assert professions and {r["actor_kind"] for r in professions} == {"profession"}
    assert "Éducateur spécialisé" in {r["partner"] for r in professions}


@pytest.mark.parametrize("short", ["001", "002"])
def test_the_programme_147_line_with_its_amount_share_and_legal_basis(seeds, short):
    key = key_fiche(short)
    found = rows(seeds, "funding_by_fiche", fiche_code=key["code"])
    p147 = [r for r in found if r["funding"].startswith("Programme 147")]
    expected = next(f for f in key["funding"] if f["label"].startswith("Programme 147"))
    assert [(r["amount_eur"], r["share"], r["legal_basis"], r["legal_date"]) for r in p147] == [
        (expected["amount_eur"], expected["share"], "circulaire du 21 mai 2015", "2015-05-21")
    ]
    assert p147[0]["line"] == source_line(short, "6 millions d'euros")
    assert len({r["funding"] for r in found}) == len(key["funding"])
    pst = {r["funder"] for r in found if r["funding"] == "Projet social de territoire"}
    assert pst == {"CAF", "Ville"}


def test_only_1_1_1_has_no_funding(seeds):
    found = rows(seeds, "evaluation_gaps_funding")
    without = [key_fiche(s)["code"] for s in FICHES if not key_fiche(s)["funding"]]
    assert [r["fiche_code"] for r in found] == without == ["1.1.1"]
    assert (found[0]["file"], found[0]["line"]) == (
        seed_path("000").name,
        source_line("000", "FICHE 1.1.1"),
    )


def test_indicator_gaps_follow_the_answer_keys(seeds):
    assert rows(seeds, "evaluation_gaps_indicators") == []
    found = {
        r["fiche_code"]: r for r in rows(seeds, "evaluation_gaps_indicators", all_fiches="true")
    }
    for short in FICHES:
        key = key_fiche(short)
        for kind in ("realisation", "resultat", "effet", "impact"):
            assert found[key["code"]][kind] == key["counts"].get(f"indicators_{kind}", 0)


def test_a_fiche_without_funding_or_effect_indicator_is_a_gap(nantes_caf):
    found = rows(nantes_caf, "evaluation_gaps_funding")
    expected = [("nantes-2015-2020", "4.2.1"), ("tours-2015-2020", "1.1.1")]
    assert [pick(r, "contract fiche_code") for r in found] == expected
    gaps = rows(nantes_caf, "evaluation_gaps_indicators")
    assert [(r["fiche_code"], r["realisation"], r["effet"]) for r in gaps] == [("4.2.1", 1, 0)]


def test_droit_commun_and_specific_credits_as_the_fiches_state_them(seeds):
    found = rows(seeds, "droit_commun_vs_specifique", contract="tours-2015-2020")
    kinds = {(r["fiche"], r["funding"]): r["funding_kind"] for r in found}
    # "Crédits de droit commun", "les politiques de droit commun et les crédits du
    # programme 147", "Enveloppe spécifique sur la participation des habitants : FPH"
    assert kinds[("1.1.2", "Crédits de droit commun")] == "droit_commun"
    assert kinds[("1.1.2", "Programme 147 (culture, circulaire du 21 mai 2015)")] == "droit_commun"
    assert kinds[("1.1.5", "FPH")] == "specifique"
    assert len(found) == len(key_fiche("001")["funding"]) + len(key_fiche("002")["funding"])
    specific = rows(seeds, "droit_commun_vs_specifique", kind="specifique")
    assert specific and {r["funding_kind"] for r in specific} == {"specifique"}
    nantes = rows(seeds, "droit_commun_vs_specifique", contract="nantes-2015-2020")
    assert {r["level"] for r in nantes} <= {"action", "sub-action"}


@pytest.mark.parametrize("short", ["000", "001", "002"])
def test_outgoing_references_are_the_links_of_the_answer_keys(seeds, short):
    key = key_fiche(short)
    found = rows(seeds, "cross_references", fiche_code=key["code"])
    outgoing = [r for r in found if r["direction"] == "outgoing"]
    assert sorted(norm(r["other"]) for r in outgoing) == sorted(norm(x) for x in key["links"])
    for r in outgoing:
        if r["other_type"] == "fiche":
            assert r["in_corpus"] == ("yes" if r["other"] in {"1.1.1", "1.1.2", "1.1.5"} else "no")
        else:
            assert r["in_corpus"] is None
        if r["other"] in key.get("link_titles", {}):
            assert norm(r["cited_title"]) == norm(key["link_titles"][r["other"]])


def test_incoming_references_of_1_1_2_and_of_an_absent_fiche(seeds):
    found = rows(seeds, "cross_references", fiche_code="1.1.2")
    incoming = [pick(r, "other line") for r in found if r["direction"] == "incoming"]
    assert incoming == [("1.1.1", source_line("000", "Fiches 1.1.2/"))]
    found = rows(seeds, "cross_references", fiche_code="4.1.1")
    assert [pick(r, "direction other") for r in found] == [("incoming", "1.1.2")]


def test_absent_fiches_are_the_cited_codes_no_document_holds(seeds):
    found = rows(seeds, "absent_fiches")
    present = {key_fiche(s)["code"] for s in TOURS}
    links = [link for s in TOURS for link in key_fiche(s)["links"]]
    cited = {link for link in links if re.fullmatch(r"\d\.\d\.\d", link)}
    assert sorted({r["absent_code"] for r in found}) == sorted(cited - present)
    assert {"1.1.4", "1.1.6", "1.1.7", "4.1.1"} <= {r["absent_code"] for r in found}
    titles = key_fiche("001")["link_titles"]
    for r in found:
        if r["absent_code"] in titles:
            assert (r["cited_by"], r["cited_title"]) == ("1.1.2", titles[r["absent_code"]])


def test_shared_items_between_fiches(seeds):
    found = rows(seeds, "shared_items")
    pairs = {(r["fiche_a"], r["fiche_b"], r["shared"], r["item"]) for r in found}
    assert key_fiche("001")["shares_enjeu_with"] == ["1.1.1"]
    assert ("1.1.1", "1.1.2", "enjeu", key_fiche("000")["enjeu"]) in pairs
    assert not any(
        r["shared"] == "enjeu" and "1.1.5" in (r["fiche_a"], r["fiche_b"]) for r in found
    )  # 1.1.5 has an enjeu of its own
    assert ("1.1.2", "1.1.5", "legal_basis", "circulaire du 21 mai 2015") in pairs
    assert ("1.1.2", "1.1.5", "funding", "Projet social de territoire") in pairs
    assert ("1.1.2", "1.1.5", "funder", "CAF") in pairs
    # one resource per actor and territory: a fiche of 2015 and one of 2024 share partners
    assert ("1.1.1", "T 1.1", "partner", "Centre social") in pairs
    enjeu = rows(seeds, "shared_items", fiche_code="1.1.2", kind="enjeu")
    assert [(r["fiche_a"], r["fiche_b"]) for r in enjeu] == [("1.1.1", "1.1.2")]


def test_statuses_per_volet_sum_to_the_number_of_actions(seeds):
    found = rows(seeds, "action_progress", contract="nantes-2015-2020")
    assert [r["volet_code"] for r in found] == ["1", "2", "3"]
    for r in found:
        assert r["realise"] + r["en_cours"] + r["a_realiser"] + r["unspecified"] == r["actions"]
    where = rows(seeds, "provenance", contract="nantes-2015-2020")
    assert sum(r["actions"] for r in found) == len([r for r in where if r["level"] == "action"])


def test_progress_per_quartier_covers_the_quartiers_of_the_plan(seeds):
    found = rows(seeds, "action_progress_by_quartier")
    for r in found:
        assert r["realise"] + r["en_cours"] + r["a_realiser"] + r["unspecified"] == r["total"]
    names = {norm(r["quartier"]) for r in found}
    for quartier in answer_key("004")["quartiers"]:
        assert any(n.startswith(norm(quartier)) for n in names), quartier


def _labels(found: list[dict]) -> set[str]:
    return {norm(r["sub_action"] or r["action"]) for r in found}


def test_actions_to_do_and_the_spot_checks_of_the_answer_key(seeds):
    todo = rows(seeds, "actions_to_do")
    assert "Développer les co-formations" in {r["action"] for r in todo}
    assert {r["level"] for r in todo} == {"action", "sub-action"}
    by_status = {
        code: _labels(rows(seeds, "actions_to_do", status=code)) for code in STATUS.values()
    }
    for check in answer_key("004")["spot_checks"]:
        if isinstance(check["status"], list):
            continue
        wanted = norm(check["action"])
        assert any(label.startswith(wanted) for label in by_status[STATUS[check["status"]]]), check[
            "action"
        ]


def test_resident_participation(seeds):
    found = rows(seeds, "resident_participation")
    fiches = {r["fiche"] for r in found if r["level"] == "fiche"}
    with_cc = {key_fiche(s)["code"] for s in TOURS if "Conseil citoyen" in _names(key_fiche(s))}
    assert with_cc <= fiches == {"1.1.1", "1.1.2", "1.1.5", "T 1.1"}
    labels = {norm(r["label"]) for r in found}
    assert norm("Installer le conseil citoyen sur Plaisance en 2015") in labels
    assert norm("Expérimenter le tirage au sort en complément du volontariat dans le cadre "
                "de la mise en place de conseils citoyens") in labels  # fmt: skip
    assert {r["resident"] for r in found} >= {"Conseil citoyen", "Habitant"}


def test_transversal_axes_and_their_fiches(seeds):
    found = rows(seeds, "transversal_axes")
    tours = [
        (r["axis"], r["link"], r["fiche_code"]) for r in found if r["contract"].startswith("tours")
    ]
    assert tours == [
        ("AT égalité homme-femme", "reference", "1.1.2"),
        ("AT égalité homme-femme", "reference", "1.1.5"),
        ("Jeunesse", "reference", "1.1.5"),
        ("Numérique", "reference", "1.1.5"),
        ("Participation citoyenne", "enjeu", "T 1.1"),
    ]
    assert key_fiche("003")["enjeu"] == "Participation citoyenne"
    nantes = [r for r in found if r["contract"] == "nantes-2015-2020"]
    assert len(nantes) == answer_key("004")["transversal_orientations"]
    assert all(r["fiche_code"] is None for r in nantes)
    assert [r["fiche_code"] for r in rows(seeds, "transversal_axes", theme="JEUNESSE")] == ["1.1.5"]


def test_territories_per_contract(seeds):
    found = {(r["contract"], norm(r["place"])): r for r in rows(seeds, "territories")}
    for name in key_fiche("002")["territories_mentioned"]:
        place = next(v for (c, p), v in found.items() if c == "tours-2015-2020" and norm(name) in p)
        assert place["fiches"] == 1
    nantes = {p: r for (c, p), r in found.items() if c == "nantes-2015-2020"}
    assert nantes[norm("TOUS QUARTIERS")]["place_type"] == "all quartiers"
    assert (nantes["malakoff"]["place_type"], nantes["malakoff"]["commune"]) == ("QPV", "Nantes")
    assert (nantes["chateau"]["place_type"], nantes["chateau"]["commune"]) == ("QPV", "Rezé")
    tours = {p: r for (c, p), r in found.items() if c == "tours-2015-2020"}
    assert tours["sanita"]["commune"] == "Tours"  # norm() drops a final s
    malakoff = rows(seeds, "territory_elements", place="malakoff")
    actions = {r["label"] for r in malakoff if r["level"] == "action"}
    assert len(actions) == nantes["malakoff"]["actions"]
    for check in answer_key("004")["spot_checks"]:
        if "MALAKOFF" in check["quartiers"]:
            assert any(norm(r["label"]).startswith(norm(check["action"])) for r in malakoff)


def test_three_contracts_compared(seeds):
    found = {r["contract"]: r for r in rows(seeds, "contracts_compared")}
    assert sorted(found) == ["nantes-2015-2020", "tours-2015-2020", "tours-2024-2030"]
    tours = found["tours-2015-2020"]
    assert (tours["fiches"], tours["actions"], tours["period"]) == (3, 0, "2015-2020")
    keys = [key_fiche(s) for s in TOURS]
    assert tours["funding_lines"] == sum(len(k["funding"]) for k in keys)
    assert tours["funders"] == len(
        {norm(f) for k in keys for line in k["funding"] for f in line.get("funders", [])}
    )
    assert (found["tours-2024-2030"]["fiches"], found["nantes-2015-2020"]["fiches"]) == (1, 0)
    assert found["nantes-2015-2020"]["actions"] == sum(
        r["actions"] for r in rows(seeds, "action_progress", contract="nantes-2015-2020")
    )
    for row in found.values():
        assert row["organisations"] and row["categories"]


def test_provenance_of_1_1_2_and_of_an_action(seeds):
    [fiche] = rows(seeds, "provenance", fiche_code="1.1.2")
    expected = (seed_path("001").name, 4, "orientation", "text")
    assert pick(fiche, "file line template format") == expected
    assert source_line("001", "FICHE 1.1.2") == 4
    assert fiche["graph"].endswith("/graph")
    [action] = rows(seeds, "provenance", text="co-formations")
    line = source_line("004", "Développer <u>les co-formations")
    expected = ("action", seed_path("004").name, line, "plan")
    assert pick(action, "level file line template") == expected
    [projet] = rows(seeds, "provenance", fiche_code="T 1.1")
    assert (projet["file"], projet["template"]) == (seed_path("003").name, "projet")


def test_dispositifs_with_their_owners_and_uses(seeds):
    found = rows(seeds, "dispositifs")
    key = key_fiche("002")
    owners = {(r["name"], r["owner"]) for r in found if r["fiche"] == key["code"]}
    for name, owner in key["dispositif_owners"].items():
        assert (name, owner) in owners
    uses = {r["name"] for r in found if r["fiche"] == "1.1.2"}
    assert uses == set(key_fiche("001")["dispositifs"])
    gusp = rows(seeds, "dispositifs", dispositif="gusp")
    assert gusp and all("gusp" in r["name"].lower() for r in gusp)
    summary = {r["name"]: r for r in rows(seeds, "dispositifs_summary")}
    assert pick(summary["Passeport Loisirs Jeunes"], "fiches actions") == (1, 0)
    gusp_actions = {r["parent_action"] or r["label"] for r in gusp if r["name"] == "GUSP"}
    assert summary["GUSP"]["actions"] == len(gusp_actions)


def _example(name: str):
    """A YAML file of the bundled example corpus, parsed."""
    path = files("policykg.examples").joinpath(*name.split("/"))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _canonical_fiches() -> list[tuple[str, dict]]:
    out = []
    for doc in _example("corpus.yaml")["documents"]:
        if doc["file"].endswith(".yaml"):
            out += [(doc["contract"], f) for f in _example(doc["file"])["fiches"]]
    return out


def test_example_partners_and_funding_are_those_of_the_canonical_fiches(example):
    fiches = _canonical_fiches()
    assert fiches
    for contract, fiche in fiches:
        found = rows(example, "fiche_partners", fiche_code=str(fiche["code"]), contract=contract)
        assert {(r["partner"], r["role"], r["employer"]) for r in found} == {
            (p["name"], p.get("role", "partenaire"), p.get("employer"))
            for p in fiche.get("partners", [])
        }
        for p in fiche.get("partners", []):  # an actor's kinds gather every mention's kind
            assert p.get("kind", "unknown") in {
                r["kind"] for r in found if r["partner"] == p["name"]
            }
        funding = rows(
            example, "funding_by_fiche", fiche_code=str(fiche["code"]), contract=contract
        )
        assert {r["funding"] for r in funding} == {f["label"] for f in fiche.get("funding", [])}
        for line in fiche.get("funding", []):
            got = [r for r in funding if r["funding"] == line["label"]]
            assert {r["funder"] for r in got} == (set(line.get("funders", [])) or {None})
            assert {(r["amount_eur"], r["share"], r["funding_kind"]) for r in got} == {
                (line.get("amount_eur"), line.get("share"), line.get("kind"))
            }
        [where] = rows(example, "provenance", fiche_code=str(fiche["code"]), contract=contract)
        assert (where["template"], where["format"]) == ("canonical", "yaml")


def test_example_contracts_are_those_of_its_manifest(example):
    manifest = _example("corpus.yaml")
    found = rows(example, "contracts_compared")
    assert [r["contract"] for r in found] == sorted(manifest["contracts"])
    for r in found:
        assert r["period"] == manifest["contracts"][r["contract"]]["period"]
        assert r["fiches"] + r["actions"] > 0
