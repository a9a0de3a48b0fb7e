"""The *fiche orientation opérationnelle* template: fiches and their text layout.

The layout is that of a Word table converted to text (seeds 000-002): the first cell of each
row starts with a tab, sections are labelled ("Contexte", "Objectifs et dynamiques",
"Réalisations attendues"…), items are "· " bullets, titles are typed in capitals without
accents, no-break spaces sit before colons. Two variants exist: the 2015 fiches
("Pilier: 1") and the 2017 revisions ("FICHE 1.1.2 (version 2017)", "Pilier 1").

>>> import random
>>> from benchmarks.vocabulary import make_territory, add_organisations
>>> from benchmarks.mentions import Context, orientation_catalogue
>>> t = make_territory(random.Random(3), communes=2, quartiers=3)
>>> add_organisations(random.Random(3), t, 5)
>>> ctx = Context(random.Random(4), t, "2015-2020")
>>> catalogue = orientation_catalogue(t, 4)
>>> draft = fiche_draft(ctx, catalogue[0], catalogue, {catalogue[0].code}, "2015")
>>> text = render_document([draft], "2015")
>>> text.splitlines()[0], draft.fiche.code, draft.fiche.axis
('FICHE 1.1.1', '1.1.1', '1.1')
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from benchmarks.mentions import (
    CatalogueEntry,
    Context,
    dispositifs,
    funding_lines,
    partner_line,
)
from benchmarks.vocabulary import NBSP, caps, fancy_apostrophes, fill, load, pillar
from policykg.loaders.records import Fiche, Indicator, Item, PartnerMention, Reference

LINKS_HEADING = f"Liens autres enjeux / fiches «{NBSP}orientations opérationnelles{NBSP}»"


@dataclass
class FicheDraft:
    """A fiche's records (its answer key) and the written forms its layout needs."""

    fiche: Fiche
    partner_text: str = ""
    animateur_text: str = ""
    calendar_lines: list[str] = field(default_factory=list)
    link_lines: list[str] = field(default_factory=list)
    plans_form: bool = False


def _pick_entry(
    rng: random.Random, pool: list[CatalogueEntry], present: set[str]
) -> CatalogueEntry | None:
    """An entry of the pool, preferring fiches that exist (7 times in 10)."""
    if not pool:
        return None
    existing = [e for e in pool if e.code in present]
    absent = [e for e in pool if e.code not in present]
    if existing and (not absent or rng.random() < 0.7):
        return rng.choice(existing)
    return rng.choice(absent)


def _titled(entry: CatalogueEntry) -> tuple[str, list[Reference]]:
    line = f'Fiche {entry.code} "{entry.title}"'
    return line, [Reference(entry.code, "fiche", label=entry.title, raw=line)]


def _link_line(
    ctx: Context, kind: str, entry: CatalogueEntry, others: list[CatalogueEntry], present: set[str]
) -> tuple[str, list[Reference]]:
    rng = ctx.rng
    same_pillar = [e for e in others if e.pillar == entry.pillar] or others
    if kind == "multi":
        picked = []
        for _ in range(rng.randint(2, 4)):
            e = _pick_entry(rng, same_pillar, present)
            if e and e not in picked:
                picked.append(e)
        picked.sort(key=lambda e: [int(x) for x in e.code.split(".")])
        if len(picked) > 1:
            line = "Fiches " + "/".join(e.code for e in picked)
            return line, [Reference(e.code, "fiche", raw=line) for e in picked]
        # A lone "Fiche 2.2.4" line would read as the start of a new fiche: give its title.
        return _titled(picked[0])
    if kind == "titled":
        return _titled(_pick_entry(rng, others, present))
    if kind == "compact":
        short = [e for e in others if all(len(p) == 1 for p in e.code.split("."))]
        e = _pick_entry(rng, short or others, present)
        compact = e.code.replace(".", "") if short else e.code
        line = f"Fiche {compact}{NBSP}: {e.title}"
        return line, [Reference(e.code, "fiche", label=e.title, raw=line)]
    if kind in ("axe", "axe_fiches"):
        e = _pick_entry(rng, [o for o in others if o.axis != entry.axis] or others, present)
        label = e.axis_label[0].lower() + e.axis_label[1:]
        refs = [Reference(f"axe {e.axis}", "axe", label=label)]
        line = f'Axe {e.axis} "{label}"'
        siblings = [o for o in others if o.axis == e.axis]
        if kind == "axe_fiches" and len(siblings) >= 2:
            pair = sorted(rng.sample(siblings, 2), key=lambda o: int(o.code.split(".")[-1]))
            refs = [Reference(f"axe {e.axis}", "axe")]
            refs += [Reference(o.code, "fiche", label=o.title) for o in pair]
            line = (
                f'Axe {e.axis} et fiches {pair[0].code} "{pair[0].title}" '
                f'et {pair[1].code} "{pair[1].title}"'
            )
        for ref in refs:
            ref.raw = line
        return line, refs
    axis = rng.choice(load("actors")["transversal"])
    sentence = rng.choice(axis["sentences"])
    line = f"{axis['key']}{NBSP}: {sentence}"
    return line, [Reference(axis["key"], "transversal", label=sentence, raw=line)]


