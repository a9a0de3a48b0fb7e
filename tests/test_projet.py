"""The fiche projet parser on seed 003 (an OCR'd PDF), scored against its answer key, and on
fiches projet that the tests write themselves."""

from __future__ import annotations

import re

import pytest

from policykg.errors import InputError
from policykg.loaders.readers.text import read_text_bytes
from policykg.loaders.records import Extraction, Fiche, extraction_from_dict, extraction_to_dict
from policykg.loaders.registry import detect_template, extract, read_document
from policykg.loaders.resolve.names import clean_text, normalise_key
from policykg.loaders.templates.projet import PARSER
from tests.answer_key import (
    count_mismatches,
    employer_mismatches,
    extracted_fiche,
    find_funding,
    key_fiche,
    match_partners,
    role_names,
    same_text,
)
from tests.conftest import answer_key, seed_path


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return extract(seed_path("003"))


@pytest.fixture(scope="module")
def key() -> dict:
    return key_fiche(answer_key("003"))


@pytest.fixture(scope="module")
def fiche(extraction, key) -> Fiche:
    return extracted_fiche(extraction, key["code"])


def _source_lines() -> list[str]:
    return seed_path("003").read_text(encoding="utf-8").splitlines()


def _items(fiche: Fiche):
    """Every item of the fiche with a text and maybe a raw form."""
    for name in (
        "objectives",
        "expected_outputs",
        "context",
        "favourable_factors",
        "unfavourable_factors",
        "strategy_steps",
    ):
        yield from getattr(fiche, name)
    for mapping in (fiche.interests, fiche.framework, fiche.resources):
        for items in mapping.values():
            yield from items


# --- detection ----------------------------------------------------------------------------


def test_detects_the_fiche_projet():
    document = read_document(seed_path("003"))
    assert PARSER.detect(document) >= 0.9
    assert detect_template(document).name == "projet"


@pytest.mark.parametrize("short", ["000", "001", "002", "004"])
def test_other_templates_score_low(short):
    assert PARSER.detect(read_document(seed_path(short))) < 0.5


# --- seed 003 against its answer key ------------------------------------------------------


def test_code_title_and_enjeu(extraction, fiche, key):
    assert extraction.template == "projet"
    assert fiche.kind == "projet"
    assert fiche.code == key["code"]
    assert same_text(fiche.title, key["title"])
    assert fiche.enjeu == key["enjeu"]
    assert fiche.enjeu_kind == key["enjeu_kind"]
    [enjeu] = [s for s in extraction.structure if s.kind == "enjeu"]
    assert enjeu.label == key["enjeu"] and enjeu.code == "T 1"


def test_title_keeps_its_ocr_text(fiche, key):
    assert fiche.title_raw and fiche.title_raw != fiche.title
    assert fiche.title_raw in " ".join(" ".join(_source_lines()).split())
    assert not same_text(fiche.title_raw, key["title"])


def test_counts(fiche, key):
    assert count_mismatches(fiche, key) == {}


def test_calendar_scale_and_public(fiche, key):
    assert fiche.calendar == key["calendar"]
    assert fiche.scale == key["scale"]
    assert fiche.target_public == key["target_public"]


def test_partners_recall_and_precision(fiche, key):
    recall, precision, missing, extra = match_partners(fiche, key)
    assert recall >= 0.9, missing
    assert precision >= 0.9, extra
    assert employer_mismatches(fiche, key) == []


def test_pilote_and_referent_roles(fiche, key):
    for role, names in key["roles"].items():
        assert role_names(fiche, role) == {normalise_key(n) for n in names}
    [referent] = [p for p in fiche.partners if p.role == "referent"]
    assert referent.employer == "Ville" and referent.kind == "profession"


def test_funding(fiche, key):
    for entry in key["funding"]:
        assert find_funding(fiche, entry) is not None, entry["label"]
    fph = find_funding(fiche, key["funding"][0])
    assert fph.raw and "&" in fph.raw  # the OCR text of the line, for provenance


