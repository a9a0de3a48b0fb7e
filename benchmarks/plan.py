"""The *plan d'actions opérationnel* template: one table per pilier, one page per volet.

The layout is that of seed 004: a page header repeated on every page, a column-title row,
tab-separated rows where merged cells arrive as leading empty cells, several statuses,
types and quartiers stacked in one cell, ``<p>``/``<u>`` fragments, continuation rows that
give the status of each ``<p>`` sub-action, sub-actions carried by an organisation
("Organisation : sous-action"), and rows whose leading cells are lost.

>>> import random
>>> from benchmarks.vocabulary import make_territory, add_organisations
>>> from benchmarks.mentions import Context
>>> t = make_territory(random.Random(5), communes=2, quartiers=3)
>>> add_organisations(random.Random(5), t, 5)
>>> draft = plan_draft(Context(random.Random(6), t, "2015-2020"), "4", 9)
>>> len(draft.extraction.actions), sorted({s.kind for s in draft.extraction.structure})
(9, ['objectif', 'orientation_transversale', 'pilier', 'volet'])
>>> HEADER in render_document(draft)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from benchmarks.mentions import Context
from benchmarks.vocabulary import de, load, pillar
from policykg.loaders.records import Action, Extraction, PartnerMention, StructureItem, SubAction

HEADER = (
    "PILIER\tVOLETS\tOBJECTIFS OPERATIONNELS\tACTIONS\tEXEMPLES DE SOUS-ACTIONS\t"
    "En cours/ A réaliser\tTYPE D'ACTIONS\tQUARTIER"
)
ALL_QUARTIERS = "TOUS QUARTIERS"
LAYOUTS = ("single", "stacked", "paragraphs", "shifted")


@dataclass
class Row:
    """How one action is laid out: its cells' written forms and its layout."""

    action: Action
    markup: str
    layout: str
    objective_cell: str | None = None
    sub_texts: list[str] = field(default_factory=list)
    trailing_tab: bool = False


@dataclass
class Page:
    """One volet: a page of the table."""

    number: int
    label: str
    rows: list[Row] = field(default_factory=list)
    truncate_pillar: bool = False


@dataclass
class PlanDraft:
    """A plan d'actions document: its records (the answer key) and its pages."""

    pillar: str
    pillar_label: str
    date: str
    orientations: list[str]
    pages: list[Page]
    extraction: Extraction


def _plain(markup: str) -> str:
    return markup.replace("[", "").replace("]", "")


def _underline(markup: str) -> str:
    return re.sub(r"\[([^\]]+)\]", r"<u>\1</u>", markup)


def _quartier(ctx: Context) -> str:
    if ctx.rng.random() < 0.55:
        return ALL_QUARTIERS
    return ctx.rng.choice(ctx.territory.quartier_names).upper()


def _sub_action(ctx: Context, carried: bool) -> tuple[str, list[PartnerMention]]:
    vocab, values = load("plan"), ctx.values()
    dispositifs = [d["name"] for d in load("actors")["dispositifs"]]
    values.update(
        de_quartier=de(values["quartier"]),
        theme=ctx.rng.choice(vocab["themes"]),
        dispositif=ctx.rng.choice(dispositifs),
    )
    if carried:
        org = ctx.rng.choice(ctx.territory.organisations)[0]
        text = ctx.rng.choice(vocab["carried_sub_actions"]).format(org=org)
        return text, [PartnerMention(org, "organisation", role="porteur", raw=org)]
    template = ctx.rng.choice(vocab["sub_actions"])
    return template.format(**values), []


def _action_labels(ctx: Context, pool: list[str], count: int, used: set[str]) -> list[str]:
    """``count`` distinct action labels (with [underline] marks) drawn from ``pool``; an
    action taken again is declined by quartier, commune or year."""
    territory = ctx.territory
    complements = [f" sur le quartier {q}" for q in territory.quartier_names]
    complements += [f" à {c}" for c in territory.communes]
    complements += [f" en {ctx.start_year + y}" for y in range(6)]
    ctx.rng.shuffle(complements)
    labels = []
    for i in range(count):
        markup = pool[i % len(pool)]
        candidate = markup
        for k in range(len(complements) + 1):
            if _plain(candidate) not in used:
                break
            candidate = markup + complements[k % len(complements)]
        else:
            candidate = f"{markup} (action {len(used) + 1})"
        used.add(_plain(candidate))
        labels.append(candidate)
    return labels


def _row(ctx: Context, markup: str, objective: str, volet: int, pillar_code: str) -> Row:
    rng = ctx.rng
    layout = rng.choices(LAYOUTS, weights=(45, 15, 25, 15))[0]
    action = Action(label=_plain(markup), objective=objective, volet=str(volet), pillar=pillar_code)
    row = Row(action=action, markup=_underline(markup), layout=layout)
    if layout in ("single", "shifted"):
        action.status = rng.choice(load("plan")["statuses"])
        action.type = rng.choice(load("plan")["types"])
        action.quartiers = [_quartier(ctx)]
        if layout == "single" and rng.random() < 0.6:
            text, porteurs = _sub_action(ctx, carried=rng.random() < 0.2)
            action.sub_actions.append(SubAction(text, partners=porteurs))
            row.sub_texts.append(text)
        row.trailing_tab = rng.random() < 0.3
        return row
    for _ in range(rng.randint(2, 3 if layout == "stacked" else 4)):
        text, porteurs = _sub_action(ctx, carried=layout == "paragraphs" and rng.random() < 0.3)
        sub = SubAction(
            text,
            status=rng.choice(load("plan")["statuses"]),
            type=rng.choice(load("plan")["types"]),
            quartiers=[_quartier(ctx) if layout == "paragraphs" else ALL_QUARTIERS],
            partners=porteurs,
        )
        action.sub_actions.append(sub)
        row.sub_texts.append(text)
    for sub in action.sub_actions:
        for q in sub.quartiers:
            if q not in action.quartiers:
                action.quartiers.append(q)
    return row