def links(
    ctx: Context, entry: CatalogueEntry, catalogue: list[CatalogueEntry], present: set[str]
) -> tuple[list[str], list[Reference]]:
    """Cross-reference lines: fiche codes ("Fiches 1.1.2/1.1.4", "Fiche 411 : …"), axes,
    transversal axes; some targets are fiches the contract never wrote."""
    others = [e for e in catalogue if e.code != entry.code]
    kinds = ["multi", "titled", "compact", "axe", "axe_fiches", "transversal"]
    lines, refs, seen = [], [], set()
    for kind in ctx.rng.sample(kinds, ctx.rng.randint(1, 4)):
        line, found = _link_line(ctx, kind, entry, others, present)
        new = [r for r in found if r.target not in seen]
        if not new:
            continue
        seen.update(r.target for r in new)
        lines.append(line)
        refs.extend(new)
    return lines, refs


def fiche_draft(
    ctx: Context,
    entry: CatalogueEntry,
    catalogue: list[CatalogueEntry],
    present: set[str],
    style: str,
    kind: str = "orientation",
) -> FicheDraft:
    """The records of one fiche orientation (or, with ``kind="action"``, of a fiche written
    by hand in the canonical format) and the written forms of its sections."""
    rng, spec = ctx.rng, pillar(entry.pillar)
    items = [Item(ctx.fill(t)) for t in ctx.pick(spec["context"], 1, 3)]
    partner_text, partners = partner_line(ctx, entry.pillar, rng.randint(5, 12))
    animateur = rng.choice(load("piliers")["animateurs"])
    values = ctx.values()
    animateur_text = fill(animateur["text"], **values)
    partners.insert(
        0,
        PartnerMention(
            fill(animateur["name"], **values),
            animateur["kind"],
            role="animateur",
            raw=animateur_text,
        ),
    )
    calendar = rng.choice(load("piliers")["calendars"][ctx.period])
    scale = rng.choice(load("piliers")["scales"])
    territories: list[str] = []
    if scale == "{quartiers}":
        territories = ctx.pick(ctx.territory.quartier_names, 1, 3)
        scale = ", ".join(territories)
    link_lines, references = links(ctx, entry, catalogue, present)
    if style == "2015" and rng.random() < 0.3:
        link_lines.append("Les fiches opérationnelles de chacun des trois axes transversaux")
    indicators = [
        Indicator("realisation", t) for t in ctx.pick(spec["indicators_realisation"], 1, 5)
    ]
    indicators += [Indicator("effet", t) for t in ctx.pick(spec["indicators_effet"], 1, 3)]
    fiche = Fiche(
        code=entry.code,
        title=entry.title,
        kind=kind,
        version="2017" if style == "2017" else None,
        pillar=entry.pillar,
        axis=entry.axis,
        enjeu=rng.choice(entry.enjeux),
        context=items,
        objectives=[Item(ctx.fill(t)) for t in ctx.pick(spec["objectives"], 2, 8)],
        expected_outputs=[Item(ctx.fill(t)) for t in ctx.pick(spec["outputs"], 1, 6)],
        expected_effects=[Item(ctx.fill(t)) for t in ctx.pick(spec["effects"], 1, 3)],
        partners=partners,
        dispositifs=dispositifs(ctx, entry.pillar, 1, 3),
        funding=funding_lines(ctx, entry.pillar, 0, 4),
        indicators=indicators,
        links=references,
        calendar=list(calendar["values"]),
        scale=scale,
        territories=territories,
    )
    return FicheDraft(
        fiche=fiche,
        partner_text=partner_text,
        animateur_text=animateur_text,
        calendar_lines=list(calendar["lines"]),
        link_lines=link_lines,
        plans_form=style == "2017" and rng.random() < 0.4,
    )


# --- layout -----------------------------------------------------------------------------


def _bullets(texts: list[str], typographic: bool) -> list[str]:
    out = []
    for i, text in enumerate(texts):
        text = fancy_apostrophes(text) if typographic else text
        out.append(("\t" if i == 0 else "") + "· " + text)
    return out


