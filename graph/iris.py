"""Deterministic IRIs for instance data: slugs, keys and the builders the mapper uses.

Every IRI is derived from the base IRI (configurable per contract) and the content of the
records, never from a counter over the corpus or the clock, so the same input always gives
the same IRIs. Fiches, actions and structure items are scoped by contract; actors and
dispositifs by territory (the CAF of one territory is one resource however often it is
named); legal texts are national. These base IRIs are the only IRIs code writes as text.

>>> from policykg.loaders.records import Contract
>>> iris = Iris.of(Contract(territory="Nantes Métropole", id="nantes-2015-2020"))
>>> iris.fiche("1.1.1")
'https://w3id.org/policykg/id/contract/nantes-2015-2020/fiche/1.1.1'
>>> iris.actor("Conseil Départemental")
'https://w3id.org/policykg/id/actor/nantes-metropole/conseil-departemental'
>>> Iris.of(Contract(territory="Tours", epci_siren="243 700 754", id="t")).territory
'https://w3id.org/policykg/id/territory/243700754'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from policykg.errors import InputError
from policykg.loaders.records import Contract
from policykg.ontology.loader import label_key

# The default base of instance IRIs (a contract may set its own in corpus.yaml).
DEFAULT_BASE = "https://w3id.org/policykg/id/"
# Where the software agent of provenance lives, whatever the contract's base.
SOFTWARE_BASE = DEFAULT_BASE + "software/"

_DIGEST_LENGTH = 10
_FORBIDDEN_IN_IRI = re.compile(r"[\s<>\"{}|\\^`]")
_CODE = re.compile(r"^(?:[A-Za-z]{1,3}\s?)?\d+(?:\.\d+)*[a-z]?$")
_CODE_AND_LABEL = re.compile(
    r"^\s*((?:[A-Za-z]{1,3}\s?)?\d+(?:\.\d+)*)\s*[-.:)–—]\s*(?=[^\d\s])(.+)$"
)
_ALL_QUARTIERS = re.compile(
    r"^(?:tous|toutes|l ensemble des|ensemble des)(?: les)? (?:quartiers|qpv)$"
)
_NOT_SLUG = re.compile(r"[^a-z0-9.]+")
_LONE_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_DASHES = re.compile(r"-+")
_NOT_DIGIT = re.compile(r"\D")
_HTTP = re.compile(r"^https?://[^/]+")
# The key of the place that stands for every quartier of a territory ("TOUS QUARTIERS").
ALL_QUARTIERS_KEY = "tous-les-quartiers"

# Kinds of structure item (as normalised by label_key) -> the IRI segment they live under.
STRUCTURE_SEGMENTS = {
    "pilier": "pilier",
    "axe": "axe",
    "volet": "volet",
    "objectif": "objectif",
    "objectif operationnel": "objectif",
    "enjeu": "enjeu",
    "enjeu transversal": "enjeu",
    "orientation transversale": "orientation-transversale",
    "axe transversal": "orientation-transversale",
}
# The segment an item's parent usually belongs to.
PARENT_SEGMENT = {"axe": "pilier", "volet": "pilier", "objectif": "volet", "enjeu": "axe"}


@lru_cache(maxsize=1 << 16)
def slug(text: str) -> str:
    """Lower-case ASCII words joined by ``-``; dots survive only between digits.

    >>> slug("Éducateurs spécialisés (Conseil Départemental)")
    'educateurs-specialises-conseil-departemental'
    >>> slug("T 1.1"), slug("Tour(s)plus"), slug("000_x.txt"), slug("Cœur")
    ('t-1.1', 'tour-s-plus', '000-x-txt', 'coeur')
    """
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = _NOT_SLUG.sub("-", plain)
    plain = _LONE_DOT.sub("-", plain)
    return _DASHES.sub("-", plain).strip("-")


def digest(*parts: str | None, length: int = _DIGEST_LENGTH) -> str:
    """A short, stable hexadecimal digest of some texts (``None`` counts as empty).

    >>> digest("a", "b") == digest("a", "b") != digest("ab")
    True
    """
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:length]


@lru_cache(maxsize=1 << 16)
def text_key(text: str, max_len: int = 60) -> str:
    """A readable key for a text: its slug, cut at a word and suffixed by a digest if long.

    Texts that differ only in case, accents or punctuation get the same key.

    >>> text_key("Centres sociaux")
    'centres-sociaux'
    >>> key = text_key("Au regard des besoins de chaque quartier, adapter en continu les offres")
    >>> key.startswith("au-regard-des-besoins-de-chaque-quartier"), len(key) <= 60
    (True, True)
    >>> text_key("—")[:1]
    'h'
    """
    s = slug(text)
    if not s:
        return "h" + digest(text)
    if len(s) <= max_len:
        return s
    head = s[: max_len - _DIGEST_LENGTH - 1]
    head = head.rsplit("-", 1)[0] if "-" in head else head
    return f"{head}-{digest(s)}"


def is_code(text: str) -> bool:
    """Whether a text is a structure code ("1", "1.1.2", "T 1.1") rather than a label.

    >>> is_code("T 1.1"), is_code("Participation citoyenne")
    (True, False)
    """
    return bool(_CODE.match(text.strip()))


def split_code(value: str, label: str | None = None) -> tuple[str, str | None]:
    """A structure reference split into code and label ("4 - Gouvernance" -> "4", …).

    >>> split_code("4 - Gouvernance et participation citoyenne")
    ('4', 'Gouvernance et participation citoyenne')
    >>> split_code("1.1", "Axe un"), split_code("1.2")
    (('1.1', 'Axe un'), ('1.2', None))
    """
    match = _CODE_AND_LABEL.match(value) if label is None else None
    if match:
        return match.group(1), match.group(2).strip()
    return value.strip(), label


def structure_segment(kind: str) -> str:
    """The IRI segment of a kind of structure item ("Objectif opérationnel" -> objectif).

    >>> structure_segment("orientation_transversale"), structure_segment("Sous-axe")
    ('orientation-transversale', 'sous-axe')
    """
    key = label_key(kind)
    return STRUCTURE_SEGMENTS.get(key) or slug(kind) or "element"


def is_all_quartiers(name: str) -> bool:
    """Whether a quartier name stands for all of them ("TOUS QUARTIERS").

    >>> is_all_quartiers("TOUS QUARTIERS"), is_all_quartiers("Tous les QPV")
    (True, True)
    """
    return bool(_ALL_QUARTIERS.match(label_key(name)))


def check_base(base: str | None, path: str | Path | None = None) -> str:
    """A base IRI ready for use (``DEFAULT_BASE`` when unset), ending with ``/`` or ``#``.

    Raises :class:`InputError` naming ``path`` when the base is not an http(s) IRI.

    >>> check_base("https://example.org/data")
    'https://example.org/data/'
    """
    if not base:
        return DEFAULT_BASE
    if not _HTTP.match(base) or _FORBIDDEN_IN_IRI.search(base):
        raise InputError(f"base IRI {base!r} is not an absolute http(s) IRI", path=path)
    return base if base.endswith(("/", "#")) else base + "/"


def territory_key(contract: Contract) -> str:
    """The key that scopes actors and places: the EPCI's SIREN, else the territory's slug.

    >>> territory_key(Contract(territory="Tour(s)plus (agglomération tourangelle)"))
    'tour-s-plus-agglomeration-tourangelle'
    """
    siren = _NOT_DIGIT.sub("", contract.epci_siren or "")
    return siren or text_key(contract.territory)


def child(parent: str, *segments: str) -> str:
    """The IRI of a resource that belongs to ``parent`` (an item, an amount, a role).

    >>> child("https://e.org/id/fiche/1", "objective", "3fa")
    'https://e.org/id/fiche/1/objective/3fa'
    """
    return "/".join((parent, *segments))


def software_agent(version: str) -> str:
    """The IRI of the policykg software agent of one version.

    >>> software_agent("0.1.0")
    'https://w3id.org/policykg/id/software/policykg-0.1.0'
    """
    return f"{SOFTWARE_BASE}policykg-{slug(version)}"


@dataclass(frozen=True)
class Iris:
    """The IRI builders of one contract: ``base``, contract id and territory key fixed."""

    base: str
    contract_id: str
    territory_key: str

    @classmethod
    def of(
        cls, contract: Contract, contract_id: str | None = None, path: str | Path | None = None
    ) -> Iris:
        """The builders for a contract; ``contract_id`` is used when ``contract.id`` is unset.

        Raises :class:`InputError` (naming ``path``) when the contract has no id at all or
        a base IRI that is not usable.
        """
        raw_id = contract.id or contract_id
        cid = text_key(raw_id) if raw_id else ""
        if not cid:
            raise InputError("the document's contract has no id (set it in corpus.yaml)", path)
        if not (contract.territory or "").strip():
            raise InputError(f"contract {cid!r} has no territory (set it in corpus.yaml)", path)
        return cls(check_base(contract.base_iri, path), cid, territory_key(contract))

    @property
    def contract(self) -> str:
        """The contract itself."""
        return f"{self.base}contract/{self.contract_id}"

    @property
    def structure_scheme(self) -> str:
        """The SKOS concept scheme of the contract's piliers, axes, volets and enjeux."""
        return child(self.contract, "structure")

    def structure(self, kind: str, key: str) -> str:
        """A structure item (``kind`` is ``pilier``, ``axe``, ``volet``, ``enjeu``…)."""
        return child(self.contract, slug(kind), key)

    def fiche(self, code: str) -> str:
        """A fiche of the contract, by its code (cited-but-absent fiches too)."""
        return child(self.contract, "fiche", text_key(code))

    def action(self, key: str) -> str:
        """An action of the contract's action plan."""
        return child(self.contract, "action", key)

    def document(self, file_name: str) -> str:
        """A source document of the contract, by its path in the corpus."""
        return child(self.contract, "document", text_key(file_name, max_len=120))

    def document_graph(self, file_name: str) -> str:
        """The named graph holding what was extracted from one source document."""
        return child(self.document(file_name), "graph")

    def extraction(self, file_name: str) -> str:
        """The activity of reading one source document."""
        return child(self.document(file_name), "extraction")

    @property
    def territory(self) -> str:
        """The contract's territory (the EPCI, or the territory as named)."""
        return f"{self.base}territory/{self.territory_key}"

    def place(self, name: str) -> str:
        """A quartier or other place named within the contract's territory.

        >>> Iris("https://e.org/", "c", "t").place("TOUS QUARTIERS")
        'https://e.org/territory/t/tous-les-quartiers'
        """
        key = ALL_QUARTIERS_KEY if is_all_quartiers(name) else text_key(name)
        return child(self.territory, key)

    def actor(self, name: str) -> str:
        """An actor of the territory, by its normalised name."""
        return f"{self.base}actor/{self.territory_key}/{text_key(name)}"

    def dispositif(self, name: str) -> str:
        """A dispositif (public scheme) as mobilised in the territory."""
        return f"{self.base}dispositif/{self.territory_key}/{text_key(name)}"

    def legal(self, label: str, kind: str | None = None, date: str | None = None) -> str:
        """A legal text: by kind and date when both are known, else by its label.

        >>> Iris("https://e.org/", "c", "t").legal("circulaire du 21 mai 2015",
        ...                                         "circulaire", "2015-05-21")
        'https://e.org/legal/circulaire-2015-05-21'
        """
        key = f"{slug(kind)}-{slug(date)}" if kind and date and slug(kind) else text_key(label)
        return f"{self.base}legal/{key}"
