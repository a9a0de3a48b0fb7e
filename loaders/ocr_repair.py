"""A conservative corrector for French text read by OCR.

A word is changed only when it is not a known French word and one confusion rule (from
``data/ocr_confusions.yaml``) turns it into a known word; a known word is never changed,
except inside a domain phrase such as "Contrat de Ville" where it is one confusion away
from the phrase's word. A capitalised word inside a sentence may be a name the word list
does not know ("Sablons"): it is left alone. The word list is the French frequency list
that ``pyspellchecker`` ships, plus the domain words of the rules file. Stray symbols and
lone letters are read back in context: ``I'`` -> ``l'``, a lone ``&`` -> ``à``, ``¢`` ->
``:``, a lone ``2`` after a question word -> ``?``, a lone ``a`` before an infinitive and
a lone ``d`` between words -> ``à``. Every change is reported with its line
(:func:`repair_with_changes`), and repairing twice changes nothing more.

>>> repair("Il faut metire en ceuvre I'émergence du Contrat de Vile.")
"Il faut mettre en œuvre l'émergence du Contrat de Ville."
>>> repair("Fréguence d'un confexte favorable & la participation")
"Fréquence d'un contexte favorable à la participation"
>>> repair("Quand 2 En continu de 2024 & 2030")
'Quand ? En continu de 2024 à 2030'
>>> repair("Les habitants du quartier.")  # correct words are never changed
'Les habitants du quartier.'
>>> join_broken_lines(["les habitants du quar-", "tier et les", "avons-", "nous"])
'les habitants du quartier et les avons-nous'
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

_LETTER = r"[^\W\d_]"
_WORD = re.compile(rf"{_LETTER}+(?:[-'’]{_LETTER}+)*")
_LOWER = "a-zà-öø-ÿœæ"
_VOWEL_OR_H = "aeiouyhàâäéèêëîïôöùûüœæAEIOUYHÀÂÉÈÊÎÔÛŒÆ"
_ELISIONS = ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu")
_INFINITIVE_ENDINGS = ("er", "ir", "re")


@dataclass(frozen=True, slots=True)
class Change:
    """One repair: on ``line`` (1-based; repairs never add or remove a line), ``before``
    became ``after`` by ``rule``."""

    line: int
    before: str
    after: str
    rule: str


@dataclass(frozen=True)
class _Rules:
    letters: tuple[tuple[str, str], ...]
    accents: dict[str, str]
    doubled: str
    stray_min: int
    split_min: int
    phrases: tuple[tuple[str, ...], ...]
    interrogatives: frozenset[str]
    a_exceptions: frozenset[str]
    extra_words: frozenset[str]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    path = files("policykg.loaders") / "data" / "ocr_confusions.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return _Rules(
        letters=tuple((r["ocr"], r["fix"]) for r in data["letters"]),
        accents={str(k): str(v) for k, v in data["accents"].items()},
        doubled=data["doubled"],
        stray_min=int(data["stray_letter_min_length"]),
        split_min=int(data["split_min_frequency"]),
        phrases=tuple(tuple(p.split()) for p in data["phrases"]),
        interrogatives=frozenset(data["interrogatives"]),
        a_exceptions=frozenset(data["a_before_infinitive_exceptions"]),
        extra_words=frozenset(_key(w) for w in data["extra_words"]),
    )


def _key(word: str) -> str:
    """The lookup form of a word: lower case, œ/æ spelt out, typographic apostrophe."""
    return word.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, int]:
    from spellchecker import SpellChecker

    return SpellChecker(language="fr", distance=1).word_frequency.dictionary


def frequency(word: str) -> int:
    """How often ``word`` occurs in the French word list (0 when unknown).

    >>> frequency("mettre") > frequency("mètre") > 0
    True
    >>> frequency("metire")
    0
    """
    key = _key(word)
    if key in _rules().extra_words:
        return 1
    return _frequencies().get(key, 0)


def is_known(word: str) -> bool:
    """Whether ``word`` is a known French word (case-insensitive).

    A plural of a known word is known; a capitalised word may lack the accent of its first
    letter ("Etat"); an elided article is set aside ("l'émergence"); a hyphenated word is
    known when all its parts are.

    >>> is_known("Etat"), is_known("l’émergence"), is_known("vis-à-vis"), is_known("ceuvre")
    (True, True, True, False)
    """
    if not word or frequency(word):
        return True
    head, sep, rest = word.partition("'") if "'" in word else word.partition("’")
    if sep and head.lower() in _ELISIONS:
        return is_known(rest)
    if len(word) > 4 and word[-1] in "sx" and frequency(word[:-1]):
        return True  # a plural the word list lacks ("partenariales")
    if word[0].isupper() and word[0].lower() in _rules().accents:
        if any(frequency(alt + word[1:]) for alt in _rules().accents[word[0].lower()]):
            return True
    if "-" in word:
        return all(is_known(part) for part in word.split("-") if part)
    return False


def _with_case(model: str, word: str) -> str:
    if model[:1].isupper() and not model[1:2].isupper():
        return word[:1].upper() + word[1:]
    return word


def _rule_candidates(word: str) -> dict[str, str]:
    """Every word one letter or accent confusion away from ``word``, with the rule's name."""
    rules = _rules()
    out: dict[str, str] = {}
    for ocr, fix in rules.letters:
        start = word.find(ocr)
        while start >= 0:
            out.setdefault(word[:start] + fix + word[start + len(ocr) :], f"{ocr}->{fix}")
            start = word.find(ocr, start + 1)
    for i, ch in enumerate(word):
        for alt in rules.accents.get(ch, ""):
            out.setdefault(word[:i] + alt + word[i + 1 :], f"accent {ch}->{alt}")
    out.pop(word, None)
    return out


