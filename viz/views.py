"""Offline, self-contained HTML views of the networks (vis-network, as shipped by pyvis).

One file per view under ``OUT/views/``: ``actors.html`` (co-mobilisation), ``fiches.html``
(fiche network), ``graph.html`` (actors, fiches, actions, dispositifs), one
``contract-ID.html`` per contract, and ego networks on demand (:func:`write_ego_view`).

Why not pyvis's own page: its template links Bootstrap from a CDN whatever
``cdn_resources`` says, and ``"local"``/``"remote"`` load vis-network from CDNs; its object
model is also quadratic in the number of nodes. pyvis stays the dependency that ships
vis-network (``pyvis/lib/vis-*/vis-network.min.js`` and ``.css``): we inline those files,
with our own script and style (``viz/static/``), into our own Jinja2 template
(``viz/templates/view.html``, autoescaped), and build the node and edge data ourselves
(:mod:`.payload`).
Nothing is fetched: every script and style is inline and a Content-Security-Policy forbids
any request.

Document text is data. The graph goes into a ``<script type="application/json">`` block
(:func:`embed_json` escapes ``<``, ``>``, ``&``, U+2028 and U+2029) read with
``JSON.parse``; the script writes every text with ``textContent`` and builds tooltips as DOM
elements. Above ``limit`` nodes (:data:`MAX_NODES`, where vis-network's physics gets slow) a
view aggregates: the most central nodes only, or actor communities as super-nodes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import jinja2
import networkx as nx
from markupsafe import Markup

from policykg.errors import PolicykgError
from policykg.graph.iris import text_key
from policykg.viz.analytics_graph import Analytics
from policykg.viz.networks import actor_attrs, unit_attrs
from policykg.viz.payload import KINDS, Payload, embed_json  # noqa: F401  (KINDS re-exported)

MAX_NODES = 2000
VIEWS_DIR = "views"
# Above this many standard views, scripts and styles are written once to views/lib/
# (beside the files, still offline) instead of inlined in each (~0.7 MB a view).
SHARED_ASSETS_ABOVE = 40
LIB_DIR = "lib"
_LIB_FILES = {
    "vis_js": "vis-network.min.js",
    "vis_css": "vis-network.css",
    "app_js": "view.js",
    "app_css": "policykg.css",
}


# Node kinds: label, colour (Okabe-Ito palette), shape.
def _inline(text: str, what: str) -> Markup:
    """A script or style to inline, refused if it could end its element early."""
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered or "<!--" in lowered:
        raise PolicykgError(f"{what} cannot be inlined safely (it contains an HTML end tag)")
    return Markup(text)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", name))


@cache
def assets() -> dict[str, Markup]:
    """The inlined scripts and styles: vis-network (from pyvis) and policykg's own."""
    lib = files("pyvis") / "lib"
    found = sorted(
        (
            d
            for d in lib.iterdir()
            if d.name.startswith("vis-")
            and (d / "vis-network.min.js").is_file()
            and (d / "vis-network.css").is_file()
        ),
        key=lambda d: _version(d.name),
    )
    if not found:
        raise PolicykgError("vis-network was not found in the pyvis package (pyvis/lib/vis-*)")
    static = files("policykg.viz") / "static"
    return {
        "vis_js": _inline((found[-1] / "vis-network.min.js").read_text("utf-8"), "vis-network"),
        "vis_css": _inline((found[-1] / "vis-network.css").read_text("utf-8"), "vis-network"),
        "app_js": _inline((static / "view.js").read_text("utf-8"), "view.js"),
        "app_css": _inline((static / "policykg.css").read_text("utf-8"), "policykg.css"),
    }


@cache
def _environment() -> jinja2.Environment:
    templates = files("policykg.viz") / "templates"
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (templates / name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context) -> str:
    """Render one of ``viz/templates/`` with autoescaping (text is escaped, never markup)."""
    return _environment().get_template(template).render(**context)


@dataclass
class ViewInfo:
    """A written view: its path (relative to OUT), title and size."""

    path: str
    title: str
    description: str
    nodes: int
    edges: int
    notes: list[str] = field(default_factory=list)


