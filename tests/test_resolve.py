"""Resolve: names, gazetteer, partner lists, cross-references, funding, section headings."""

from __future__ import annotations

import pytest

from policykg.errors import InputError
from policykg.loaders.resolve.dates import find_dates, parse_date
from policykg.loaders.resolve.dispositifs import parse_dispositifs
from policykg.loaders.resolve.funding import (
    parse_amount,
    parse_funding,
    parse_legal_references,
    parse_share,
)
from policykg.loaders.resolve.gazetteer import expand, find_all, lookup, read_gazetteer
from policykg.loaders.resolve.names import (
    document_vocabulary,
    normalise_key,
    sentence_case,
    singular,
    singular_phrase,
)
from policykg.loaders.resolve.partners import parse_partners, resolve_partner, split_partner_list
from policykg.loaders.resolve.references import normalise_code, parse_references
from policykg.loaders.sections import is_layout, match_heading, read_sections

# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plural", "expected"),
    [
        ("centres", "centre"),
        ("sociaux", "social"),
        ("bureaux", "bureau"),
        ("enjeux", "enjeu"),
        ("heureux", "heureux"),
        ("relais", "relais"),
        ("fonds", "fonds"),
        ("temps", "temps"),
        ("parcours", "parcours"),
        ("accès", "accès"),
        ("taux", "taux"),
        ("travaux", "travail"),
        ("emplois", "emploi"),
        ("élus", "élu"),
        ("schémas", "schéma"),
        ("adultes-relais", "adulte-relais"),
        ("EPN", "EPN"),
    ],
)
def test_singular(plural, expected):
    assert singular(plural) == expected


def test_singular_phrase_keeps_plural_complements():
    assert singular_phrase("Projets sociaux de territoire") == "Projet social de territoire"
    assert singular_phrase("conventions des centres sociaux") == "convention des centres sociaux"
    assert singular_phrase("correspondants de quartiers") == "correspondant de quartier"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Conseils citoyens", "Conseil citoyen"),
        ("Conseil Départemental", "conseil departemental"),
        ("Etat", "État"),
        ("Cultures du coeur", "Cultures du cœur"),
        ("adultes-relais", "adultes relais"),
        ("gardiens d’immeuble…", "Gardien d'immeuble"),
        ("Services municipaux", "Service municipal"),
    ],
)
def test_normalise_key_ignores_case_accents_plural_and_punctuation(a, b):
    assert normalise_key(a) == normalise_key(b)


def test_normalise_key_keeps_capitalised_words_in_mixed_text():
    assert normalise_key("le PTCE COOPAXIS") == "le ptce coopaxis"
    # Text all in capitals is read as lower case (a title), so its plurals are undone.
    assert normalise_key("CONSEILS CITOYENS") == "conseil citoyen"


def test_sentence_case_restores_accents_from_the_document_and_tables():
    assert (
        sentence_case("VALORISER ET DEVELOPPER LES PRATIQUES D’IMPLICATION DES HABITANTS")
        == "Valoriser et développer les pratiques d'implication des habitants"
    )
    vocabulary = document_vocabulary(["la réhabilitation des tours"])
    assert sentence_case("REHABILITATION ET GUSP", {"GUSP"}, vocabulary) == (
        "Réhabilitation et GUSP"
    )
    assert sentence_case("Texte déjà en casse mixte") == "Texte déjà en casse mixte"


# --- gazetteer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("acronym", "words"),
    [
        ("CAF", "allocations familiales"),
        ("DDCS", "cohésion sociale"),
        ("CIDFF", "droits des femmes"),
        ("PTCE", "coopération économique"),
        ("ANRU", "rénovation urbaine"),
        ("NPNRU", "renouvellement urbain"),
        ("GUSP", "proximité"),
        ("FPH", "participation des habitants"),
        ("EPN", "public numérique"),
        ("CUCS", "cohésion sociale"),
        ("PST", "Projet social de territoire"),
        ("TFPB", "propriétés bâties"),
        ("EVS", "vie sociale"),
        ("QPV", "politique de la ville"),
    ],
)
def test_acronyms_are_expanded(acronym, words):
    assert words in expand(acronym)


def test_acronyms_need_capitals():
    assert lookup("CAF").label == "CAF"
    assert lookup("caf") is None
    assert lookup("Caisse d'allocations familiales").label == "CAF"


