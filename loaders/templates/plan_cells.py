"""Cell text of the *plan d'actions opérationnel* table: HTML fragments, lists, stacked values.

Converted action-plan tables carry Word markup as HTML fragments (``<p>`` paragraphs,
``<u>`` underlined key terms), stack several values in one cell ("Réalisé A réaliser"),
write lists inline (" - a - b") and glue sentences together when a cell held several
paragraphs ("… de Nantes Métropole Alimenter un diagnostic …"). This module turns such cell
text into clean pieces and reads the actors, schemes and funds a piece names
(:func:`entities_of`); :mod:`policykg.loaders.templates.plan` rebuilds the table.

>>> clean("Mettre en place un <u>appel à projets</u> .")
'Mettre en place un appel à projets.'
>>> underlined("Former les <u>habitants</u> et les <u>élus</u>")
['habitants', 'élus']
>>> split_values("Réalisé A réaliser En cours", STATUS_WORDS)
['Réalisé', 'A réaliser', 'En cours']
>>> split_sentences("Piloter une étude de Nantes Métropole Alimenter un diagnostic")
['Piloter une étude de Nantes Métropole', 'Alimenter un diagnostic']
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

from policykg.loaders.records import Dispositif, Funding, PartnerMention
from policykg.loaders.resolve import gazetteer
from policykg.loaders.resolve.names import (
    is_mostly_upper,
    normalise_apostrophes,
    normalise_key,
    sentence_case,
)
from policykg.loaders.resolve.partners import resolve_partner
from policykg.loaders.territories import TerritoryTable, fold

# Stacked-value vocabularies: folded spelling -> canonical label (records.STATUSES, ACTION_TYPES).
STATUS_WORDS = {
    "realise": "Réalisé",
    "realisee": "Réalisé",
    "realises": "Réalisé",
    "en cours": "En cours",
    "a realiser": "A réaliser",
}
TYPE_WORDS = {
    "institution": "Institution",
    "institutionnel": "Institution",
    "mixte": "Mixte",
    "porteur de projet": "Porteur de projet",
    "porteur de projets": "Porteur de projet",
    "porteurs de projets": "Porteur de projet",
}

_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_PARAGRAPH = re.compile(r"<\s*p\b[^>]*>(.*?)<\s*/\s*p\s*>", re.S | re.I)
_UNDERLINE = re.compile(r"<\s*u\b[^>]*>(.*?)<\s*/\s*u\s*>", re.S | re.I)
_SUPERSCRIPT = re.compile(r"\s*\^\{([^}]*)\}")
_ORDINAL = re.compile(r"\b(\d+)\s+(er|ère|e|ème)\b")
_QUOTED = re.compile(r'"\s*([^"]*?)\s*"')
_ELISION = re.compile(r"\b([cdjlmnst]|qu)['’]\s+", re.I)
_LIST_DASH = re.compile(r"(?:^|\s)[-–•]\s+")
# A capitalised infinitive (Alimenter, Construire, Réaliser) opening a glued sentence.
_INFINITIVE = re.compile(r"^[A-ZÀ-ÖØ-Ý][a-zà-öø-ÿ]+(?:er|ir|re)$")
# Words that open the object of a verb: "Alimenter un …", "Soutenir l'…", "Diffuser au …".
_OBJECT_WORDS = {
    "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "à", "a", "au", "aux",
    "en", "ce", "cet", "cette", "ces", "leur", "leurs", "sur", "avec", "par", "pour", "y",
}  # fmt: skip
# Words after which a capitalised word is a name, not a new sentence.
_FUNCTION_WORDS = {
    "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "à", "a",
    "en", "et", "ou", "sur", "par", "pour", "avec", "dans", "chez", "vers", "entre", "sous",
}  # fmt: skip
_SPACE_BEFORE = re.compile(r"\s+([.,)])")
_SPACE_AFTER_PAREN = re.compile(r"\(\s+")
_VOLET = re.compile(r"^\s*(\d+)\s*[.)\-–]\s*(.+?)\s*\.?\s*$", re.S)


@functools.lru_cache(maxsize=1 << 14)  # pure; a cell is cleaned several times
def clean(text: str) -> str:
    """Cell text without markup, with French spacing tidied.

    >>> clean('Organiser un " RDV des quartiers " annuel, 1 ^{er} décembre')
    'Organiser un "RDV des quartiers" annuel, 1er décembre'
    >>> clean("Rédiger l' annexe ( PAO )")
    "Rédiger l'annexe (PAO)"
    """
    text = normalise_apostrophes(html.unescape(_TAG.sub(" ", text)))
    text = _SUPERSCRIPT.sub(r"\1", text)
    text = _ORDINAL.sub(r"\1\2", text)
    text = " ".join(text.split())
    text = _QUOTED.sub(lambda m: f'"{m.group(1)}"', text)
    text = _ELISION.sub(lambda m: m.group(0).rstrip(), text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER_PAREN.sub("(", text)
    return text.strip()


def underlined(text: str) -> list[str]:
    """The underlined (``<u>``) terms of a cell, cleaned, in order."""
    return [t for t in (clean(m) for m in _UNDERLINE.findall(text)) if t]


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a cell, still marked up: its ``<p>`` elements, or, in a cell that
    has none, its lines (Word and PDF readers join a cell's paragraphs with newlines).

    >>> paragraphs("<p>CID : former</p> <p>Contrepieds : recueillir</p>")
    ['CID : former', 'Contrepieds : recueillir']
    >>> paragraphs("CID : former\\nContrepieds : recueillir")
    ['CID : former', 'Contrepieds : recueillir']
    """
    found = [p for p in _PARAGRAPH.findall(text) if clean(p)]
    return found or [line for line in text.split("\n") if clean(line)]