def test_dispositifs(fiche, key):
    found = {normalise_key(d.name) for d in fiche.dispositifs}
    wanted = {normalise_key(n) for n in key["dispositifs"]}
    assert wanted <= found
    assert len(wanted) / len(found) >= 0.8  # "projets de renouvellement urbain" is extra
    assert all(d.line for d in fiche.dispositifs)


def test_links(fiche, key):
    assert [r.target for r in fiche.links] == key["links"]


def test_sections_per_audience_frame_and_means(fiche):
    assert set(fiche.interests) == {"habitants", "territoire", "partenaires"}
    assert set(fiche.framework) == {"quand", "ou", "avec_qui", "avec_quoi"}
    assert set(fiche.resources) == {"humains", "financiers"}
    assert [len(fiche.interests[k]) for k in ("habitants", "territoire", "partenaires")] == [
        1,
        2,
        2,
    ]
    assert len(fiche.resources["financiers"]) == len(fiche.funding) == 2
    assert fiche.strategy_steps and fiche.framework["avec_quoi"]


def test_items_broken_over_lines_are_joined(fiche):
    lines = _source_lines()
    start = lines.index("Résultat(s) attendu(s)")
    end = next(i for i, ln in enumerate(lines) if ln.startswith("Intérét(s)"))
    bullets = [ln for ln in lines[start:end] if ln.startswith("- ")]
    assert len(fiche.expected_outputs) == len(bullets) < end - start - len(bullets)
    for item in _items(fiche):
        assert not item.text[:1].islower(), item.text  # no continuation line left alone
    # "= Soit constituer ... pour" + blank line + "inciter les habitants ..." is one item
    assert any(
        i.text.endswith("cadre collectif et collaboratif.") and "Soit constituer" in i.text
        for i in fiche.framework["avec_quoi"]
    )


@pytest.mark.parametrize(
    "raw, fixed", sorted(answer_key("003")["fiches"][0]["ocr_fixes_expected"].items())
)
def test_ocr_repairs_reach_the_records(extraction, fiche, raw, fixed):
    texts = [(i.text, i.raw) for i in _items(fiche)]
    texts += [(i.label, i.raw) for i in fiche.indicators]
    texts += [(fiche.title, fiche.title_raw)]
    texts += [(u.text, None) for u in extraction.unmapped]
    assert any(fixed in clean_text(text) for text, _ in texts)
    flat = [clean_text(t) for t, _ in texts]
    assert not any(raw in t for t in flat)
    # the OCR text stays beside the repaired text
    with_raw = [r for t, r in texts if r and fixed in clean_text(t)]
    assert not with_raw or any(raw in clean_text(r) for r in with_raw)


def test_raw_is_kept_only_when_it_differs(fiche):
    items = list(_items(fiche))
    assert any(i.raw for i in items)
    for item in items:
        assert item.raw is None or item.raw != item.text
    for indicator in fiche.indicators:
        assert indicator.raw is None or indicator.raw != indicator.label


def test_every_line_is_accounted_for(extraction):
    document = read_document(seed_path("003"))
    lines = extraction.lines
    assert lines.total() == document.line_count
    assert set(lines.mapped) | set(lines.unmapped) | set(lines.layout) == set(
        range(1, document.line_count + 1)
    )
    assert not set(lines.mapped) & set(lines.unmapped)
    assert not (set(lines.mapped) | set(lines.unmapped)) & set(lines.layout)
    source = _source_lines()
    for number in lines.layout:  # blank lines and the repeated "FICHE PROJET N°" header
        text = source[number - 1].strip() if number <= len(source) else ""
        assert not text or re.match(r"fiche projet n", text, re.I), text
    for record in extraction.unmapped:
        assert record.line in lines.unmapped


def test_the_enjeu_statement_is_kept_as_unmapped_text(extraction):
    [record] = extraction.unmapped
    assert record.section == "enjeu"
    assert record.text.startswith("Chaque territoire veillera à co-construire et mettre en œuvre")


