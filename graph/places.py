"""Places named in documents, linked to the territories reference table.

The mapper calls :func:`map_place` for every quartier or place a fiche or an action names.
A name the reference table knows within the contract's EPCI ("SILLON", "Sanitas",
"CHATEAU") becomes a ``pkg:QPV`` under its reference name — so "SILLON" and "Sillon de
Bretagne" are one resource — with its official code when the table has one, inside its
``pkg:Commune`` (with the INSEE code), inside the EPCI (with its SIREN). "TOUS QUARTIERS"
becomes a ``pkg:QuartierSet`` that includes every QPV of the EPCI for the contract's
generation (2015 or 2024). A name the table does not know stays a ``pkg:Quartier`` (for
action plans) or ``pkg:Territory`` inside the contract's territory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policykg.graph.iris import child, is_all_quartiers
from policykg.graph.nquads import PKG, SKOS, iri, literal, plain
from policykg.loaders.territories import Territory, lookup_epci, lookup_quartier, quartiers_of

if TYPE_CHECKING:
    from policykg.graph.mapper import _Mapper


def reference_siren(m: _Mapper) -> str | None:
    """The SIREN under which the reference table files the contract's territory."""
    if m.contract.epci_siren:
        return m.contract.epci_siren
    found = lookup_epci(m.contract.territory)
    return found.epci_siren if found else None


def generation(period: str | None) -> str | None:
    """The QPV generation a contract period falls in.

    >>> generation("2024-2030"), generation("2015-2020"), generation(None)
    ('2024', '2015', None)
    """
    if not period or not period[:4].isdigit():
        return None
    return "2024" if int(period[:4]) >= 2024 else "2015"


def _commune(m: _Mapper, qpv: Territory) -> str | None:
    if not qpv.commune_insee:
        return None
    node = iri(child(m.iris.territory, "commune", qpv.commune_insee))
    m.typed(node, PKG.Commune)
    m.label(node, qpv.commune)
    m.add(node, PKG.inseeCode, plain(qpv.commune_insee))
    m.add(node, PKG.withinTerritory, m.territory)
    return node


def _qpv(m: _Mapper, qpv: Territory, mention: str | None = None) -> str:
    node = iri(m.iris.place(qpv.name))
    m.typed(node, PKG.Quartier, PKG.QPV)
    m.label(node, qpv.name)
    if mention and mention.strip() != qpv.name:
        m.add(node, SKOS.altLabel, literal(mention.strip(), "fr"))
    if qpv.qpv_code:
        m.add(node, PKG.qpvCode, plain(qpv.qpv_code))
    commune = _commune(m, qpv)
    m.add(node, PKG.withinTerritory, commune if commune is not None else m.territory)
    return node


def map_place(m: _Mapper, name: str, unknown_class: str) -> str:
    """The resource for a place named ``name`` in the mapped document (see the module doc)."""
    siren = reference_siren(m)
    if is_all_quartiers(name):
        node = iri(m.iris.place(name))
        m.typed(node, PKG.QuartierSet)
        m.label(node, name.strip())
        m.add(node, PKG.withinTerritory, m.territory)
        for qpv in quartiers_of(siren, generation(m.contract.period)) if siren else []:
            m.add(node, PKG.includesTerritory, _qpv(m, qpv))
        return node
    reference = lookup_quartier(name, siren) if siren else None
    if reference is not None:
        return _qpv(m, reference, name)
    node = iri(m.iris.place(name))
    m.typed(node, unknown_class)
    m.label(node, name.strip())
    m.add(node, PKG.withinTerritory, m.territory)
    return node
