"""The mapper's N-Quads and TriG, written as text, are byte for byte what Oxigraph's own
serialisers write for the same quads (see :mod:`policykg.graph.nquads`)."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest

from policykg.graph import nquads as nq
from policykg.graph.mapper import map_nquads
from policykg.graph.serialize import canonical_nquads, trig_body
from policykg.loaders.records import Contract, Fiche, Funding, Item
from tests.mapper_records import rich_extraction, source


def _oxigraph(nquads: bytes) -> tuple[bytes, bytes]:
    """N-Quads and TriG of the same quads, as Oxigraph writes them."""
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    return canonical_nquads(quads), trig_body(canonical_nquads(quads))


def _as_stored(value: ox.Literal) -> str:
    """A literal as Oxigraph's store gives it back (canonical form), as text."""
    store = ox.Store()
    node = ox.NamedNode("urn:x")
    store.add(ox.Quad(node, node, value))
    return str(next(iter(store)).object)


def test_literals_are_written_as_oxigraph_writes_them():
    code_points = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for start in range(0, len(code_points), 2048):
        text = "".join(map(chr, code_points[start : start + 2048]))
        assert nq.literal(text) == str(ox.Literal(text))
        assert nq.literal(text, "fr") == str(ox.Literal(text, language="fr"))
    for value in (0, -12, 10**30, True, 1.5, 'x\\y"z\r\n\t\b\f\x00\x7f\ufffe'):
        assert nq.literal(value) == _as_stored(ox.Literal(value))
    for lexical in ("6000000", "1.50", "-0", "0.000001", "12345678901234567890.5"):
        decimal = ox.Literal(lexical, datatype=ox.NamedNode(f"{nq.XSD}decimal"))
        assert nq.decimal_literal(lexical) == _as_stored(decimal)


@pytest.mark.parametrize("contract", [None, Contract(territory="Tours", id="t", epci_siren="1")])
def test_a_mapped_document_serialises_as_oxigraph_would(contract):
    extraction = rich_extraction() if contract is None else rich_extraction(contract)
    # Values that need escaping, canonical forms and prefixed names.
    fiche = extraction.fiches[0]
    extraction.fiches[0] = dataclasses.replace(
        fiche,
        title='Un "titre"\tsur\\deux\nlignes',
        objectives=[*fiche.objectives, Item(text="Œuvre — «\x7f» \ufffe", line=3)],
        funding=[
            *fiche.funding,
            Funding(label="Part", share=0.30, amount_eur=1e21, line=4),
            Funding(label="Reste", amount_eur=6_000_000.0, line=5),
        ],
    )
    extraction.fiches.append(Fiche(code="9.9", title="Seule", kind="orientation"))
    nquads, trig, count = map_nquads(extraction, source())
    expected_nquads, expected_trig = _oxigraph(nquads)
    assert nquads == expected_nquads
    assert trig == expected_trig
    assert count == nquads.count(b"\n")
