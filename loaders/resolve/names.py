"""Text normalisation for names and labels: apostrophes, accents, plurals, case.

Two kinds of output: *keys*, for matching ("Conseils Citoyens" and "conseil citoyen" share
one), and *labels*, for people (sentence case, accents restored, the ASCII apostrophe).

>>> normalise_key("Conseils Citoyens") == normalise_key("conseil citoyen")
True
>>> singular("sociaux"), singular("relais"), singular("enjeux")
('social', 'relais', 'enjeu')
>>> clean_text("l’offre\u00a0 de  services")
"l'offre de services"
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from typing import Any

import yaml

# Typographic apostrophes and look-alikes that documents use for "'".
APOSTROPHES = "’‘ʼ`´′"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_ARTEFACT = re.compile(r"\[bookmark:[^\]]*\]|\[(?:image|picture|figure)[^\]]*\]", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_TOKEN = re.compile(r"[^\W_]+")
# "(s)", "(e)", "(es)", "(x)" at the end of a word: an optional plural or feminine mark.
_MARK = re.compile(r"\((?:e?s|e|x)\)(?![^\W\d_])", re.I)
_TRAILING = re.compile(r"(?:\s*(?:…|\.{2,}|\betc\b\.?|[.,;:]))+\s*$", re.I)
# Bullets that open list items in converted Word documents and OCR text.
BULLET_CHARS = "·•▪◦\uf0b7\uf0a7-–—=*>"
_BULLET = re.compile(rf"^(?:[{re.escape(BULLET_CHARS)}]+|o(?=\s))\s*")
# Words that put the following words in the plural ("des centres sociaux").
_PLURAL_DETERMINERS = frozenset(
    "les des aux ces leurs mes tes ses nos vos plusieurs quelques certains certaines divers "
    "diverses nombreux nombreuses tous toutes".split()
)
# Words after which the phrase starts afresh ("correspondants de quartiers").
_RESETS = frozenset("de du d la le l à a au en pour sur par avec dans".split())


@functools.cache
def _words() -> dict[str, Any]:
    path = resources.files("policykg.loaders") / "data" / "words.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        "invariant": frozenset(w.lower() for w in data["invariant"]),
        "irregular": {k.lower(): v for k, v in data["irregular"].items()},
        "eu_nouns": frozenset(data["eu_nouns"]),
        "accents": {strip_accents(w).lower(): w for w in data["accents"]},
        "no_accent": frozenset(data["no_accent"]),
        "verb_a_after": frozenset(data["verb_a_after"]),
        "person_suffixes": tuple(data["person_suffixes"]),
    }


def normalise_apostrophes(text: str) -> str:
    """Replace typographic apostrophes with the ASCII ``'``.

    >>> normalise_apostrophes("l’implication d‘un")
    "l'implication d'un"
    """
    for char in APOSTROPHES:
        text = text.replace(char, "'")
    return text


@functools.lru_cache(maxsize=1 << 16)  # pure and hot: called per line and per name
def clean_text(text: str) -> str:
    """ASCII apostrophes, no-break spaces as spaces, whitespace collapsed, ends trimmed."""
    return _SPACES.sub(" ", normalise_apostrophes(text)).strip()


def strip_artefacts(text: str) -> str:
    """Remove conversion artefacts such as ``[bookmark: _GoBack]``.

    >>> strip_artefacts("[bookmark: _GoBack]Tous les quartiers")
    'Tous les quartiers'
    """
    return _ARTEFACT.sub("", text)


def strip_bullet(text: str) -> str:
    """Remove a leading list bullet ("·", "-", "•", "o "…).

    >>> strip_bullet("· Quartiers et Ville"), strip_bullet("- Evaluer")
    ('Quartiers et Ville', 'Evaluer')
    """
    return _BULLET.sub("", text.strip(), count=1)


def has_bullet(text: str) -> bool:
    """Whether a line opens with a list bullet."""
    return bool(_BULLET.match(text.strip()))


def as_written(text: str) -> str:
    """A list item as written, for ``raw`` fields: artefacts and bullet off, whitespace
    collapsed, the document's apostrophes kept.

    >>> as_written("·  l’offre\u00a0de services [bookmark: _GoBack]")
    'l’offre de services'
    """
    return " ".join(strip_bullet(strip_artefacts(text)).split())


@functools.lru_cache(maxsize=1 << 16)  # pure and hot
def strip_trailing(text: str) -> str:
    """Remove a trailing ellipsis, "etc." and end punctuation.

    >>> strip_trailing("gardiens d'immeuble…"), strip_trailing("CAF, DDCS, etc.")
    ("gardiens d'immeuble", 'CAF, DDCS')
    """
    return _TRAILING.sub("", text).strip()


@functools.lru_cache(maxsize=1 << 16)  # pure and hot: called per word
def strip_accents(text: str) -> str:
    """Remove diacritics; spell out the ligatures œ and æ.

    >>> strip_accents("Cœur d'Éducation")
    "Coeur d'Education"
    """
    for lig, plain in (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE")):
        text = text.replace(lig, plain)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _with_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@functools.lru_cache(maxsize=1 << 16)  # pure and hot: called per word
def singular(word: str) -> str:
    """The singular of a French word (case kept; unknown or invariant words unchanged).

    >>> [singular(w) for w in ["Conseils", "municipaux", "réseaux", "lieux", "nombreux"]]
    ['Conseil', 'municipal', 'réseau', 'lieu', 'nombreux']
    >>> [singular(w) for w in ["adultes-relais", "fonds", "accès", "élus", "CAF", "travaux"]]
    ['adulte-relais', 'fonds', 'accès', 'élu', 'CAF', 'travail']
    """
    if "-" in word:
        return "-".join(singular(part) for part in word.split("-"))
    low = word.lower()
    facts = _words()
    if len(low) <= 3 or low in facts["invariant"] or (word.isupper() and len(word) > 1):
        return word
    if low in facts["irregular"]:
        return _with_case(word, facts["irregular"][low])
    if low.endswith("eaux") or low.endswith("oux"):
        return word[:-1]
    if low.endswith("aux"):
        return word[:-3] + ("AL" if word.isupper() else "al")
    if low.endswith("eux"):
        return word[:-1] if low[:-1] in facts["eu_nouns"] else word
    if low.endswith(("x", "z", "ss", "ès")):
        return word
    if low.endswith("s"):
        return word[:-1]
    return word


def singular_phrase(text: str) -> str:
    """The singular of a noun phrase, leaving plural complements alone.

    Words after a plural determiner ("des", "les", "aux"…) stay plural until a preposition
    starts a new complement.

    >>> singular_phrase("correspondants de quartiers")
    'correspondant de quartier'
    >>> singular_phrase("conventions des centres sociaux")
    'convention des centres sociaux'
    """
    plural = False
    out = []
    for piece in re.split(r"([^\W\d_]+(?:-[^\W\d_]+)*)", text):
        if not piece or not _WORD.fullmatch(piece):
            out.append(piece)
            continue
        low = piece.lower()
        if low in _PLURAL_DETERMINERS:
            plural = True
            out.append(piece)
        elif low in _RESETS:
            plural = False
            out.append(piece)
        else:
            out.append(piece if plural else singular(piece))
    return "".join(out)


def names_a_person(text: str) -> bool:
    """Whether a noun phrase names people by its first word's ending ("infirmières
    scolaires", "coordonnateurs de réussite éducative"), not things ("équipements").

    >>> names_a_person("infirmières scolaires"), names_a_person("équipements sportifs")
    (True, False)
    """
    words = _WORD.findall(text)
    if not words:
        return False
    first = strip_accents(singular(words[0])).lower()
    suffixes = tuple(strip_accents(s) for s in _words()["person_suffixes"])
    return first.endswith(suffixes) and not first.endswith("ment")


@functools.lru_cache(maxsize=1 << 16)  # pure and hot: names are compared many times
def normalise_key(text: str) -> str:
    """The matching key of a name: case, accents, punctuation and plurals ignored.

    Words written in capitals inside mixed-case text are acronyms or proper names and are
    not singularised ("PTCE COOPAXIS").

    >>> normalise_key("Éducateurs spécialisés (Conseil Départemental)")
    'educateur specialise conseil departemental'
    >>> normalise_key("adultes-relais") == normalise_key("Adulte relais")
    True
    >>> normalise_key("Résultat(s) attendu(s)"), normalise_key("RESULTATS ATTENDUS")
    ('resultat attendu', 'resultat attendu')
    """
    text = _MARK.sub("", clean_text(text))
    if not any(c.islower() for c in text):
        text = text.lower()
    words = [singular(w) for w in _TOKEN.findall(text)]
    return " ".join(strip_accents(w).casefold() for w in words)


def capitalise_first(text: str) -> str:
    """Upper-case the first letter, leave the rest alone.

    >>> capitalise_first("opérateur associatif")
    'Opérateur associatif'
    """
    for i, char in enumerate(text):
        if char.isalpha():
            return text[:i] + char.upper() + text[i + 1 :]
    return text


@functools.cache
def _word_list() -> dict[str, str]:
    """Unaccented form -> most frequent accented form, from pyspellchecker's French list."""
    from spellchecker import SpellChecker

    frequencies = SpellChecker(language="fr", distance=1).word_frequency.dictionary
    best: dict[str, tuple[int, str]] = {}
    for word, count in frequencies.items():
        if word.isascii() or not word.isalpha():
            continue  # an ASCII word has no accent to strip
        plain = strip_accents.__wrapped__(word)  # not through the cache: each word once
        if plain == word:
            continue
        current = best.get(plain)
        if current is None or (count, word) > current:
            best[plain] = (count, word)
    out = {}
    for plain, (count, word) in best.items():
        # Keep the accented form only where it is more frequent than the plain word.
        if count > frequencies.get(plain, 0):
            out[plain] = word
    return out


