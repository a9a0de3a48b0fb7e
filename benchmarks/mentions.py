"""Records shared by every template: partners, dispositifs, funding lines, fiche catalogues.

Each builder returns the *written* form (what a document shows) together with the records
a careful reader would extract from it, so that every generated document carries its own
answer key.

>>> import random
>>> from benchmarks.vocabulary import make_territory, add_organisations
>>> t = make_territory(random.Random(1), communes=2, quartiers=3)
>>> add_organisations(random.Random(1), t, 4)
>>> ctx = Context(random.Random(2), t, "2015-2020")
>>> line, partners = partner_line(ctx, "1", 6)
>>> len(partners) >= 6 and all(p.raw and p.raw.lower() in line.lower() for p in partners)
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from benchmarks.vocabulary import (
    Territory,
    employment_service,
    fill,
    format_amount,
    format_share,
    institutions,
    load,
    round_amount,
)
from policykg.loaders.records import Dispositif, Funding, LegalReference, PartnerMention


@dataclass
class Context:
    """What a contract's builders share: its random stream, territory and period."""

    rng: random.Random
    territory: Territory
    period: str

    @property
    def start_year(self) -> int:
        """The first year of the contract's period."""
        return int(self.period[:4])

    def values(self) -> dict[str, str]:
        """Placeholder values for vocabulary sentences (a random quartier and commune)."""
        quartier, commune = self.rng.choice(self.territory.quartiers)
        return {
            "quartier": quartier,
            "commune": commune,
            "territory": self.territory.short,
            "territory_short": self.territory.short,
            "year": str(self.start_year + self.rng.randint(0, 2)),
            "pole_emploi": employment_service(self.period),
        }

    def fill(self, text: str) -> str:
        """A vocabulary sentence with its placeholders filled for this territory."""
        return fill(text, **self.values())

    def pick(self, pool: list[Any], low: int, high: int) -> list[Any]:
        """Between ``low`` and ``high`` distinct items of ``pool``, in pool order."""
        count = min(len(pool), self.rng.randint(low, high))
        chosen = sorted(self.rng.sample(range(len(pool)), count))
        return [pool[i] for i in chosen]


@dataclass
class CatalogueEntry:
    """A fiche a contract plans: generated, or only referred to (referenced-but-absent)."""

    code: str
    title: str
    pillar: str | None
    axis: str | None
    axis_label: str | None
    enjeux: list[str]
    enjeu_kind: str | None = None


def code_key(code: str) -> tuple[int, ...]:
    """A sort key for fiche codes: "1.1.10" after "1.1.9", thematic before "T" codes."""
    numbers = tuple(int(part) for part in code.replace("T", "").strip().split("."))
    return (1 if code.startswith("T") else 0, *numbers)


def orientation_catalogue(territory: Territory, needed: int) -> list[CatalogueEntry]:
    """Every fiche orientation code a contract could hold: ``pilier.axe.n``.

    The vocabulary's titles come first; when a contract needs more fiches, the titles are
    declined by quartier ("… (quartier Les Fontaines)") with the next numbers of each axis.
    """
    entries: list[CatalogueEntry] = []
    axes = []
    for pillar in load("piliers")["piliers"]:
        for a, axis in enumerate(pillar["axes"], start=1):
            axes.append((pillar["code"], a, axis))
            for t, title in enumerate(axis["titles"], start=1):
                entries.append(_entry(pillar["code"], a, t, title, axis))
    round_ = 0
    while len(entries) < needed + needed // 4 + 2:
        for pillar_code, a, axis in axes:
            base = axis["titles"][round_ % len(axis["titles"])]
            quartier = territory.quartier_names[round_ % len(territory.quartier_names)]
            number = len(axis["titles"]) + round_ + 1
            entries.append(_entry(pillar_code, a, number, f"{base} (quartier {quartier})", axis))
        round_ += 1
    return entries


def _entry(pillar: str, axis: int, number: int, title: str, spec: dict) -> CatalogueEntry:
    return CatalogueEntry(
        code=f"{pillar}.{axis}.{number}",
        title=title,
        pillar=pillar,
        axis=f"{pillar}.{axis}",
        axis_label=spec["label"],
        enjeux=list(spec["enjeux"]),
    )