@dataclass
class ContractSlice:
    """What :func:`combined_graph` draws of one contract (or of all): its units, sorted,
    their involvements and dispositifs, in the order of the sorted keys."""

    units: list[str] = field(default_factory=list)
    involvement: list[tuple[str, str, set[str]]] = field(default_factory=list)
    dispositifs: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def contract_slices(analytics: Analytics, whole: bool = False) -> dict[str | None, ContractSlice]:
    """Every contract's :class:`ContractSlice`, by contract identifier (with ``whole``, one
    slice of everything, under ``None``), in one pass over the data: a view per contract
    would otherwise sort all of it once per contract."""
    data = analytics.data
    slices: dict[str | None, ContractSlice] = defaultdict(ContractSlice)
    key = {iri: None if whole else data.contract_id(u.contract) for iri, u in data.units.items()}
    for iri in sorted(data.units):
        slices[key[iri]].units.append(iri)
    for (unit, actor), roles in sorted(data.involvement.items()):
        if unit in key:
            slices[key[unit]].involvement.append((unit, actor, roles))
    for (unit, kind), targets in sorted(data.links.items()):
        if kind == "dispositifs" and unit in key:
            slices[key[unit]].dispositifs.append((unit, targets))
    return dict(slices)


def combined_graph(
    analytics: Analytics, contract: str | None = None, part: ContractSlice | None = None
) -> nx.Graph:
    """Actors, fiches, actions and dispositifs with every link between them (one contract
    or all): involvement, employers, dispositifs used, references and implicit links.

    ``part``: the contract's slice when already made (see :func:`contract_slices`).
    """
    data = analytics.data
    if part is None:
        slices = contract_slices(analytics, whole=contract is None)
        part = slices.get(contract, ContractSlice())
    graph = nx.Graph()
    for iri in part.units:
        graph.add_node(iri, **unit_attrs(data, data.units[iri]))
    for unit, actor, roles in part.involvement:
        if actor not in graph:
            graph.add_node(actor, **actor_attrs(data, actor))
        graph.add_edge(
            actor, unit, view_kind="involvement", info=[["Rôles", ", ".join(sorted(roles))]]
        )
    for actor in sorted(n for n, a in graph.nodes(data=True) if a.get("employer")):
        employer = graph.nodes[actor]["employer"]
        if employer not in graph:
            graph.add_node(employer, **actor_attrs(data, employer))
        graph.add_edge(
            actor,
            employer,
            view_kind="employer",
            info=[
                ["Employeur", data.actors[employer].label if employer in data.actors else employer]
            ],
        )
    used_in: dict[str, set[str]] = defaultdict(set)
    for unit, targets in part.dispositifs:
        for iri, label in sorted(targets.items()):
            if iri not in graph:
                graph.add_node(iri, type="dispositif", view_kind="dispositif", label=label)
            used_in[iri].add(data.contract_id(data.units[unit].contract))
            graph.add_edge(unit, iri, view_kind="uses", info=[["Dispositif", label]])
    for iri, contracts in used_in.items():
        graph.nodes[iri]["contracts"] = sorted(contracts)
        graph.nodes[iri]["info"] = [
            ["Nature", KINDS["dispositif"][0]],
            ["Contrats", ", ".join(sorted(contracts))],
        ]
    if analytics.fiche_links is not None:  # undirected: one edge per pair
        units = set(part.units)
        for u, v, attrs in analytics.fiche_links.edges(part.units, data=True):
            if v in units:
                graph.add_edge(u, v, reasons=attrs["reasons"], weight=attrs["weight"])
    return graph


def _score(analytics: Analytics, graph: nx.Graph):
    actors = analytics.metrics["all"].nodes if "all" in analytics.metrics else {}
    units = analytics.metrics["fiches"].nodes if "fiches" in analytics.metrics else {}

    def score(node: str) -> tuple:
        m = actors.get(node) or units.get(node)
        return (m.weighted_degree if m else 0.0, graph.degree(node), node)

    return score


def limited(graph: nx.Graph, limit: int, score, what: str) -> tuple[nx.Graph, list[str]]:
    """At most ``limit`` nodes: the highest-scoring ones, with a note saying so."""
    n = graph.number_of_nodes()
    if n <= limit:
        return graph, []
    keep = sorted(graph, key=score, reverse=True)[:limit]
    note = (
        f"Vue réduite : les {limit} {what} les plus centraux sur {n} (au-delà, "
        "l'affichage interactif devient illisible) ; les CSV de OUT/analytics/ ont tout."
    )
    return graph.subgraph(keep).copy(), [note]