@functools.lru_cache(maxsize=1 << 14)  # pure; asked of every cell for every alignment
def is_upper(text: str) -> bool:
    """Whether text is written in capitals (the objectives' and volets' style).

    >>> is_upper("ASSURER LA LISIBILITÉ DU PILOTAGE"), is_upper("Animer un dispositif GUSP")
    (True, False)
    """
    letters = [c for c in clean(text) if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


@functools.lru_cache(maxsize=1 << 14)  # pure; asked of every cell for every alignment
def volet_parts(text: str) -> tuple[str, str] | None:
    """``(code, label)`` of a numbered volet cell ("1. GOUVERNANCE : …"), else None."""
    match = _VOLET.match(clean(text))
    return (match.group(1), match.group(2).rstrip(". ")) if match else None


def split_values(text: str, vocabulary: dict[str, str]) -> list[str] | None:
    """The canonical values stacked in a cell, or None if the cell holds anything else."""
    if vocabulary is STATUS_WORDS or vocabulary is TYPE_WORDS:  # the table's own: cached
        found = _split_known(text, vocabulary is STATUS_WORDS)
        return list(found) if found is not None else None
    return _split_values(text, vocabulary)


@functools.lru_cache(maxsize=1 << 14)  # every cell is tried against both vocabularies
def _split_known(text: str, status: bool) -> tuple[str, ...] | None:
    found = _split_values(text, STATUS_WORDS if status else TYPE_WORDS)
    return tuple(found) if found is not None else None


def _split_values(text: str, vocabulary: dict[str, str]) -> list[str] | None:
    words = fold(clean(text)).split()
    keys = sorted(vocabulary, key=lambda k: -len(k.split()))
    values, i = [], 0
    while i < len(words):
        for key in keys:
            n = len(key.split())
            if words[i : i + n] == key.split():
                values.append(vocabulary[key])
                i += n
                break
        else:
            return None
    return values or None


def split_sentences(text: str) -> list[str]:
    """Split text where a capitalised infinitive opens a glued sentence.

    The verb must be followed by its object ("Alimenter un", "Soutenir l'"); a capitalised
    word after an article or preposition is a name ("la Gestion urbaine"), and a sentence
    never ends on a comma, a colon or an opening quote.
    """
    tokens = text.split()
    pieces, start = [], 0
    for k in range(1, len(tokens) - 1):
        prev, word, nxt = tokens[k - 1], tokens[k], tokens[k + 1]
        if (
            _INFINITIVE.match(word)
            and (fold(nxt).split() or [""])[0] in _OBJECT_WORDS
            and fold(prev) not in _FUNCTION_WORDS
            and not prev.endswith((",", ":", "'", "’", "-", "«", "(", '"'))
        ):
            pieces.append(" ".join(tokens[start:k]).rstrip(" ;"))
            start = k
    pieces.append(" ".join(tokens[start:]))
    return [p for p in pieces if p]


def starts_like_action(text: str) -> bool:
    """Whether text opens like an action (not a marker such as "COPIE Contrat de ville.")."""
    words = clean(text).split()
    if not words:
        return False
    first = re.sub(r"\W", "", words[0])
    return not (len(first) >= 3 and first.isupper() and len(words) <= 5)


@dataclass
class Piece:
    """One item read from a cell: clean text, the paragraph it came from, its ``<u>`` terms
    and, for an action followed by an inline list, the list items as ``children``."""

    text: str
    raw: str
    underlined: list[str] = field(default_factory=list)
    children: list[Piece] = field(default_factory=list)


def _dash_list(text: str) -> tuple[str, list[str]]:
    parts = [p.strip(" ;,") for p in _LIST_DASH.split(text)]
    return parts[0], [p for p in parts[1:] if p]


def flatten(text: str) -> str:
    """A cell's inline " - " list as one line: "intro : a ; b".

    >>> flatten("Elaboration : - d'un schéma ; - d'une frise")
    "Elaboration : d'un schéma ; d'une frise"
    """
    intro, items = _dash_list(clean(text))
    if not items:
        return clean(text)
    return " ; ".join(([intro] if intro else []) + items).replace(": ;", ":")


def _pieces(text: str, para: str) -> list[Piece]:
    terms = underlined(para)
    return [
        Piece(sentence, clean(para), [t for t in terms if fold(t) in fold(sentence)])
        for sentence in split_sentences(text)
    ]


def split_items(text: str, nest: bool = False) -> tuple[list[Piece], list[str]]:
    """Split a cell into items, returning ``(items, stray)``.

    Items are ``<p>`` paragraphs, glued sentences, and the items of an inline " - " list;
    a list introduced by a colon stays one item, flattened. With ``nest``, a list that
    follows an action ("Ouvrir les ateliers… - Créer les conditions…") becomes that
    action's ``children``. ``stray`` holds list intros that are markers, not items
    ("COPIE Contrat de ville.").

    >>> items, stray = split_items("<p>CID : Former</p> <p>- Réaliser un extranet - Elaborer</p>")
    >>> [p.text for p in items], stray
    (['CID : Former', 'Réaliser un extranet', 'Elaborer'], [])
    """
    pieces: list[Piece] = []
    stray: list[str] = []
    for para in paragraphs(text):
        intro, items = _dash_list(clean(para))
        if not items or intro.endswith(":"):
            pieces.extend(_pieces(flatten(para), para))
            continue
        if intro and not starts_like_action(intro):
            stray.append(intro)
            intro = ""
        children = [p for item in items for p in _pieces(item, para)]
        if intro and nest:
            heads = _pieces(intro, para)
            heads[-1].children = children
            pieces.extend(heads)
        else:
            pieces.extend((_pieces(intro, para) if intro else []) + children)
    return pieces, stray


# --- names in cells ---------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*([^:()]{2,40}?)\s+:\s+(\S.*)$", re.S)
_OWNED = re.compile(r"([^()]+?)\s*\(([^()]+)\)")
_COLON = re.compile(r"\s:\s")
_AND_OR_COMMA = re.compile(r"\s+et\s+|,")
_HEADING = re.compile(r"^(?:[A-ZÀ-Ý][\w’'-]*(?:\s+[\w’'-]+)?\s*:\s*)+")
_FUND_WORDS = (
    "fonds",
    "fond",
    "credit",
    "credits",
    "budget",
    "budgets",
    "dotation",
    "subvention",
    "subventions",
    "enveloppe",
    "financement",
    "financements",
)
_EXAMPLE = re.compile(r"^\s*(?:ex|exemples?|par exemple)\s*:\s*(.+)$", re.I | re.S)


# Single words that label a part of a cell ("Existants :", "Objectif :"), not an actor.
_LABEL_WORDS = {
    "ex", "exemple", "exemples", "pour", "existants", "en", "objectif", "objectifs", "cible",
    "public", "publics", "remarque", "note", "calendrier", "pilote", "partenaires", "projet",
}  # fmt: skip


def looks_like_name(text: str) -> bool:
    """Whether text reads like a proper name: short, no digits, every long word capitalised.

    >>> looks_like_name("Peuple et Culture"), looks_like_name("Elaboration partenariale")
    (True, False)
    >>> looks_like_name("Association Trait d'Union")
    True
    """
    words = text.split()
    return (
        0 < len(words) <= 5
        and not any(c.isdigit() for c in text)
        and all(w[:1].isupper() for w in (_unelided(w) for w in words) if len(w) >= 4)
        and text[:1].isupper()
        and not (len(words) == 1 and fold(text) in _LABEL_WORDS)
        and fold(words[0]) not in ("ex", "exemple", "pour")
    )


def _unelided(word: str) -> str:
    """A word without its elided article ("d'Union" -> "Union")."""
    return re.sub(r"^(?:[cdjlmnst]|qu)'", "", word, flags=re.I)


def expands(acronym: str, before: str) -> bool:
    """Whether an acronym in parentheses spells the initials of the words before it.

    >>> expands("PAO", "Rédiger le plan d'actions opérationnel")
    True
    """
    if not re.fullmatch(r"[A-Z]{2,8}", acronym):
        return False
    initials = [w[0] for w in fold(before).split()][-3 * len(acronym) :]
    letters = iter(initials)
    return all(any(c == i for i in letters) for c in acronym.lower())


def prefix_name(text: str) -> tuple[str, str] | None:
    """``(prefix, rest)`` of "Prefix : rest" when the prefix reads like a name."""
    match = _PREFIX.match(clean(text))
    if match and looks_like_name(match.group(1)) and len(match.group(1).split()) <= 4:
        return match.group(1), match.group(2)
    return None


def trailing_name(text: str) -> str | None:
    """The name in parentheses that closes a sentence ("… de l'AAP (Peuple et Culture)")."""
    text = clean(text)
    match = re.search(r"\(([^()]+)\)\s*\.?\s*$", text)
    if not match or not looks_like_name(match.group(1)):
        return None
    return None if expands(match.group(1), text[: match.start()]) else match.group(1)


def owned_items(text: str) -> list[tuple[str, list[str]]]:
    """Items written "Name (Owner et Owner)" in a row, with headings ("Existants :") removed.

    >>> owned_items("Existants : Fonds X (Ville de Nantes) En cours : Bureau (A et B)")
    [('Fonds X', ['Ville de Nantes']), ('Bureau', ['A', 'B'])]
    """
    found = []
    text = clean(text)
    # Every item ends with ")": the text after the last one cannot hold any (and searching
    # it costs time quadratic in its length).
    for match in _OWNED.finditer(text, 0, text.rfind(")") + 1):
        name = _HEADING.sub("", match.group(1).strip(" ,;")).strip()
        name = _COLON.split(name)[-1].strip()
        owners = [o.strip() for o in _AND_OR_COMMA.split(match.group(2)) if o.strip()]
        if (
            name
            and owners
            and all(looks_like_name(o) for o in owners)
            and not expands(match.group(2), name)
            and not _INFINITIVE.match(name.split()[0])
        ):
            found.append((name, owners))
    return found


def is_fund(name: str) -> bool:
    """Whether a name designates a fund or a budget line ("Fonds à l'émergence")."""
    words = fold(name).split()
    return bool(words) and words[0] in _FUND_WORDS


def example_names(text: str) -> list[str]:
    """The capitalised items of an "Ex : a, b, c" list, without quoted project names.

    >>> example_names('Ex : Collectif Dérive "le Kiosque", soutien microprojets, Kapseurs,')
    ['Collectif Dérive', 'Kapseurs']
    """
    match = _EXAMPLE.match(clean(text))
    if not match:
        return []
    items = re.split(r",(?![^()]*\))", match.group(1))
    names = []
    for item in items:
        item = re.sub(r'"[^"]*"|\([^()]*\)', "", item).strip(" .;")
        if looks_like_name(item):
            names.append(item)
    return names


def parenthesised_list(text: str) -> list[str]:
    """The items of the enumerations in parentheses, without "etc.".

    >>> parenthesised_list("MOBILISER LES FINANCEMENTS (FONDS EUROPÉENS, ANRU, ETC.)")
    ['FONDS EUROPÉENS', 'ANRU']
    """
    items = []
    for inner in re.findall(r"\(([^()]+)\)", clean(text)):
        parts = [p.strip(" .;") for p in inner.split(",")]
        if len(parts) >= 2:
            items.extend(p for p in parts if p and fold(p) != "etc")
    return items


def quoted(text: str) -> list[str]:
    """The quoted names in text ("RDV des quartiers")."""
    pairs = re.findall(r'"([^"]+)"|«\s*([^»]+?)\s*»', clean(text))
    return [a or b for a, b in pairs]


_DETERMINERS = {"le", "la", "les", "l", "un", "une", "des", "du", "d", "de", "ce", "ces", "leur"}


def dispositif_name(term: str) -> str:
    """The scheme an underlined term names: a quoted name inside a long phrase, the object
    of a leading verb, without its article.

    >>> dispositif_name("conseils citoyens"), dispositif_name("la charte de coopération")
    ('Conseils citoyens', 'Charte de coopération')
    >>> dispositif_name('Organiser un "RDV des quartiers" annuel, réunissant les acteurs')
    'RDV des quartiers'
    >>> dispositif_name("Dynamiser le réseau des adultes-relais")
    'Réseau des adultes-relais'
    """
    text = clean(term).strip(" ,;.")
    names = quoted(text)
    if names and len(text.split()) > len(names[0].split()) + 2:
        return names[0]
    words = text.split()
    if len(words) > 2 and re.match(r"^[a-zà-ÿ]+(?:er|ir|re)$", words[0].lower()):
        for k in range(1, len(words) - 1):
            if (fold(words[k]).split() or [""])[0] in _DETERMINERS:
                words = words[k:]
                break
    while len(words) > 1 and fold(words[0]) in _DETERMINERS - {"de", "d", "l"}:
        words = words[1:]
    if words and re.match(r"^[ldLD]['’]", words[0]):
        words[0] = words[0][2:]
    name = " ".join(words)
    return name[:1].upper() + name[1:]


def document_acronyms(texts: list[str]) -> set[str]:
    """Words a document writes alone in capitals inside mixed-case text: its acronyms.

    Runs of capitalised words ("DOCUMENT DE TRAVAIL – octobre") are emphasis, not acronyms.

    >>> sorted(document_acronyms(["avec la convention GUSP / NPNRU", "DOCUMENT DE TRAVAIL – mai"]))
    ['GUSP', 'NPNRU']
    """
    found = set()
    for text in texts:
        found.update(_acronyms_in(text))
    return found


@functools.lru_cache(maxsize=1 << 14)  # pure; cells recur across a corpus
def _acronyms_in(text: str) -> frozenset[str]:
    """:func:`document_acronyms` of one text."""
    if is_mostly_upper(text):
        return frozenset()
    found = set()
    runs: list[list[str]] = [[]]
    for word in _ALNUM_WORD.findall(text):
        if _ACRONYM.fullmatch(word):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        if len(run) <= 2:
            found.update(w for w in run if fold(w) not in _FUNCTION_WORDS)
    return frozenset(found)


_ALNUM_WORD = re.compile(r"[^\W_]+")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,7}")