def split_selection(
    rng: random.Random, catalogue: list[CatalogueEntry], counts: list[int]
) -> list[list[CatalogueEntry]]:
    """Draw disjoint groups of the given sizes from a catalogue, each sorted by code."""
    order = rng.sample(range(len(catalogue)), min(len(catalogue), sum(counts)))
    groups, start = [], 0
    for count in counts:
        group = [catalogue[i] for i in order[start : start + count]]
        groups.append(sorted(group, key=lambda e: code_key(e.code)))
        start += count
    return groups


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def partner_line(ctx: Context, pillar: str | None, count: int) -> tuple[str, list[PartnerMention]]:
    """A comma-separated list of partners as fiches write it, and its mentions.

    It mixes categories ("centres sociaux"), professions with their employer
    ("éducateurs spécialisés (Conseil Départemental)"), institutions ("CAF", "DDCS") and
    the territory's named organisations.
    """
    rng, actors = ctx.rng, load("actors")
    parts: list[tuple[str, list[PartnerMention]]] = []
    for cat in ctx.pick(actors["categories"], 2, max(2, count // 2)):
        parts.append((cat["plural"], [PartnerMention(cat["name"], "category", raw=cat["plural"])]))
    for prof in ctx.pick(actors["professions"], 0, 3):
        written, employer = prof["plural"], None
        if prof.get("employer") and rng.random() < 0.8:
            written = f"{prof['plural']} ({prof['written']})"
            employer = prof["employer"]
        mention = PartnerMention(prof["name"], "profession", employer=employer, raw=written)
        parts.append((written, [mention]))
    for inst in ctx.pick(institutions(ctx.period), 1, 4):
        written = inst["name"]
        if written == "Conseil départemental" and rng.random() < 0.5:
            written = "Conseil Départemental"
        mention = PartnerMention(
            inst["name"],
            "organisation",
            raw=written,
            acronym=inst["name"] if inst.get("expansion") else None,
            expansion=inst.get("expansion"),
        )
        parts.append((written, [mention]))
    for name, _category in ctx.pick(ctx.territory.organisations, 0, 2):
        parts.append((name, [PartnerMention(name, "organisation", raw=name)]))
    if rng.random() < 0.2:
        networks = ctx.pick(actors["networks"], 2, 2)
        written = f"associations ({', '.join(networks)}…)"
        mentions = [PartnerMention("Association", "category", raw="associations")]
        mentions += [PartnerMention(n, "organisation", raw=n) for n in networks]
        parts.append((written, mentions))
    rng.shuffle(parts)
    texts, mentions = [], []
    for i, (written, found) in enumerate(parts):
        if i == 0 or rng.random() < 0.25:
            written = _capitalise(written)
            if found[0].raw and found[0].raw.lower() == written.lower():
                found[0].raw = written
        texts.append(written)
        mentions.extend(found)
    ending = rng.choice(["…", ".", ""])
    return ", ".join(texts) + ending, mentions


def dispositifs(ctx: Context, pillar: str | None, low: int, high: int) -> list[Dispositif]:
    """Dispositifs fitting a pilier and the contract's period, with their owner."""
    pool = [
        d
        for d in load("actors")["dispositifs"]
        if (pillar is None or d["pillar"] == pillar) and d.get("period", ctx.period) == ctx.period
    ]
    chosen = []
    for spec in ctx.pick(pool, low, high):
        owner = spec.get("owner_2024", spec["owner"]) if ctx.start_year >= 2024 else spec["owner"]
        if owner == "EPCI":
            owner = ctx.territory.short
        raw = f"{spec['name']} ({spec['acronym']})" if spec.get("acronym") else spec["name"]
        chosen.append(Dispositif(spec["name"], owner=owner, raw=raw))
    return chosen


def funding_lines(ctx: Context, pillar: str | None, low: int, high: int) -> list[Funding]:
    """Funding lines fitting a pilier and period; ``raw`` holds the line as written."""
    pool = [
        f
        for f in load("funding")["funding"]
        if f.get("period", ctx.period) == ctx.period
        and (pillar is None or pillar in f.get("pillars", [pillar]))
    ]
    return [funding(ctx, spec) for spec in ctx.pick(pool, low, high)]


def funding(ctx: Context, spec: dict[str, Any]) -> Funding:
    """One funding line from its vocabulary entry, with amounts drawn for this contract."""
    rng = ctx.rng
    values = ctx.values()
    amount = share = None
    if "amount" in spec and "{amount}" in spec["text"]:
        amount = round_amount(rng, *spec["amount"])
        style = "words" if amount >= 1_000_000 else rng.choice(["euro_sign", "euros"])
        values["amount"] = format_amount(amount, style)
    if "share" in spec:
        share = rng.choice(spec["share"])
        values["share"] = format_share(share, space=rng.random() < 0.5)
    legal = []
    if "legal" in spec:
        values["legal"] = spec["legal"]["label"]
        legal = [
            LegalReference(spec["legal"]["label"], spec["legal"]["kind"], spec["legal"]["date"])
        ]
    funders = [
        ctx.territory.short if f == "EPCI" else fill(f, pole_emploi=values["pole_emploi"])
        for f in spec.get("funders", [])
    ]
    return Funding(
        label=fill(spec["label"], **values),
        funders=funders,
        amount_eur=float(amount) if amount is not None else None,
        share=share,
        legal_basis=legal,
        kind=spec.get("kind"),
        programme=spec.get("programme"),
        raw=fill(spec["text"], **values),
    )
