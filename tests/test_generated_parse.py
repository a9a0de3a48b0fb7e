"""Every generated text document goes through the template parsers and gives back the
records it was generated from (the generator keeps each document's answer key).

Documents come from the bundled example corpus's arguments and from a second, larger seed,
so that every layout variant (2015/2017 orientation fiches, two fiches in one document,
stacked cells, <p> continuation rows, shifted rows…) is met.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from benchmarks.generate import PRESETS, GeneratedDocument, build_corpus
from policykg.loaders.records import Extraction, Fiche, PartnerMention
from policykg.loaders.registry import extract

_, EXAMPLE_DOCS = build_corpus(**PRESETS["example"])
_, VARIED_DOCS = build_corpus(contracts=6, fiches_per_contract=4, actions_per_plan=14, seed=11)
_, NOISY_DOCS = build_corpus(**PRESETS["example"], ocr_noise=True)
TEXT_DOCS = [d for d in EXAMPLE_DOCS + VARIED_DOCS if d.template != "canonical"]
NOISY_PROJET = [d for d in NOISY_DOCS if d.template == "projet"]


def _norm(text: str | None) -> str:
    """Text compared without case, accents, typographic apostrophes, markup or spacing."""
    text = re.sub(r"</?\w+>", "", text or "").replace("\u2019", "'").replace("\u00a0", " ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s.…]+", " ", text).strip(" :;,").casefold()


def _extract(doc: GeneratedDocument, tmp_path, detect: bool = True) -> Extraction:
    path = tmp_path / doc.file.rsplit("/", 1)[-1]
    path.write_bytes(doc.text.encode("utf-8"))
    return extract(path, template=None if detect else doc.template)


def _ids(docs: list[GeneratedDocument]) -> list[str]:
    return [d.file for d in docs]


# What each template's answer keys count (shared/seeds/expected: 000-002 and 003).
COUNTED = {
    "orientation": ("objectives", "expected_outputs", "expected_effects", "realisation", "effet"),
    "projet": (
        "expected_outputs",
        "favourable_factors",
        "unfavourable_factors",
        "realisation",
        "resultat",
        "impact",
    ),
}


def _counts(fiche: Fiche, template: str) -> dict[str, int]:
    counts = {}
    for key in COUNTED[template]:
        if hasattr(fiche, key):
            counts[key] = len(getattr(fiche, key))
        else:
            counts[f"indicators_{key}"] = sum(1 for i in fiche.indicators if i.kind == key)
    return counts


def _same_mention(got: PartnerMention, want: PartnerMention) -> bool:
    """The same mention of an actor: same role, and the same text or the same name."""
    return got.role == want.role and (
        _norm(got.raw) == _norm(want.raw) or _norm(got.name) == _norm(want.name)
    )


def _check_partners(got: Fiche, want: Fiche) -> None:
    """Every partner mention comes back (names may be normalised differently: "SIAE" for
    "structures d'insertion par l'activité économique"), with the employer it states."""
    for mention in want.partners:
        found = [p for p in got.partners if _same_mention(p, mention)]
        assert found, f"{mention.role} {mention.raw!r} not found"
        if mention.employer:
            employers = {_norm(p.employer) for p in found}
            assert _norm(mention.employer) in employers, f"employer of {mention.raw!r}"


def _amounts(fiche: Fiche) -> set[tuple[float | None, float | None]]:
    """The stated amounts (to the cent) and shares of a fiche's funding lines."""
    return {
        (round(f.amount_eur, 2) if f.amount_eur else None, round(f.share, 4) if f.share else None)
        for f in fiche.funding
        if f.amount_eur or f.share
    }


def _check_fiche(got: Fiche, want: Fiche, template: str) -> None:
    assert got.code == want.code
    assert _norm(got.title) == _norm(want.title)
    assert (got.pillar, got.axis) == (want.pillar, want.axis)
    assert _norm(got.enjeu) == _norm(want.enjeu)
    assert _counts(got, template) == _counts(want, template)
    if template == "orientation":  # fiches projet cite other fiches only in running text
        assert {r.target for r in got.links} == {r.target for r in want.links}
    assert _amounts(want) <= _amounts(got)
    _check_partners(got, want)


@pytest.mark.parametrize("doc", TEXT_DOCS, ids=_ids(TEXT_DOCS))
def test_the_template_is_detected(doc, tmp_path):
    assert _extract(doc, tmp_path).template == doc.template


def _check_fiches(doc: GeneratedDocument, extraction: Extraction) -> None:
    assert [f.code for f in extraction.fiches] == [f.code for f in doc.truth.fiches]
    for got, want in zip(extraction.fiches, doc.truth.fiches, strict=True):
        _check_fiche(got, want, doc.template)


def _check_actions(doc: GeneratedDocument, extraction: Extraction) -> None:
    labels = {_norm(a.label) for a in extraction.actions}
    labels |= {_norm(s.label) for a in extraction.actions for s in a.sub_actions}
    for want in doc.truth.actions:
        assert _norm(want.label) in labels, want.label
    by_label = {_norm(a.label): a for a in extraction.actions}
    for want in doc.truth.actions:
        got = by_label.get(_norm(want.label))
        if got is None or want.status is None:
            continue  # stacked or <p> rows: statuses belong to the sub-actions
        assert (got.status, got.type) == (want.status, want.type), want.label
        assert [_norm(q) for q in got.quartiers] == [_norm(q) for q in want.quartiers]
        assert got.volet == want.volet, want.label


FICHE_DOCS = [d for d in TEXT_DOCS if d.template != "plan"]
PLAN_DOCS = [d for d in TEXT_DOCS if d.template == "plan"]


@pytest.mark.parametrize("doc", FICHE_DOCS, ids=_ids(FICHE_DOCS))
def test_fiches_come_back(doc, tmp_path):
    _check_fiches(doc, _extract(doc, tmp_path, detect=False))


@pytest.mark.parametrize("doc", PLAN_DOCS, ids=_ids(PLAN_DOCS))
def test_actions_come_back(doc, tmp_path):
    _check_actions(doc, _extract(doc, tmp_path, detect=False))


@pytest.mark.slow
def test_a_thousand_fiches_and_actions_come_back(tmp_path):
    """The 1k preset (about 230 documents): every document detected and read back."""
    _, docs = build_corpus(**PRESETS["1k"])
    problems = []
    for doc in docs:
        if doc.template == "canonical":
            continue
        try:
            extraction = _extract(doc, tmp_path)
            assert extraction.template == doc.template, f"detected as {extraction.template}"
            (_check_actions if doc.template == "plan" else _check_fiches)(doc, extraction)
        except AssertionError as err:
            problems.append(f"{doc.file}: {str(err).splitlines()[0]}")
    assert not problems, f"{len(problems)} documents:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", NOISY_PROJET, ids=_ids(NOISY_PROJET))
def test_fiches_projet_survive_ocr_noise(doc, tmp_path):
    extraction = _extract(doc, tmp_path, detect=False)
    assert [f.code for f in extraction.fiches] == [f.code for f in doc.truth.fiches]
    got, want = extraction.fiches[0], doc.truth.fiches[0]
    assert _counts(got, "projet") == _counts(want, "projet")
    assert _norm(got.title) == _norm(want.title)
