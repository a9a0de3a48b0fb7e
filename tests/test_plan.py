"""The plan d'actions opérationnel table (seed 004) against its answer key, and built tables."""

from __future__ import annotations

import re

import pytest

from policykg.errors import InputError
from policykg.loaders.readers.text import read_text, read_text_bytes
from policykg.loaders.resolve.gazetteer import lookup
from policykg.loaders.resolve.names import normalise_key
from policykg.loaders.templates.plan import PARSER
from policykg.loaders.territories import normalise_quartier
from tests.conftest import SEED_IDS, answer_key, seed_path

NANTES = "244400404"
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def plan():
    return PARSER.parse(read_text(seed_path("004")))


@pytest.fixture(scope="module")
def key():
    return answer_key("004")


@pytest.fixture(scope="module")
def source_lines():
    return seed_path("004").read_text(encoding="utf-8").splitlines()


def same_name(a: str, b: str) -> bool:
    """Names equal once normalised, or naming the same gazetteer entry."""
    if normalise_key(a) == normalise_key(b):
        return True
    ea, eb = lookup(a), lookup(b)
    return ea is not None and ea is eb


def items(plan):
    """Every action and sub-action, with the action it belongs to."""
    for action in plan.actions:
        yield action, action
        for sub in action.sub_actions:
            yield sub, action


def find(plan, label: str):
    """The actions, else the sub-actions, whose label starts like ``label``."""
    wanted = normalise_key(label)
    actions = [a for a in plan.actions if normalise_key(a.label).startswith(wanted)]
    if actions:
        return [(a, a) for a in actions]
    return [
        (s, a) for s, a in items(plan) if s is not a and normalise_key(s.label).startswith(wanted)
    ]


def spot_checks():
    return [pytest.param(c, id=c["action"][:40]) for c in answer_key("004")["spot_checks"]]


@pytest.mark.parametrize("check", spot_checks())
def test_spot_check(plan, check):
    found = find(plan, check["action"])
    assert found, f"no action or sub-action starts with {check['action']!r}"
    item, action = found[0]
    assert action.volet == check["volet"]
    quartiers = [normalise_quartier(q, NANTES) for q in check["quartiers"]]
    if isinstance(check["status"], list):  # one entry per (status, type, quartier) row
        assert [s.status for s in item.sub_actions] == check["status"]
        assert [s.type for s in item.sub_actions] == check["type"]
        assert [q for s in item.sub_actions for q in s.quartiers] == quartiers
        assert item.status == check["status"][0]
    else:
        assert (item.status, item.type) == (check["status"], check["type"])
        assert item.quartiers == quartiers


def test_pilier_volets_and_objectives(plan, key):
    piliers = [s for s in plan.structure if s.kind == "pilier"]
    assert len(piliers) == 1
    assert f"{piliers[0].code} - {piliers[0].label}" == key["pillar"]
    volets = [s for s in plan.structure if s.kind == "volet"]
    assert [f"{v.code}. {v.label}" for v in volets] == key["volets"]
    assert {v.parent for v in volets} == {piliers[0].code}
    assert {a.pillar for a in plan.actions} == {piliers[0].code}
    objectives = [s for s in plan.structure if s.kind == "objectif"]
    assert {o.parent for o in objectives} == {"1", "2", "3"}
    assert all(o.code.startswith(f"{o.parent}.") for o in objectives)
    codes = {o.code for o in objectives}
    for action in plan.actions:
        assert set(action.objective.split("; ")) <= codes
        assert action.objective.split(".")[0] == action.volet


def test_the_five_stacked_objectives_of_volet_2(plan, source_lines):
    cell = next(c for line in source_lines for c in line.split("\t") if "CONCEVOIR LA" in c)
    volet2 = [s for s in plan.structure if s.kind == "objectif" and s.parent == "2"]
    assert len(volet2) == cell.count("<p>") == 5
    mettre = find(plan, "Mettre en place les conseils citoyens")[0][0]
    assert mettre.objective == "; ".join(o.code for o in volet2)


def test_the_page_header_is_read_once(plan, key, source_lines):
    orientations = [s for s in plan.structure if s.kind == "orientation_transversale"]
    assert len(orientations) == key["transversal_orientations"]
    for item in orientations:
        text = source_lines[item.line - 1]
        repeats = [n for n, line in enumerate(source_lines, 1) if line == text]
        assert len(repeats) == 3 and repeats[0] == item.line
        assert set(repeats[1:]) <= set(plan.lines.layout)
        assert normalise_key(item.label) == normalise_key(text)
    piliers = [n for n, line in enumerate(source_lines, 1) if line.startswith("PILIER 4")]
    assert [n for n in piliers if n in plan.lines.mapped] == piliers[:1]
    titles = [n for n, line in enumerate(source_lines, 1) if line.startswith("PILIER\tVOLETS")]
    assert len(titles) == 3 and set(titles) <= set(plan.lines.layout)