def label(text: str, acronyms: set[str] = frozenset(), vocabulary: dict | None = None) -> str:
    """A clean label: capitals put in sentence case, acronyms and accents kept or restored.

    >>> label("<p>FAVORISER L'INTERCONNAISSANCE ENTRE ACTEURS</p>")
    "Favoriser l'interconnaissance entre acteurs"
    """
    return sentence_case(clean(text), keep_upper=acronyms, vocabulary=vocabulary)


# --- entities of a piece ----------------------------------------------------------------


# Schemes every row of a contrat de ville names: the frame of the plan, not an action's.
_FRAME = {"contrat de ville"}
# A lower-case one-word actor is a common noun when it is a complement ("politique de la
# ville") or has one ("état des lieux").
_COMPLEMENT = re.compile(r"\b(?:de|du|des|la|l)\s*['\s]\s*$", re.I)
_COMPLEMENTED = re.compile(r"\s+(?:de|du|des|d')\b", re.I)


@dataclass
class Entities:
    """What a piece of cell text names: actors, schemes and funding."""

    partners: list[PartnerMention] = field(default_factory=list)
    dispositifs: list[Dispositif] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)

    def partner(self, name: str, role: str, line: int | None, raw: str | None = None) -> None:
        """Add the actors a name designates (see :func:`resolve_partner`) unless already
        named: the first role stated wins."""
        for mention in resolve_partner(name, role, line):
            mention.raw = raw or (mention.raw if mention.raw != mention.name else None)
            if all(normalise_key(p.name) != normalise_key(mention.name) for p in self.partners):
                self.partners.append(mention)

    def dispositif(self, name: str, line: int | None, **extra) -> None:
        """Add a scheme unless already named."""
        if all(normalise_key(d.name) != normalise_key(name) for d in self.dispositifs):
            self.dispositifs.append(Dispositif(name=name, line=line, **extra))

    def fund(self, label: str, line: int | None, **extra) -> None:
        """Add a funding line unless already named; a fund the gazetteer knows takes its
        label and kind of credits."""
        entry = gazetteer.lookup(label)
        if entry is not None and entry.kind == "funding":
            extra.setdefault("raw", label if entry.label != label else None)
            extra.setdefault("kind", entry.funding_kind)
            label = entry.label
        if all(normalise_key(f.label) != normalise_key(label) for f in self.funding):
            self.funding.append(Funding(label=label, line=line, **extra))

    def scan(self, text: str, line: int | None) -> None:
        """Add what the gazetteer finds in running text."""
        for entry, written in gazetteer.find_all(text):
            if normalise_key(entry.label) in _FRAME:
                continue
            if entry.is_actor:
                if any(normalise_key(written) in normalise_key(p.name) for p in self.partners):
                    continue  # part of a name already read ("Association Trait d'Union")
                if written.islower() and " " not in written and _complement(text, written):
                    continue  # "politique de la ville", "état des lieux": common nouns
                self.partner(entry.label, "partenaire", line, raw=written)
            elif entry.kind == "dispositif":
                self.dispositif(entry.label, line, raw=written if written != entry.label else None)
            elif entry.kind == "funding":
                self.fund(entry.label, line, raw=written)
                if entry.funding_kind != "droit_commun":  # a named fund is a scheme too
                    self.dispositif(entry.label, line, raw=written)