def community_graph(analytics: Analytics) -> nx.Graph:
    """The actor network with each Louvain community folded into one super-node."""
    metrics, actors = analytics.metrics["all"], analytics.networks["all"]
    graph = nx.Graph()
    for number, (members, top) in enumerate(
        zip(metrics.communities, metrics.community_leaders(), strict=True), 1
    ):
        leaders = [actors.nodes[m.node]["label"] for m in top]
        contracts = sorted({c for m in members for c in actors.nodes[m].get("contracts", [])})
        graph.add_node(
            f"community:{number}",
            type="community",
            view_kind="community",
            label=f"Communauté {number} ({len(members)} acteurs)",
            contracts=contracts,
            info=[
                ["Acteurs", str(len(members))],
                ["Les plus centraux", ", ".join(leaders)],
                ["Contrats", ", ".join(contracts)],
            ],
        )
    for u, v, attrs in actors.edges(data=True):
        a = f"community:{metrics.nodes[u].community}"
        b = f"community:{metrics.nodes[v].community}"
        if a != b:
            weight = graph.edges[a, b]["weight"] if graph.has_edge(a, b) else 0
            graph.add_edge(a, b, view_kind="community", weight=weight + attrs["weight"])
    return graph


def write_view(
    out_dir: str | Path,
    name: str,
    title: str,
    description: str,
    payload: Payload,
    notes: list[str] = (),
    shared: bool = False,
) -> ViewInfo:
    """Write ``OUT/views/NAME.html`` from a payload; its :class:`ViewInfo`.

    With ``shared``, scripts and styles are linked from ``OUT/views/lib/`` (written here)
    instead of inlined.
    """
    folder = Path(out_dir) / VIEWS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    if shared:
        (folder / LIB_DIR).mkdir(exist_ok=True)
        for key, file_name in _LIB_FILES.items():
            path = folder / LIB_DIR / file_name
            if not path.exists():
                path.write_text(str(assets()[key]), encoding="utf-8")
    data = payload.data()
    html = render(
        "view.html",
        title=title,
        description=description,
        notes=list(notes),
        node_count=len(data["nodes"]),
        edge_count=len(data["edges"]),
        index_href="../index.html",
        data_json=embed_json(data),
        lib=f"{LIB_DIR}/" if shared else "",
        **assets(),
    )
    (folder / f"{name}.html").write_text(html, encoding="utf-8")
    return ViewInfo(
        f"{VIEWS_DIR}/{name}.html",
        title,
        description,
        len(data["nodes"]),
        len(data["edges"]),
        list(notes),
    )


