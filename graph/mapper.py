"""The one mapper from records to RDF: an :class:`Extraction` becomes quads.

Everything read from one source document goes into that document's named graph, with its
PROV-O provenance (file name, SHA-256, template, format, policykg version) and no
wall-clock time, so that the same input always gives the same quads. IRIs come from
:mod:`policykg.graph.iris`; ontology terms from the generated namespace module. No blank
nodes: qualified relations, amounts and items get IRIs derived from their parent.

The quads are made as N-Quads text (:mod:`policykg.graph.nquads`): :func:`map_nquads` gives
the document's canonical N-Quads bytes, :func:`map_extraction` the same quads as
``pyoxigraph`` objects.

>>> from policykg.loaders.records import Contract, Extraction, Fiche
>>> ex = Extraction(contract=Contract(territory="Nantes Métropole", id="nantes"),
...                 fiches=[Fiche(code="1.1", title="Agir")])
>>> source = SourceInfo("a.txt", "0" * 64, "orientation", "text", "nantes")
>>> quads = map_extraction(ex, source)
>>> document_graph(source, ex.contract).value
'https://w3id.org/policykg/id/contract/nantes/document/a-txt/graph'
>>> all(q.graph_name == document_graph(source, ex.contract) for q in quads)
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

import pyoxigraph as ox

from policykg import __version__
from policykg.errors import InputError
from policykg.graph.iris import (
    Iris,
    child,
    digest,
    software_agent,
    text_key,
)
from policykg.graph.nquads import (
    DCTERMS,
    PKG,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    decimal_literal,
    iri,
    iri_value,
    literal,
    nquads,
    plain,
    sorted_triples,
    trig_body,
)
from policykg.graph.places import map_place
from policykg.graph.structure import StructureMapping, label_key
from policykg.loaders import records as rec
from policykg.ontology.loader import ONTOLOGY_FILES, resource_text
from policykg.ontology.namespace import (
    ACTION_TYPE,
    ACTOR_KIND,
    FRAMEWORK_ASPECT,
    FUNDING_KIND,
    INDICATOR_KIND,
    MEANS_KIND,
    ONTOLOGY_IRI,
    ROLE,
    STATUS,
    concept_for,
)

_A = RDF.type


@dataclass(frozen=True)
class SourceInfo:
    """What provenance says about a source document."""

    file_name: str  # path relative to the corpus folder, e.g. "000_x.txt"
    sha256: str
    template: str  # "orientation", "projet", "plan", "canonical"
    format: str  # "text", "docx", "pdf", "yaml"
    contract_id: str  # e.g. "tours-2015-2020"
    line_count: int = 0


@cache
def _term(term: str) -> ox.NamedNode:
    """A vocabulary term (rdflib URIRef) as a pyoxigraph node; cached, the set is small."""
    return ox.NamedNode(str(term))


def _fr(text: str) -> str:
    return literal(text, "fr")


@lru_cache(maxsize=4096)
def _concept(code_list, value: str) -> str | None:
    """The IRI term of the concept of a code list that ``value`` names (None if none)."""
    found = concept_for(code_list, value)
    return None if found is None else iri(str(found))


_FICHE_PREFIX = re.compile(r"(?i)^fiche\s+")
_AXE_PREFIX = re.compile(r"(?i)^axe\s+")


_FICHE_CLASSES = {
    "orientation": PKG.OrientationFiche,
    "projet": PKG.ProjectFiche,
    "action": PKG.ActionFiche,
}
_ACTOR_CLASSES = {
    "organisation": PKG.Organisation,
    "category": PKG.ActorCategory,
    "profession": PKG.Profession,
}
# Fiche sections of plain items: record field -> (property, class, IRI segment).
_ITEM_SECTIONS = (
    ("context", PKG.context, PKG.ContextStatement, "context"),
    ("objectives", PKG.objective, PKG.Objective, "objective"),
    ("expected_outputs", PKG.expectedOutput, PKG.ExpectedOutput, "expected-output"),
    ("expected_effects", PKG.expectedEffect, PKG.ExpectedEffect, "expected-effect"),
    ("favourable_factors", PKG.favourableFactor, PKG.FavourableFactor, "favourable-factor"),
    ("unfavourable_factors", PKG.unfavourableFactor, PKG.UnfavourableFactor, "unfavourable-factor"),
    ("strategy_steps", PKG.strategyStep, PKG.StrategyStep, "strategy-step"),
)
# Fiche sections of items by facet: field -> (property, class, segment, code list, kind).
_FACET_SECTIONS = (
    (
        "framework",
        PKG.frameworkElement,
        PKG.FrameworkElement,
        "framework",
        FRAMEWORK_ASPECT,
        PKG.frameworkAspect,
    ),
    ("resources", PKG.meansItem, PKG.MeansItem, "means", MEANS_KIND, PKG.meansKind),
)
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–—/]|à|au)\s*(\d{4})\s*$")
_Involving = rec.Fiche | rec.Action | rec.SubAction  # records that mobilise actors and money


def document_graph(source: SourceInfo, contract: rec.Contract) -> ox.NamedNode:
    """The named graph of one source document (from the contract id and the file name)."""
    iris = Iris.of(contract, source.contract_id, source.file_name)
    return ox.NamedNode(iris.document_graph(source.file_name))


def ontology_quads() -> list[ox.Quad]:
    """The ontology and its code lists, in their own named graph (the ontology IRI), sorted."""
    graph = _term(ONTOLOGY_IRI)
    quads = set()
    for name in ONTOLOGY_FILES:
        for triple in ox.parse(resource_text(name), format=ox.RdfFormat.TURTLE):
            quads.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return sorted(quads, key=str)


def map_extraction(extraction: rec.Extraction, source: SourceInfo) -> list[ox.Quad]:
    """Every quad for one extraction, in the document's named graph, sorted and distinct
    (typed literals in canonical form).

    Raises :class:`InputError` naming the file and line when a record holds a value that
    no code list knows (a status, role, actor kind…) or the contract lacks an id.
    """
    return list(ox.parse(map_nquads(extraction, source)[0], format=ox.RdfFormat.N_QUADS))


def map_nquads(extraction: rec.Extraction, source: SourceInfo) -> tuple[bytes, bytes, int]:
    """The quads of :func:`map_extraction` as canonical N-Quads lines (sorted, distinct,
    as :func:`policykg.graph.serialize.canonical_nquads` writes them), as a TriG body
    (as :func:`policykg.graph.serialize.trig_body` writes them), and their count."""
    mapper = _Mapper(extraction, source)
    mapper.run()
    triples = sorted_triples(mapper.triples)
    return nquads(triples, mapper.graph), trig_body(triples, mapper.graph), len(triples)


class _Mapper(StructureMapping):
    """The state of mapping one extraction: its IRIs, graph and quads so far."""

    def __init__(self, extraction: rec.Extraction, source: SourceInfo):
        if extraction.contract is None:
            raise InputError("no contract for this document (see corpus.yaml)", source.file_name)
        self.x, self.source, self.contract = extraction, source, extraction.contract
        self.iris = Iris.of(self.contract, source.contract_id, source.file_name)
        # NamedNode checks the IRIs every other IRI of the document extends.
        self.graph = str(ox.NamedNode(self.iris.document_graph(source.file_name)))
        self.triples: set[str] = set()
        self.used: set[str] = set()
        self.contract_node = str(ox.NamedNode(self.iris.contract))
        self.doc = str(ox.NamedNode(self.iris.document(source.file_name)))
        self.territory = str(ox.NamedNode(self.iris.territory))
        self.scheme = iri(self.iris.structure_scheme)
        self.index = self._structure_index(extraction.structure)
        self.actors: dict[str, str] = {}

    # --- low-level helpers --------------------------------------------------------------

    # Nodes and literals are N-Triples terms (str): see policykg.graph.nquads.

    def add(self, s: str, p: str, o: str) -> None:
        self.triples.add(f"{s} {p} {o}")

    def typed(self, node: str, *classes: str) -> str:
        for cls in classes:
            self.triples.add(f"{node} {_A} {cls}")
        return node

    def label(self, node: str, text: str | None, raw: str | None = None) -> None:
        text = text.strip() if text else ""
        if text:
            self.triples.add(f"{node} {RDFS.label} {_fr(text)}")
        if raw:
            raw = raw.strip()
            if raw and raw != text:
                self.triples.add(f"{node} {PKG.rawText} {_fr(raw)}")

    def where(self, node: str, line: int | None, position: int | None = None) -> None:
        if line is not None and line >= 1:
            self.triples.add(f"{node} {PKG.sourceLine} {literal(line)}")
        if position is not None:
            self.triples.add(f"{node} {PKG.position} {literal(position)}")

    def unique(self, value: str) -> str:
        """A node for the IRI ``value``, suffixed ``-2``, ``-3``… if this mapping used it
        already."""
        candidate, n = value, 1
        while candidate in self.used:
            n += 1
            candidate = f"{value}-{n}"
        self.used.add(candidate)
        return iri(candidate)

    def error(self, message: str, line: int | None) -> InputError:
        return InputError(message, path=self.source.file_name, line=line)

    def concept(self, code_list, value: str, what: str, line: int | None) -> str:
        found = _concept(code_list, value)
        if found is None:
            raise self.error(f"unknown {what} {value!r}", line)
        return found

    # --- contract, provenance -----------------------------------------------------------

    def run(self) -> None:
        self.map_contract()
        self.map_provenance()
        for item in self.x.structure:
            self.map_structure_item(item)
        for fiche in self.x.fiches:
            self.map_fiche(fiche)
        for position, action in enumerate(self.x.actions, 1):
            self.map_action(action, position)
        for position, unmapped in enumerate(self.x.unmapped, 1):
            node = self.typed(
                iri(child(iri_value(self.doc), "unmapped", str(position))), PKG.UnmappedText
            )
            self.add(node, PKG.text, _fr(unmapped.text))
            if unmapped.section:
                self.add(node, PKG.section, _fr(unmapped.section))
            self.add(node, PKG.sourceDocument, self.doc)
            self.where(node, unmapped.line, position)

    def map_contract(self) -> None:
        c, node = self.contract, self.contract_node
        self.typed(node, PKG.Contract)
        self.add(node, DCTERMS.identifier, plain(self.iris.contract_id))
        title = " ".join(filter(None, ("Contrat de ville", c.territory, c.period)))
        self.label(node, title)
        self.add(node, PKG.territory, self.territory)
        self.typed(self.territory, PKG.EPCI if c.epci_siren else PKG.Territory)
        self.label(self.territory, c.territory)
        if c.epci_siren:
            self.add(self.territory, PKG.siren, plain(self.iris.territory_key))
        if c.period:
            self.add(node, PKG.period, plain(c.period))
            years = _PERIOD.match(c.period)
            if years:
                self.add(node, PKG.startYear, literal(int(years.group(1))))
                self.add(node, PKG.endYear, literal(int(years.group(2))))
        for name in c.signatories:
            self.add(node, PKG.signatory, self.actor(name))
        self.add(node, PKG.structureScheme, self.scheme)
        self.typed(self.scheme, SKOS.ConceptScheme)
        self.add(self.scheme, SKOS.prefLabel, _fr(f"Plan du {title[0].lower()}{title[1:]}"))
        self.label(self.scheme, f"Plan du {title[0].lower()}{title[1:]}")

    def map_provenance(self) -> None:
        s, doc = self.source, self.doc
        self.typed(doc, PKG.SourceDocument, PROV.Entity)
        self.add(doc, RDFS.label, plain(s.file_name))
        self.add(doc, PKG.fileName, plain(s.file_name))
        self.add(doc, PKG.sha256, plain(s.sha256.lower()))
        self.add(doc, PKG.template, plain(s.template))
        self.add(doc, PKG.sourceFormat, plain(s.format))
        self.add(doc, PKG.lineCount, literal(s.line_count))
        self.add(doc, PKG.aboutContract, self.contract_node)
        agent = self.typed(iri(software_agent(__version__)), PROV.SoftwareAgent)
        self.add(agent, RDFS.label, plain(f"policykg {__version__}"))
        self.add(agent, PKG.softwareVersion, plain(__version__))
        activity = iri(self.iris.extraction(s.file_name))
        self.typed(activity, PKG.ExtractionActivity, PROV.Activity)
        self.add(activity, PROV.used, doc)
        self.add(activity, PROV.wasAssociatedWith, agent)
        lines = self.x.lines
        for prop, count in (
            (PKG.mappedLineCount, lines.mapped),
            (PKG.unmappedLineCount, lines.unmapped),
            (PKG.layoutLineCount, lines.layout),
        ):
            self.add(activity, prop, literal(len(count)))
        for warning in self.x.warnings:
            self.add(activity, PKG.warning, plain(warning))
        self.typed(self.graph, PKG.DocumentGraph, PROV.Entity)
        self.add(self.graph, PROV.wasDerivedFrom, doc)
        self.add(self.graph, PROV.wasGeneratedBy, activity)
        self.add(self.graph, PROV.wasAttributedTo, agent)

    # --- fiches -------------------------------------------------------------------------

    def fiche_node(self, code: str) -> str:
        node = self.typed(iri(self.iris.fiche(code)), PKG.Fiche)
        self.add(node, PKG.code, plain(code))
        self.add(node, PKG.partOfContract, self.contract_node)
        return node

    def map_fiche(self, f: rec.Fiche) -> None:
        if not f.code or not f.code.strip():
            raise self.error("a fiche has no code", f.line)
        node = self.fiche_node(f.code.strip())
        if f.kind in _FICHE_CLASSES:
            self.typed(node, _FICHE_CLASSES[f.kind])
        self.label(node, f.title, f.title_raw)
        self.add(node, PKG.sourceDocument, self.doc)
        self.where(node, f.line)
        if f.version:
            self.add(node, PKG.versionLabel, plain(f.version))
        pilier = self.structure_ref("pilier", f.pillar) if f.pillar else None
        if pilier:
            self.add(node, PKG.pilier, pilier)
        axe = self.structure_ref("axe", f.axis, pilier) if f.axis else None
        if axe:
            self.add(node, PKG.axe, axe)
        if f.enjeu:
            transversal = "transversal" in label_key(f.enjeu_kind or "")
            kind = "enjeu transversal" if transversal else "enjeu"
            enjeu = self.structure_ref(kind, f.enjeu, None if transversal else axe)
            self.add(node, PKG.enjeu, enjeu)
            if f.enjeu_kind:
                self.add(enjeu, PKG.enjeuQualifier, _fr(f.enjeu_kind))
        for field_name, *section in _ITEM_SECTIONS:
            self.map_items(node, section, getattr(f, field_name))
        for audience, items in sorted(f.interests.items()):
            section = (PKG.interest, PKG.Interest, "interest")
            for item_node in self.map_items(node, section, items, audience):
                self.add(item_node, PKG.audience, _fr(audience))
        for field_name, prop, cls, segment, code_list, kind_prop in _FACET_SECTIONS:
            for facet, items in sorted(getattr(f, field_name).items()):
                concept = _concept(code_list, facet)
                for item_node in self.map_items(node, (prop, cls, segment), items, facet):
                    self.add(item_node, PKG.facetLabel, _fr(facet))
                    if concept is not None:
                        self.add(item_node, kind_prop, concept)
        self.map_involvement(node, f)
        for position, indicator in enumerate(f.indicators, 1):
            self.map_indicator(node, indicator, position)
        for position, reference in enumerate(f.links, 1):
            self.map_reference(node, reference, position)
        for entry in f.calendar:
            self.add(node, PKG.calendar, _fr(entry))
        if f.scale:
            self.add(node, PKG.scale, _fr(f.scale))
        if f.target_public:
            self.add(node, PKG.targetPublic, _fr(f.target_public))
        for name in f.territories:
            self.add(node, PKG.concernsTerritory, self.place(name, PKG.Territory))

    def map_items(self, parent: str, section, items: list[rec.Item], facet=None):
        """Items of one section; ``section`` is (property, class, IRI segment)."""
        prop, cls, segment = section
        nodes = []
        parent_iri = iri_value(parent)
        for position, item in enumerate(items, 1):
            node = self.unique(child(parent_iri, segment, digest(facet, item.text)))
            self.typed(node, PKG.TextItem, cls)
            self.add(parent, prop, node)
            self.label(node, item.text, item.raw)
            self.where(node, item.line, position)
            nodes.append(node)
        return nodes

    def map_involvement(self, parent: str, r: _Involving) -> None:
        """The actors, dispositifs and funding of a fiche, action or sub-action."""
        for position, mention in enumerate(r.partners, 1):
            self.map_participation(parent, mention, position)
        for dispositif in r.dispositifs:
            self.map_dispositif(parent, dispositif)
        for position, line in enumerate(r.funding, 1):
            self.map_funding(parent, line, position)

    # --- actors, dispositifs, funding ---------------------------------------------------

    def actor(self, name: str) -> str:
        node = self.actors.get(name)
        if node is None:  # the same name gives the same quads
            node = self.actors[name] = self.typed(iri(self.iris.actor(name)), PKG.Actor)
            self.label(node, name)
            self.add(node, PKG.territorialScope, self.territory)
        return node

    def map_participation(self, parent: str, m: rec.PartnerMention, position: int):
        role = self.concept(ROLE, m.role, "role", m.line)
        kind = self.concept(ACTOR_KIND, m.kind, "actor kind", m.line)
        actor = self.actor(m.name)
        self.add(actor, PKG.actorKind, kind)
        kind_code = iri_value(kind).rsplit("/", 1)[-1]
        if kind_code in _ACTOR_CLASSES:
            self.typed(actor, _ACTOR_CLASSES[kind_code])
        if m.acronym:
            self.add(actor, PKG.acronym, plain(m.acronym))
        if m.expansion:
            self.add(actor, PKG.fullName, _fr(m.expansion))
        if m.employer:
            self.add(actor, PKG.employer, self.actor(m.employer))
        role_code = iri_value(role).rsplit("/", 1)[-1]
        node = self.unique(
            child(iri_value(parent), "participation", f"{role_code}-{text_key(m.name)}")
        )
        self.typed(node, PKG.Participation)
        self.add(parent, PKG.qualifiedParticipation, node)
        self.add(parent, PKG[role_code], actor)
        self.add(node, PKG.agent, actor)
        self.add(node, PKG.role, role)
        if m.qualifier:
            self.add(node, PKG.qualifier, _fr(m.qualifier))
        if m.raw and m.raw.strip() and m.raw.strip() != m.name:
            self.add(node, PKG.rawText, _fr(m.raw.strip()))
        self.where(node, m.line, position)

    def map_dispositif(self, parent: str, d: rec.Dispositif) -> None:
        node = self.typed(iri(self.iris.dispositif(d.name)), PKG.Dispositif)
        self.label(node, d.name, d.raw)
        self.add(node, PKG.territorialScope, self.territory)
        if d.owner:
            self.add(node, PKG.owner, self.actor(d.owner))
        self.where(node, d.line)
        self.add(parent, PKG.dispositif, node)
        if d.key:
            self.add(parent, PKG.keyDispositif, node)

    def decimal(self, value: float, what: str, line: int | None) -> str:
        if not math.isfinite(value):
            raise self.error(f"{what} {value!r} is not a number", line)
        return decimal_literal(format(Decimal(repr(float(value))).normalize(), "f"))

    def map_funding(self, parent: str, f: rec.Funding, position: int) -> None:
        node = self.unique(child(iri_value(parent), "funding", text_key(f.label, max_len=48)))
        self.typed(node, PKG.Funding)
        self.add(parent, PKG.funding, node)
        self.label(node, f.label, f.raw)
        self.where(node, f.line, position)
        for name in f.funders:
            self.add(node, PKG.funder, self.actor(name))
        if f.amount_eur is not None:
            amount = self.typed(iri(child(iri_value(node), "amount")), SDO.MonetaryAmount)
            self.add(node, SDO.amount, amount)
            self.add(amount, SDO.value, self.decimal(f.amount_eur, "amount", f.line))
            self.add(amount, SDO.currency, '"EUR"')
        if f.share is not None:
            self.add(node, PKG.share, self.decimal(f.share, "share", f.line))
        if f.kind:
            self.add(
                node, PKG.fundingKind, self.concept(FUNDING_KIND, f.kind, "funding kind", f.line)
            )
        if f.programme:
            self.add(node, PKG.programme, _fr(f.programme))
        for ref in f.legal_basis:
            legal = self.typed(
                iri(self.iris.legal(ref.label, ref.kind, ref.date)), PKG.LegalReference
            )
            self.label(legal, ref.label)
            if ref.kind:
                self.add(legal, PKG.legalKind, plain(ref.kind))
            if ref.date:
                self.add(legal, PKG.legalDate, plain(ref.date))
            self.where(legal, ref.line)
            self.add(node, PKG.legalBasis, legal)

    def map_indicator(self, parent: str, i: rec.Indicator, position: int) -> None:
        kind = self.concept(INDICATOR_KIND, i.kind, "indicator kind", i.line)
        code = iri_value(kind).rsplit("/", 1)[-1]
        node = self.unique(child(iri_value(parent), "indicator", f"{code}-{digest(i.label)}"))
        self.typed(node, PKG.Indicator)
        self.add(parent, PKG.indicator, node)
        self.add(node, PKG.indicatorKind, kind)
        self.label(node, i.label, i.raw)
        self.where(node, i.line, position)

    def map_reference(self, fiche: str, r: rec.Reference, position: int) -> None:
        kind, target = label_key(r.kind), r.target.strip()
        if kind == "fiche":
            target_node = self.fiche_node(_FICHE_PREFIX.sub("", target))
        elif kind == "axe":
            target_node = self.structure_ref("axe", _AXE_PREFIX.sub("", target))
        elif kind == "transversal":
            target_node = self.structure_ref("orientation transversale", target)
        else:
            target_node = None
        node = self.unique(child(iri_value(fiche), "reference", text_key(f"{kind} {target}")))
        self.typed(node, PKG.CrossReference)
        self.add(fiche, PKG.qualifiedReference, node)
        self.add(node, PKG.targetText, plain(target))
        self.label(node, r.label, r.raw)
        self.where(node, r.line, position)
        if target_node is not None:
            self.add(node, PKG.referenceTarget, target_node)
            self.add(fiche, PKG.refersTo, target_node)

    # --- action plans -------------------------------------------------------------------

    def place(self, name: str, cls: str) -> str:
        return map_place(self, name, cls)

    def map_status(self, node: str, a: rec.Action | rec.SubAction) -> None:
        if a.status:
            self.add(node, PKG.status, self.concept(STATUS, a.status, "status", a.line))
        if a.type:
            self.add(node, PKG.actionType, self.concept(ACTION_TYPE, a.type, "action type", a.line))
        for name in a.quartiers:
            self.add(node, PKG.quartier, self.place(name, PKG.Quartier))
        self.map_involvement(node, a)

    def map_action(self, a: rec.Action, position: int) -> None:
        key = f"{text_key(a.label, max_len=48)}-{digest(a.pillar, a.volet, a.objective, a.label)}"
        node = self.typed(self.unique(self.iris.action(key)), PKG.Action)
        self.label(node, a.label, a.raw)
        self.add(node, PKG.partOfContract, self.contract_node)
        self.add(node, PKG.sourceDocument, self.doc)
        self.where(node, a.line, position)
        pilier = self.structure_ref("pilier", a.pillar) if a.pillar else None
        if pilier:
            self.add(node, PKG.pilier, pilier)
        volet = self.structure_ref("volet", a.volet, pilier, a.pillar) if a.volet else None
        if volet:
            self.add(node, PKG.volet, volet)
        if a.objective:
            self.add(
                node,
                PKG.operationalObjective,
                self.structure_ref("objectif", a.objective, volet, a.pillar),
            )
        if a.fiche:
            self.add(node, PKG.partOfFiche, self.fiche_node(a.fiche))
        self.map_status(node, a)
        for sub_position, sub in enumerate(a.sub_actions, 1):
            sub_node = self.unique(child(iri_value(node), "sub-action", digest(sub.label)))
            self.typed(sub_node, PKG.SubAction)
            self.add(node, PKG.subAction, sub_node)
            self.label(sub_node, sub.label, sub.raw)
            self.where(sub_node, sub.line, sub_position)
            self.map_status(sub_node, sub)
