"""The *fiche projet* template (contrats de ville 2024-2030): fiches and their text layout.

The layout is that of seed 003, a PDF converted to text: paragraphs broken at about 60
characters, headings that run over several lines ("Référent du projet et des" / "actions"),
"- " items, "Pour les habitants :" blocks, the "Cadre" block (Quand ? Où ? Avec qui ?
Avec quoi ?), three kinds of indicators. The text is clean; :func:`ocr_noise` adds the
confusions of the seed's OCR (l' read as I', à as &, œ as ce, t as f, ? as 2).

>>> import random
>>> ocr_noise("Mettre en œuvre l'action à temps ?", random.Random(0), rate=1.0, letter_rate=1.0)
"Meffre en ceuvre I'acfion & temps 2"
"""

from __future__ import annotations

import random
import re
import textwrap
from dataclasses import dataclass, field

from benchmarks.mentions import CatalogueEntry, Context, funding_lines
from benchmarks.vocabulary import fill, load
from policykg.loaders.records import Fiche, Indicator, Item, PartnerMention, Reference

WIDTH = 62


@dataclass
class ProjetDraft:
    """A fiche projet's records (its answer key) and the written forms its layout needs."""

    fiche: Fiche
    pilote_text: str = ""
    referent_text: str = ""
    when: str = ""
    where: str = ""
    with_whom: list[str] = field(default_factory=list)
    with_what: list[str] = field(default_factory=list)
    partner_lines: list[str] = field(default_factory=list)


def projet_catalogue(context: Context, needed: int) -> list[CatalogueEntry]:
    """The fiches projet a contract plans: enjeux transversaux ("T 1.1") and thématiques
    ("2.1"); titles are declined by quartier when a contract needs more fiches."""
    enjeux = load("projet")["enjeux"]
    transversal = [e for e in enjeux if e["kind"] == "transversal"]
    thematic = [e for e in enjeux if e["kind"] == "thematique"]
    chosen = [
        (f"T {i}", f"enjeu transversal {i}", e)
        for i, e in enumerate(context.pick(transversal, 1, 3), start=1)
    ]
    chosen += [
        (str(i), f"enjeu {i}", e) for i, e in enumerate(context.pick(thematic, 1, 3), start=1)
    ]
    entries, round_ = [], 0
    while len(entries) < needed + needed // 4 + 2:
        for prefix, enjeu_kind, enjeu in chosen:
            titles = enjeu["titles"]
            title = titles[round_ % len(titles)]
            if round_ >= len(titles):
                quartiers = context.territory.quartier_names
                title = f"{title} (quartier {quartiers[round_ % len(quartiers)]})"
            entries.append(
                CatalogueEntry(
                    code=f"{prefix}.{round_ + 1}",
                    title=title,
                    pillar=None,
                    axis=None,
                    axis_label=None,
                    enjeux=[enjeu["label"], enjeu["description"]],
                    enjeu_kind=enjeu_kind,
                )
            )
        round_ += 1
    return entries


def _where(ctx: Context) -> tuple[str, str, list[str]]:
    """The "Où ?" line, the scale a reader keeps, and the quartiers named."""
    quartiers = ctx.territory.quartier_names
    if len(quartiers) > 1 and ctx.rng.random() < 0.4:
        named = ctx.pick(quartiers, 2, 2)
        return (
            f"Dans les quartiers {named[0]} et {named[1]}.",
            f"Quartiers {named[0]} et {named[1]}",
            named,
        )
    area = ctx.rng.choice(["la métropole", "l'agglomération", "la communauté"])
    scale = f"Chacun des {len(quartiers)} QPV de {area}"
    return f"Dans chacun des {len(quartiers)} QPV de {area}.", scale, []


