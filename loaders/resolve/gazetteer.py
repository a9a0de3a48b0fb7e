"""The gazetteer: organisations, categories of actors, professions, schemes and funds that
fiches name, with acronyms and their expansions (``loaders/data/gazetteer.yaml``).

Lookups ignore case, accents, punctuation and plurals; a name written as an acronym
("CAF") matches only when the text is in capitals, so that an ordinary word never turns
into an acronym.

>>> lookup("Conseils Citoyens").label
'Conseil citoyen'
>>> e = lookup("Etat")
>>> (e.label, e.kind)
('État', 'organisation')
>>> expand("DDCS")
'Direction départementale de la cohésion sociale'
>>> entry, rest = lookup_prefix("associations agissant pour la mobilisation")
>>> (entry.label, rest)
('Association', 'agissant pour la mobilisation')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from policykg.errors import InputError
from policykg.loaders.resolve.names import is_mostly_upper, normalise_key, tokens

KINDS = ("organisation", "category", "profession", "dispositif", "funding", "place")
FUNDING_KINDS = ("droit_commun", "specifique")
# The partner kind (records.PartnerKind) of each gazetteer kind.
_PARTNER_KIND = {"organisation": "organisation", "category": "category", "profession": "profession"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing the gazetteer knows: its normalised ``label``, ``kind`` and other names."""

    label: str
    kind: str
    acronym: str | None = None
    expansion: str | None = None
    aliases: tuple[str, ...] = ()
    funding_kind: str | None = None

    @property
    def partner_kind(self) -> str:
        """The kind as a partner: organisation, category, profession, or unknown."""
        return _PARTNER_KIND.get(self.kind, "unknown")

    @property
    def is_actor(self) -> bool:
        """Whether the entry names an actor (organisation, category or profession)."""
        return self.kind in _PARTNER_KIND

    def names(self) -> tuple[str, ...]:
        """The label, acronym, expansion and aliases."""
        extra = tuple(n for n in (self.acronym, self.expansion) if n)
        return (self.label, *extra, *self.aliases)


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return 1 < len(letters) <= 8 and " " not in name.strip() and is_mostly_upper(name)


class Gazetteer:
    """Entries indexed by the matching key of each of their names."""

    def __init__(self, entries: list[Entry], programmes: dict[str, dict[str, str]] | None = None):
        self.entries = entries
        self.programmes = programmes or {}
        # key -> (entry, whether the name is an acronym that needs capitals in the text)
        self._index: dict[str, tuple[Entry, bool]] = {}
        for entry in entries:
            for name in entry.names():
                key = normalise_key(name)
                if key and key not in self._index:
                    self._index[key] = (entry, _is_acronym(name))
        self._longest = max((len(k.split()) for k in self._index), default=0)
        # What keys of several words start with, up to a space ("conseil ", "conseil citoyen
        # "…): a run of words that starts otherwise names nothing.
        self._heads = {k[: i + 1] for k in self._index for i, c in enumerate(k) if c == " "}

    def _get(self, key: str, written: str) -> Entry | None:
        found = self._index.get(key)
        if found is None:
            return None
        entry, needs_capitals = found
        if needs_capitals and not is_mostly_upper(written):
            return None
        return entry

    def lookup(self, text: str) -> Entry | None:
        """The entry named exactly by ``text`` (case, accents, plural ignored)."""
        return self._get(normalise_key(text), text)

    def lookup_prefix(self, text: str) -> tuple[Entry, str] | None:
        """The entry whose name starts ``text`` (longest first) and the words after it.

        Only a whole-word prefix that leaves some text counts; see :meth:`lookup` for the
        whole text.
        """
        toks = tokens(text)
        for n in range(min(len(toks) - 1, self._longest), 0, -1):
            key = " ".join(t[0] for t in toks[:n])
            entry = self._get(key, text[toks[0][1] : toks[n - 1][2]])
            if entry is not None:
                return entry, text[toks[n - 1][2] :].strip(" ,;:")
        return None

    def find_all(self, text: str, kinds: tuple[str, ...] = KINDS) -> list[tuple[Entry, str]]:
        """The entries named in running text (longest names first, no overlaps), in order,
        each with the words that name it."""
        toks = tokens(text)
        taken = [False] * len(toks)
        hits: list[tuple[int, Entry, str]] = []
        heads, index = self._heads, self._index
        # Where a run of several words may start (see __init__), and the key of each word.
        starts = [i for i, t in enumerate(toks) if t[0] + " " in heads]
        keys = [t[0] for t in toks]
        for n in range(min(self._longest, len(toks)), 0, -1):
            for i in starts if n > 1 else range(len(toks)):
                if i > len(toks) - n or any(taken[i : i + n]):
                    continue
                key = " ".join(keys[i : i + n]) if n > 1 else keys[i]
                if key not in index:
                    continue
                written = text[toks[i][1] : toks[i + n - 1][2]]
                entry = self._get(key, written)
                if entry is not None and entry.kind in kinds:
                    taken[i : i + n] = [True] * n
                    hits.append((i, entry, written))
        return [(entry, written) for _, entry, written in sorted(hits, key=lambda h: h[0])]

    def acronyms(self) -> frozenset[str]:
        """Every acronym the gazetteer knows, as written ("CAF", "NPNRU")."""
        return frozenset(name for e in self.entries for name in e.names() if _is_acronym(name))

    def expand(self, acronym: str) -> str | None:
        """The expansion of an acronym, or None."""
        entry = self.lookup(acronym)
        return entry.expansion if entry and entry.acronym else None

    def programme(self, number: str) -> dict[str, str] | None:
        """The State budget programme with this number ("147"), or None."""
        return self.programmes.get(str(number))


