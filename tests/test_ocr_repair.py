"""The conservative OCR corrector: the seed's repairs, the listed confusions, and no harm."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.loaders.ocr_repair import (
    frequency,
    is_known,
    join_broken_lines,
    repair,
    repair_with_changes,
)
from tests.conftest import answer_key, seed_path


def _seed_text(short: str) -> str:
    return seed_path(short).read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


# --- the answer key's repairs on the OCR'd seed ------------------------------------------


def _expected_fixes() -> list[tuple[str, str]]:
    fiche = answer_key("003")["fiches"][0]
    return sorted(fiche["ocr_fixes_expected"].items())


@pytest.mark.parametrize("raw, fixed", _expected_fixes())
def test_seed_003_reads_the_expected_repair(raw, fixed):
    source = _flat(_seed_text("003"))
    assert raw in source  # the slip is really in the OCR text
    repaired = _flat(repair(_seed_text("003")))
    assert fixed in repaired
    assert raw not in repaired


def test_seed_003_repair_is_idempotent():
    once = repair(_seed_text("003"))
    twice, changes = repair_with_changes(once)
    assert twice == once
    assert changes == []


def test_changes_name_the_source_line():
    text = _seed_text("003")
    lines = text.splitlines()
    _, changes = repair_with_changes(text)
    fix = next(c for c in changes if c.before == "Fréguence")
    assert fix.after == "Fréquence"
    assert "Fréguence" in lines[fix.line - 1]
    for change in changes:
        assert change.before in lines[change.line - 1], change


def test_seed_003_has_no_ocr_symbol_left():
    repaired = repair(_seed_text("003"))
    assert "¢" not in repaired and "®" not in repaired and " & " not in repaired
    assert not re.search(r"(?<!\w)I['’]", repaired)
    assert "ceuvre" not in repaired


# --- the confusions listed by the issue ---------------------------------------------------


@pytest.mark.parametrize(
    "raw, fixed",
    [
        ("prendre en compte I'avis", "prendre en compte l'avis"),
        ("Etre & I’écoute", "Etre à l’écoute"),
        ("I'objectif est clair", "L'objectif est clair"),
        ("la mise en ceuvre", "la mise en œuvre"),
        ("un confexte favorable", "un contexte favorable"),
        ("les inifiatives locales", "les initiatives locales"),
        ("au ftitre de la concertation", "au titre de la concertation"),
        ("Quand 2 En continu", "Quand ? En continu"),
        ("comment l'inviter à revenir 2", "comment l'inviter à revenir ?"),
        ("Avec qui ¢", "Avec qui :"),
        ("de 2024 & 2030", "de 2024 à 2030"),
        ("Fiche Projet n®:T 1.1", "Fiche Projet n°:T 1.1"),
        ("- Fréguence des réunions", "- Fréquence des réunions"),
        ("la fréguence des réunions", "la fréquence des réunions"),
        ("une gouvernance du Contrat de Vile", "une gouvernance du Contrat de Ville"),
        ("la politique de la vile", "la politique de la ville"),
        ("Pléniere et ouverte", "Plénière et ouverte"),
        ("des themes communs", "des thèmes communs"),
        ("Intérét(s) du projet", "Intérêt(s) du projet"),
        ("vis-a-vis des acteurs", "vis-à-vis des acteurs"),
        ("et sila Ville", "et si la Ville"),
        ("Movyens financiers", "Moyens financiers"),
        ("mise en place d’'un budget", "mise en place d’un budget"),
        ("favorisant [l'interconnaissance", "favorisant l'interconnaissance"),
        ("comment 'inviter", "comment l'inviter"),
        ("qui peine a se structurer ou d maintenir", "qui peine à se structurer ou à maintenir"),
        ("la difficulté a mobiliser", "la difficulté à mobiliser"),
    ],
)
def test_listed_confusions_are_repaired(raw, fixed):
    assert repair(raw) == fixed
    assert repair(fixed) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "Recherche & Développement",  # an ampersand between names
        "Axe 2 Emploi et développement économique",  # a number, not a question mark
        "un coût de 50 ¢",
        "on a affaire à des partenaires",
        "il a pouvoir de décision",
        "il a fait l'objet d'ateliers",
        "des acteurs oeuvrant dans les QPV",  # "oeuvrant" is a correct spelling
        "[bookmark: _GoBack]Tous les quartiers",
        "le mot 'inviter' entre guillemets",
        "Reconnaitre les compétences",  # 1990 spelling, no circumflex
        "Référents politique de la ville",
        "les TMVL, NPNRU et QOu restent tels quels",  # acronyms and codes are left alone
        "Une vile manœuvre",  # a known word outside the domain phrases
        "la moyenne de Pays de Belières",  # a capitalised word inside a sentence: a name
        "le quartier des Sablons",
        "la Fréguence",  # capitalised inside a sentence: perhaps a name, left alone
    ],
)
def test_correct_text_is_left_alone(text):
    fixed, changes = repair_with_changes(text)
    assert fixed == text
    assert changes == []


@pytest.mark.parametrize("short", ["000", "001", "002", "004"])
def test_clean_seeds_are_not_changed(short):
    text = _seed_text(short)
    fixed, changes = repair_with_changes(text)
    assert changes == []
    assert fixed == text


# --- words broken across lines ------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, joined",
    [
        (["les habitants du quar-", "tier"], "les habitants du quartier"),
        (["de qui avons-", "nous besoin"], "de qui avons-nous besoin"),
        (["veillera à co-", "construire"], "veillera à co-construire"),
        (["le dévelop", "pement local"], "le développement local"),
        (
            ["Conforter ou créer des espaces destinés aux", "habitants, favorisant"],
            "Conforter ou créer des espaces destinés aux habitants, favorisant",
        ),
        (
            ["un nouveau format", "", "  inciter les habitants  "],
            "un nouveau format inciter les habitants",
        ),
        (["Etat -", "Délégués"], "Etat - Délégués"),
    ],
)
def test_join_broken_lines(lines, joined):
    assert join_broken_lines(lines) == joined


def test_word_list_basics():
    assert frequency("mettre") > 0 and frequency("metire") == 0
    assert is_known("œuvre") and is_known("oeuvre") and not is_known("ceuvre")
    assert is_known("Etat") and is_known("partenariales")


# --- properties ---------------------------------------------------------------------------

_PIECES = [
    "I'avis",
    "&",
    "2",
    "¢",
    "a",
    "d",
    "ceuvre",
    "Vile",
    "Contrat",
    "de",
    "ville",
    "quand",
    "revenir",
    "mobiliser",
    "se",
    "'inviter",
    "[l'accueil",
    "sila",
    "QPV",
    "2024",
    ",",
    ".",
    "\n",
    "Fréguence",
    "habitants",
    "vis-a-vis",
    "d’'un",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_repair_is_idempotent_and_keeps_lines(pieces):
    text = " ".join(pieces)
    once, changes = repair_with_changes(text)
    assert repair(once) == once
    assert once.count("\n") == text.count("\n")
    assert all(1 <= c.line <= text.count("\n") + 1 for c in changes)