def test_employer_aliases():
    assert lookup("Etat").label == "État"
    assert lookup("Bailleurs").label == "Bailleur social"
    assert lookup("Conseil Départemental").label == "Conseil départemental"


def test_find_all_in_running_text():
    text = "des projets NPNRU, le FPH et les EVS"
    assert [(e.label, w) for e, w in find_all(text)] == [
        ("NPNRU", "NPNRU"),
        ("FPH", "FPH"),
        ("Espace de vie sociale", "EVS"),
    ]


def test_a_bad_gazetteer_names_file_and_line():
    text = "entries:\n  - {label: CAF, kind: organisation}\n  - {label: X, kind: planet}\n"
    with pytest.raises(InputError, match="planet") as err:
        read_gazetteer(text, "mine.yaml")
    assert (err.value.path, err.value.line) == ("mine.yaml", 3)


# --- partner lists ------------------------------------------------------------------------


def test_split_respects_parentheses_ellipsis_and_etc():
    assert split_partner_list(
        "Ville, services municipaux (culture, sport, DSI…), centres sociaux, "
        "associations (UFOLEP, Cultures du cœur…), éducateurs spécialisés..."
    ) == [
        "Ville",
        "services municipaux (culture, sport, DSI…)",
        "centres sociaux",
        "associations (UFOLEP, Cultures du cœur…)",
        "éducateurs spécialisés",
    ]
    assert split_partner_list("CAF ; DDCS, etc.") == ["CAF", "DDCS"]
    assert split_partner_list("· gardiens d'immeuble…") == ["gardiens d'immeuble"]


def test_professions_with_their_employer():
    found = parse_partners(
        "éducateurs spécialisés (Conseil Départemental), adultes relais (Etat), "
        "correspondants de quartiers (Bailleurs)"
    )
    assert [(p.name, p.kind, p.employer) for p in found] == [
        ("Éducateur spécialisé", "profession", "Conseil départemental"),
        ("Adulte relais", "profession", "État"),
        ("Correspondant de quartier", "profession", "Bailleur social"),
    ]
    (delegate,) = resolve_partner("Etat — Déléguées du Préfet")
    assert (delegate.name, delegate.employer) == ("Délégué du préfet", "État")


def test_category_with_named_members_yields_both():
    found = resolve_partner("associations (UFOLEP, Cultures du cœur…)")
    assert [(p.name, p.kind) for p in found] == [
        ("Association", "category"),
        ("UFOLEP", "organisation"),
        ("Cultures du cœur", "organisation"),
    ]
    assert found[2].raw == "Cultures du cœur"


def test_parenthesised_precision_is_a_qualifier():
    (p,) = resolve_partner("services municipaux (culture, sport, DSI…)")
    assert (p.name, p.kind, p.qualifier) == ("Service municipal", "category", "culture, sport, DSI")


def test_and_splits_only_known_actors():
    assert [p.name for p in parse_partners("Centres sociaux et associations de quartier")] == [
        "Centre social",
        "Association",
    ]
    assert [p.name for p in parse_partners("Caisse des dépôts et consignations")] == [
        "Caisse des dépôts"
    ]
    assert [p.name for p in parse_partners("Peuple et Culture")] == ["Peuple et Culture"]


def test_role_lines_drop_scope_and_determiners():
    assert [p.name for p in parse_partners("Chaque Ville sur son territoire", "animateur")] == [
        "Ville"
    ]
    found = parse_partners("Tour(s)plus à l’échelle agglomération pour le partage", "animateur")
    assert [(p.name, p.role) for p in found] == [("Tour(s)plus", "animateur")]
    assert [p.name for p in parse_partners("La Poste")] == ["La Poste"]


def test_unknown_generic_names_are_singular():
    (p,) = resolve_partner("jardins partagés")
    assert (p.name, p.kind) == ("Jardin partagé", "unknown")
    (p,) = resolve_partner("équipements sportifs (Ville)")
    assert (p.name, p.kind, p.employer, p.qualifier) == (
        "Équipement sportif",
        "unknown",
        None,
        "Ville",
    )


def test_unknown_people_are_professions_with_their_employer():
    (p,) = resolve_partner("infirmières scolaires (Education nationale)")
    assert (p.name, p.kind, p.employer) == (
        "Infirmière scolaire",
        "profession",
        "Éducation nationale",
    )
    (p,) = resolve_partner("coordonnateurs de réussite éducative (Villes)")
    assert (p.name, p.kind, p.employer) == (
        "Coordonnateur de réussite éducative",
        "profession",
        "Ville",
    )