def projet_draft(
    ctx: Context, entry: CatalogueEntry, catalogue: list[CatalogueEntry], present: set[str]
) -> ProjetDraft:
    """The records of one fiche projet and the written forms of its sections."""
    rng, vocab = ctx.rng, load("projet")
    enjeu = next(e for e in vocab["enjeux"] if e["label"] == entry.enjeux[0])
    values = ctx.values()
    pilote = rng.choice(vocab["pilotes"])
    referent = rng.choice(vocab["referents"])
    partners = [
        PartnerMention(
            fill(pilote["name"], **values),
            pilote["kind"],
            role="pilote",
            raw=fill(pilote["text"], **values),
        ),
        PartnerMention(
            fill(referent["name"], **values),
            "profession",
            role="referent",
            employer=fill(referent["employer"], **values) if referent["employer"] else None,
            raw=fill(referent["text"], **values),
        ),
    ]
    partner_lines = []
    actors = load("actors")
    for cat in ctx.pick(actors["categories"][:12], 2, 4):
        written = cat["plural"][0].upper() + cat["plural"][1:]
        partner_lines.append(written)
        partners.append(PartnerMention(cat["name"], "category", raw=written))
    if rng.random() < 0.6:
        written = "Etat – Délégués du Préfet"
        partner_lines.append(written)
        partners.append(
            PartnerMention("Délégué du préfet", "profession", employer="État", raw=written)
        )
    for name, _category in ctx.pick(ctx.territory.organisations, 1, 2):
        partner_lines.append(name)
        partners.append(PartnerMention(name, "organisation", raw=name))
    start = ctx.start_year + rng.choice([0, 0, 1])
    if rng.random() < 0.6:
        when, calendar = f"En continu de {start} à 2030", ["En continu", f"{start}-2030"]
    else:
        end = start + rng.randint(2, 3)
        when, calendar = f"De {start} à {end}", [f"{start}-{end}"]
    where, scale, territories = _where(ctx)
    strategy = [Item(t) for t in ctx.pick(vocab["strategy"], 2, 5)]
    links = []
    others = [e for e in catalogue if e.code != entry.code]
    if others and rng.random() < 0.6:
        target = rng.choice([e for e in others if e.code in present] or others)
        if rng.random() < 0.3:
            target = rng.choice(others)
        text = f"Articuler l'action avec la fiche projet {target.code} « {target.title} »."
        strategy.append(Item(text))
        links.append(Reference(target.code, "fiche", label=target.title, raw=text))
    funding = funding_lines(ctx, None, 1, 2)
    indicators = []
    for kind in ("realisation", "resultat", "impact"):
        indicators += [Indicator(kind, t) for t in ctx.pick(vocab["indicators"][kind], 1, 2)]
    interests = {
        key: [Item(t) for t in ctx.pick(vocab["interests"][key], 1, 2)]
        for key in ("habitants", "territoire", "partenaires")
    }
    with_whom = ["Les habitants en premier lieu."]
    with_whom.append(
        "Les acteurs du territoire : services (Villes, État), associations, bailleurs "
        "sociaux, médiateurs, adultes relais, centres sociaux."
    )
    with_what = [
        rng.choice(
            [
                "En tenant compte des modes de participation en place dans chaque QPV.",
                "En s'appuyant sur les équipements de proximité et les dispositifs existants.",
                "Avec les crédits du contrat de ville et le droit commun des signataires.",
            ]
        )
    ]
    fiche = Fiche(
        code=entry.code,
        title=entry.title,
        kind="projet",
        enjeu=enjeu["label"],
        enjeu_kind=entry.enjeu_kind,
        expected_outputs=[Item(t) for t in ctx.pick(enjeu["results"], 2, 4)],
        partners=partners,
        funding=funding,
        indicators=indicators,
        links=links,
        calendar=calendar,
        scale=scale,
        territories=territories,
        target_public=rng.choice(vocab["publics"]),
        interests=interests,
        framework={
            "quand": [Item(when)],
            "ou": [Item(where)],
            "avec_qui": [Item(t) for t in with_whom],
            "avec_quoi": [Item(t) for t in with_what],
        },
        favourable_factors=[Item(t) for t in ctx.pick(vocab["favourable"], 2, 5)],
        unfavourable_factors=[Item(t) for t in ctx.pick(vocab["unfavourable"], 2, 4)],
        strategy_steps=strategy,
        resources={
            "humains": [Item(t) for t in ctx.pick(vocab["human_means"], 1, 3)],
            "financiers": [Item(f.raw or f.label) for f in funding],
        },
    )
    return ProjetDraft(
        fiche=fiche,
        pilote_text=partners[0].raw or "",
        referent_text=partners[1].raw or "",
        when=when,
        where=where,
        with_whom=with_whom,
        with_what=with_what,
        partner_lines=partner_lines,
    )


# --- layout -----------------------------------------------------------------------------


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, break_long_words=False, break_on_hyphens=False)


def _paragraphs(texts: list[str], dash: bool = False) -> list[str]:
    out = []
    for text in texts:
        lines = _wrap(("- " if dash else "") + text)
        out += [*lines, ""]
    return out