def document_vocabulary(texts: Iterable[str]) -> dict[str, str]:
    """Unaccented lower-case word -> its most frequent accented spelling in ``texts``.

    A document that writes its title in capitals usually spells the same words with
    accents in its body; this is the best guide to restoring them.

    >>> document_vocabulary(["Développer la fédération, développer.", "Developper"])
    {'developper': 'développer', 'federation': 'fédération'}
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_accented_words(text))
    out: dict[str, str] = {}
    for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        out.setdefault(strip_accents(word), word)
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=1 << 14)  # pure; lines recur across a corpus
def _accented_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` written with accents (lower case, in order): what
    :func:`document_vocabulary` counts."""
    return tuple(
        word.lower()
        for word in _WORD.findall(text)
        if not word.isupper() and word != strip_accents(word)
    )


def _accented(word: str, vocabulary: dict[str, str]) -> str:
    low = word.lower()
    if low != strip_accents(low) or low in _words()["no_accent"]:
        return word
    table = _words()["accents"]
    for suffix in ("", "s", "e", "es", "x"):
        stem = low[: len(low) - len(suffix)] if suffix else low
        if suffix and not low.endswith(suffix):
            continue
        if stem in table:
            return _with_case(word, table[stem] + suffix)
    if low in vocabulary:
        return _with_case(word, vocabulary[low])
    if len(low) > 2 and low in _word_list():
        return _with_case(word, _word_list()[low])
    return word