def test_the_extraction_is_valid_canonical_format(extraction):
    again = extraction_from_dict(extraction_to_dict(extraction))
    assert extraction_to_dict(again) == extraction_to_dict(extraction)


def test_parsing_is_deterministic():
    a = extraction_to_dict(extract(seed_path("003")))
    b = extraction_to_dict(extract(seed_path("003")))
    assert a == b


# --- other fiches of the same template ----------------------------------------------------

OTHER_FICHE = """\
Fiche Projet n° : A 2.3

Enjeu 2 : Emploi et insertion

Rapprocher les habitants des quartiers de l'emploi

Pilote de l'action

CAF

Référent du projet

Chef de projet (Ville)

Résultat(s) attendu(s)

- Organiser des forums de l'emploi dans
chaque quartier

- Accompagner les jeunes vers la formation

Intérêt(s) du projet

Pour les habitants :

Trouver un emploi près de chez eux.

Cadre
(Quand ? Où ?)

Quand : De 2025 à 2027
Où : Dans les quartiers Bel-Air et La Roseraie.

Public Cible

Les jeunes de 16 à 25 ans

Partenaires associés

Mission locale, France Travail

Centres sociaux

Indicateurs de réalisation :

- Nombre de forums organisés

Indicateurs d'impact :

- Taux d'emploi des jeunes des quartiers

Liens avec les autres fiches

Articuler l'action avec la fiche projet A 1.2 « Favoriser la mobilité ».
"""


def _parse(text: str) -> Extraction:
    return PARSER.parse(read_text_bytes(text.encode("utf-8"), "autre-fiche.txt"))


def test_another_territory_with_other_headings():
    extraction = _parse(OTHER_FICHE)
    [fiche] = extraction.fiches
    assert (fiche.code, fiche.enjeu, fiche.enjeu_kind) == (
        "A 2.3",
        "Emploi et insertion",
        "enjeu 2",
    )
    assert fiche.title == "Rapprocher les habitants des quartiers de l'emploi"
    assert fiche.title_raw is None  # nothing was repaired
    assert [(p.role, p.name) for p in fiche.partners if p.role != "partenaire"] == [
        ("pilote", "CAF"),
        ("referent", "Chef de projet politique de la ville"),
    ]
    assert {"Mission locale", "France Travail", "Centre social"} <= {
        p.name for p in fiche.partners if p.role == "partenaire"
    }
    assert [i.text for i in fiche.expected_outputs] == [
        "Organiser des forums de l'emploi dans chaque quartier",
        "Accompagner les jeunes vers la formation",
    ]
    assert fiche.calendar == ["2025-2027"]
    assert fiche.scale == "Quartiers Bel-Air et La Roseraie"
    assert fiche.territories == ["Bel-Air", "La Roseraie"]
    assert fiche.target_public == "Les jeunes de 16 à 25 ans"
    assert [(i.kind, i.label) for i in fiche.indicators] == [
        ("realisation", "Nombre de forums organisés"),
        ("impact", "Taux d'emploi des jeunes des quartiers"),
    ]
    assert list(fiche.interests) == ["habitants"]


def test_links_section():
    fiche = _parse(OTHER_FICHE).fiches[0]
    assert [(r.target, r.label) for r in fiche.links] == [("A 1.2", "Favoriser la mobilité")]


def test_text_it_cannot_place_is_kept_unmapped():
    text = "Document de synthèse interne\n\n" + OTHER_FICHE.replace(
        "Indicateurs de réalisation :",
        "Indicateurs d'évaluation\n\nSuivi annuel en comité de pilotage\n\n"
        "Indicateurs de réalisation :",
    )
    extraction = _parse(text)
    lines = text.splitlines()
    found = {u.text: u.line for u in extraction.unmapped}
    assert found == {
        "Document de synthèse interne": 1,
        "Suivi annuel en comité de pilotage": lines.index("Suivi annuel en comité de pilotage") + 1,
    }
    assert sorted(extraction.lines.unmapped) == sorted(found.values())
    assert extraction.lines.total() == len(lines)
    assert len(extraction.fiches[0].indicators) == 2