def render_document(draft: ProjetDraft) -> str:
    """The text of one fiche projet."""
    fiche = draft.fiche
    number = fiche.enjeu_kind.split()[-1]
    label = "Enjeu transversal" if "transversal" in fiche.enjeu_kind else "Enjeu"
    lines = [f"Fiche Projet n°:{fiche.code}", "", f"{label} {number} : {fiche.enjeu}", ""]
    enjeu = next(e for e in load("projet")["enjeux"] if e["label"] == fiche.enjeu)
    lines += [*_wrap(enjeu["description"]), ""]
    lines += [f"FICHE PROJET N°{fiche.code}", "", *_wrap(fiche.title), ""]
    lines += ["Pilote du projet", "", draft.pilote_text, ""]
    lines += ["Référent du projet et des", "actions", "", draft.referent_text, ""]
    lines += ["Résultat(s) attendu(s)", ""]
    lines += _paragraphs([i.text for i in fiche.expected_outputs], dash=True)
    lines += ["Intérêt(s) du projet", ""]
    for key, heading in (
        ("habitants", "Pour les habitants :"),
        ("territoire", "Pour le territoire :"),
        ("partenaires", "Pour les partenaires :"),
    ):
        lines += [heading, "", *_paragraphs([i.text for i in fiche.interests[key]])]
    lines += ["Cadre", "(Quand ? Où ? Avec qui ?", "Avec quoi ?)", ""]
    lines += [f"Quand ? {draft.when}", f"Où ? {draft.where}", "Avec qui ?"]
    for text in draft.with_whom:
        lines += _wrap(text)
    lines.append("Avec quoi ?")
    for text in draft.with_what:
        lines += _wrap(text)
    lines += ["", "Public Cible", "", fiche.target_public, ""]
    lines += [
        "Contexte/diagnostic",
        "Environnement",
        "(Quels sont les facteurs",
        "favorables et défavorables à",
        "la réussite du projet)",
        "",
    ]
    lines += ["Favorables :", "", *_paragraphs([i.text for i in fiche.favourable_factors])]
    lines += ["Défavorables :", "", *_paragraphs([i.text for i in fiche.unfavourable_factors])]
    lines += [
        "Approche stratégique - plan",
        "d’action",
        "(mise en œuvre, étapes de",
        "réalisation des actions)",
        "",
    ]
    lines += _paragraphs([i.text for i in fiche.strategy_steps])
    lines += [
        "Ressources et moyens à",
        "mobiliser",
        "(de quoi et de qui avons-",
        "nous besoin pour réussir — les",
        "moyens)",
        "",
    ]
    lines += ["Moyens humains :", ""]
    lines += _paragraphs([i.text for i in fiche.resources["humains"]], dash=True)
    lines += ["Moyens financiers :", ""]
    for item in fiche.resources["financiers"]:
        lines += _wrap("- " + item.text)
    lines += ["", "Partenaire(s) impliqué(s)", ""]
    for text in draft.partner_lines:
        lines += [*_wrap(text), ""]
    lines += ["Indicateurs d’évaluation", ""]
    for kind, heading in (
        ("realisation", "Indicateurs de réalisation :"),
        ("resultat", "Indicateurs de résultat :"),
        ("impact", "Indicateurs d'impact :"),
    ):
        lines += [heading, ""]
        for indicator in fiche.indicators:
            if indicator.kind == kind:
                lines += _wrap("- " + indicator.label)
    return "\n".join(lines) + "\n"


_OCR_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bl'"), "I'"),
    (re.compile(r"(?<=\s)à(?=\s)"), "&"),
    (re.compile(r"œ"), "ce"),
    (re.compile(r"(?<=\w)t(?=\w)"), "f"),
    (re.compile(r"(?<=\s)\?"), "2"),
)


def ocr_noise(
    text: str, rng: random.Random, rate: float = 0.3, letter_rate: float | None = None
) -> str:
    """The text with the OCR confusions of seed 003: each occurrence of l', à, œ and ? is
    hit with probability ``rate``, each inner letter t with ``letter_rate`` (default: a
    tenth of ``rate``)."""
    letter_rate = rate / 10 if letter_rate is None else letter_rate
    for pattern, replacement in _OCR_RULES:
        chance = letter_rate if replacement == "f" else rate

        def swap(match: re.Match[str], new: str = replacement, p: float = chance) -> str:
            return new if rng.random() < p else match.group(0)

        text = pattern.sub(swap, text)
    return text