def restore_accents(text: str, vocabulary: dict[str, str] | None = None) -> str:
    """Put back the accents of words written without them (typically in capitals).

    The accent table in ``data/words.yaml`` wins, then ``vocabulary`` (see
    :func:`document_vocabulary`), then the most frequent spelling in the French word list.
    Ambiguous words ("ou", "des") are left alone; a lone "a" is read as "à" unless a
    subject comes before it ("il a").

    >>> restore_accents("developper les equipements ou les federer")
    'développer les équipements ou les fédérer'
    >>> restore_accents("acces a l'emploi, qui a lieu")
    "accès à l'emploi, qui a lieu"
    """
    vocabulary = vocabulary or {}
    out, previous, position = [], "", 0
    for m in re.finditer(r"[^\W\d_]+", text):
        word = m.group(0)
        if word.lower() == "a" and previous not in _words()["verb_a_after"]:
            fixed = _with_case(word, "à")
        else:
            fixed = _accented(word, vocabulary)
        out.append(text[position : m.start()] + fixed)
        previous, position = word.lower(), m.end()
    return "".join(out) + text[position:]


@functools.lru_cache(maxsize=1 << 16)  # pure and hot
def is_mostly_upper(text: str) -> bool:
    """Whether at least four letters in five are capitals."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def sentence_case(
    text: str, keep_upper: Iterable[str] = (), vocabulary: dict[str, str] | None = None
) -> str:
    """A label in sentence case: first letter capital, the rest lower, accents restored.

    Text that is not mostly capitals keeps its case (only the first letter is raised).
    Words in ``keep_upper`` (acronyms) stay in capitals.

    >>> sentence_case("CONSTRUIRE DES PROJETS DE QUARTIER COMME FEDERATEURS DES DYNAMIQUES")
    'Construire des projets de quartier comme fédérateurs des dynamiques'
    >>> sentence_case("AGIR AVEC LA CAF POUR L’EGALITE", keep_upper={"CAF"})
    "Agir avec la CAF pour l'égalité"
    """
    text = clean_text(text)
    if not is_mostly_upper(text):
        return capitalise_first(text)
    keep = set(keep_upper)

    def lower(m: re.Match[str]) -> str:
        word = m.group(0)
        return word if word in keep else word.lower()

    text = re.sub(r"[^\W\d_]+", lower, text)
    return capitalise_first(restore_accents(text, vocabulary))


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as (matching key, start, end): for prefix matching.

    Plural marks "(s)" are skipped; keys are those of :func:`normalise_key`.

    >>> [t[0] for t in tokens("Résultat(s) attendu(s) :")]
    ['resultat', 'attendu']
    """
    return list(_tokens(text))


@functools.lru_cache(maxsize=1 << 14)  # headings and cells recur across a corpus
def _tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    text = normalise_apostrophes(text)
    masked = _MARK.sub(lambda m: " " * len(m.group(0)), text)
    upper = not any(c.islower() for c in masked)
    out = []
    for m in _TOKEN.finditer(masked):
        word = m.group(0).lower() if upper else m.group(0)
        out.append((strip_accents(singular(word)).casefold(), m.start(), m.end()))
    return tuple(out)