def plan_draft(ctx: Context, pillar_code: str, actions: int) -> PlanDraft:
    """The records and pages of the plan d'actions of one pilier with ``actions`` actions."""
    rng, vocab = ctx.rng, load("plan")
    spec = vocab["piliers"][pillar_code]
    label = pillar(pillar_code)["label"]
    volets = spec["volets"][: max(1, min(len(spec["volets"]), actions))]
    structure = [StructureItem("pilier", pillar_code, label)]
    orientations = rng.sample(vocab["orientations_transversales"], 3)
    structure += [
        StructureItem("orientation_transversale", f"OT{i}", text)
        for i, text in enumerate(orientations, start=1)
    ]
    pages, all_actions, used = [], [], set()
    sizes = [
        actions // len(volets) + (1 if i < actions % len(volets) else 0) for i in range(len(volets))
    ]
    for number, (volet, size) in enumerate(zip(volets, sizes, strict=True), start=1):
        volet_code = f"{pillar_code}.{number}"
        structure.append(StructureItem("volet", volet_code, volet["label"], parent=pillar_code))
        page = Page(number, volet["label"], truncate_pillar=number > 1 and rng.random() < 0.3)
        objectives = volet["objectives"][: max(1, min(len(volet["objectives"]), (size + 2) // 3))]
        per_objective = [
            size // len(objectives) + (1 if i < size % len(objectives) else 0)
            for i in range(len(objectives))
        ]
        labels = iter(_action_labels(ctx, volet["actions"], size, used))
        for o, (objective, count) in enumerate(zip(objectives, per_objective, strict=True), 1):
            structure.append(
                StructureItem("objectif", f"{volet_code}.{o}", objective, parent=volet_code)
            )
            for i in range(count):
                row = _row(ctx, next(labels), objective, number, pillar_code)
                if i == 0:
                    row.objective_cell = objective
                    if row.layout == "shifted":
                        row.layout = "single"
                page.rows.append(row)
                all_actions.append(row.action)
        pages.append(page)
    month = rng.choice(vocab["months"])
    extraction = Extraction(template="plan", structure=structure, actions=all_actions)
    date = f"{month} {ctx.start_year}"
    return PlanDraft(pillar_code, label, date, orientations, pages, extraction)


# --- layout -----------------------------------------------------------------------------


def _page_header(draft: PlanDraft) -> list[str]:
    lines = [f"DOCUMENT DE TRAVAIL – {draft.date}", "", "Trois orientations transversales :", ""]
    for text in draft.orientations:
        lines += [text, ""]
    return [*lines, HEADER]


def _row_lines(draft: PlanDraft, page: Page, row: Row, first: bool) -> list[str]:
    action = row.action
    if row.layout == "shifted":
        cells = [row.markup, "", action.status, action.type, action.quartiers[0], "", "", ""]
        return ["\t".join(cells)]
    lead = ["", "", row.objective_cell or ""]
    if first:
        pillar_cell = draft.pillar_label.upper()
        if page.truncate_pillar:
            pillar_cell = pillar_cell[: max(4, len(pillar_cell) * 2 // 3)]
        lead = [pillar_cell, f"{page.number}. {page.label}", row.objective_cell or ""]
    if row.layout == "single":
        cells = lead + [
            row.markup,
            " ".join(row.sub_texts),
            action.status,
            action.type,
            action.quartiers[0],
        ]
        return ["\t".join(cells) + ("\t" if row.trailing_tab else "")]
    subs = action.sub_actions
    if row.layout == "stacked":
        cells = lead + [
            row.markup,
            " ".join(row.sub_texts),
            " ".join(s.status for s in subs),
            " ".join(s.type for s in subs),
            " ".join(s.quartiers[0] for s in subs),
        ]
        return ["\t".join(cells)]
    paragraphs = " ".join(f"<p>{text}</p>" for text in row.sub_texts)
    first_sub = subs[0]
    lines = [
        "\t".join(
            lead
            + [row.markup, paragraphs, first_sub.status, first_sub.type, first_sub.quartiers[0]]
        )
    ]
    for sub in subs[1:]:
        lines.append("\t".join(["", "", "", "", "", sub.status, sub.type, sub.quartiers[0]]))
    return lines


def render_document(draft: PlanDraft) -> str:
    """The text of one plan d'actions table."""
    footer = f"PILIER {draft.pillar} - {draft.pillar_label.upper()}"
    lines = ["", ""]
    for p, page in enumerate(draft.pages):
        if p:
            lines += ["", footer, ""]
        lines += _page_header(draft)
        for r, row in enumerate(page.rows):
            lines += _row_lines(draft, page, row, first=r == 0)
    return "\n".join(lines) + "\n"