def _best(candidates: dict[str, str]) -> tuple[str, str] | None:
    """The most frequent known candidate, or None when there is none or a tie."""
    scored = sorted(
        ((frequency(c), c, rule) for c, rule in candidates.items() if frequency(c)),
        key=lambda t: (-t[0], t[1]),
    )
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1], scored[0][2]


@lru_cache(maxsize=65536)
def _correct_word(word: str, name_like: bool = False) -> tuple[str, str] | None:
    """A correction ``(new word, rule)`` for one unknown word, or None.

    ``name_like`` is for a capitalised word inside a sentence, perhaps a proper name
    ("Sablons", "Pays de Belières"), which the word list cannot judge: it is left alone.
    """
    if name_like or len(word) < 2 or is_known(word) and "-" not in word:
        return None
    letters = [c for c in word if c.isalpha()]
    if sum(c.isupper() for c in letters[1:]) > letters[1:].count("I"):
        return None  # an acronym or a mixed-case code: not a word to repair
    lower = word[0].lower() + word[1:]
    found = _best(_rule_candidates(lower))
    if found is None and "-" in word:
        if is_known(word):
            return None
        parts = word.split("-")
        fixed = [(_correct_word(p) or (p, "")) for p in parts]
        if all(rule == "" for _, rule in fixed):
            return None
        return "-".join(p for p, _ in fixed), "; ".join(r for _, r in fixed if r)
    if found is None and len(word) >= _rules().stray_min:
        deletions = {lower[:i] + lower[i + 1 :] for i in range(len(lower))}
        known = sorted(d for d in deletions if frequency(d))
        if len(known) == 1:
            found = known[0], "stray letter"
    if found is None and word.islower() and len(word) >= 4:
        splits = [
            (word[:i], word[i:])
            for i in range(2, len(word) - 1)
            if min(frequency(word[:i]), frequency(word[i:])) >= _rules().split_min
        ]
        if len(splits) == 1:
            found = " ".join(splits[0]), "words run together"
    if found is None:
        return None
    return _with_case(word, found[0]), found[1]


class _Pass:
    """Apply one regex rule to a text, recording each change with its line number."""

    def __init__(self, text: str, changes: list[Change]):
        self.text = text
        self.changes = changes
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._newlines, offset - 1) + 1

    def sub(
        self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], tuple[str, str] | None]
    ):
        def callback(m: re.Match[str]) -> str:
            result = replace(m)
            if result is None or result[0] == m.group(0):
                return m.group(0)
            self.changes.append(Change(self.line_of(m.start()), m.group(0), result[0], result[1]))
            return result[0]

        return pattern.sub(callback, self.text)