def write_views(
    out_dir: str | Path, analytics: Analytics, limit: int = MAX_NODES, shared: bool | None = None
) -> list[ViewInfo]:
    """Write the standard views (actors, fiches, whole graph, one per contract).

    ``shared`` (default: when there are more than :data:`SHARED_ASSETS_ABOVE` views)
    links the scripts and styles from ``views/lib/`` instead of inlining them.
    """
    if shared is None:
        shared = len(analytics.data.contracts) + 3 > SHARED_ASSETS_ABOVE
    written = []
    actors, notes = limited(
        analytics.networks["all"], limit, _score(analytics, analytics.networks["all"]), "acteurs"
    )
    written.append(
        write_view(
            out_dir,
            "actors",
            "Réseau des acteurs",
            "Deux acteurs sont liés quand ils sont mobilisés dans les mêmes fiches ou actions ; "
            "l'épaisseur du lien compte ces fiches et actions.",
            Payload(analytics).add_graph(actors, "comobilisation"),
            notes,
            shared,
        )
    )
    fiches, notes = limited(
        analytics.fiche_links, limit, _score(analytics, analytics.fiche_links), "fiches et actions"
    )
    written.append(
        write_view(
            out_dir,
            "fiches",
            "Réseau des fiches",
            "Renvois explicites entre fiches (flèches) et liens implicites : même enjeu, "
            "partenaires communs (pondérés par leur rareté), dispositifs ou financements communs.",
            Payload(analytics).add_graph(fiches),
            notes,
            shared,
        )
    )
    whole = combined_graph(analytics)
    if whole.number_of_nodes() <= limit:
        graph, notes = whole, []
    else:
        graph, notes = limited(
            community_graph(analytics), limit, lambda n: -int(n.rsplit(":", 1)[1]), "communautés"
        )
        notes = [
            f"Le graphe complet compte {whole.number_of_nodes()} nœuds : chaque "
            "communauté d'acteurs est regroupée en un nœud (voir les vues par contrat "
            "et les réseaux égocentrés pour le détail)."
        ] + notes
    written.append(
        write_view(
            out_dir,
            "graph",
            "Graphe complet",
            "Acteurs, fiches, actions et dispositifs, avec tous leurs liens.",
            Payload(analytics).add_graph(graph),
            notes,
            shared,
        )
    )
    slices = contract_slices(analytics)
    for iri in sorted(analytics.data.contracts, key=analytics.data.contract_id):
        cid = analytics.data.contract_id(iri)
        graph = combined_graph(analytics, cid, slices.get(cid, ContractSlice()))
        graph, notes = limited(graph, limit, _score(analytics, graph), "nœuds")
        label = analytics.data.contracts[iri].get("label", cid)
        written.append(
            write_view(
                out_dir,
                f"contract-{text_key(cid)}",
                label,
                "Acteurs, fiches, actions et dispositifs de ce contrat.",
                Payload(analytics).add_graph(graph),
                notes,
                shared,
            )
        )
    return written


def find_node(analytics: Analytics, kind: str, name: str, contract: str | None = None) -> str:
    """The IRI of the fiche (by code) or actor (by name or acronym) a user asks for.

    Raises :class:`PolicykgError` when nothing or several things match (naming them).
    """
    data, key = analytics.data, text_key(name)
    if kind == "fiche":
        found = sorted(
            iri
            for iri, u in data.units.items()
            if u.type == "fiche"
            and u.code
            and text_key(u.code) == key
            and (contract is None or data.contract_id(u.contract) == contract)
        )
        where = {iri: data.contract_id(data.units[iri].contract) for iri in found}
    else:
        involved = defaultdict(set)
        for unit, actor in data.involvement:
            involved[actor].add(data.contract_id(data.units[unit].contract))
        found = sorted(
            iri
            for iri, a in data.actors.items()
            if key in {text_key(a.label), text_key(a.acronym or "")}
            and (contract is None or contract in involved[iri])
        )
        where = {iri: ", ".join(sorted(involved[iri])) or "-" for iri in found}
    if not found:
        scope = f" in contract {contract!r}" if contract else ""
        raise PolicykgError(f"no {kind} {name!r}{scope} in the graph")
    if len(found) > 1:
        listed = "; ".join(f"{iri} ({where[iri]})" for iri in found)
        raise PolicykgError(f"several {kind}s match {name!r}: {listed}; pass --contract")
    return found[0]


def write_ego_view(
    out_dir: str | Path,
    analytics: Analytics,
    kind: str,
    name: str,
    contract: str | None = None,
    radius: int | None = None,
    limit: int = MAX_NODES,
) -> ViewInfo:
    """Write the ego network of a fiche (radius 1 by default) or actor (radius 2)."""
    center = find_node(analytics, kind, name, contract)
    radius = radius if radius is not None else (1 if kind == "fiche" else 2)
    whole = combined_graph(analytics)
    ego = nx.ego_graph(whole, center, radius=radius)
    score = _score(analytics, ego)
    ego, notes = limited(ego, limit, lambda n: (n == center, *score(n)), "nœuds")
    attrs = whole.nodes[center]
    if kind == "fiche":
        file_name = f"fiche-{text_key(attrs['contract'])}-{text_key(attrs['code'])}"
        title = f"Fiche {attrs['label']}"
    else:
        file_name = "actor-" + text_key(center.split("/actor/", 1)[-1], max_len=100)
        title = f"Acteur {attrs['label']}"
    description = (
        f"Réseau égocentré (rayon {radius}) : les nœuds à {radius} lien(s) au "
        f"plus de « {attrs['label']} »."
    )
    return write_view(
        out_dir, file_name, title, description, Payload(analytics).add_graph(ego), notes
    )
