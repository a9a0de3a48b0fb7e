"""Property-based tests (Hypothesis): any text, any bytes, never an uncaught exception.

Readers, template parsers, resolve functions and the canonical YAML reader either give a
result or raise :class:`InputError`; every line of a document is accounted for exactly
once (mapped, unmapped or layout). Documents are drawn from fiche-like fragments (headings,
labelled sections, tab-indented cells, plan rows) mixed with arbitrary text and line ends,
so the parsers' interesting paths are reached.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg.errors import InputError
from policykg.graph.mapper import SourceInfo, map_extraction
from policykg.loaders.consistency import check_extraction
from policykg.loaders.readers.canonical import read_canonical
from policykg.loaders.readers.text import read_text_bytes
from policykg.loaders.records import Contract
from policykg.loaders.registry import TEMPLATES
from policykg.loaders.resolve.dates import find_dates, parse_date
from policykg.loaders.resolve.dispositifs import parse_dispositifs
from policykg.loaders.resolve.funding import parse_amount, parse_funding, parse_share
from policykg.loaders.resolve.names import normalise_key, restore_accents, sentence_case
from policykg.loaders.resolve.partners import parse_partners
from policykg.loaders.resolve.references import parse_references

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FRAGMENTS = [
    "FICHE 1.1.1",
    "FICHE 2.3.4 (version 2017)",
    "Fiche Projet n° T 1.1",
    "FICHE PROJET N°T 1.1",
    "\tPilier: 1",
    "Axe : 1.2",
    "\tEnjeu : Favoriser l'emploi",
    "Enjeu transversal 1 : Jeunesse",
    "\tContexte",
    "\tObjectifs et dynamiques",
    "\tRéalisations attendues",
    "\tEffets attendus",
    "\tPartenaires",
    "Partenaires mobilisables (dont habitants)",
    "Dispositifs",
    "\tFinancements mobilisables",
    "\tCalendrier",
    "\tindicateurs de réalisation",
    "\tIndicateurs d'effets",
    "\tLiens autres enjeux / fiches",
    "\tFiches 1.1.2/1.1.4",
    "Pilote du projet",
    "Référent du projet",
    "Résultat(s) attendu(s)",
    "Partenaire(s) impliqué(s)",
    "Indicateurs de réalisation",
    "Quand ?",
    "Où ?",
    "Avec qui ?",
    "Public cible",
    "\t· Mobiliser les acteurs",
    "· CAF, DDCS, centres sociaux (Ville)",
    "- CIDFF",
    "Programme 147 : 30 % de 6 000 000 €",
    "1er décembre 2015",
    "AT égalité homme-femme",
    "PILIER\tVOLETS\tOBJECTIFS OPERATIONNELS\tACTIONS\tEXEMPLES DE SOUS-ACTIONS\t"
    "En cours/ A réaliser\tTYPE D'ACTIONS\tQUARTIER",
    "GOUVERNANCE\t1. PILOTAGE\tASSURER\tConstruire\tRédiger\tEn cours\tInstitution\tTOUS QUARTIERS",
    "\t\t\tOuvrir les ateliers\t\tA réaliser\tMixte\tBOTTIERE\tEn cours",
    "PILIER 4 - GOUVERNANCE",
    "<p>texte</p>",
    "",
    "\t",
    "\t\t",
]
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])
LINE = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(max_size=60),
    st.text(alphabet="\t ·-:;,()/0123456789.ABCÉéaàe", max_size=40),
)


@st.composite
def documents(draw) -> bytes:
    lines = draw(st.lists(st.tuples(LINE, LINE_ENDS), min_size=1, max_size=40))
    text = "".join(line.replace("\r", " ").replace("\n", " ") + end for line, end in lines)
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]))
    return text.encode(encoding, "replace")


def read(data: bytes):
    try:
        return read_text_bytes(data, "doc.txt")
    except InputError:
        return None


@SETTINGS
@given(st.binary(max_size=2000))
def test_the_text_reader_reads_any_bytes_or_refuses_them(data):
    document = read(data)
    if document is not None:
        assert [b.line for b in document.blocks] == list(range(1, document.line_count + 1))
        assert all("\x00" not in b.text for b in document.blocks)


@SETTINGS
@given(documents())
def test_the_text_reader_numbers_lines_as_an_editor(data):
    document = read(data)
    if document is not None:
        text = data.decode(document.encoding if document.encoding != "utf-8" else "utf-8-sig")
        expected = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        expected -= text.endswith(("\n", "\r"))
        assert document.line_count == expected


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@SETTINGS
@given(data=documents())
def test_each_template_parser_accounts_for_every_line(name, data):
    document = read(data)
    if document is None:
        return
    contract = Contract(territory="Tours", id="tours", epci_siren="243700754")
    try:
        extraction = TEMPLATES[name].parse(document, contract)
    except InputError:
        return
    lines = extraction.lines
    accounted = sorted(lines.mapped + lines.unmapped + lines.layout)
    assert accounted == list(range(1, document.line_count + 1))
    extraction.source, extraction.template = "doc.txt", name
    check_extraction(extraction)
    source = SourceInfo(
        file_name="doc.txt",
        sha256=document.sha256,
        template=name,
        format="text",
        contract_id="tours",
        line_count=document.line_count,
    )
    try:
        map_extraction(extraction, source)
    except InputError:
        pass


TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(FRAGMENTS),
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map(", ".join),
)


@SETTINGS
@given(TEXT)
def test_resolve_functions_take_any_text(text):
    for mention in parse_partners(text, line=3):
        assert mention.name
    for reference in parse_references(text, line=3):
        assert reference.target and "\x00" not in reference.target
    parse_funding(text, line=3)
    parse_dispositifs(text, line=3)
    parse_amount(text), parse_share(text), parse_date(text), find_dates(text)
    normalise_key(text), restore_accents(text), sentence_case(text)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
KEYS = st.sampled_from(
    [
        "fiches",
        "actions",
        "code",
        "title",
        "partners",
        "name",
        "kind",
        "indicators",
        "label",
        "links",
        "target",
        "unmapped",
        "text",
        "line",
        "funding",
        "amount_eur",
        "objectives",
        "colour",
    ]
)
YAML_DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)


@SETTINGS
@given(
    st.one_of(YAML_DATA.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), st.text(max_size=300))
)
def test_the_canonical_reader_reads_any_yaml_or_refuses_it_with_a_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("canonical") / "fiches.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        read_canonical(path)
    except InputError as error:
        assert error.path == str(path)
