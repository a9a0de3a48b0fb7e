"""The fiche orientation opérationnelle parser on seeds 000-002, scored against the keys."""

from __future__ import annotations

import pytest

from policykg.errors import InputError
from policykg.loaders.readers.text import read_text, read_text_bytes
from policykg.loaders.records import extraction_from_dict, extraction_to_dict
from policykg.loaders.resolve.names import normalise_key
from policykg.loaders.templates.orientation import PARSER
from policykg.loaders.territories import lookup_quartier
from tests.answer_key import (
    count_mismatches,
    employer_mismatches,
    extracted_fiche,
    find_funding,
    key_fiche,
    keys_of,
    match_partners,
    role_names,
    same_text,
)
from tests.conftest import answer_key, seed_path

SEEDS = ("000", "001", "002")


@pytest.fixture(scope="module", params=SEEDS)
def case(request):
    """(extraction, key fiche, extracted fiche, document) for one seed."""
    document = read_text(seed_path(request.param))
    extraction = PARSER.parse(document)
    key = key_fiche(answer_key(request.param))
    return extraction, key, extracted_fiche(extraction, key["code"]), document


def test_detection_scores_the_template_high_and_others_low():
    for short in SEEDS:
        assert PARSER.detect(read_text(seed_path(short))) >= 0.9, short
    for short in ("003", "004"):
        assert PARSER.detect(read_text(seed_path(short))) <= 0.3, short


def test_one_fiche_per_seed_with_its_header(case):
    extraction, key, fiche, _ = case
    assert [f.code for f in extraction.fiches] == [key["code"]]
    assert fiche.title == key["title"]
    assert fiche.pillar == key["pillar"]
    assert fiche.axis == key["axis"]
    assert fiche.enjeu == key["enjeu"]
    assert fiche.version == key.get("version")
    assert fiche.kind == "orientation"


def test_title_raw_keeps_the_document_spelling(case):
    _, _, fiche, _ = case
    assert fiche.title_raw.isupper()
    assert normalise_key(fiche.title_raw) == normalise_key(fiche.title)


def test_counts_are_exact(case):
    _, key, fiche, _ = case
    assert count_mismatches(fiche, key) == {}


def test_scale_and_calendar(case):
    _, key, fiche, _ = case
    assert same_text(fiche.scale, key["scale"])
    assert fiche.calendar == key["calendar"]


def test_every_partner_is_found_with_good_precision(case):
    _, key, fiche, _ = case
    recall, precision, missing, extra = match_partners(fiche, key)
    assert missing == []
    assert recall >= 0.95 and precision >= 0.9, (recall, precision, extra)


def test_precision_holds_when_every_role_counts(case):
    _, key, fiche, _ = case
    score = match_partners(fiche, key, roles=("partenaire", "animateur", "pilote", "financeur"))
    assert score.precision >= 0.9, score.extra


def test_professions_carry_their_employer(case):
    _, key, fiche, _ = case
    assert employer_mismatches(fiche, key) == []


def test_animateurs_are_role_mentions(case):
    _, key, fiche, _ = case
    assert role_names(fiche, "animateur") == keys_of(key["roles"]["animateur"])


def test_partner_kinds_follow_the_key_conventions():
    fiche = PARSER.parse(read_text(seed_path("000"))).fiches[0]
    kinds = {p.name: p.kind for p in fiche.partners if p.role == "partenaire"}
    assert (
        kinds["CAF"] == kinds["PTCE COOPAXIS"] == kinds["Conseil départemental"] == "organisation"
    )
    assert kinds["Centre social"] == kinds["Conseil citoyen"] == "category"
    assert kinds["Éducateur spécialisé"] == kinds["Gardien d'immeuble"] == "profession"
    caf = next(p for p in fiche.partners if p.name == "CAF")
    assert caf.expansion == "Caisse d'allocations familiales"


def test_dispositifs_and_their_owners(case):
    _, key, fiche, _ = case
    found = {normalise_key(d.name): d for d in fiche.dispositifs}
    assert set(found) == keys_of(key["dispositifs"])
    for name, owner in key.get("dispositif_owners", {}).items():
        assert found[normalise_key(name)].owner == owner


def test_funding_lines_amounts_and_funders(case):
    _, key, fiche, _ = case
    assert len(fiche.funding) == len(key["funding"])
    for entry in key["funding"]:
        funding = find_funding(fiche, entry)
        assert funding is not None, entry["label"]
        assert funding.amount_eur == entry.get("amount_eur")
        assert funding.share == (pytest.approx(entry["share"]) if "share" in entry else None)
        assert keys_of(funding.funders) == keys_of(entry.get("funders", [])), entry["label"]


def test_programme_147_is_30_percent_of_6_million():
    for short in ("001", "002"):
        fiche = PARSER.parse(read_text(seed_path(short))).fiches[0]
        (culture,) = [f for f in fiche.funding if f.programme == "147"]
        assert culture.amount_eur == 6_000_000
        assert culture.share == pytest.approx(0.30)
        assert culture.label == "Programme 147 (culture, circulaire du 21 mai 2015)"
        assert [(r.kind, r.date) for r in culture.legal_basis] == [("circulaire", "2015-05-21")]


def test_legal_references(case):
    _, key, fiche, _ = case
    got = [r.label for r in fiche.legal_references]
    assert keys_of(got) == keys_of(key.get("legal_references", []))
    assert all(r.date for r in fiche.legal_references)


