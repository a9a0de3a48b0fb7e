"""The generator's vocabulary: French policy terms kept as data, and fictional places.

The data files under ``benchmarks/data/`` hold the real vocabulary of the politique de la
ville (piliers, categories of actors, institutions, dispositifs, funding lines). This module
loads them and makes up what must be fictional: communes, EPCIs, quartiers and named
organisations.

>>> de("Les Fontaines"), de("La Source"), de("Le Mail"), de("Aubeval"), de("Montclaris")
('des Fontaines', 'de la Source', 'du Mail', "d'Aubeval", 'de Montclaris')
>>> format_amount(6_000_000, "words"), format_amount(45_000, "euro_sign")
("6 millions d'euros", '45\\xa0000 €')
>>> format_share(0.325)
'32,5 %'
>>> caps("Développer l'offre")
"DEVELOPPER L'OFFRE"
"""

from __future__ import annotations

import functools
import importlib.resources
import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

NBSP = "\u00a0"
DATA_FILES = ("actors", "piliers", "funding", "plan", "projet")


@functools.cache
def load(name: str) -> dict[str, Any]:
    """One vocabulary file of ``benchmarks/data/`` (``actors``, ``piliers``…), parsed."""
    resource = importlib.resources.files("benchmarks") / "data" / f"{name}.yaml"
    return yaml.safe_load(resource.read_text(encoding="utf-8"))


def strip_accents(text: str) -> str:
    """The text without diacritics (``é`` -> ``e``), keeping ligatures such as ``œ``."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def caps(text: str) -> str:
    """Capitals without accents, the way titles are typed in the 2015 fiches."""
    return strip_accents(text).upper()


def slug(text: str) -> str:
    """An ASCII, lowercase, hyphenated identifier."""
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")


def de(name: str) -> str:
    """The French "de + name" with the article contracted (des, du, de la, d')."""
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("La "):
        return "de la " + name[3:]
    if name.startswith("L'"):
        return "de l'" + name[2:]
    if strip_accents(name[:1]).lower() in "aeiouy":
        return "d'" + name
    return "de " + name


def format_amount(eur: float, style: str) -> str:
    """An amount in euros as fiches write it.

    ``style`` is ``words`` ("1,2 million d'euros", "6 millions d'euros") for millions,
    ``euro_sign`` ("45 000 €") or ``euros`` ("45 000 euros"); thousands are separated by a
    no-break space.
    """
    if style == "words" and eur >= 1_000_000:
        millions = eur / 1_000_000
        number = f"{millions:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        unit = "million" if millions < 2 else "millions"
        return f"{number} {unit} d'euros"
    digits = f"{int(round(eur)):,}".replace(",", NBSP)
    return f"{digits} €" if style == "euro_sign" else f"{digits} euros"


def format_share(share: float, space: bool = True) -> str:
    """A fraction written as a French percentage: 0.3 -> "30 %", 0.325 -> "32,5 %"."""
    number = f"{share * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{number} %" if space else f"{number}%"


def round_amount(rng: random.Random, low: int, high: int) -> int:
    """A random amount between ``low`` and ``high``, rounded as budgets are."""
    value = rng.randint(low, high)
    step = 100_000 if value >= 1_000_000 else 1_000 if value >= 10_000 else 500
    return max(step, value // step * step)


@dataclass
class Territory:
    """A fictional EPCI: its communes, quartiers prioritaires and organisations."""

    name: str
    short: str
    river: str
    communes: list[str]
    quartiers: list[tuple[str, str]]  # (quartier, commune)
    organisations: list[tuple[str, str]] = field(default_factory=list)  # (name, category)
    bailleur: str = ""

    @property
    def main_commune(self) -> str:
        """The commune the EPCI is named after."""
        return self.communes[0]

    @property
    def quartier_names(self) -> list[str]:
        """The names of the quartiers prioritaires, in order."""
        return [q for q, _ in self.quartiers]


def proper_name(rng: random.Random) -> str:
    """A made-up place-like proper name ("Montclaris", "Aubeval")."""
    actors = load("actors")
    return rng.choice(actors["place_starts"]) + rng.choice(actors["place_ends"])


def river_name(rng: random.Random) -> str:
    """A made-up river name ("Brévonne")."""
    actors = load("actors")
    return rng.choice(actors["place_starts"]) + rng.choice(actors["river_ends"])


def commune_name(rng: random.Random, river: str) -> str:
    """A made-up commune name in one of the usual French forms."""
    form = rng.choice(load("actors")["place_forms"])
    return form.format(name=proper_name(rng), river=river)


def make_territory(rng: random.Random, communes: int, quartiers: int) -> Territory:
    """A fictional EPCI with ``communes`` communes and ``quartiers`` quartiers prioritaires."""
    actors = load("actors")
    river = river_name(rng)
    names: list[str] = []
    while len(names) < communes:
        name = commune_name(rng, river) if names else proper_name(rng)
        if name not in names:
            names.append(name)
    long_form, short_form = rng.choice(actors["territory_forms"])
    values = {"commune": names[0], "de_commune": de(names[0]), "river": river}
    pool = list(actors["quartier_names"])
    rng.shuffle(pool)
    chosen = []
    for i in range(quartiers):
        quartier = pool[i % len(pool)]
        if i >= len(pool):
            quartier = f"{quartier} {i // len(pool) + 1}"
        chosen.append((quartier, names[i % len(names)]))
    return Territory(
        name=long_form.format(**values),
        short=short_form.format(**values),
        river=river,
        communes=names,
        quartiers=chosen,
    )


def add_organisations(rng: random.Random, territory: Territory, count: int) -> None:
    """Give a territory ``count`` named organisations and a bailleur social (all fictional)."""
    actors = load("actors")
    seen = set()
    attempts = 0
    while len(territory.organisations) < count and attempts < count * 10:
        attempts += 1
        pattern = rng.choice(actors["organisation_patterns"])
        quartier, commune = rng.choice(territory.quartiers)
        name = pattern["pattern"].format(
            quartier=quartier,
            de_quartier=de(quartier),
            commune=commune,
            de_commune=de(commune),
            nom=proper_name(rng),
            sport=rng.choice(actors["sports"]),
        )
        if name not in seen:
            seen.add(name)
            territory.organisations.append((name, pattern["category"]))
    bailleur = rng.choice(actors["bailleur_patterns"])
    commune = territory.main_commune
    territory.bailleur = bailleur.format(
        commune=commune, de_commune=de(commune), nom=proper_name(rng)
    )


def institutions(period: str) -> list[dict[str, str]]:
    """The institutions a contract of that period names (DDCS in 2015, DDETS in 2024…)."""
    actors = load("actors")
    extra = (
        actors["institutions_2015"] if period.startswith("2015") else actors["institutions_2024"]
    )
    return list(actors["institutions"]) + list(extra)


def employment_service(period: str) -> str:
    """Pôle emploi for 2015-2020 contracts, France Travail for 2024-2030 ones."""
    return "Pôle emploi" if period.startswith("2015") else "France Travail"


def pillar(code: str) -> dict[str, Any]:
    """A pilier of ``piliers.yaml`` by its code ("1"…"4")."""
    return next(p for p in load("piliers")["piliers"] if p["code"] == code)


def fill(text: str, **values: str) -> str:
    """``text`` with its ``{placeholders}`` replaced; unknown placeholders are left as is."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def fancy_apostrophes(text: str) -> str:
    """The text with typographic apostrophes, as Word writes them."""
    return text.replace("'", "\u2019")
