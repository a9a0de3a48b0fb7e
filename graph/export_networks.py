"""Network files of an export, for Gephi and other graph tools: GEXF and GraphML.

Two networks, both read from the graph by :mod:`policykg.viz.networks`:

- ``networks/actors.gexf|graphml``: actors linked when they are mobilised in the same
  fiches or actions (``weight`` = how many);
- ``networks/fiches.gexf|graphml``: fiches and actions linked by explicit references and
  by what they share (same enjeu, partners, dispositifs, funding lines), one edge per pair
  with its ``kinds`` of link.

Every node carries the measures of :mod:`policykg.viz.metrics` (degree, weighted degree,
betweenness, closeness, eigenvector, bridging, community), floats rounded to six decimals
so that files are reproducible. GEXF and GraphML
hold only scalar attributes: lists are joined with ``" ; "`` and missing values dropped.

>>> import networkx as nx
>>> g = nx.Graph()
>>> g.add_edge("a", "b", weight=2, distance=0.5)
>>> g.add_edge("b", "c", weight=1, distance=1.0)
>>> with_centralities(g).nodes["b"]["betweenness"]
1.0
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

NETWORKS_DIR = "networks"
LIST_SEPARATOR = " ; "
_DIGITS = 6


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, _DIGITS)
    if isinstance(value, list | tuple | set):
        items = [_scalar(v) for v in value]
        return LIST_SEPARATOR.join(str(v) for v in items if v is not None and v != "")
    if isinstance(value, dict):
        return None
    return None if value is None else str(value)


def _flat(attrs: dict[str, Any]) -> dict[str, Any]:
    flat = {}
    for key, value in sorted(attrs.items()):
        if key == "reasons":
            flat["kinds"] = LIST_SEPARATOR.join(sorted({r["kind"] for r in value}))
            flat["reasons"] = LIST_SEPARATOR.join(sorted({r["label"] for r in value}))
            continue
        scalar = _scalar(value)
        if scalar is not None and scalar != "":
            flat[key] = scalar
    return flat


def _centralities(graph: nx.Graph) -> dict[str, dict[str, float | int]]:
    """Node measures of :func:`policykg.viz.metrics.compute_metrics`, by measure name."""
    from policykg.viz.metrics import compute_metrics

    metrics = compute_metrics(graph)
    values: dict[str, dict[str, float | int]] = {}
    for node, measures in metrics.nodes.items():
        for name, value in measures.as_dict().items():
            if name != "node":
                values.setdefault(name, {})[node] = value
    return values


def with_centralities(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph``, sorted, with scalar attributes and centralities on every node."""
    out = nx.Graph()
    for node in sorted(graph.nodes):
        out.add_node(node, **_flat(graph.nodes[node]))
    for u, v in sorted(tuple(sorted(e)) for e in graph.edges):
        out.add_edge(u, v, **_flat(graph.edges[u, v]))
    for name, by_node in _centralities(out).items():
        for node, value in by_node.items():
            out.nodes[node][name] = round(value, _DIGITS) if isinstance(value, float) else value
    return out


def _write_gexf(graph: nx.Graph, path: Path, date: str) -> None:
    nx.write_gexf(graph, path, encoding="utf-8", prettyprint=True)
    text = path.read_text(encoding="utf-8")
    # networkx stamps today's date: use the export's date so that files are reproducible.
    text = re.sub(r'lastmodifieddate="[^"]*"', f'lastmodifieddate="{date}"', text, count=1)
    path.write_text(text, encoding="utf-8")


def actor_and_fiche_networks(store: ox.Store) -> dict[str, nx.Graph]:
    """The actor network and the (undirected) fiche network of the whole store."""
    from policykg.viz.networks import actor_network, fiche_network, load_network_data, undirected

    data = load_network_data(store)
    return {"actors": actor_network(data), "fiches": undirected(fiche_network(data))}


def write_networks(store: ox.Store, dest: Path, date: str) -> list[Path]:
    """Write ``networks/{actors,fiches}.{gexf,graphml}`` under ``dest``."""
    folder = dest / NETWORKS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, graph in sorted(actor_and_fiche_networks(store).items()):
        graph = with_centralities(graph)
        _write_gexf(graph, folder / f"{name}.gexf", date)
        nx.write_graphml(graph, folder / f"{name}.graphml", encoding="utf-8", prettyprint=True)
        written += [folder / f"{name}.gexf", folder / f"{name}.graphml"]
    return written
