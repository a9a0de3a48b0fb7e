"""Cross-references stated by a fiche: other fiches, axes, transversal axes.

Targets are normalised: "Fiche 411" -> ``4.1.1``, "Axe 1.2" -> ``axe 1.2``,
"AT égalité homme-femme" -> ``AT égalité homme-femme``; a title in quotes or after a colon
becomes the reference's label.

>>> [r.target for r in parse_references("Fiches 1.1.2/1.1.4/1.1.5")]
['1.1.2', '1.1.4', '1.1.5']
>>> [(r.target, r.kind, r.label) for r in parse_references("Fiche 411 : Promouvoir le sport")]
[('4.1.1', 'fiche', 'Promouvoir le sport')]
>>> [(r.target, r.label) for r in parse_references('Axe 2.1 et fiches 2.1.5 "se donner"')]
[('axe 2.1', None), ('2.1.5', 'se donner')]
>>> [(r.target, r.kind) for r in parse_references("AT égalité homme-femme : Veiller à…")]
[('AT égalité homme-femme', 'transversal')]
>>> [r.target for r in parse_references("Fiche 1.1.1 engagée en 2015, fiches 412 et 413")]
['1.1.1', '4.1.2', '4.1.3']
"""

from __future__ import annotations

import re

from policykg.loaders.records import Reference
from policykg.loaders.resolve.names import (
    as_written,
    capitalise_first,
    clean_text,
    strip_trailing,
)

_QUOTED = re.compile(r"\"([^\"]+)\"|«\s*([^»]+?)\s*»|“([^”]+)”")
_PLACEHOLDER = "\x00{}\x00"
_SCAN = re.compile(
    r"(?P<marker>\b(?:fiches?|axes?)\b)"
    r"|(?P<code>\b\d+(?:\.\d+)+\b|\b\d{2,4}\b)"
    r"|(?P<quote>\x00(?P<qi>\d+)\x00)"
    r"|(?P<colon>:)",
    re.IGNORECASE,
)
_TRANSVERSAL = re.compile(
    r"^(?:AT|axe transversal)\s+(?P<name>[^:\x00]+?)\s*(?::\s*(?P<label>.*))?$", re.IGNORECASE
)
_CONNECTORS = re.compile(r"[\s,;/&]*(?:(?:et|ou)\s+)?(?:n°\s*)?", re.IGNORECASE)
# "Numérique : veiller à l'usage du numérique": a short topic name before a colon.
_TOPIC = re.compile(r"^(?P<name>[^\W\d_][^:\d\x00]{1,40}?)\s*:\s*(?P<label>\S.*)$")
# An apostrophe whose elided article was lost in conversion ("favoriser 'implication").
_ORPHAN_APOSTROPHE = re.compile(r"(?<=\s)'(?=[aeiouyhàâéèêëîïôûAEIOUYHÉÈÊ])")


def clean_label(text: str | None) -> str | None:
    """A title as a label: quotes and end punctuation off, apostrophes straight, and an
    orphan apostrophe read as the article "l'" (the most frequent elision).

    >>> clean_label(' "favoriser   \\'implication des habitants" ')
    "favoriser l'implication des habitants"
    """
    if text is None:
        return None
    text = clean_text(text).strip(' "«»“”')
    text = _ORPHAN_APOSTROPHE.sub("l'", text)
    text = strip_trailing(text).strip(' "«»“”')
    return text or None


def normalise_code(code: str) -> str:
    """A fiche code in dotted form: "411" -> "4.1.1", "1.1.2" unchanged.

    >>> normalise_code("411"), normalise_code("1.2")
    ('4.1.1', '1.2')
    """
    code = code.strip(".")
    if "." in code or not code.isdigit():
        return code
    return ".".join(code)


def _target(kind: str, code: str) -> str:
    code = normalise_code(code)
    return f"axe {code}" if kind == "axe" else code


def parse_references(text: str, line: int | None = None) -> list[Reference]:
    """The cross-references of one line of a "links" section, in order.

    A code takes the kind of the last marker before it ("Axe", "Fiche(s)"); without a
    marker, a code of three or more parts is a fiche. "AT x" or "axe transversal x" is a
    transversal axis; a line "Topic : description" with no code names a transversal topic.
    """
    raw = as_written(text)
    quotes: list[str] = []

    def hide(m: re.Match[str]) -> str:
        quotes.append(next(g for g in m.groups() if g is not None))
        return _PLACEHOLDER.format(len(quotes) - 1)

    masked = _QUOTED.sub(hide, clean_text(raw))
    transversal = _TRANSVERSAL.match(masked)
    if transversal:
        name = clean_text(transversal.group("name"))
        label = _unmask(transversal.group("label"), quotes)
        return [Reference(f"AT {name}", "transversal", clean_label(label), raw, line)]
    refs: list[Reference] = []
    kind: str | None = None
    previous_end = None  # where the last marker or code ended
    for m in _SCAN.finditer(masked):
        if m.group("marker"):
            kind = "axe" if m.group("marker").lower().startswith("axe") else "fiche"
            previous_end = m.end()
        elif m.group("code"):
            code = m.group("code")
            code_kind = kind or ("fiche" if code.count(".") >= 2 else None)
            # An undotted number ("411") is a code only right after a marker or a code.
            adjacent = previous_end is not None and _CONNECTORS.fullmatch(
                masked[previous_end : m.start()]
            )
            if code_kind is None or ("." not in code and not adjacent):
                continue
            refs.append(Reference(_target(code_kind, code), code_kind, None, raw, line))
            previous_end = m.end()
        elif m.group("quote") and refs and refs[-1].label is None:
            refs[-1].label = clean_label(quotes[int(m.group("qi"))])
        elif m.group("colon") and refs:
            if refs[-1].label is None:
                refs[-1].label = clean_label(_unmask(masked[m.end() :], quotes))
            break
    if refs:
        return refs
    topic = _TOPIC.match(masked)
    if topic and len(topic.group("name").split()) <= 4:
        name = capitalise_first(clean_text(topic.group("name")))
        label = clean_label(_unmask(topic.group("label"), quotes))
        return [Reference(name, "transversal", label, raw, line)]
    return []


def _unmask(text: str | None, quotes: list[str]) -> str | None:
    if text is None:
        return None
    return re.sub(r"\x00(\d+)\x00", lambda m: f'"{quotes[int(m.group(1))]}"', text)


def merge_references(refs: list[Reference]) -> list[Reference]:
    """One reference per target (the first), completed by a later one's label."""
    merged: dict[str, Reference] = {}
    for ref in refs:
        if ref.target not in merged:
            merged[ref.target] = ref
        elif merged[ref.target].label is None and ref.label:
            merged[ref.target].label = ref.label
    return list(merged.values())
