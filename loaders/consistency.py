"""Checks run on every extraction, whatever its template: what a fiche says about itself.

- A fiche that links to itself ("Liens autres fiches : 3.2.1" in fiche 3.2.1): the link
  is dropped (it carries no information and makes a loop in the network views) and a
  warning names the line.
- Two fiches with the same code in one document: both are kept and, since a fiche is
  identified by its contract and code (that is what cross-references name), they describe
  one fiche resource in the graph; a warning names both lines so that the author can
  renumber one.

>>> from policykg.loaders.records import Extraction, Fiche, Reference
>>> x = Extraction(source="f.txt", fiches=[
...     Fiche(code="3.2.1", line=1, links=[Reference(target="3.2.1", kind="fiche", line=9),
...                                          Reference(target="3.1.1", kind="fiche", line=9)]),
...     Fiche(code="3.2.1", line=20)])
>>> check_extraction(x)
>>> [r.target for r in x.fiches[0].links]
['3.1.1']
>>> for w in x.warnings: print(w)
f.txt:9: fiche 3.2.1 links to itself: link dropped
f.txt:20: fiche code 3.2.1 used twice (lines 1 and 20): both kept, as one fiche
"""

from __future__ import annotations

import re

from policykg.loaders.records import Extraction

_FICHE_PREFIX = re.compile(r"(?i)^fiche\s+")


def _code(text: str | None) -> str:
    return _FICHE_PREFIX.sub("", (text or "").strip())


def _where(source: str | None, line: int | None) -> str:
    return f"{source or 'document'}" + (f":{line}" if line else "")


def check_extraction(extraction: Extraction) -> None:
    """Drop self-links and warn about duplicated fiche codes (see the module docstring)."""
    first_line: dict[str, int | None] = {}
    for fiche in extraction.fiches:
        code = _code(fiche.code)
        kept = []
        for link in fiche.links:
            if code and (link.kind or "fiche") == "fiche" and _code(link.target) == code:
                extraction.warnings.append(
                    f"{_where(extraction.source, link.line)}: fiche {code} links to itself: "
                    "link dropped"
                )
            else:
                kept.append(link)
        fiche.links = kept
        if not code:
            continue
        if code in first_line:
            before = first_line[code]
            extraction.warnings.append(
                f"{_where(extraction.source, fiche.line)}: fiche code {code} used twice "
                f"(lines {before or '?'} and {fiche.line or '?'}): both kept, as one fiche"
            )
        else:
            first_line[code] = fiche.line