def test_a_fiche_without_code_warns_but_reads():
    extraction = _parse(OTHER_FICHE.replace("Fiche Projet n° : A 2.3\n", ""))
    assert extraction.warnings and "no 'Fiche Projet n°' code" in extraction.warnings[0]
    [fiche] = extraction.fiches
    assert fiche.code == "autre-fiche"  # the file name stands for the code
    assert fiche.title == "Rapprocher les habitants des quartiers de l'emploi"
    assert len(fiche.expected_outputs) == 2


def test_a_document_that_is_no_fiche_projet_is_refused():
    with pytest.raises(InputError, match="not a fiche projet") as error:
        _parse("Compte rendu de la réunion du 3 mars\n\nPrésents : la Ville, la CAF.\n")
    assert "autre-fiche.txt:1" in str(error.value)


def test_several_fiches_in_one_document():
    second = OTHER_FICHE.replace("A 2.3", "A 2.4").replace("CAF", "CCAS")
    text = OTHER_FICHE + "\n" + OTHER_FICHE.splitlines()[0] + "\n\n" + second
    extraction = _parse(text)
    assert [f.code for f in extraction.fiches] == ["A 2.3", "A 2.4"]
    pilotes = [[p.name for p in f.partners if p.role == "pilote"] for f in extraction.fiches]
    assert pilotes == [["CAF"], ["CCAS"]]
    assert [len(f.expected_outputs) for f in extraction.fiches] == [2, 2]
    assert [s.code for s in extraction.structure] == ["A 2"]  # one enjeu, named once
    assert extraction.lines.total() == len(text.splitlines())
    assert not extraction.unmapped


# --- generated fiches projet, clean and with the seed's OCR slips --------------------------


def _generated() -> list:
    from benchmarks.generate import PRESETS, build_corpus

    docs = []
    for noise in (False, True):
        _, built = build_corpus(**PRESETS["example"], ocr_noise=noise)
        docs += [d for d in built if d.template == "projet"]
    return docs


GENERATED = _generated()


def _texts(items) -> list[str]:
    return [clean_text(i.text) for i in items]


@pytest.mark.parametrize("doc", GENERATED, ids=[f"{i}-{d.file}" for i, d in enumerate(GENERATED)])
def test_generated_fiches_come_back_whole(doc):
    document = read_text_bytes(doc.text.encode("utf-8"), doc.file)
    extraction = PARSER.parse(document)
    [got] = extraction.fiches
    [want] = doc.truth.fiches
    assert (got.code, got.enjeu, got.enjeu_kind) == (want.code, want.enjeu, want.enjeu_kind)
    assert clean_text(got.title) == clean_text(want.title)
    assert (got.calendar, got.scale, got.territories) == (
        want.calendar,
        want.scale,
        want.territories,
    )
    assert got.target_public == want.target_public
    for name in (
        "expected_outputs",
        "favourable_factors",
        "unfavourable_factors",
        "strategy_steps",
    ):
        assert _texts(getattr(got, name)) == _texts(getattr(want, name)), name
    for name in ("interests", "framework", "resources"):
        got_map = {k: _texts(v) for k, v in getattr(got, name).items()}
        want_map = {k: _texts(v) for k, v in getattr(want, name).items()}
        assert got_map == want_map, name
    assert sorted((i.kind, i.label) for i in got.indicators) == sorted(
        (i.kind, i.label) for i in want.indicators
    )
    assert [r.target for r in got.links] == [r.target for r in want.links]
    assert extraction.lines.total() == document.line_count
    # only the enjeu's statement, which no field of a fiche holds, is left unmapped
    assert [u.section for u in extraction.unmapped] == ["enjeu"]