def _entry(data: Any, path: str, line: int) -> Entry:
    if not isinstance(data, dict) or not data.get("label"):
        raise InputError("an entry needs at least a label and a kind", path, line)
    known = {"label", "kind", "acronym", "expansion", "aliases", "funding_kind"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(
            f"unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})", path, line
        )
    if data.get("kind") not in KINDS:
        raise InputError(f"kind {data.get('kind')!r} is not one of {', '.join(KINDS)}", path, line)
    if data.get("funding_kind") not in (None, *FUNDING_KINDS):
        raise InputError(f"funding_kind must be one of {', '.join(FUNDING_KINDS)}", path, line)
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list):
        raise InputError("aliases must be a list", path, line)
    return Entry(
        label=str(data["label"]),
        kind=data["kind"],
        acronym=data.get("acronym"),
        expansion=data.get("expansion"),
        aliases=tuple(str(a) for a in aliases),
        funding_kind=data.get("funding_kind"),
    )


def read_gazetteer(text: str, path: str = "gazetteer.yaml") -> Gazetteer:
    """Read a gazetteer from YAML text; errors name the file and the entry's line."""
    try:
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {exc}", path, mark.line + 1 if mark else None) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InputError("expected a mapping with an 'entries' list", path, 1)
    entry_nodes = next(v for k, v in root.value if k.value == "entries").value
    entries = [
        _entry(item, path, node.start_mark.line + 1)
        for item, node in zip(data["entries"], entry_nodes, strict=True)
    ]
    programmes = {str(k): dict(v) for k, v in (data.get("programmes") or {}).items()}
    return Gazetteer(entries, programmes)


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The shipped gazetteer, or one read from ``path``."""
    if path is None:
        source = resources.files("policykg.loaders") / "data" / "gazetteer.yaml"
        return read_gazetteer(source.read_text(encoding="utf-8"), "gazetteer.yaml")
    try:
        return read_gazetteer(Path(path).read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once."""
    return load_gazetteer()


def lookup(text: str) -> Entry | None:
    """:meth:`Gazetteer.lookup` on the shipped gazetteer."""
    return default_gazetteer().lookup(text)


def lookup_prefix(text: str) -> tuple[Entry, str] | None:
    """:meth:`Gazetteer.lookup_prefix` on the shipped gazetteer."""
    return default_gazetteer().lookup_prefix(text)


def find_all(text: str, kinds: tuple[str, ...] = KINDS) -> list[tuple[Entry, str]]:
    """:meth:`Gazetteer.find_all` on the shipped gazetteer.

    >>> text = "Le FPH et les projets NPNRU des QPV"
    >>> [e.label for e, _ in find_all(text, ("dispositif", "funding"))]
    ['FPH', 'NPNRU']
    """
    if isinstance(kinds, tuple):
        return list(_find_all_cached(text, kinds))
    return default_gazetteer().find_all(text, kinds)


@functools.lru_cache(maxsize=1 << 14)  # the same cells recur across a corpus
def _find_all_cached(text: str, kinds: tuple[str, ...]) -> tuple[tuple[Entry, str], ...]:
    return tuple(default_gazetteer().find_all(text, kinds))


def expand(acronym: str) -> str | None:
    """:meth:`Gazetteer.expand` on the shipped gazetteer."""
    return default_gazetteer().expand(acronym)


@functools.cache  # the shipped gazetteer does not change
def acronyms() -> frozenset[str]:
    """:meth:`Gazetteer.acronyms` on the shipped gazetteer."""
    return default_gazetteer().acronyms()