def test_duplicates_merge_and_keep_the_employer():
    found = parse_partners("éducateurs spécialisés, éducateurs spécialisés (Conseil Départemental)")
    assert [(p.name, p.employer) for p in found] == [
        ("Éducateur spécialisé", "Conseil départemental")
    ]


# --- dispositifs ----------------------------------------------------------------------------


def test_dispositifs_with_owner_and_plural_articles():
    found = parse_dispositifs(
        "· Les Projets sociaux de territoire de certains Centres sociaux et les conventions "
        "des centres sociaux (CAF)"
    )
    assert [(d.name, d.owner) for d in found] == [
        ("Projet social de territoire", "CAF"),
        ("Convention des centres sociaux", "CAF"),
    ]
    assert [
        d.name for d in parse_dispositifs("Passeport Loisirs Jeunes, politiques tarifaires…")
    ] == [
        "Passeport Loisirs Jeunes",
        "Politiques tarifaires",
    ]


# --- cross-references -----------------------------------------------------------------------


def test_references():
    assert [r.target for r in parse_references("Fiches 1.1.2/1.1.4/1.1.5")] == [
        "1.1.2",
        "1.1.4",
        "1.1.5",
    ]
    (r,) = parse_references("Fiche 411 : Promouvoir la citoyenneté par le sport")
    assert (r.target, r.kind, r.label) == (
        "4.1.1",
        "fiche",
        "Promouvoir la citoyenneté par le sport",
    )
    (r,) = parse_references('Axe 1.2 "favoriser le développement scolaire"')
    assert (r.target, r.kind, r.label) == ("axe 1.2", "axe", "favoriser le développement scolaire")
    (r,) = parse_references("AT égalité homme-femme : Favoriser la pratique féminine sportive")
    assert (r.target, r.kind) == ("AT égalité homme-femme", "transversal")
    (r,) = parse_references("Jeunesse : mobiliser les jeunes")
    assert (r.target, r.kind, r.label) == ("Jeunesse", "transversal", "mobiliser les jeunes")
    assert parse_references("Les fiches opérationnelles de chacun des trois axes") == []


def test_references_keep_fiche_kind_across_and_and_quotes():
    refs = parse_references(
        'Axe 3.1 et fiche 3.1.1 "Développer l\'emploi" et 3.1.2 « développer l’appétence »'
    )
    assert [(r.target, r.kind, r.label) for r in refs] == [
        ("axe 3.1", "axe", None),
        ("3.1.1", "fiche", "Développer l'emploi"),
        ("3.1.2", "fiche", "développer l'appétence"),
    ]


def test_years_and_numbers_in_titles_are_not_references():
    refs = parse_references('Fiche 2.1.6 "agir en 2016 pour 300 familles"')
    assert [r.target for r in refs] == ["2.1.6"]
    assert normalise_code("4131") == "4.1.3.1"


# --- funding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("30% des 6 millions d'euros", 6_000_000),
        ("1,5 M€", 1_500_000),
        ("250 000 €", 250_000),
        ("1.200.000 euros", 1_200_000),
        ("15 k€", 15_000),
        ("2 milliards d’euros", 2_000_000_000),
        ("la convention 2013-2015", None),
    ],
)
def test_amounts(text, amount):
    assert parse_amount(text) == amount


def test_share_of_an_envelope():
    (f,) = parse_funding("30% des 6 millions d'euros de nouveaux crédits pour la culture")
    assert (f.amount_eur, f.share) == (6_000_000, pytest.approx(0.30))
    assert parse_share("12,5 %") == pytest.approx(0.125)


def test_legal_references_with_and_without_du():
    for text in ("circulaire du 21 mai 2015", "circulaire 21 mai 2015"):
        (ref,) = parse_legal_references(text)
        assert (ref.label, ref.kind, ref.date) == (
            "circulaire du 21 mai 2015",
            "circulaire",
            "2015-05-21",
        )
    (ref,) = parse_legal_references("la loi n° 2014-173 du 21 février 2014 de programmation")
    assert (ref.label, ref.date) == ("loi n° 2014-173 du 21 février 2014", "2014-02-21")
    assert parse_legal_references("une convention à signer") == []