def test_quartiers_statuses_and_types(plan, key):
    every = list(items(plan))
    quartiers = {q for item, _ in every for q in item.quartiers}
    assert quartiers == {normalise_quartier(q, NANTES) for q in key["quartiers"]}
    assert {item.status for item, _ in every} - {None} == set(key["statuses"])
    assert {item.type for item, _ in every} - {None} == set(key["action_types"])


def test_action_count(plan, key):
    bounds = key["approx_action_count"]
    assert bounds["min"] <= len(plan.actions) <= bounds["max"]


def test_stacked_cells_give_one_sub_action_per_value(plan, source_lines):
    line = next(n for n, text in enumerate(source_lines, 1) if "Alimenter l'observation" in text)
    cells = source_lines[line - 1].split("\t")
    action = find(plan, "Affiner les données d'observation")[0][0]
    assert [s.status for s in action.sub_actions] == re.findall(
        r"Réalisé|En cours|A réaliser", cells[5]
    )
    assert [s.type for s in action.sub_actions] == cells[6].split()
    assert action.quartiers == ["TOUS QUARTIERS", "Sillon de Bretagne", "Nantes Nord"]


def test_no_markup_left_in_labels(plan):
    labels = [s.label or "" for s in plan.structure] + [u.text for u in plan.unmapped]
    for item, _ in items(plan):
        labels.append(item.label)
        labels += [p.name for p in item.partners] + [d.name for d in item.dispositifs]
        labels += [f.label for f in item.funding]
    assert not [text for text in labels if TAG.search(text) or "^{" in text]


def test_underlined_terms_become_key_dispositifs(plan, source_lines):
    underlined = {
        " ".join(m.split()) for line in source_lines for m in re.findall(r"<u>(.*?)</u>", line)
    }
    raws = {d.raw for item, _ in items(plan) for d in item.dispositifs if d.key}
    assert raws <= underlined
    assert underlined - raws == {"habitants"}  # a public, not a scheme
    names = {d.name for item, _ in items(plan) for d in item.dispositifs if d.key}
    assert {"Conseil citoyen", "Service civique", "Tirage au sort", "RDV des quartiers"} <= names


def test_key_dispositifs_are_found(plan, key):
    names = {d.name for item, _ in items(plan) for d in item.dispositifs}
    missing = [k for k in key["dispositifs"] if not any(same_name(k, n) for n in names)]
    assert not missing


def test_named_organisations_are_found(plan, key):
    names = {p.name for item, _ in items(plan) for p in item.partners}
    missing = [k for k in key["named_organisations"] if not any(same_name(k, n) for n in names)]
    assert not missing


def test_funding_is_found_with_its_funders(plan, key):
    funding = [f for item, _ in items(plan) for f in item.funding]
    missing = [k for k in key["funding"] if not any(same_name(k, f.label) for f in funding)]
    assert not missing
    by_label = {f.label: f for f in funding}
    assert by_label["Fonds à l'émergence"].funders == ["Ville de Nantes"]
    assert by_label["Budgets participatifs"].funders == ["Ville de Nantes", "Nantes Métropole"]


def test_porteurs_named_in_sub_actions(plan):
    former = find(plan, "Former les habitants dans le cadre")[0][0]
    porteurs = [[p.name for p in s.partners if p.role == "porteur"] for s in former.sub_actions]
    assert porteurs == [["CID"], ["Contrepieds"], ["Contrepieds"]]
    accompagner = [a for a in plan.actions if a.label == "Accompagner les porteurs de projets"]
    subs = [s for a in accompagner for s in a.sub_actions]
    assert [p.name for s in subs for p in s.partners if p.role == "porteur"] == [
        "Peuple et Culture"
    ]


def test_every_line_is_accounted_for_once(plan, source_lines):
    document = read_text(seed_path("004"))
    lines = plan.lines
    every = lines.mapped + lines.unmapped + lines.layout
    assert lines.total() == document.line_count == len(source_lines)
    assert sorted(every) == list(range(1, document.line_count + 1))
    blank = [n for n, text in enumerate(source_lines, 1) if not text.strip()]
    assert set(blank) <= set(lines.layout)
    assert {u.line for u in plan.unmapped} <= set(lines.mapped) | set(lines.unmapped)
    assert "DOCUMENT DE TRAVAIL – octobre 2015" in [u.text for u in plan.unmapped]


