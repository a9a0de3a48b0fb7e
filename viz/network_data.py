"""What the networks are built from, read from the graph by SPARQL (:class:`NetworkData`).

:func:`load_network_data` runs a handful of ``SELECT DISTINCT`` queries (the union default
graph of Oxigraph is a multiset, hence ``DISTINCT``; Oxigraph does no inference, hence the
asserted classes) and gathers *units* (fiches and actions, the things actors are mobilised
in; a sub-action counts for its action), actors, who is involved where with which role (a
funder of a funding line counts as ``financeur``), and what units share (enjeu,
transversal orientation, dispositif, funding line) or cite. A contract filter is bound
with ``substitutions``, never written into the query text.

>>> data = NetworkData()
>>> data.add_unit("f1", "fiche", "c", code="1.1", label="Agir").title
'1.1 – Agir'
>>> data.add_involvement("f1", "CAF", "partenaire")
>>> data.actors_of("f1")
{'CAF': {'partenaire'}}
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from policykg.errors import PolicykgError
from policykg.graph.iris import text_key
from policykg.ontology.namespace import PKG, PREFIXES

ACTOR_KINDS = ("organisation", "profession", "category", "unknown")
# When a resource was given several kinds by different documents, the first one wins.
_KIND_PRIORITY = {kind: i for i, kind in enumerate(ACTOR_KINDS)}

_RDFS_LABEL = PREFIXES["rdfs"] + "label"
_PREFIX = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("pkg", "rdfs", "dcterms", "role"))
_CONTRACTS = (
    _PREFIX
    + """
SELECT DISTINCT ?contract ?id ?label WHERE {
  ?contract a pkg:Contract .
  OPTIONAL { ?contract dcterms:identifier ?id }
  OPTIONAL { ?contract rdfs:label ?label }
}"""
)
# Units (fiches, actions) of one contract (?contract bound) or all contracts.
_UNITS = (
    _PREFIX
    + """
SELECT DISTINCT ?unit ?cls ?contract ?p ?o WHERE {
  VALUES ?cls { pkg:Fiche pkg:Action }
  ?unit a ?cls ; pkg:partOfContract ?contract .
  OPTIONAL {
    VALUES ?p { pkg:code rdfs:label pkg:sourceLine pkg:sourceDocument }
    ?unit ?p ?o
  }
}"""
)
_DOCUMENTS = (
    _PREFIX
    + """
SELECT DISTINCT ?doc ?file WHERE { ?doc a pkg:SourceDocument ; pkg:fileName ?file }"""
)
_INVOLVEMENT = (
    _PREFIX
    + """
SELECT DISTINCT ?unit ?actor ?role ?contract WHERE {
  VALUES ?cls { pkg:Fiche pkg:Action }
  ?unit a ?cls ; pkg:partOfContract ?contract .
  { ?unit pkg:qualifiedParticipation ?q . ?q pkg:agent ?actor ; pkg:role ?role }
  UNION
  { ?unit pkg:subAction/pkg:qualifiedParticipation ?q . ?q pkg:agent ?actor ; pkg:role ?role }
  UNION
  { ?unit pkg:funding/pkg:funder ?actor . BIND(role:financeur AS ?role) }
  UNION
  { ?unit pkg:subAction/pkg:funding/pkg:funder ?actor . BIND(role:financeur AS ?role) }
}"""
)
_ACTORS = (
    _PREFIX
    + """
SELECT DISTINCT ?actor ?p ?o WHERE {
  VALUES ?p { rdfs:label pkg:actorKind pkg:acronym pkg:fullName pkg:employer }
  ?actor a pkg:Actor ; ?p ?o .
}"""
)
# What units cite (?tcls tells fiches from transversal orientations) and what they use.
_REFERENCES = (
    _PREFIX
    + """
SELECT DISTINCT ?unit ?link ?target ?tlabel ?tcls ?contract WHERE {
  VALUES ?cls { pkg:Fiche pkg:Action }
  VALUES ?link { pkg:enjeu pkg:refersTo pkg:partOfFiche }
  ?unit a ?cls ; pkg:partOfContract ?contract ; ?link ?target .
  OPTIONAL { ?target rdfs:label ?tlabel }
  OPTIONAL {
    ?target a ?tcls . FILTER(?tcls IN (pkg:Fiche, pkg:Action, pkg:TransversalOrientation))
  }
}"""
)
_USES = (
    _PREFIX
    + """