def test_funding_labels_funders_and_kinds():
    (fph,) = parse_funding(
        "· Enveloppe spécifique sur la participation des habitants : FPH, créée afin"
    )
    assert (fph.label, fph.kind, fph.funders) == ("FPH", "specifique", [])
    (f,) = parse_funding(
        "· Enveloppe projet : de la direction de la prévention spécialisée du Conseil "
        "départemental, centre social"
    )
    assert (f.label, f.funders) == ("Enveloppe projet", ["Conseil départemental", "Centre social"])
    (f,) = parse_funding("Crédits de droit commun")
    assert (f.label, f.kind) == ("Crédits de droit commun", "droit_commun")
    (f,) = parse_funding("Sport, à travers la circulaire du 25 mars 2015")
    assert f.label == "Sport" and f.legal_basis[0].date == "2015-03-25"
    assert parse_funding("  ") == []


# --- dates -------------------------------------------------------------------------------


def test_dates():
    assert parse_date("le 1er décembre 2015") == "2015-12-01"
    assert [d.iso for d in find_dates("de mars 2016 au 31/12/2020")] == ["2016-03", "2020-12-31"]
    assert parse_date("en 2015") is None


# --- section headings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "canonical", "remainder"),
    [
        ("\tContexte ", "context", ""),
        ("Objectifs et dynamiques", "objectives", ""),
        ("Réalisations attendues ", "expected_outputs", ""),
        ("Echelle\u00a0(agglomération/ ville/ quartier)", "scale", ""),
        ("Echelle Territoriale", "scale", ""),
        ("Partenaires associés", "partners", ""),
        ("Les partenaires : centres sociaux, CAF", "partners", "centres sociaux, CAF"),
        ("Pilote de l'action", "pilote", ""),
        ("Pilote du projet", "pilote", ""),
        ("Référent du projet et des actions", "referent", ""),
        ("Moyens financiers :", "funding", ""),
        ("Financements mobilisables", "funding", ""),
        ("Quartiers concernés", "territories", ""),
        ("[bookmark] indicateurs de réalisation".split("] ")[1], "indicators_realisation", ""),
        ("Indicateurs d’effets", "indicators_effet", ""),
        ("Indicateurs de résultat :", "indicators_resultat", ""),
        ("Indicateurs d'impact", "indicators_impact", ""),
        ("Liens autres enjeux / fiches « orientations opérationnelles »", "links", ""),
        ("Résultat(s) attendu(s)", "expected_results", ""),
        ("Intérêt(s) du projet", "interests", ""),
        ("Public Cible", "target_public", ""),
        ("Contexte/diagnostic", "context", ""),
        ("Approche stratégique - plan d'action", "strategy", ""),
        ("Ressources et moyens à mobiliser", "resources", ""),
        ("Partenaire(s) impliqué(s)", "partners", ""),
        ("Indicateurs d’évaluation", "indicators", ""),
        ("Pilier: 1", "pillar", "1"),
        ("Axe\u00a0: 1", "axis", "1"),
        ("Enjeu: Faire des habitants", "enjeu", "Faire des habitants"),
    ],
)
def test_headings(line, canonical, remainder):
    found = match_heading(line)
    assert found is not None, line
    assert (found.canonical, found.remainder) == (canonical, remainder)


@pytest.mark.parametrize(
    "line",
    [
        "· Quartiers et Ville",
        "Quartiers et Ville",
        "Partenaires de longue date",
        "Calendrier scolaire des familles",
        "Crédits de droit commun",
        "",
    ],
)
def test_ordinary_lines_are_not_headings(line):
    assert match_heading(line) is None


def test_layout_lines():
    assert is_layout("Contrat de ville")
    assert is_layout("Fiche orientation opérationnelle")
    assert not is_layout("Contrat de ville : bilan à mi-parcours")


def test_a_custom_synonym_table():
    table = read_sections("funding: [Plan de financement, Ressources financières]\n")
    assert table.match("RESSOURCES FINANCIERES").canonical == "funding"
    with pytest.raises(InputError, match="expected a list"):
        read_sections("funding: Budget\n", "mine.yaml")


def test_regression_capitalised_profession_at_list_start_keeps_its_employer():
    """A list that opens with a capitalised profession used to read it as an organisation."""
    from policykg.loaders.resolve.partners import parse_partners

    first, second = parse_partners("Infirmières scolaires (Education nationale), centres sociaux")
    assert (first.name, first.kind, first.employer) == (
        "Infirmière scolaire",
        "profession",
        "Éducation nationale",
    )
    assert second.name == "Centre social"
    (named,) = parse_partners("Cultures du cœur")
    assert named.kind == "organisation"