def test_contract_is_inferred_from_the_quartiers(plan, key):
    assert plan.contract.territory == key["contrat"]["territory"]
    assert plan.contract.epci_siren == NANTES


@pytest.mark.parametrize("short", sorted(SEED_IDS))
def test_detection(short):
    score = PARSER.detect(read_text(seed_path(short)))
    assert score >= 0.9 if short == "004" else score < 0.5


# --- tables built by the tests -------------------------------------------------------------

TITLES = (
    "PILIER\tVOLETS\tOBJECTIFS OPERATIONNELS\tACTIONS\tEXEMPLES DE SOUS-ACTIONS"
    "\tEn cours/ A réaliser\tTYPE D'ACTIONS\tQUARTIER"
)
BUILT = "\n".join(
    [
        "PILIER 1 - COHESION SOCIALE",
        "",
        "Deux orientations transversales :",
        "AGIR AVEC LES HABITANTS",
        "AGIR DANS LA DUREE",
        "VERSION DE TRAVAIL",
        TITLES,
        "COHESION SOCIALE\t1. EDUCATION\tFAVORISER LA REUSSITE EDUCATIVE\tDévelopper le <u>CLAS</u>"
        "\t<p>Association Trait d'Union : Ouvrir un atelier</p> <p>Former les bénévoles</p>"
        "\tRéalisé\tMixte\tSANITAS",
        "\t\t\t\t\tEn cours\tInstitution\tRABIERE",
        "\t\tSOUTENIR LES PARENTS DANS LEUR ROLE\tCréer un café des parents"
        "\tA réaliser\tPorteur de projet\tTOUS QUARTIERS\t",
        "Organiser des sorties familiales\t\tEn cours\tInstitution\tEUROPE\t\t\t",
        "",
        "Document provisoire",
    ]
)


@pytest.fixture(scope="module")
def built():
    return PARSER.parse(read_text_bytes(BUILT.encode("utf-8"), "built.txt"))


def test_a_built_table_is_rebuilt(built):
    assert [(a.label, a.objective, a.status, a.quartiers) for a in built.actions] == [
        ("Développer le CLAS", "1.1", "Réalisé", ["Sanitas", "La Rabière"]),
        ("Créer un café des parents", "1.2", "A réaliser", ["TOUS QUARTIERS"]),
        ("Organiser des sorties familiales", "1.2", "En cours", ["Europe"]),
    ]
    subs = built.actions[0].sub_actions
    assert [(s.label, s.status, s.type, s.quartiers) for s in subs] == [
        ("Association Trait d'Union : Ouvrir un atelier", "Réalisé", "Mixte", ["Sanitas"]),
        ("Former les bénévoles", "En cours", "Institution", ["La Rabière"]),
    ]
    assert [(p.name, p.role) for p in subs[0].partners] == [
        ("Association Trait d'Union", "porteur")
    ]
    assert [(d.name, d.key) for d in built.actions[0].dispositifs] == [("CLAS", True)]


def test_a_built_table_structure_and_accounting(built):
    assert [(s.kind, s.code, s.label) for s in built.structure] == [
        ("pilier", "1", "Cohésion sociale"),
        ("orientation_transversale", "1", "Agir avec les habitants"),
        ("orientation_transversale", "2", "Agir dans la durée"),
        ("volet", "1", "Éducation"),
        ("objectif", "1.1", "Favoriser la réussite éducative"),
        ("objectif", "1.2", "Soutenir les parents dans leur rôle"),
    ]
    assert built.contract.epci_siren == "243700754"
    # only the two announced orientations are read as orientations
    assert [(u.text, u.line) for u in built.unmapped] == [
        ("VERSION DE TRAVAIL", 6),
        ("Document provisoire", 13),
    ]
    assert built.lines.layout == [2, 7, 12]
    assert built.lines.unmapped == [6, 13]
    assert built.lines.total() == 13


def test_a_document_without_the_column_titles_is_refused():
    document = read_text_bytes(b"FICHE 1.1.1\nPilier: 1\n", "fiche.txt")
    with pytest.raises(InputError, match="column titles") as error:
        PARSER.parse(document)
    assert error.value.path == "fiche.txt"