def _complement(text: str, written: str) -> bool:
    """Whether every occurrence of a word is a noun complement or has one."""
    spans = [m.span() for m in re.finditer(re.escape(written), text)]
    return bool(spans) and all(
        _COMPLEMENT.search(text[:a]) or _COMPLEMENTED.match(text[b:]) for a, b in spans
    )


def _is_place(name: str, table: TerritoryTable) -> bool:
    return bool(table.find_in_text(name)) or bool(table.lookup_quartier(name))


def objective_funding(text: str, line: int | None, acronyms: set[str] = frozenset()):
    """Funding streams an objective enumerates ("… FINANCEMENT (FONDS EUROPÉENS, ANRU…)").

    >>> [f.label for f in objective_funding("MOBILISER LES FINANCEMENTS (FONDS EUROPÉENS, "
    ...     "ANRU, ETC.)", 1, {"ANRU"})]
    ['Fonds européens', 'ANRU']
    """
    found = Entities()
    folded = fold(clean(text))
    if "financement" in folded or "fonds" in folded:
        for item in parenthesised_list(text):
            found.fund(label(item, acronyms), line, raw=item)
    if "droit commun" in folded:
        found.fund("Droit commun", line)
    return found.funding


def _dispositif(term: str, found: Entities, line: int | None) -> None:
    name = dispositif_name(term)
    entry = gazetteer.lookup(name)
    if entry is not None and entry.kind == "category" and " " not in name.strip():
        return  # a lone underlined public ("les habitants") is not a scheme
    found.dispositif(entry.label if entry is not None else name, line, raw=term, key=True)