def _section(heading: str, texts: list[str], typographic: bool, gap: bool = True) -> list[str]:
    return [f"\t{heading}", *([""] if gap else []), *_bullets(texts, typographic), ""]


def _indicator_texts(fiche: Fiche, kind: str) -> list[str]:
    return [i.label for i in fiche.indicators if i.kind == kind]


def _head(fiche: Fiche, style: str, first: bool) -> list[str]:
    p, a = fiche.pillar, fiche.axis.split(".")[-1]
    if style == "2015":
        words = caps(fiche.title).split()
        half = max(1, len(words) // 2)
        title = [" ".join(words[:half]) + " ", " ".join(words[half:])]
        return [f"FICHE {fiche.code}", "", *title, "", f"\tPilier: {p}", f"Axe{NBSP}: {a}", ""]
    lead = "" if first else " "
    title = fancy_apostrophes(caps(fiche.title))
    return [
        f"{lead}FICHE {fiche.code} (version 2017)",
        title,
        "",
        f"\tPilier {p}",
        f"Axe{NBSP} {a}",
        "",
    ]


def _partners_block(draft: FicheDraft, style: str) -> list[str]:
    fiche = draft.fiche
    out = ["\tPartenaires mobilisables (dont habitants)", "Dispositifs mobilisables", ""]
    names = [d.raw or d.name for d in fiche.dispositifs]
    if style == "2015":
        out += ["\tPartenaires", draft.partner_text, "Dispositifs", ", ".join(names) + "…"]
    elif draft.plans_form:
        out += [f"\tLes partenaires{NBSP}: {draft.partner_text}", f"Les plans et schémas{NBSP}:"]
        out += [f"· {d.name} ({d.owner})" for d in fiche.dispositifs]
    else:
        out += ["\tLes partenaires ", draft.partner_text, "Les dispositifs mobilisables "]
        out.append(", ".join(names) + "…")
    return [*out, ""]


def render_fiche(draft: FicheDraft, style: str, first: bool = True) -> list[str]:
    """The lines of one fiche in the 2015 or 2017 layout."""
    fiche, typo = draft.fiche, style == "2017"
    lines = _head(fiche, style, first)
    lines += [f"\tEnjeu{NBSP}: {fiche.enjeu}", "", "", ""]
    context = [fancy_apostrophes(i.text) if typo else i.text for i in fiche.context]
    lines += ["\tContexte ", "", "\t" + context[0], *context[1:], ""]
    lines += _section("Objectifs et dynamiques", [i.text for i in fiche.objectives], typo)
    lines += _section("Réalisations attendues ", [i.text for i in fiche.expected_outputs], typo)
    lines += _section("Effets attendus ", [i.text for i in fiche.expected_effects], typo)
    if style == "2015":
        lines += [
            f"\tEchelle{NBSP}(agglomération/ ville/ quartier)",
            "Villes et quartiers concernés",
        ]
        lines += [f"\t· {fiche.scale} ", ""]
        lines += ["\tAnimateur", f"\t· {draft.animateur_text} ", ""]
    else:
        lines += [f"\tEchelle{NBSP}Territoriale", f"\t· {fiche.scale}", ""]
        lines += ["\tAnimateur", f"\t {draft.animateur_text}", ""]
    lines += _partners_block(draft, style)
    lines.append("\tFinancements mobilisables")
    if style == "2017":
        lines.append(f"(Quels sont les financements mobilisables connus à ce jour{NBSP}?)")
    if fiche.funding:
        lines += _bullets([f.raw or f.label for f in fiche.funding], False)
    else:
        lines.append("\t")
    lines += ["", "\tCalendrier", *([""] if style == "2015" else [])]
    lines += ["\t" + draft.calendar_lines[0], *draft.calendar_lines[1:], ""]
    lines += _section("indicateurs de réalisation", _indicator_texts(fiche, "realisation"), typo)
    lines += _section("Indicateurs d\u2019effets", _indicator_texts(fiche, "effet"), typo)
    lines.append("\t" + LINKS_HEADING + (NBSP if style == "2015" else ""))
    for i, line in enumerate(draft.link_lines):
        lines.append(("\t" if i == 0 else "") + line)
        if style == "2017":
            lines.append("")
    return lines


def render_document(drafts: list[FicheDraft], style: str) -> str:
    """The text of a document holding one or more fiches (2017 documents often hold two)."""
    lines: list[str] = [] if style == "2015" else ["", "", ""]
    for i, draft in enumerate(drafts):
        if i:
            lines += ["", "", ""]
        lines += render_fiche(draft, style, first=i == 0)
    if style == "2015":
        lines += ["", "", "", "Contrat de ville", "Fiche orientation opérationnelle"]
    else:
        lines.append(" ")
    return "\n".join(lines) + "\n"
