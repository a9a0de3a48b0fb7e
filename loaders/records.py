"""Plain records: what template parsers produce and the graph mapper consumes.

These dataclasses are the *canonical fiche format*. ``policykg extract`` prints them as
JSON or YAML, and the same structure written by hand as YAML is a source document of its
own (see :func:`extraction_from_dict`). Nothing here knows about RDF.

Items that a person writes by hand may be plain strings; they are read as :class:`Item`:

>>> ex = extraction_from_dict({"fiches": [{"code": "9.9.9", "title": "Essai",
...     "objectives": ["Mobiliser les acteurs"],
...     "partners": [{"name": "CAF", "kind": "organisation"}]}]})
>>> ex.fiches[0].objectives[0].text
'Mobiliser les acteurs'
>>> ex.fiches[0].partners[0].role
'partenaire'
>>> extraction_to_dict(ex)["fiches"][0]["objectives"]
[{'text': 'Mobiliser les acteurs'}]
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

PartnerKind = Literal["organisation", "category", "profession", "unknown"]
Role = Literal["partenaire", "animateur", "pilote", "referent", "financeur", "porteur"]
IndicatorKind = Literal["realisation", "effet", "resultat", "impact"]
FicheKind = Literal["orientation", "projet", "action"]

PARTNER_KINDS: tuple[str, ...] = typing.get_args(PartnerKind)
ROLES: tuple[str, ...] = typing.get_args(Role)
INDICATOR_KINDS: tuple[str, ...] = typing.get_args(IndicatorKind)
FICHE_KINDS: tuple[str, ...] = typing.get_args(FicheKind)
STATUSES: tuple[str, ...] = ("Réalisé", "En cours", "A réaliser")
ACTION_TYPES: tuple[str, ...] = ("Institution", "Mixte", "Porteur de projet")


@dataclass
class Item:
    """A line item of a section (objective, expected output, factor, step…).

    ``raw`` is the source text before repair (OCR), kept only when it differs from ``text``.
    """

    text: str
    line: int | None = None
    raw: str | None = None


@dataclass
class Contract:
    """The contrat de ville a document belongs to (from ``corpus.yaml`` or defaults)."""

    territory: str
    period: str | None = None
    id: str | None = None
    base_iri: str | None = None
    epci_siren: str | None = None
    signatories: list[str] = field(default_factory=list)


@dataclass
class StructureItem:
    """A node of the contract's structure: pilier, axe, volet, enjeu, transversal orientation.

    ``kind`` is one of ``pilier``, ``axe``, ``volet``, ``objectif``, ``enjeu``,
    ``orientation_transversale``; ``parent`` is the code of the enclosing item.
    """

    kind: str
    code: str
    label: str | None = None
    parent: str | None = None
    line: int | None = None


@dataclass
class PartnerMention:
    """An actor named in a fiche, with the role it plays there.

    ``name`` is the normalised label ("Éducateur spécialisé"), ``raw`` the text as written
    ("éducateurs spécialisés (Conseil Départemental)"), ``employer`` the organisation behind
    a profession, ``acronym``/``expansion`` what the gazetteer knows, ``qualifier`` any
    precision in parentheses that is not an employer ("culture, sport, DSI").
    """

    name: str
    kind: str = "unknown"
    role: str = "partenaire"
    employer: str | None = None
    raw: str | None = None
    acronym: str | None = None
    expansion: str | None = None
    qualifier: str | None = None
    line: int | None = None


@dataclass
class LegalReference:
    """A dated legal text: "circulaire du 21 mai 2015" -> kind circulaire, date 2015-05-21."""

    label: str
    kind: str | None = None
    date: str | None = None
    line: int | None = None


@dataclass
class Funding:
    """A funding stream mobilised by a fiche or an action.

    ``amount_eur`` is the envelope in euros and ``share`` the fraction of it (0.30 for "30%
    des 6 millions d'euros"); ``kind`` is ``droit_commun`` or ``specifique`` where stated.
    """

    label: str
    funders: list[str] = field(default_factory=list)
    amount_eur: float | None = None
    share: float | None = None
    legal_basis: list[LegalReference] = field(default_factory=list)
    kind: str | None = None
    programme: str | None = None
    raw: str | None = None
    line: int | None = None


@dataclass
class Dispositif:
    """A named scheme or programme (Passeport Loisirs Jeunes, GUSP, Service civique…)."""

    name: str
    owner: str | None = None
    raw: str | None = None
    key: bool = False
    line: int | None = None


@dataclass
class Indicator:
    """An evaluation indicator of kind realisation, effet, resultat or impact."""

    kind: str
    label: str
    raw: str | None = None
    line: int | None = None


@dataclass
class Reference:
    """A cross-reference stated by a fiche: to a fiche, an axe or a transversal axis.

    ``target`` is normalised: "1.1.2", "4.1.1" (from "Fiche 411"), "axe 1.2",
    "AT égalité homme-femme"; ``kind`` is ``fiche``, ``axe`` or ``transversal``.
    """

    target: str
    kind: str = "fiche"
    label: str | None = None
    raw: str | None = None
    line: int | None = None


@dataclass
class SubAction:
    """An example sub-action of an action-plan row."""

    label: str
    status: str | None = None
    type: str | None = None
    quartiers: list[str] = field(default_factory=list)
    partners: list[PartnerMention] = field(default_factory=list)
    dispositifs: list[Dispositif] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)
    raw: str | None = None
    line: int | None = None


@dataclass
class Action:
    """An action of an action plan (pilier -> volet -> objective -> action -> sub-actions)."""

    label: str
    objective: str | None = None
    volet: str | None = None
    pillar: str | None = None
    fiche: str | None = None
    status: str | None = None
    type: str | None = None
    quartiers: list[str] = field(default_factory=list)
    sub_actions: list[SubAction] = field(default_factory=list)
    partners: list[PartnerMention] = field(default_factory=list)
    dispositifs: list[Dispositif] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)
    raw: str | None = None
    line: int | None = None


@dataclass
class Unmapped:
    """Source text that no section of the template could place, kept with its location."""

    text: str
    line: int | None = None
    section: str | None = None


@dataclass
class Fiche:
    """One fiche (orientation opérationnelle, fiche projet or fiche action)."""

    code: str
    title: str | None = None
    kind: str = "orientation"
    version: str | None = None
    pillar: str | None = None
    axis: str | None = None
    enjeu: str | None = None
    enjeu_kind: str | None = None
    context: list[Item] = field(default_factory=list)
    objectives: list[Item] = field(default_factory=list)
    expected_outputs: list[Item] = field(default_factory=list)
    expected_effects: list[Item] = field(default_factory=list)
    partners: list[PartnerMention] = field(default_factory=list)
    dispositifs: list[Dispositif] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    links: list[Reference] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)
    scale: str | None = None
    territories: list[str] = field(default_factory=list)
    target_public: str | None = None
    interests: dict[str, list[Item]] = field(default_factory=dict)
    framework: dict[str, list[Item]] = field(default_factory=dict)
    favourable_factors: list[Item] = field(default_factory=list)
    unfavourable_factors: list[Item] = field(default_factory=list)
    strategy_steps: list[Item] = field(default_factory=list)
    resources: dict[str, list[Item]] = field(default_factory=dict)
    title_raw: str | None = None
    line: int | None = None

    @property
    def legal_references(self) -> list[LegalReference]:
        """Every legal reference cited by the fiche's funding lines, in order."""
        return [ref for f in self.funding for ref in f.legal_basis]


@dataclass
class LineAccount:
    """Every source line is exactly one of: mapped, unmapped (kept as text), layout."""

    mapped: list[int] = field(default_factory=list)
    unmapped: list[int] = field(default_factory=list)
    layout: list[int] = field(default_factory=list)

    def total(self) -> int:
        """The number of lines accounted for."""
        return len(self.mapped) + len(self.unmapped) + len(self.layout)


@dataclass
class Extraction:
    """Everything read from one source document."""

    source: str | None = None
    template: str | None = None
    contract: Contract | None = None
    structure: list[StructureItem] = field(default_factory=list)
    fiches: list[Fiche] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    lines: LineAccount = field(default_factory=LineAccount)
    warnings: list[str] = field(default_factory=list)


# --- (de)serialisation --------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value is False


def to_plain(obj: Any) -> Any:
    """A record as JSON-ready dicts and lists, leaving out empty fields."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            value = to_plain(getattr(obj, f.name))
            if not _is_empty(value):
                out[f.name] = value
        return out
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    return obj


def extraction_to_dict(extraction: Extraction) -> dict[str, Any]:
    """The canonical (JSON/YAML) form of an extraction."""
    return to_plain(extraction)


class RecordError(ValueError):
    """A canonical-format document with a missing key, an unknown key or a wrong type.

    ``path`` is the place in the document, e.g. ``fiches[0].partners[2].kind``.
    """

    def __init__(self, message: str, path: str):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, path)
    if origin is list:
        if not isinstance(value, list):
            raise RecordError(f"expected a list, got {type(value).__name__}", path)
        (arg,) = typing.get_args(tp)
        return [_convert(arg, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise RecordError(f"expected a mapping, got {type(value).__name__}", path)
        _, arg = typing.get_args(tp)
        return {str(k): _convert(arg, v, f"{path}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return _from_dict(tp, value, path)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RecordError(f"expected a number, got {value!r}", path)
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(f"expected an integer, got {value!r}", path)
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise RecordError(f"expected true or false, got {value!r}", path)
        return value
    if tp is str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise RecordError(f"expected text, got {type(value).__name__}", path)
        return str(value)
    return value


# Records whose hand-written form may be a bare string, and the field that string fills.
_STRING_FORMS = {
    Item: "text",
    PartnerMention: "name",
    Dispositif: "name",
    Funding: "label",
    Reference: "target",
    LegalReference: "label",
    Unmapped: "text",
}


# Fields whose value must come from a closed list.
_CHOICES: dict[tuple[type, str], tuple[str, ...]] = {
    (PartnerMention, "kind"): PARTNER_KINDS,
    (PartnerMention, "role"): ROLES,
    (Indicator, "kind"): INDICATOR_KINDS,
    (Fiche, "kind"): FICHE_KINDS,
}


def _from_dict(cls: type, value: Any, path: str) -> Any:
    if isinstance(value, str) and cls in _STRING_FORMS:
        value = {_STRING_FORMS[cls]: value}
    if not isinstance(value, dict):
        raise RecordError(f"expected a mapping, got {type(value).__name__}", path)
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - names)
    if unknown:
        raise RecordError(
            f"unknown key {unknown[0]!r} (known: {', '.join(sorted(names))})", path or cls.__name__
        )
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in value:
            where = f"{path}.{f.name}".lstrip(".")
            kwargs[f.name] = _convert(hints[f.name], value[f.name], where)
            choices = _CHOICES.get((cls, f.name))
            if choices and kwargs[f.name] not in choices:
                raise RecordError(f"{kwargs[f.name]!r} is not one of {', '.join(choices)}", where)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise RecordError(f"missing required key {f.name!r}", path or cls.__name__)
    return cls(**kwargs)


def extraction_from_dict(data: Any) -> Extraction:
    """Read the canonical format (as parsed from JSON or YAML) into records.

    Raises :class:`RecordError` naming the offending place for unknown keys, wrong types
    and missing required keys.
    """
    return _from_dict(Extraction, data, "")