_DOUBLED_APOSTROPHE = re.compile(rf"(?<={_LETTER})(['’])['’]+(?={_LETTER})")
_STRAY_BRACKET = re.compile(rf"(?<![^\s(])\[(?={_LETTER})(?![^\]\n]*\])")
_I_ELISION = re.compile(rf"(?<![\w'’])I(['’])(?=[{_VOWEL_OR_H}])")
_LOST_L = re.compile(
    rf"(?<={_LETTER} )(['’])([{_VOWEL_OR_H}]{_LETTER}*)(?![^\n]*['’](?!{_LETTER}))"
)
_AMPERSAND = re.compile(rf"(?<=[\w,] )&(?=[ \t]*\n?[ \t]*(?:[{_LOWER}0-9]|[lL]['’]))")
_CENT = re.compile(r"(?<![\d ])¢|(?<=[^\d\s] )¢")
_TWO = re.compile(rf"(?<![\w'’])({_LETTER}+) 2(?=[ \t]*(?:\n|$)| +[A-ZÀ-ÖØ-Þ])")
_REGISTERED = re.compile(r"(?<![^\W\d_])([nN])\s?®")
_LONE_D = re.compile(rf"(?<={_LETTER} )d(?= [{_LOWER}])")
_LONE_A = re.compile(rf"(?<=[{_LOWER},] )a(?=\s+({_LETTER}+(?:['’-]{_LETTER}+)*))")


def _i_elision(p: _Pass) -> Callable[[re.Match[str]], tuple[str, str]]:
    def fix(m: re.Match[str]) -> tuple[str, str]:
        before = p.text[max(0, m.start() - 40) : m.start()]
        stripped = before.rstrip()
        upper = m.start() == len(before) and not stripped or stripped.endswith((".", "!", "?"))
        return ("L" if upper else "l") + m.group(1), "I' -> l'"

    return fix


def _lost_l(m: re.Match[str]) -> tuple[str, str] | None:
    word = m.group(2)
    if not word.islower() or not frequency(word):
        return None
    return "l" + m.group(1) + word, "lost l of l'"


def _question_mark(p: _Pass) -> Callable[[re.Match[str]], tuple[str, str] | None]:
    questions = _rules().interrogatives

    def fix(m: re.Match[str]) -> tuple[str, str] | None:
        previous = m.group(1).lower()
        fixed = m.group(1) + " ?", "2 -> ?"
        if previous in questions:
            return fixed
        line_start = p.text.rfind("\n", 0, m.start()) + 1
        words = [w.lower() for w in _WORD.findall(p.text[line_start : m.start()])]
        at_end = p.text[m.end() :].lstrip(" \t")[:1] in ("", "\n")
        if at_end and m.group(1).islower() and questions.intersection(words):
            return fixed
        return None

    return fix


def _lone_a(m: re.Match[str]) -> tuple[str, str] | None:
    following = m.group(1)
    if following == "se" or following.startswith(("s'", "s’")):
        return "à", "a -> à"
    last = following.rsplit("-", 1)[-1]
    if (
        following.islower()
        and last.endswith(_INFINITIVE_ENDINGS)
        and following not in _rules().a_exceptions
        and is_known(following)
    ):
        return "à", "a -> à"
    return None


_OPENING = re.compile(r"(?:^|[.!?:;(«\"“–—-]|\n)[ \t]*$")


def _words(p: _Pass) -> Callable[[re.Match[str]], tuple[str, str] | None]:
    def fix(m: re.Match[str]) -> tuple[str, str] | None:
        token = m.group(0)
        before = p.text[max(0, m.start() - 40) : m.start()]
        name_like = token[:1].isupper() and not _OPENING.search(before)
        head, sep, rest = token.partition("'") if "'" in token else token.partition("’")
        if sep and head.lower() in _ELISIONS and rest:
            found = _correct_word(rest, name_like)
            return (head + sep + found[0], found[1]) if found else None
        return _correct_word(token, name_like)

    return fix


@lru_cache(maxsize=256)
def _phrase_variants(word: str) -> frozenset[str]:
    """Words one confusion away from ``word`` (the phrase's word), in lookup form."""
    rules = _rules()
    variants = {_key(v) for v in _rule_candidates(word)}
    for ocr, fix in rules.letters:  # the OCR reading of the word
        start = word.find(fix)
        while start >= 0:
            variants.add(_key(word[:start] + ocr + word[start + len(fix) :]))
            start = word.find(fix, start + 1)
    for i in range(len(word) - 1):
        if word[i] == word[i + 1] and word[i] in rules.doubled:
            variants.add(_key(word[:i] + word[i + 1 :]))
    variants.discard(_key(word))
    return frozenset(variants)


