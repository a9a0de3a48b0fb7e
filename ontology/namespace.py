"""Terms of the policykg ontology and its code lists (GENERATED: do not edit by hand).

Regenerate with ``python -m policykg.ontology.generate_namespace`` after changing
``policykg.ttl`` or ``schemes.ttl``; a test checks that this module matches them.

>>> PKG.Fiche
rdflib.term.URIRef('https://w3id.org/policykg/def#Fiche')
>>> STATUS.en_cours
rdflib.term.URIRef('https://w3id.org/policykg/def/status/en_cours')
>>> concept_for(STATUS, "A réaliser") == STATUS.a_realiser
True
>>> PKG.Fishe
Traceback (most recent call last):
...
AttributeError: term 'Fishe' not in namespace 'https://w3id.org/policykg/def#'
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

from policykg.ontology.loader import label_key

ONTOLOGY_IRI = URIRef("https://w3id.org/policykg/def")

# The prefixes the ontology files declare, for readable serialisations.
PREFIXES: dict[str, str] = {
    "action_type": "https://w3id.org/policykg/def/action_type/",
    "actor_kind": "https://w3id.org/policykg/def/actor_kind/",
    "cpsv": "http://purl.org/vocab/cpsv#",
    "dcterms": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "framework_aspect": "https://w3id.org/policykg/def/framework_aspect/",
    "funding_kind": "https://w3id.org/policykg/def/funding_kind/",
    "indicator_kind": "https://w3id.org/policykg/def/indicator_kind/",
    "means_kind": "https://w3id.org/policykg/def/means_kind/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "pkg": "https://w3id.org/policykg/def#",
    "pkgs": "https://w3id.org/policykg/def/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "role": "https://w3id.org/policykg/def/role/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "status": "https://w3id.org/policykg/def/status/",
    "vann": "http://purl.org/vocab/vann/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


class PKG(DefinedNamespace):
    """The policykg ontology: classes and properties."""

    _NS = Namespace("https://w3id.org/policykg/def#")
    _fail = True

    # Classes
    Action: URIRef  # Action
    ActionFiche: URIRef  # Action fiche
    Actor: URIRef  # Actor
    ActorCategory: URIRef  # Actor category
    Axe: URIRef  # Axis
    Commune: URIRef  # Municipality
    ContextStatement: URIRef  # Context statement
    Contract: URIRef  # City contract
    CrossReference: URIRef  # Cross-reference
    Dispositif: URIRef  # Public scheme
    DocumentGraph: URIRef  # Document graph
    EPCI: URIRef  # Inter-municipal authority
    Enjeu: URIRef  # Policy issue
    ExpectedEffect: URIRef  # Expected effect
    ExpectedOutput: URIRef  # Expected output
    ExtractionActivity: URIRef  # Extraction
    FavourableFactor: URIRef  # Favourable factor
    Fiche: URIRef  # Fiche
    FrameworkElement: URIRef  # Framework element
    Funding: URIRef  # Funding stream
    Indicator: URIRef  # Indicator
    Interest: URIRef  # Interest
    LegalReference: URIRef  # Legal reference
    MeansItem: URIRef  # Resource or means
    Objective: URIRef  # Objective
    OperationalObjective: URIRef  # Operational objective
    Organisation: URIRef  # Named organisation
    OrientationFiche: URIRef  # Operational orientation fiche
    Participation: URIRef  # Actor participation
    Pilier: URIRef  # Pillar
    PlanElement: URIRef  # Action-plan element
    Profession: URIRef  # Profession
    ProjectFiche: URIRef  # Project fiche
    QPV: URIRef  # Priority neighbourhood
    Quartier: URIRef  # Neighbourhood
    QuartierSet: URIRef  # All neighbourhoods
    SourceDocument: URIRef  # Source document
    StrategyStep: URIRef  # Strategy step
    StructureItem: URIRef  # Contract structure item
    SubAction: URIRef  # Sub-action
    Territory: URIRef  # Territory
    TextItem: URIRef  # Text item
    TransversalEnjeu: URIRef  # Cross-cutting issue
    TransversalOrientation: URIRef  # Cross-cutting orientation
    UnfavourableFactor: URIRef  # Unfavourable factor
    UnmappedText: URIRef  # Unmapped text
    Volet: URIRef  # Strand

    # Object properties
    aboutContract: URIRef  # about contract
    actionType: URIRef  # action type
    actorKind: URIRef  # actor kind
    agent: URIRef  # agent
    animateur: URIRef  # facilitator
    axe: URIRef  # axis
    classifiedUnder: URIRef  # classified under
    concernsTerritory: URIRef  # concerns territory
    context: URIRef  # context
    dispositif: URIRef  # scheme
    employer: URIRef  # employer
    enjeu: URIRef  # issue
    expectedEffect: URIRef  # expected effect
    expectedOutput: URIRef  # expected output
    favourableFactor: URIRef  # favourable factor
    financeur: URIRef  # funder role
    frameworkAspect: URIRef  # framework aspect
    frameworkElement: URIRef  # framework element
    funder: URIRef  # funder
    funding: URIRef  # funding
    fundingKind: URIRef  # funding kind
    hasItem: URIRef  # has item
    includesTerritory: URIRef  # includes neighbourhood
    indicator: URIRef  # indicator
    indicatorKind: URIRef  # indicator kind
    interest: URIRef  # interest
    involves: URIRef  # involves
    keyDispositif: URIRef  # key scheme
    legalBasis: URIRef  # legal basis
    meansItem: URIRef  # means item
    meansKind: URIRef  # means kind
    objective: URIRef  # objective
    operationalObjective: URIRef  # operational objective
    owner: URIRef  # scheme owner
    partOfContract: URIRef  # part of contract
    partOfFiche: URIRef  # part of fiche
    partenaire: URIRef  # partner
    pilier: URIRef  # pillar
    pilote: URIRef  # lead
    porteur: URIRef  # project holder
    qualifiedParticipation: URIRef  # qualified participation
    qualifiedReference: URIRef  # qualified reference
    quartier: URIRef  # neighbourhood
    referenceTarget: URIRef  # reference target
    referent: URIRef  # contact person
    refersTo: URIRef  # refers to
    role: URIRef  # role
    signatory: URIRef  # signatory
    sourceDocument: URIRef  # source document
    status: URIRef  # status
    strategyStep: URIRef  # strategy step
    structureScheme: URIRef  # structure scheme
    subAction: URIRef  # sub-action
    territorialScope: URIRef  # territorial scope
    territory: URIRef  # territory
    unfavourableFactor: URIRef  # unfavourable factor
    volet: URIRef  # strand
    withinTerritory: URIRef  # within territory

    # Datatype properties
    acronym: URIRef  # acronym
    audience: URIRef  # audience
    calendar: URIRef  # calendar
    code: URIRef  # code
    endYear: URIRef  # end year
    enjeuQualifier: URIRef  # issue qualifier
    facetLabel: URIRef  # facet label
    fileName: URIRef  # file name
    fullName: URIRef  # full name
    inseeCode: URIRef  # INSEE code
    layoutLineCount: URIRef  # layout lines
    legalDate: URIRef  # legal text date
    legalKind: URIRef  # legal text kind
    lineCount: URIRef  # line count
    mappedLineCount: URIRef  # mapped lines
    period: URIRef  # period
    position: URIRef  # position
    programme: URIRef  # budget programme
    qpvCode: URIRef  # QPV code
    qualifier: URIRef  # qualifier
    rawText: URIRef  # raw text
    scale: URIRef  # scale
    section: URIRef  # section
    sha256: URIRef  # SHA-256 checksum
    share: URIRef  # share
    siren: URIRef  # SIREN number
    softwareVersion: URIRef  # software version
    sourceFormat: URIRef  # file format
    sourceLine: URIRef  # source line
    startYear: URIRef  # start year
    targetPublic: URIRef  # target public
    targetText: URIRef  # target text
    template: URIRef  # fiche template
    text: URIRef  # text
    unmappedLineCount: URIRef  # unmapped lines
    versionLabel: URIRef  # version
    warning: URIRef  # warning


class SCHEME(DefinedNamespace):
    """The code lists (SKOS concept schemes)."""

    _NS = Namespace("https://w3id.org/policykg/def/")
    _fail = True

    action_type: URIRef  # Action type
    actor_kind: URIRef  # Actor kind
    framework_aspect: URIRef  # Framework aspect
    funding_kind: URIRef  # Funding kind
    indicator_kind: URIRef  # Indicator kind
    means_kind: URIRef  # Means kind
    role: URIRef  # Actor role
    status: URIRef  # Action status


class ACTION_TYPE(DefinedNamespace):
    """Code list: Action type."""

    _NS = Namespace("https://w3id.org/policykg/def/action_type/")
    _fail = True

    institution: URIRef  # Institution-led
    mixte: URIRef  # Mixed
    porteur_de_projet: URIRef  # Project-holder-led


class ACTOR_KIND(DefinedNamespace):
    """Code list: Actor kind."""

    _NS = Namespace("https://w3id.org/policykg/def/actor_kind/")
    _fail = True

    category: URIRef  # Actor category
    organisation: URIRef  # Named organisation
    profession: URIRef  # Profession
    unknown: URIRef  # Unknown kind


class FRAMEWORK_ASPECT(DefinedNamespace):
    """Code list: Framework aspect."""

    _NS = Namespace("https://w3id.org/policykg/def/framework_aspect/")
    _fail = True

    avec_qui: URIRef  # With whom
    avec_quoi: URIRef  # With what
    ou: URIRef  # Where
    quand: URIRef  # When


class FUNDING_KIND(DefinedNamespace):
    """Code list: Funding kind."""

    _NS = Namespace("https://w3id.org/policykg/def/funding_kind/")
    _fail = True

    droit_commun: URIRef  # Mainstream funding
    specifique: URIRef  # Specific funding


class INDICATOR_KIND(DefinedNamespace):
    """Code list: Indicator kind."""

    _NS = Namespace("https://w3id.org/policykg/def/indicator_kind/")
    _fail = True

    effet: URIRef  # Effect indicator
    impact: URIRef  # Impact indicator
    realisation: URIRef  # Output indicator
    resultat: URIRef  # Result indicator


class MEANS_KIND(DefinedNamespace):
    """Code list: Means kind."""

    _NS = Namespace("https://w3id.org/policykg/def/means_kind/")
    _fail = True

    financier: URIRef  # Financial resources
    humain: URIRef  # Human resources
    materiel: URIRef  # Material resources


class ROLE(DefinedNamespace):
    """Code list: Actor role."""

    _NS = Namespace("https://w3id.org/policykg/def/role/")
    _fail = True

    animateur: URIRef  # Facilitator
    financeur: URIRef  # Funder
    partenaire: URIRef  # Partner
    pilote: URIRef  # Lead
    porteur: URIRef  # Project holder
    referent: URIRef  # Contact person


class STATUS(DefinedNamespace):
    """Code list: Action status."""

    _NS = Namespace("https://w3id.org/policykg/def/status/")
    _fail = True

    a_realiser: URIRef  # Planned
    en_cours: URIRef  # In progress
    realise: URIRef  # Completed


# Code lists by scheme name (``status``, ``role``…).
CODE_LISTS: dict[str, type[DefinedNamespace]] = {
    "action_type": ACTION_TYPE,
    "actor_kind": ACTOR_KIND,
    "framework_aspect": FRAMEWORK_ASPECT,
    "funding_kind": FUNDING_KIND,
    "indicator_kind": INDICATOR_KIND,
    "means_kind": MEANS_KIND,
    "role": ROLE,
    "status": STATUS,
}

# Normalised labels (see ``label_key``) -> concept code, by code list.
_LABELS: dict[str, dict[str, str]] = {
    "https://w3id.org/policykg/def/action_type/": {
        "institution": "institution",
        "institution led": "institution",
        "institutionnel": "institution",
        "institutionnelle": "institution",
        "mixed": "mixte",
        "mixte": "mixte",
        "porteur de projet": "porteur_de_projet",
        "porteur de projets": "porteur_de_projet",
        "porteurs de projet": "porteur_de_projet",
        "project holder led": "porteur_de_projet",
    },
    "https://w3id.org/policykg/def/actor_kind/": {
        "actor category": "category",
        "categorie": "category",
        "categorie d acteurs": "category",
        "category": "category",
        "inconnu": "unknown",
        "indetermine": "unknown",
        "metier": "profession",
        "named organisation": "organisation",
        "nature indeterminee": "unknown",
        "organisation": "organisation",
        "organisation nommee": "organisation",
        "profession": "profession",
        "unknown": "unknown",
        "unknown kind": "unknown",
    },
    "https://w3id.org/policykg/def/framework_aspect/": {
        "avec qui": "avec_qui",
        "avec quoi": "avec_quoi",
        "calendrier": "quand",
        "ou": "ou",
        "quand": "quand",
        "when": "quand",
        "where": "ou",
        "with what": "avec_quoi",
        "with whom": "avec_qui",
    },
    "https://w3id.org/policykg/def/funding_kind/": {
        "credits de droit commun": "droit_commun",
        "credits specifiques": "specifique",
        "credits specifiques politique de la ville": "specifique",
        "droit commun": "droit_commun",
        "mainstream funding": "droit_commun",
        "specific funding": "specifique",
        "specifique": "specifique",
    },
    "https://w3id.org/policykg/def/indicator_kind/": {
        "effect indicator": "effet",
        "effet": "effet",
        "impact": "impact",
        "impact indicator": "impact",
        "indicateur d effet": "effet",
        "indicateur d effets": "effet",
        "indicateur d impact": "impact",
        "indicateur de realisation": "realisation",
        "indicateur de resultat": "resultat",
        "indicateurs d effets": "effet",
        "indicateurs d impact": "impact",
        "indicateurs de realisation": "realisation",
        "indicateurs de resultat": "resultat",
        "output indicator": "realisation",
        "realisation": "realisation",
        "result indicator": "resultat",
        "resultat": "resultat",
    },
    "https://w3id.org/policykg/def/means_kind/": {
        "financial resources": "financier",
        "financier": "financier",
        "financieres": "financier",
        "financiers": "financier",
        "humain": "humain",
        "humaines": "humain",
        "humains": "humain",
        "human resources": "humain",
        "logistique": "materiel",
        "material resources": "materiel",
        "materiel": "materiel",
        "materielles": "materiel",
        "materiels": "materiel",
        "moyens financiers": "financier",
        "moyens humains": "humain",
        "moyens materiels": "materiel",
        "ressources financieres": "financier",
        "ressources humaines": "humain",
        "ressources materielles": "materiel",
    },
    "https://w3id.org/policykg/def/role/": {
        "animateur": "animateur",
        "animation": "animateur",
        "animatrice": "animateur",
        "cofinanceur": "financeur",
        "contact person": "referent",
        "facilitator": "animateur",
        "financeur": "financeur",
        "financeurs": "financeur",
        "funder": "financeur",
        "lead": "pilote",
        "maitre d ouvrage": "porteur",
        "partenaire": "partenaire",
        "partenaires": "partenaire",
        "partenaires associes": "partenaire",
        "partenaires impliques": "partenaire",
        "partenaires mobilisables": "partenaire",
        "partner": "partenaire",
        "pilotage": "pilote",
        "pilote": "pilote",
        "pilote de l action": "pilote",
        "porteur": "porteur",
        "porteur de l action": "porteur",
        "porteur du projet": "porteur",
        "project holder": "porteur",
        "referent": "referent",
        "referente": "referent",
        "referents": "referent",
    },
    "https://w3id.org/policykg/def/status/": {
        "a faire": "a_realiser",
        "a realiser": "a_realiser",
        "completed": "realise",
        "en cours": "en_cours",
        "en cours de realisation": "en_cours",
        "fait": "realise",
        "in progress": "en_cours",
        "planned": "a_realiser",
        "prevu": "a_realiser",
        "realise": "realise",
        "realisee": "realise",
        "termine": "realise",
    },
}


def concept_for(code_list: type[DefinedNamespace], text: str) -> URIRef | None:
    """The concept of a code list whose code, label or alternative label matches ``text``.

    Case, accents and punctuation are ignored; ``None`` when nothing matches.

    >>> concept_for(ROLE, "Référent")
    rdflib.term.URIRef('https://w3id.org/policykg/def/role/referent')
    >>> concept_for(ROLE, "Mécène") is None
    True
    """
    code = _LABELS[str(code_list)].get(label_key(text))
    return code_list[code] if code else None