def test_cross_references_and_titles(case):
    _, key, fiche, _ = case
    assert [r.target for r in fiche.links] == key["links"]
    titles = {r.target: r.label for r in fiche.links}
    for target, title in key.get("link_titles", {}).items():
        assert same_text(titles[target], title), target


def test_link_kinds():
    fiche = PARSER.parse(read_text(seed_path("000"))).fiches[0]
    kinds = {r.target: r.kind for r in fiche.links}
    assert kinds["1.1.2"] == "fiche" and kinds["axe 2.1"] == "axe"
    fiche = PARSER.parse(read_text(seed_path("002"))).fiches[0]
    assert {r.kind for r in fiche.links} == {"transversal"}


def test_quartiers_mentioned():
    fiche = PARSER.parse(read_text(seed_path("002"))).fiches[0]
    expected = key_fiche(answer_key("002"))["territories_mentioned"]
    assert fiche.territories == [lookup_quartier(name).name for name in expected]


def test_structure_items_and_shared_enjeu():
    structures = {s: PARSER.parse(read_text(seed_path(s))).structure for s in SEEDS}
    for items in structures.values():
        assert [(i.kind, i.parent) for i in items] == [
            ("pilier", None),
            ("axe", "1"),
            ("enjeu", "1.1"),
        ]
    enjeux = {s: items[-1].code for s, items in structures.items()}
    # The key says 1.1.2 shares its enjeu with 1.1.1: one enjeu node for both.
    assert enjeux["000"] == enjeux["001"] != enjeux["002"]


def test_every_line_is_mapped_unmapped_or_layout(case):
    extraction, _, _, document = case
    lines = extraction.lines
    assert lines.total() == document.line_count
    everything = set(lines.mapped) | set(lines.unmapped) | set(lines.layout)
    assert everything == set(range(1, document.line_count + 1))
    assert [u.line for u in extraction.unmapped] == lines.unmapped
    for block in document.blocks:
        text = block.text.strip()
        if text in ("Contrat de ville", "Fiche orientation opérationnelle", "") or text == (
            "[bookmark: _GoBack]"
        ):
            assert block.line in lines.layout, block


def test_unplaceable_link_line_is_kept_as_unmapped():
    extraction = PARSER.parse(read_text(seed_path("000")))
    (kept,) = extraction.unmapped
    assert kept.text == "Les fiches opérationnelles de chacun des trois axes transversaux"
    assert kept.section == "links"


def test_the_canonical_form_round_trips():
    extraction = PARSER.parse(read_text(seed_path("001")))
    data = extraction_to_dict(extraction)
    assert extraction_to_dict(extraction_from_dict(data)) == data


def test_synonym_headings_map_without_code_change():
    text = "\n".join(
        [
            "FICHE 3.2.1",
            "FAVORISER L'ACCES A L'EMPLOI DES JEUNES",
            "\tPilier : 3",
            "Axe : 2",
            "\tEnjeu : Lever les freins à l'emploi",
            "Pilote de l'action",
            "\tMission locale",
            "Partenaires associés : Pôle emploi, CAF, éducateurs de rue (Conseil Départemental)",
            "Quartiers concernés",
            "\tSanitas, Rabière",
            "Moyens financiers",
            "· Crédits du programme 147 : 250 000 €",
            "Indicateurs de résultat",
            "· Nombre de jeunes en emploi",
        ]
    ).encode("utf-8")
    extraction = PARSER.parse(read_text_bytes(text, "synonymes.txt"))
    (fiche,) = extraction.fiches
    assert (fiche.code, fiche.pillar, fiche.axis) == ("3.2.1", "3", "3.2")
    assert fiche.title == "Favoriser l'accès à l'emploi des jeunes"
    assert [(p.name, p.role) for p in fiche.partners if p.role == "pilote"] == [
        ("Mission locale", "pilote")
    ]
    partners = {p.name: p.employer for p in fiche.partners if p.role == "partenaire"}
    assert partners == {
        "Pôle emploi": None,
        "CAF": None,
        "Éducateur spécialisé": "Conseil départemental",
    }
    assert fiche.territories == ["Sanitas", "La Rabière"]
    (funding,) = fiche.funding
    assert (funding.programme, funding.amount_eur) == ("147", 250_000)
    assert [(i.kind, i.label) for i in fiche.indicators] == [
        ("resultat", "Nombre de jeunes en emploi")
    ]
    assert extraction.unmapped == []
    assert extraction.lines.total() == 14


def test_several_fiches_in_one_document_and_links_are_not_fiches():
    data = seed_path("000").read_bytes() + b"\n" + seed_path("001").read_bytes()
    extraction = PARSER.parse(read_text_bytes(data, "two.txt"))
    assert [f.code for f in extraction.fiches] == ["1.1.1", "1.1.2"]
    # "Fiche 1.1.1 "Construire …"" in 1.1.2's links stays a link.
    assert "1.1.1" in [r.target for r in extraction.fiches[1].links]
    assert len(extraction.structure) == 3  # pilier, axe and the shared enjeu, once each
    assert extraction.lines.total() == len(data.decode("utf-8").splitlines())


def test_a_document_without_fiche_raises_an_input_error():
    document = read_text_bytes("Un compte rendu de réunion\nsans fiche\n".encode(), "cr.txt")
    with pytest.raises(InputError, match="FICHE") as err:
        PARSER.parse(document)
    assert err.value.path == "cr.txt"
    assert PARSER.detect(document) == 0.0