def _phrases(text: str, changes: list[Change]) -> str:
    tokens = list(_WORD.finditer(text))
    keys = [_plain_key(t.group(0)) for t in tokens]
    where: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        where.setdefault(k, []).append(i)
    edits: dict[int, tuple[str, str]] = {}
    for phrase in _rules().phrases:
        want = [_plain_key(w) for w in phrase]
        # A window with one wrong word has its other words right: start from those.
        starts = {i - j for j, w in enumerate(want) for i in where.get(w, ())}
        for i in sorted(s for s in starts if 0 <= s <= len(tokens) - len(phrase)):
            window = keys[i : i + len(phrase)]
            wrong = [j for j, (a, b) in enumerate(zip(window, want, strict=True)) if a != b]
            if len(wrong) != 1:
                continue
            j = wrong[0]
            token = tokens[i + j].group(0)
            if _key(token) in _phrase_variants(phrase[j]):
                edits[i + j] = (_with_case(token, phrase[j]), f"phrase '{' '.join(phrase)}'")
    p = _Pass(text, changes)
    for index in sorted(edits, reverse=True):
        m = tokens[index]
        after, rule = edits[index]
        changes.append(Change(p.line_of(m.start()), m.group(0), after, rule))
        text = text[: m.start()] + after + text[m.end() :]
    return text


@lru_cache(maxsize=65536)
def _plain_key(word: str) -> str:
    return _strip_accents(_key(word))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def repair_with_changes(text: str) -> tuple[str, list[Change]]:
    """Repair OCR slips in ``text``; return the repaired text and the changes made.

    >>> fixed, changes = repair_with_changes("Avec qui ¢\\n- Fréguence des réunions")
    >>> fixed
    'Avec qui :\\n- Fréquence des réunions'
    >>> [(c.line, c.before, c.after) for c in changes]
    [(1, '¢', ':'), (2, 'Fréguence', 'Fréquence')]
    """
    changes: list[Change] = []
    steps: list[tuple[re.Pattern[str], Callable[[_Pass], Callable]]] = [
        (_DOUBLED_APOSTROPHE, lambda p: lambda m: (m.group(1), "doubled apostrophe")),
        (_STRAY_BRACKET, lambda p: lambda m: ("", "stray bracket")),
        (_I_ELISION, _i_elision),
        (_LOST_L, lambda p: _lost_l),
        (_REGISTERED, lambda p: lambda m: (m.group(1) + "°", "® -> °")),
        (_CENT, lambda p: lambda m: (":", "¢ -> :")),
        (_AMPERSAND, lambda p: lambda m: ("à", "& -> à")),
        (_TWO, _question_mark),
        (_WORD, _words),  # after the punctuation, which tells a sentence's start
        (_LONE_D, lambda p: lambda m: ("à", "d -> à")),
        (_LONE_A, lambda p: _lone_a),
    ]
    for pattern, make in steps:
        p = _Pass(text, changes)
        text = p.sub(pattern, make(p))
    text = _phrases(text, changes)
    changes.sort(key=lambda c: c.line)
    return text, changes


@lru_cache(maxsize=1 << 14)  # pure; the same lines recur across a corpus
def repair(text: str) -> str:
    """The repaired form of ``text`` (see :func:`repair_with_changes`)."""
    return repair_with_changes(text)[0]


def join_broken_lines(lines: Iterable[str]) -> str:
    """Join the lines of one paragraph, rejoining words broken across lines.

    A word cut by a hyphen at a line end is rejoined without the hyphen when the whole is a
    known word and the hyphenated form is not ("quar-" + "tier"); otherwise the hyphen stays
    ("avons-" + "nous"). Two unknown halves without a hyphen are rejoined when the whole is
    known ("dévelop" + "pement").

    >>> join_broken_lines(["le dévelop", "pement local", "", "des co-", "construire"])
    'le développement local des co-construire'
    """
    return _join_broken_lines(tuple(lines))


_BROKEN_HEAD = re.compile(rf"({_LETTER}+)(-?)$")
_BROKEN_TAIL = re.compile(rf"{_LETTER}+")


@lru_cache(maxsize=1 << 14)  # pure; paragraphs recur across a corpus
def _join_broken_lines(lines: tuple[str, ...]) -> str:
    out = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if not out:
            out = line
            continue
        # The last word of ``out`` (its letters cannot hold a space): searching from there
        # finds what searching the whole text finds, without reading it all again.
        head = _BROKEN_HEAD.search(out, out.rfind(" ") + 1)
        tail = _BROKEN_TAIL.match(line)
        if head and tail:
            left, hyphen, right = head.group(1), head.group(2), tail.group(0)
            whole = left + right
            if hyphen and right.islower():
                glue = "" if frequency(whole) and not is_known(f"{left}-{right}") else "-"
                out = out[: head.start(2)] + glue + line
                continue
            if not hyphen and not is_known(left) and not is_known(right) and frequency(whole):
                out += line
                continue
        out = out + " " + line
    return out
