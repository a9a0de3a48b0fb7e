"""``OUT/index.html``: key counts, the top actors, links to every view and table.

:func:`write_site` is what the build calls at its end, on the temporary output folder
and its read-write store: it measures the networks, stores the analytics graph and CSV
(:mod:`.analytics_graph`), writes the views (:mod:`.views`) and this index. The page is
rendered from ``viz/templates/index.html`` with autoescaping and needs no script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policykg.ontology.namespace import PREFIXES
from policykg.viz.analytics_graph import (
    SCOPE_LABELS,
    Analytics,
    compute_analytics,
    write_analytics,
)
from policykg.viz.metrics import EXACT_BUDGET, SEED
from policykg.viz.networks import pick_kind
from policykg.viz.payload import KINDS
from policykg.viz.views import MAX_NODES, ViewInfo, assets, render, write_views

INDEX_FILE = "index.html"
TOP_ACTORS = 15

_PREFIX = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("pkg",))
_COUNTS = {
    "contracts": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pkg:Contract }",
    "documents": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pkg:SourceDocument }",
    "fiches": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pkg:Fiche ; pkg:sourceDocument ?d }",
    "absent": """SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {
        ?x a pkg:Fiche FILTER NOT EXISTS { ?x pkg:sourceDocument ?d } }""",
    "actions": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pkg:Action }",
    "dispositifs": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pkg:Dispositif }",
    "funding": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a pkg:Funding }",
}
_ACTOR_KINDS = (
    _PREFIX
    + """
SELECT DISTINCT ?actor ?kind WHERE { ?actor a pkg:Actor OPTIONAL { ?actor pkg:actorKind ?kind } }
"""
)
COUNT_LABELS = {
    "contracts": "contrats",
    "documents": "documents sources",
    "fiches": "fiches",
    "absent": "fiches citées, absentes du corpus",
    "actions": "actions",
    "organisation": "organisations nommées",
    "category": "catégories d'acteurs",
    "profession": "professions",
    "unknown": "acteurs de nature non précisée",
    "dispositifs": "dispositifs",
    "funding": "lignes de financement",
    "references": "renvois explicites entre fiches",
    "implicit": "liens implicites entre fiches et actions",
}


def key_counts(store: ox.Store, analytics: Analytics | None = None) -> dict[str, int]:
    """The counts the index shows, by SPARQL (``DISTINCT``: the union graph is a multiset)."""
    counts = {}
    for name, query in _COUNTS.items():
        rows = store.query(_PREFIX + query)
        counts[name] = int(next(iter(rows))["n"].value)
    kinds: dict[str, set[str]] = {}
    for row in store.query(_ACTOR_KINDS):
        found = kinds.setdefault(row["actor"].value, set())
        if row["kind"] is not None:
            found.add(row["kind"].value.rsplit("/", 1)[-1])
    for kind in ("organisation", "category", "profession", "unknown"):
        counts[kind] = sum(1 for k in kinds.values() if pick_kind(k) == kind)
    if analytics is not None and analytics.fiche_links is not None:
        kinds_of = [
            {r["kind"] for r in a["reasons"]} for _, _, a in analytics.fiche_links.edges(data=True)
        ]
        counts["references"] = sum(1 for k in kinds_of if k & {"reference", "part"})
        counts["implicit"] = sum(1 for k in kinds_of if k - {"reference", "part"})
    return counts


def _top_rows(analytics: Analytics, scope: str, top: int, by: str = "weighted_degree"):
    metrics, graph = analytics.metrics.get(scope), analytics.networks.get(scope)
    if metrics is None or graph is None:
        return []
    rows = []
    for rank, m in enumerate(metrics.ranking(by, top=top), 1):
        attrs = graph.nodes[m.node]
        rows.append(
            {
                "rank": rank,
                "label": attrs["label"],
                "kind": KINDS[attrs["kind"]][0],
                "contracts": ", ".join(attrs.get("contracts", [])),
                **m.as_dict(),
            }
        )
    return rows


def write_index(
    out_dir: str | Path,
    store: ox.Store,
    analytics: Analytics,
    views: list[ViewInfo],
    tables: list[Path] = (),
) -> Path:
    """Write ``OUT/index.html`` (relative links, so the folder can move)."""
    out = Path(out_dir)
    counts = key_counts(store, analytics)
    page = render(
        "index.html",
        counts=[(COUNT_LABELS[k], counts[k]) for k in COUNT_LABELS if k in counts],
        organisations=_top_rows(analytics, "organisation", TOP_ACTORS),
        everyone=_top_rows(analytics, "all", TOP_ACTORS),
        bridging=_top_rows(analytics, "all", 10, by="bridging"),
        views=views,
        tables=[p.relative_to(out).as_posix() if p.is_absolute() else str(p) for p in tables],
        notes=analytics.notes(),
        scope_labels=SCOPE_LABELS,
        app_css=assets()["app_css"],
    )
    path = out / INDEX_FILE
    path.write_text(page, encoding="utf-8")
    return path


@dataclass
class SiteReport:
    """What :func:`write_site` wrote."""

    index: Path
    views: list[ViewInfo] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"wrote {self.index} with {len(self.views)} views and {len(self.tables)} "
            f"analytics tables"
        )


def write_site(
    store: ox.Store,
    out_dir: str | Path,
    progress: Callable[[str], None] | None = None,
    limit: int = MAX_NODES,
    seed: int = SEED,
    budget: int = EXACT_BUDGET,
) -> SiteReport:
    """Analytics (graph + CSV), views and index for the graph in ``store`` (read-write)."""
    analytics = compute_analytics(store, seed=seed, budget=budget, progress=progress)
    tables = write_analytics(store, analytics, out_dir)
    if progress:
        progress(f"writing views into {Path(out_dir) / 'views'}")
    views = write_views(out_dir, analytics, limit)
    index = write_index(out_dir, store, analytics, views, tables)
    return SiteReport(index, views, tables, analytics.notes())
