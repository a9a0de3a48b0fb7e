"""The territories reference: EPCI, communes and priority neighbourhoods (QPV).

Documents name quartiers loosely ("SILLON", "Sanitas", "la Rabière", "CHATEAU"); this module
links those names to the reference table shipped in ``loaders/data/territories.csv``, which
gives each QPV its commune (INSEE code) and EPCI (SIREN). The ``qpv_code`` column is empty
in the shipped file: a user who has ANCT's official list of QPV can fill it in, or pass a
file of their own to :func:`load_territories`.

Lookups ignore case, accents, punctuation, "St"/"Saint" spellings and leading articles, and
know each territory's aliases:

>>> lookup_quartier("SILLON").name
'Sillon de Bretagne'
>>> t = lookup_quartier("CHATEAU", epci_siren="244400404")
>>> (t.name, t.commune, t.commune_insee, t.epci_siren)
('Château', 'Rezé', '44143', '244400404')
>>> lookup_quartier("Rabière").commune
'Joué-lès-Tours'
>>> normalise_quartier("TOUS QUARTIERS"), normalise_quartier("NANTES NORD")
('TOUS QUARTIERS', 'Nantes Nord')
>>> split_names("TOUS QUARTIERS SILLON NANTES NORD")
['TOUS QUARTIERS', 'SILLON', 'NANTES NORD']
>>> [q.name for q in quartiers_of("244400404", generation="2015")][:3]
['Bellevue', 'Bottière-Pin Sec', 'Breil-Malville']
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from policykg.errors import InputError

KINDS = ("qpv", "commune", "epci")
# The marker a document uses for "every QPV of the contract".
ALL_QUARTIERS = "TOUS QUARTIERS"
_ALL_KEYS = {"tous quartiers", "tous les quartiers", "ensemble des quartiers", "tous qpv"}
# Words dropped at the start of a name before comparing ("le quartier de la Rabière").
_LEADING = {"quartier", "quartiers", "qpv", "du", "de", "des", "la", "le", "les", "l", "d"}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
# Endings a demonym takes in running text (Rezéen -> rezéenne, Nantais -> nantaises).
_DEMONYM_ENDINGS = ("", "s", "e", "es", "ne", "nes", "x")
_SIREN = re.compile(r"^\d{9}$")
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_NAME_WORD = re.compile(r"[^\W_]+")
_NOT_FOLDED = re.compile(r"[^0-9a-z]+")
_NAME_SEPARATORS = re.compile(r"[,;/\n]+|\s+-\s+")


@functools.lru_cache(maxsize=1 << 16)  # pure and hot: called per word
def fold(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces, "St" spelt "saint".

    >>> fold("Joué-lès-Tours"), fold("St-Herblain"), fold("Cœur d'Orvault")
    ('joue les tours', 'saint herblain', 'coeur d orvault')
    """
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = _NOT_FOLDED.sub(" ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def place_key(name: str) -> str:
    """The comparison key of a place name: :func:`fold` without leading articles.

    >>> place_key("La Rabière"), place_key("le quartier du Sanitas")
    ('rabiere', 'sanitas')
    """
    words = fold(name).split()
    while len(words) > 1 and words[0] in _LEADING:
        words.pop(0)
    return " ".join(words)


def is_all_quartiers(name: str) -> bool:
    """Whether a quartier cell means every QPV of the contract ("TOUS QUARTIERS")."""
    return fold(name) in _ALL_KEYS


@dataclass(frozen=True, slots=True)
class Territory:
    """An EPCI, a commune or a QPV, with the codes that identify it.

    ``commune``/``commune_insee`` are empty for an EPCI; ``qpv_code`` is ANCT's code where
    known; ``generation`` says which QPV list (2015, 2024) the neighbourhood belongs to.
    """

    kind: str
    name: str
    commune: str | None = None
    commune_insee: str | None = None
    epci: str | None = None
    epci_siren: str | None = None
    qpv_code: str | None = None
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    generation: str | None = None
    note: str | None = None

    def keys(self) -> set[str]:
        """The comparison keys of the name and its aliases."""
        return {place_key(n) for n in (self.name, *self.aliases)}

    def in_generation(self, generation: str | None) -> bool:
        """Whether the territory belongs to a QPV generation ("2015", "2024")."""
        return not generation or not self.generation or generation in self.generation


def _cell(row: dict[str, str | None], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split("|") if v.strip())


def _cached(cache: dict, key: tuple, compute) -> list:
    """``compute(*key)`` as a list, remembered in ``cache`` (cleared past 16,384 keys)."""
    if key not in cache:
        if len(cache) >= 1 << 14:
            cache.clear()
        cache[key] = tuple(compute(*key))
    return list(cache[key])


def _territory(row: dict[str, str | None], path: str, line: int) -> Territory:
    kind, name = _cell(row, "kind"), _cell(row, "name")
    if kind not in KINDS:
        raise InputError(f"unknown territory kind {kind!r}; known: {', '.join(KINDS)}", path, line)
    if not name:
        raise InputError("territory without a name", path, line)
    siren, insee = _cell(row, "epci_siren"), _cell(row, "commune_insee")
    if siren and not _SIREN.match(siren):
        raise InputError(f"EPCI SIREN must be 9 digits, got {siren!r}", path, line)
    if insee and not _INSEE.match(insee):
        raise InputError(f"commune INSEE code must be 5 characters, got {insee!r}", path, line)
    return Territory(
        kind=kind,
        name=name,
        commune=_cell(row, "commune"),
        commune_insee=insee,
        epci=_cell(row, "epci"),
        epci_siren=siren,
        qpv_code=_cell(row, "qpv_code"),
        aliases=_split(_cell(row, "aliases")),
        demonyms=_split(_cell(row, "demonyms")),
        generation=_cell(row, "generation"),
        note=_cell(row, "note"),
    )


class TerritoryTable:
    """A set of territories with name lookups (see the module docstring)."""

    def __init__(self, territories: list[Territory]):
        self.territories = sorted(territories, key=lambda t: (KINDS.index(t.kind), fold(t.name)))
        self._by_key: dict[tuple[str, str], list[Territory]] = {}
        for t in self.territories:
            for key in sorted(t.keys()):
                self._by_key.setdefault((t.kind, key), []).append(t)
        self._mentions_cache: dict[tuple[str, str | None], tuple] = {}
        self._scopes: dict[str | None, tuple[list, dict]] = {}
        self._epci_cache: dict[str, Territory | None] = {}
        self._split_cache: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self._quartiers_cache: dict[tuple[str, str | None], tuple[Territory, ...]] = {}

    def _find(self, kind: str, name: str, epci_siren: str | None) -> Territory | None:
        key = place_key(name)
        found = [
            t
            for t in self._by_key.get((kind, key), [])
            if epci_siren is None or t.epci_siren == epci_siren
        ]
        if len(found) > 1:  # an official name beats another territory's alias
            found = [t for t in found if place_key(t.name) == key] or found
        return found[0] if len(found) == 1 else None

    def lookup_quartier(self, name: str, epci_siren: str | None = None) -> Territory | None:
        """The QPV a name designates (None when unknown, ambiguous or "TOUS QUARTIERS")."""
        return self._find("qpv", name, epci_siren)

    def lookup_commune(self, name: str, epci_siren: str | None = None) -> Territory | None:
        """The commune a name (or INSEE code) designates."""
        by_code = [t for t in self.communes(epci_siren) if t.commune_insee == name.strip()]
        return by_code[0] if by_code else self._find("commune", name, epci_siren)

    def lookup_epci(self, name_or_siren: str) -> Territory | None:
        """The EPCI a name or SIREN designates."""
        cache = self._epci_cache  # the mapper asks once per place named
        if name_or_siren not in cache:
            by_code = [t for t in self.epci() if t.epci_siren == name_or_siren.strip()]
            found = by_code[0] if by_code else self._find("epci", name_or_siren, None)
            if len(cache) >= 1 << 12:
                cache.clear()
            cache[name_or_siren] = found
        return cache[name_or_siren]

    def quartiers_of(self, epci_siren: str, generation: str | None = None) -> list[Territory]:
        """Every QPV of an EPCI, by name: what "TOUS QUARTIERS" stands for."""
        key = (epci_siren, generation)
        if key not in self._quartiers_cache:
            self._quartiers_cache[key] = tuple(
                t
                for t in self.territories
                if t.kind == "qpv" and t.epci_siren == epci_siren and t.in_generation(generation)
            )
        return list(self._quartiers_cache[key])

    def communes(self, epci_siren: str | None = None) -> list[Territory]:
        """The communes, all or those of one EPCI."""
        return [
            t
            for t in self.territories
            if t.kind == "commune" and (epci_siren is None or t.epci_siren == epci_siren)
        ]

    def epci(self) -> list[Territory]:
        """The EPCI (intercommunal bodies) of the table."""
        return [t for t in self.territories if t.kind == "epci"]

    def normalise_quartier(self, name: str, epci_siren: str | None = None) -> str:
        """The reference name of a quartier, "TOUS QUARTIERS", or the name tidied as written."""
        if is_all_quartiers(name):
            return ALL_QUARTIERS
        found = self.lookup_quartier(name, epci_siren)
        return found.name if found else " ".join(name.split())

    def split_names(self, text: str, epci_siren: str | None = None) -> list[str]:
        """Split a cell that stacks several quartier names, by the longest known names.

        Words that match no known name stay together as one name.
        """
        # the same cells recur across a corpus
        return _cached(self._split_cache, (text, epci_siren), self._split_names)

    def _split_names(self, text: str, epci_siren: str | None) -> list[str]:
        names: list[str] = []
        for part in _NAME_SEPARATORS.split(text):
            words, pending, i = part.split(), [], 0
            while i < len(words):
                for j in range(len(words), i, -1):
                    candidate = " ".join(words[i:j])
                    if is_all_quartiers(candidate) or self.lookup_quartier(candidate, epci_siren):
                        if pending:
                            names.append(" ".join(pending))
                            pending = []
                        names.append(candidate)
                        i = j
                        break
                else:
                    pending.append(words[i])
                    i += 1
            if pending:
                names.append(" ".join(pending))
        return names

    def mentions(self, text: str, epci_siren: str | None = None) -> list[tuple[str, Territory]]:
        """The territories named in running text (see :meth:`_mentions`); results are
        cached per table, as the same cells recur across a corpus."""
        return _cached(self._mentions_cache, (text, epci_siren), self._mentions)

    def _mentions(self, text: str, epci_siren: str | None = None) -> list[tuple[str, Territory]]:
        """The territories named in running text with the words naming them, in text order.

        Longest names win; names count only when capitalised as written (so "château" in a
        sentence is not the Château QPV); a commune is also found through its demonym, in
        any case ("la démarche rezéenne" -> Rezé).

        >>> [(w, t.kind) for w, t in default_table().mentions("la Ville de Nantes et le Sillon")]
        [('Ville de Nantes', 'commune'), ('Sillon', 'qpv')]
        """
        spans = [(m.start(), m.end()) for m in _NAME_WORD.finditer(text)]
        words = [fold(text[a:b]) for a, b in spans]
        candidates, demonyms = self._scope(epci_siren)
        at: dict[str, list[int]] = {}  # word -> its positions (a name's first word)
        for i, w in enumerate(words):
            at.setdefault(w, []).append(i)
        taken = [False] * len(words)
        hits: list[tuple[int, int, Territory]] = []
        for key_words, t in candidates:
            n = len(key_words)
            for i in at.get(key_words[0], ()):
                if (
                    words[i : i + n] == key_words
                    and text[spans[i][0]].isupper()
                    and not any(taken[i : i + n])
                ):
                    taken[i : i + n] = [True] * n
                    hits.append((i, i + n, t))
        if demonyms:  # hits by position, then territory: as the sort below leaves them
            for i, w in enumerate(words):
                if w in demonyms and not taken[i]:
                    hits.extend((i, i + 1, t) for t in demonyms[w])
        hits.sort(key=lambda h: h[0])
        return [(text[spans[a][0] : spans[b - 1][1]], t) for a, b, t in hits]

    def _scope(self, epci_siren: str | None) -> tuple[list, dict]:
        """The names :meth:`_mentions` looks for within one EPCI (all when None): their
        words, longest first, and the territories each demonym form designates."""
        if epci_siren not in self._scopes:
            candidates = [
                (key.split(), t)
                for t in self.territories
                if epci_siren is None or t.epci_siren == epci_siren
                for key in sorted(t.keys())
            ]
            candidates = [c for c in candidates if c[0]]
            candidates.sort(key=lambda c: -len(c[0]))
            demonyms: dict[str, list[Territory]] = {}
            for t in self.territories:
                if epci_siren is None or t.epci_siren == epci_siren:
                    for form in {fold(d) + end for d in t.demonyms for end in _DEMONYM_ENDINGS}:
                        demonyms.setdefault(form, []).append(t)
            if len(self._scopes) >= 1 << 10:
                self._scopes.clear()
            self._scopes[epci_siren] = (candidates, demonyms)
        return self._scopes[epci_siren]

    def find_in_text(self, text: str, epci_siren: str | None = None) -> list[Territory]:
        """The territories named in running text, each once, in text order (see
        :meth:`mentions`)."""
        found: list[Territory] = []
        for _, t in self.mentions(text, epci_siren):
            if t not in found:
                found.append(t)
        return found

    def infer_epci(self, names: list[str]) -> str | None:
        """The SIREN of the EPCI most of the known quartier names belong to."""
        sirens = Counter()
        for name in names:
            for t in self._by_key.get(("qpv", place_key(name)), []):
                sirens[t.epci_siren] += 1
        return sirens.most_common(1)[0][0] if sirens else None


def read_territories(text: str, path: str = "territories.csv") -> TerritoryTable:
    """Read a territories table from CSV text (the columns of the shipped file).

    Raises :class:`InputError` naming the file and line of a malformed row.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = {"kind", "name"} - set(reader.fieldnames or [])
    if missing:
        raise InputError(f"missing column(s): {', '.join(sorted(missing))}", path, 1)
    return TerritoryTable([_territory(row, path, reader.line_num) for row in reader])


def load_territories(path: str | Path | None = None) -> TerritoryTable:
    """The shipped territories table, or a user's own file with the same columns."""
    if path is None:
        source = resources.files("policykg.loaders") / "data" / "territories.csv"
        return read_territories(source.read_text(encoding="utf-8"), "territories.csv")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read territories table: {exc}", path) from exc
    return read_territories(text, str(path))


@functools.cache
def default_table() -> TerritoryTable:
    """The shipped table, read once."""
    return load_territories()


def lookup_quartier(name: str, epci_siren: str | None = None) -> Territory | None:
    """The QPV a name designates, from the shipped table (see :class:`TerritoryTable`)."""
    return default_table().lookup_quartier(name, epci_siren)


def lookup_commune(name: str, epci_siren: str | None = None) -> Territory | None:
    """The commune a name or INSEE code designates, from the shipped table."""
    return default_table().lookup_commune(name, epci_siren)


def lookup_epci(name_or_siren: str) -> Territory | None:
    """The EPCI a name or SIREN designates, from the shipped table."""
    return default_table().lookup_epci(name_or_siren)


def quartiers_of(epci_siren: str, generation: str | None = None) -> list[Territory]:
    """Every QPV of an EPCI (what "TOUS QUARTIERS" means), from the shipped table."""
    return default_table().quartiers_of(epci_siren, generation)


def communes(epci_siren: str | None = None) -> list[Territory]:
    """The communes of the shipped table, all or those of one EPCI."""
    return default_table().communes(epci_siren)


def epci() -> list[Territory]:
    """The EPCI of the shipped table."""
    return default_table().epci()


def normalise_quartier(name: str, epci_siren: str | None = None) -> str:
    """The reference name of a quartier, from the shipped table."""
    return default_table().normalise_quartier(name, epci_siren)


def split_names(text: str, epci_siren: str | None = None) -> list[str]:
    """Split a cell stacking several quartier names, from the shipped table."""
    return default_table().split_names(text, epci_siren)


def find_in_text(text: str, epci_siren: str | None = None) -> list[Territory]:
    """The territories named in running text, from the shipped table."""
    return default_table().find_in_text(text, epci_siren)


def infer_epci(names: list[str]) -> str | None:
    """The SIREN of the EPCI most known quartier names belong to, from the shipped table."""
    return default_table().infer_epci(names)