SELECT DISTINCT ?unit ?link ?target ?tlabel ?contract WHERE {
  VALUES ?cls { pkg:Fiche pkg:Action }
  VALUES ?link { pkg:dispositif pkg:funding }
  ?unit a ?cls ; pkg:partOfContract ?contract .
  { ?unit ?link ?target } UNION { ?unit pkg:subAction ?part . ?part ?link ?target }
  OPTIONAL { ?target rdfs:label ?tlabel }
}"""
)


def pick_label(labels) -> str | None:
    """The label shown when a resource has several (case-insensitive order, then exact).

    >>> pick_label({"Conseil départemental", "Conseil Départemental", "CD"})
    'CD'
    """
    return min(labels, key=lambda s: (s.casefold(), s), default=None)


def pick_kind(kinds) -> str:
    """The kind shown when documents disagree: organisation, profession, category, unknown.

    >>> pick_kind({"category", "organisation"}), pick_kind(())
    ('organisation', 'unknown')
    """
    return min(kinds, key=lambda k: _KIND_PRIORITY.get(k, len(ACTOR_KINDS)), default="unknown")


def last_segment(iri: str) -> str:
    """The last segment of an IRI (``…/role/pilote`` -> ``pilote``).

    >>> last_segment("https://w3id.org/policykg/def/role/pilote")
    'pilote'
    """
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass
class Unit:
    """A fiche or action: where actors are mobilised."""

    iri: str
    type: str  # "fiche" or "action"
    contract: str  # contract IRI
    code: str | None = None
    label: str | None = None
    document: str | None = None  # source file name; None for a cited-but-absent fiche
    line: int | None = None

    @property
    def title(self) -> str:
        """A short display name: ``code – label``, or whichever exists."""
        parts = [p for p in (self.code, self.label) if p]
        return " – ".join(parts) if parts else last_segment(self.iri)


@dataclass
class Actor:
    """An actor as the graph knows it."""

    iri: str
    label: str
    kind: str = "unknown"
    acronym: str | None = None
    full_name: str | None = None
    employer: str | None = None  # IRI of the employer, for professions


@dataclass
class NetworkData:
    """What the networks are built from, as read from the graph (see the module doc)."""

    contracts: dict[str, dict[str, str]] = field(default_factory=dict)  # IRI -> id, label
    units: dict[str, Unit] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    # (unit IRI, actor IRI) -> roles
    involvement: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # (unit IRI, link kind) -> {target IRI or key: label}; kinds: reference, part, enjeu,
    # dispositifs, funding
    links: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def add_unit(self, iri: str, type: str, contract: str, **attrs) -> Unit:
        """Add (or return) a unit; used by the loader and by tests that build data."""
        unit = self.units.setdefault(iri, Unit(iri, type, contract))
        for name, value in attrs.items():
            setattr(unit, name, value)
        return unit

    def add_actor(self, iri: str, label: str, kind: str = "unknown", **attrs) -> Actor:
        """Add (or replace) an actor."""
        self.actors[iri] = actor = Actor(iri, label, kind, **attrs)
        return actor

    def add_involvement(self, unit: str, actor: str, role: str) -> None:
        """Record that ``actor`` is mobilised in ``unit`` with ``role``."""
        self.involvement.setdefault((unit, actor), set()).add(role)

    def add_link(self, unit: str, kind: str, target: str, label: str | None = None) -> None:
        """Record that ``unit`` cites or uses ``target`` (see :attr:`links`)."""
        self.links.setdefault((unit, kind), {}).setdefault(target, label or target)

    def contract_id(self, iri: str) -> str:
        """The short id of a contract (``tours-2015-2020``)."""
        return self.contracts.get(iri, {}).get("id") or last_segment(iri)

    def actors_of(self, unit: str) -> dict[str, set[str]]:
        """The actors of one unit with their roles."""
        return {a: r for (u, a), r in self.involvement.items() if u == unit}


def _contract_iri(store: ox.Store, contract: str) -> tuple[str, dict[str, dict[str, str]]]:
    contracts: dict[str, dict[str, str]] = {}
    for row in store.query(_CONTRACTS):
        entry = contracts.setdefault(row["contract"].value, {})
        for name in ("id", "label"):
            if row[name] is not None:
                entry[name] = min(entry.get(name, row[name].value), row[name].value)
    for iri, entry in contracts.items():
        if contract in (iri, entry.get("id")):
            return iri, contracts
    known = ", ".join(sorted(e.get("id", i) for i, e in contracts.items())) or "none"
    raise PolicykgError(f"no contract {contract!r} in the graph (known: {known})")


def load_network_data(store: ox.Store, contract: str | None = None) -> NetworkData:
    """Read units, actors, involvement and links from the store (one contract or all).

    ``contract`` is a contract id (as in corpus.yaml) or IRI; an unknown one raises
    :class:`PolicykgError` listing the known ones.
    """
    data = NetworkData()
    substitutions = None
    if contract is not None:
        iri, data.contracts = _contract_iri(store, contract)
        substitutions = {ox.Variable("contract"): ox.NamedNode(iri)}
        data.contracts = {iri: data.contracts[iri]}
    else:
        for row in store.query(_CONTRACTS):
            entry = data.contracts.setdefault(row["contract"].value, {})
            for name in ("id", "label"):
                if row[name] is not None:
                    entry[name] = min(entry.get(name, row[name].value), row[name].value)

    def select(query: str):
        return store.query(query, substitutions=substitutions)

    files = {r["doc"].value: r["file"].value for r in store.query(_DOCUMENTS)}
    values: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in select(_UNITS):
        unit = row["unit"].value
        data.add_unit(
            unit,
            "fiche" if row["cls"] == ox.NamedNode(PKG.Fiche) else "action",
            row["contract"].value,
        )
        if row["p"] is not None:
            values[unit][row["p"].value].add(row["o"].value)
    for unit, props in values.items():
        u = data.units[unit]
        u.code = min(props.get(str(PKG.code), {None}), key=str)
        u.label = pick_label(props.get(_RDFS_LABEL, ()))
        lines = sorted(int(v) for v in props.get(str(PKG.sourceLine), ()))
        u.line = lines[0] if lines else None
        docs = sorted(files.get(d, d) for d in props.get(str(PKG.sourceDocument), ()))
        u.document = docs[0] if docs else None
    for row in select(_INVOLVEMENT):
        unit, actor, role = (row[name].value for name in ("unit", "actor", "role"))
        if unit in data.units:
            data.add_involvement(unit, actor, last_segment(role))
    _load_actors(store, data)
    for query in (_REFERENCES, _USES):
        for row in select(query):
            _add_link_row(data, row)
    return data


def _load_actors(store: ox.Store, data: NetworkData) -> None:
    wanted = {a for _, a in data.involvement}
    props: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in store.query(_ACTORS):
        props[row["actor"].value][row["p"].value].add(row["o"].value)
    wanted |= {e for a in wanted for e in props.get(a, {}).get(str(PKG.employer), ())}
    for iri in sorted(wanted):
        p = props.get(iri, {})
        employers = sorted(p.get(str(PKG.employer), ()))
        data.add_actor(
            iri,
            pick_label(p.get(_RDFS_LABEL, ())) or last_segment(iri),
            pick_kind({last_segment(k) for k in p.get(str(PKG.actorKind), ())}),
            acronym=min(p.get(str(PKG.acronym), {None}), key=str),
            full_name=min(p.get(str(PKG.fullName), {None}), key=str),
            employer=employers[0] if employers else None,
        )


def _add_link_row(data: NetworkData, row) -> None:
    unit, link, target = row["unit"].value, row["link"].value, row["target"].value
    label = row["tlabel"].value if row["tlabel"] is not None else None
    tcls = row["tcls"].value if row["tcls"] is not None else None
    if unit not in data.units:
        return
    if link == str(PKG.refersTo):
        if tcls in (str(PKG.Fiche), str(PKG.Action)):
            data.add_link(unit, "reference", target, label)
        elif tcls == str(PKG.TransversalOrientation):
            data.add_link(unit, "enjeu", target, label)
    elif link == str(PKG.partOfFiche):
        data.add_link(unit, "part", target, label)
    elif link == str(PKG.enjeu):
        data.add_link(unit, "enjeu", target, label)
    elif link == str(PKG.dispositif):
        data.add_link(unit, "dispositifs", target, label)
    elif link == str(PKG.funding) and label:
        # Funding lines are resources of their parent: shared means "same label".
        data.add_link(unit, "funding", text_key(label), label)