def entities_of(
    piece: Piece, table: TerritoryTable, epci: str | None, line: int | None
) -> Entities:
    """The organisations, dispositifs and funding a piece of cell text names."""
    found = Entities()
    text = piece.text
    for term in piece.underlined:
        _dispositif(term, found, line)
    prefix = prefix_name(text)
    if prefix and not _is_place(prefix[0], table):
        found.partner(prefix[0], "porteur", line)
    closing = trailing_name(text)
    if closing and not _is_place(closing, table):
        found.partner(closing, "porteur", line)
    for name, owners in owned_items(text):
        if any(table.lookup_quartier(o, epci) for o in owners):
            continue
        if is_fund(name):
            found.fund(name, line, funders=owners, raw=f"{name} ({' et '.join(owners)})")
            entry = gazetteer.lookup(name)
            found.dispositif(entry.label if entry else name, line, owner=owners[0], raw=name)
            for owner in owners:
                found.partner(owner, "financeur", line)
        elif len(name.split()) <= 5 and name[:1].isupper():
            entry = gazetteer.lookup(name)
            found.dispositif(entry.label if entry else name, line, owner=owners[0], raw=name)
            for owner in owners:
                found.partner(owner, "porteur", line)
    for name in example_names(text):
        if not _is_place(name, table):
            found.partner(name, "partenaire", line)
    for written, territory in table.mentions(text, epci):
        if territory.kind == "epci":
            found.partner(territory.name, "partenaire", line, raw=written)
        elif territory.kind == "commune":
            name = written if fold(written).startswith("ville") else territory.name
            found.partner(name, "partenaire", line, raw=written)
    found.scan(text, line)
    return found
