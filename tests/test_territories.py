"""The territories reference: shipped facts, quartier lookups, "TOUS QUARTIERS" expansion."""

from __future__ import annotations

import csv

import pytest

from policykg.errors import InputError
from policykg.loaders import territories as T
from tests.conftest import REFERENCE, answer_key, seed_path

NANTES = "244400404"
TOURS = "243700754"


def reference_rows() -> list[dict[str, str]]:
    path = REFERENCE / "territories.csv"
    if not path.is_file():
        pytest.skip(f"reference table not found at {path}")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_shipped_table_holds_every_reference_fact():
    table = T.default_table()
    shipped = {(t.kind, t.name): t for t in table.territories}
    rows = reference_rows()
    assert len(shipped) == len(rows)
    for row in rows:
        t = shipped[(row["kind"], row["name"])]
        assert (t.commune or "", t.commune_insee or "", t.epci or "", t.epci_siren or "") == (
            row["commune"],
            row["commune_insee"],
            row["epci"],
            row["epci_siren"],
        )
        assert (t.generation or "") == row["generation"]


def test_the_qpv_code_column_is_ready_to_fill():
    header = (
        (T.resources.files("policykg.loaders") / "data" / "territories.csv")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
    assert "qpv_code" in header.split(",")
    assert all(t.qpv_code is None for t in T.default_table().territories)


@pytest.mark.parametrize(
    ("written", "name", "commune", "insee"),
    [
        ("SILLON", "Sillon de Bretagne", "Saint-Herblain", "44162"),
        ("sillon de bretagne", "Sillon de Bretagne", "Saint-Herblain", "44162"),
        ("CHATEAU", "Château", "Rezé", "44143"),
        ("château", "Château", "Rezé", "44143"),
        ("NANTES NORD", "Nantes Nord", "Nantes", "44109"),
        ("PLAISANCE", "Plaisance", "Orvault", "44114"),
        ("MALAKOFF", "Malakoff", "Nantes", "44109"),
        ("Sanitas", "Sanitas", "Tours", "37261"),
        ("Rabière", "La Rabière", "Joué-lès-Tours", "37122"),
        ("la rabiere", "La Rabière", "Joué-lès-Tours", "37122"),
        ("le quartier du Sanitas", "Sanitas", "Tours", "37261"),
        ("Bottière Pin Sec", "Bottière-Pin Sec", "Nantes", "44109"),
    ],
)
def test_quartier_lookups_ignore_case_accents_articles_and_know_aliases(
    written, name, commune, insee
):
    found = T.lookup_quartier(written)
    assert found is not None
    assert (found.kind, found.name, found.commune, found.commune_insee) == (
        "qpv",
        name,
        commune,
        insee,
    )


def test_a_quartier_carries_its_epci():
    sillon = T.lookup_quartier("SILLON", epci_siren=NANTES)
    assert (sillon.epci, sillon.epci_siren) == ("Nantes Métropole", NANTES)
    assert T.lookup_quartier("Sanitas").epci_siren == TOURS


def test_lookups_outside_the_table_or_the_epci_find_nothing():
    assert T.lookup_quartier("Sanitas", epci_siren=NANTES) is None
    assert T.lookup_quartier("Quartier imaginaire") is None
    assert T.lookup_quartier("TOUS QUARTIERS") is None


def test_tous_quartiers_means_every_qpv_of_the_contract():
    assert T.is_all_quartiers("TOUS QUARTIERS") and T.is_all_quartiers("Tous les quartiers")
    assert T.normalise_quartier("TOUS QUARTIERS") == T.ALL_QUARTIERS
    rows = reference_rows()
    nantes = {r["name"] for r in rows if r["kind"] == "qpv" and r["epci_siren"] == NANTES}
    assert {q.name for q in T.quartiers_of(NANTES)} == nantes
    assert len(nantes) == 13
    tours_2015 = {q.name for q in T.quartiers_of(TOURS, generation="2015")}
    tours_2024 = {q.name for q in T.quartiers_of(TOURS, generation="2024")}
    assert "Les Tourettes" in tours_2024 - tours_2015
    assert {"Sanitas", "La Rabière"} <= tours_2015 & tours_2024
    assert len(tours_2015) == 10 and len(tours_2024) == 13


def test_communes_and_epci():
    assert [e.name for e in T.epci()] == ["Nantes Métropole", "Tours Métropole Val de Loire"]
    assert {c.commune_insee for c in T.communes(NANTES)} == {"44109", "44162", "44143", "44114"}
    assert T.lookup_commune("Saint Herblain").commune_insee == "44162"
    assert T.lookup_commune("37122").name == "Joué-lès-Tours"
    assert T.lookup_epci(NANTES).name == "Nantes Métropole"
    assert T.lookup_epci("Tour(s)plus").epci_siren == TOURS


def test_every_quartier_of_the_plan_answer_key_resolves():
    key = answer_key("004")
    for name in key["quartiers"]:
        if T.is_all_quartiers(name):
            continue
        found = T.lookup_quartier(name, epci_siren=NANTES)
        assert found is not None, name
        assert found.epci == key["contrat"]["territory"]
    assert T.infer_epci(key["quartiers"]) == NANTES


def test_stacked_quartier_cells_split_on_known_names():
    assert T.split_names("TOUS QUARTIERS SILLON NANTES NORD") == [
        "TOUS QUARTIERS",
        "SILLON",
        "NANTES NORD",
    ]
    assert T.split_names("LES PINS MALAKOFF") == ["LES PINS", "MALAKOFF"]


def test_quartiers_named_in_the_tours_fiche_are_found_in_its_text():
    text = seed_path("002").read_text(encoding="utf-8")
    found = [t.name for t in T.find_in_text(text, epci_siren=TOURS) if t.kind == "qpv"]
    expected = answer_key("002")["fiches"][0]["territories_mentioned"]
    assert [T.lookup_quartier(n).name for n in expected] == found


def test_text_mentions_need_capitals_except_demonyms():
    mentions = T.find_in_text("un château, la démarche rezéenne et le Sillon", NANTES)
    assert [t.name for t in mentions] == ["Rezé", "Sillon de Bretagne"]
    written = [w for w, _ in T.default_table().mentions("la Ville de Nantes et Nantes Nord")]
    assert written == ["Ville de Nantes", "Nantes Nord"]


def test_a_users_table_with_official_codes(tmp_path):
    path = tmp_path / "qpv.csv"
    path.write_text(
        "kind,name,commune,commune_insee,epci,epci_siren,qpv_code,aliases\n"
        "qpv,Malakoff,Nantes,44109,Nantes Métropole,244400404,QP044012,Malakoff Pré Gauchet\n",
        encoding="utf-8",
    )
    table = T.load_territories(path)
    assert table.lookup_quartier("MALAKOFF").qpv_code == "QP044012"
    assert table.lookup_quartier("Malakoff - Pré Gauchet").name == "Malakoff"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("kind,name,epci_siren\nqpv,A,244400404\nqpv,B,24440\n", "SIREN", 3),
        ("kind,name\nville,A\n", "unknown territory kind", 2),
        ("name,commune\nA,B\n", "missing column", 1),
    ],
)
def test_a_malformed_table_names_file_and_line(tmp_path, text, message, line):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        T.load_territories(path)
    assert message in str(error.value)
    assert (error.value.path, error.value.line) == (str(path), line)
