"""The data of one view: nodes and edges as the page's script reads them (JSON).

Node and edge kinds carry their French label, colour (Okabe-Ito palette, readable by
colour-blind readers) and shape; every node carries its measures (for "size by") and the
rows of its tooltip and side panel. :func:`embed_json` makes the JSON safe to put in a
``<script type="application/json">`` block: the page reads it with ``JSON.parse`` and
writes every text with ``textContent``.

>>> from policykg.viz.analytics_graph import Analytics
>>> from policykg.viz.networks import NetworkData
>>> import networkx as nx
>>> g = nx.Graph([("a", "b", {"weight": 2, "fiches": 1, "actions": 1})])
>>> nx.set_node_attributes(g, {"a": "A", "b": "<b>B</b>"}, "label")
>>> data = Payload(Analytics(NetworkData())).add_graph(g, "comobilisation").data()
>>> [n["full"] for n in data["nodes"]], data["edges"][0]["from"], data["edges"][0]["to"]
(['A', '<b>B</b>'], 0, 1)
>>> str(embed_json(data["nodes"][1]["full"]))
'"\\\\u003cb\\\\u003eB\\\\u003c/b\\\\u003e"'
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

import networkx as nx
from markupsafe import Markup

from policykg.viz.analytics_graph import Analytics
from policykg.viz.metrics import NodeMetrics

KINDS = {
    "organisation": ("Organisation nommée", "#0072B2", "dot"),
    "profession": ("Profession", "#CC79A7", "dot"),
    "category": ("Catégorie d'acteurs", "#E69F00", "dot"),
    "unknown": ("Acteur de nature non précisée", "#999999", "dot"),
    "fiche": ("Fiche", "#009E73", "square"),
    "absent": ("Fiche citée, absente du corpus", "#A6D8C6", "square"),
    "action": ("Action", "#56B4E9", "triangle"),
    "dispositif": ("Dispositif", "#D55E00", "diamond"),
    "community": ("Communauté d'acteurs (regroupée)", "#F0E442", "hexagon"),
}
# Edge kinds: label, colour, dashed.
EDGE_KINDS = {
    "comobilisation": ("Co-mobilisation (fiches et actions en commun)", "#6B8FB3", False),
    "involvement": ("Mobilisé dans", "#9AA5B1", False),
    "reference": ("Renvoi explicite", "#333333", False),
    "implicit": ("Lien implicite (enjeu, partenaires, dispositifs, financements)", "#E69F00", True),
    "uses": ("Dispositif mobilisé", "#D55E00", False),
    "employer": ("Employeur", "#CC79A7", True),
    "community": ("Liens entre communautés", "#6B8FB3", False),
}
SIZE_MEASURES = {
    "weighted_degree": "Degré pondéré",
    "betweenness": "Intermédiarité",
    "eigenvector": "Vecteur propre",
    "closeness": "Proximité",
    "degree": "Degré",
    "bridging": "Score passerelle",
}
_LABEL_MAX = 40
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def embed_json(payload) -> Markup:
    """JSON for a ``<script type="application/json">`` block: no ``</script>``, no ``<!--``.

    >>> str(embed_json({"t": "</script><!--x"}))
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003c!--x"}'
    >>> json.loads(str(embed_json({"t": "</script>"})))
    {'t': '</script>'}
    """
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text))


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1].rstrip() + "…"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _metric_rows(m: NodeMetrics | None) -> list[list[str]]:
    if m is None:
        return []
    rows = [[label, _fmt(getattr(m, name))] for name, label in SIZE_MEASURES.items()]
    return rows + [["Communauté", str(m.community)]]


class Payload:
    """The nodes and edges of one view, as the page's script reads them."""

    def __init__(self, analytics: Analytics):
        self.analytics = analytics
        self.nodes: list[dict] = []
        self.edges: list[dict] = []
        self.ids: dict[str, int] = {}

    def node(self, key: str, attrs: dict, degree: int) -> int:
        """Add a node from its graph attributes (see :mod:`.networks`); its id."""
        a = self.analytics
        kind, info = attrs.get("view_kind") or attrs.get("kind", "unknown"), []
        metrics = {"degree": degree, "weighted_degree": float(degree)}
        measured = None
        if attrs.get("type") == "actor":
            measured = a.metrics["all"].nodes.get(key) if "all" in a.metrics else None
            kind = attrs.get("kind", "unknown")
            net = a.networks.get("all")
            known = net.nodes[key] if net is not None and key in net else {}
            contracts = known.get("contracts", [])
            info = [
                ["Nature", KINDS[kind][0]],
                ["Rôles", ", ".join(known.get("roles", []))],
                ["Contrats", ", ".join(contracts)],
                ["Documents sources", ", ".join(known.get("documents", []))],
            ]
            info += [
                [k, v]
                for k, v in (
                    ("Sigle", attrs.get("acronym")),
                    ("Nom développé", attrs.get("full_name")),
                )
                if v
            ]
            employer = attrs.get("employer")
            if employer:
                info.append(
                    [
                        "Employeur",
                        a.data.actors[employer].label if employer in a.data.actors else employer,
                    ]
                )
        elif attrs.get("type") in ("fiche", "action"):
            measured = a.metrics["fiches"].nodes.get(key) if "fiches" in a.metrics else None
            kind = "absent" if attrs.get("absent") and attrs["type"] == "fiche" else attrs["type"]
            contracts = [attrs["contract"]]
            info = [
                ["Type", KINDS[kind][0]],
                ["Code", attrs.get("code") or ""],
                ["Intitulé", attrs.get("title") or ""],
                ["Contrat", attrs["contract"]],
                ["Document source", attrs.get("document") or "absent du corpus"],
                ["Ligne", str(attrs.get("line") or "")],
            ]
        else:
            contracts = attrs.get("contracts", [])
            info = list(attrs.get("info", []))
        if measured is not None:
            metrics = {name: round(getattr(measured, name), 6) for name in SIZE_MEASURES}
        info = [row for row in info if row[1]] + _metric_rows(measured)
        if not key.startswith("community:"):
            info.append(["IRI", key])
        self.ids[key] = len(self.nodes)
        label = attrs.get("label") or key
        self.nodes.append(
            {
                "id": len(self.nodes),
                "label": _short(label),
                "full": label,
                "kind": kind,
                "contracts": sorted(contracts),
                "metrics": metrics,
                "info": info,
            }
        )
        return self.ids[key]

    def edge(self, u: str, v: str, attrs: dict) -> None:
        """Add an edge between two added nodes from its graph attributes."""
        kind, info, arrows, value = attrs.get("view_kind", "involvement"), [], None, None
        if "reasons" in attrs:
            kind = "implicit"
            for r in attrs["reasons"]:
                if "source" in r:
                    kind = "reference"
                    if r["source"] == v:  # keep the citing unit first
                        u, v = v, u
                        break
            directions = {(r["source"], r["target"]) for r in attrs["reasons"] if "source" in r}
            arrows = ("to, from" if len(directions) > 1 else "to") if directions else None
            for r in attrs["reasons"]:
                info.append([r["label"], ", ".join(r["items"])])
        elif kind == "comobilisation":
            value = attrs["weight"]
            info = [
                ["Fiches en commun", str(attrs["fiches"])],
                ["Actions en commun", str(attrs["actions"])],
            ]
        elif kind == "community":
            value = attrs["weight"]
            info = [["Co-mobilisations entre les deux communautés", str(attrs["weight"])]]
        else:
            info = list(attrs.get("info", []))
        item = {"from": self.ids[u], "to": self.ids[v], "kind": kind, "info": info}
        if arrows:
            item["arrows"] = arrows
        if value is not None:
            item["value"] = value
        self.edges.append(item)

    def add_graph(self, graph: nx.Graph, edge_kind: str | None = None) -> Payload:
        """Add every node and edge of a graph, in sorted order."""
        for key in sorted(graph):
            self.node(key, graph.nodes[key], graph.degree(key))
        for u, v in sorted(tuple(sorted(e)) for e in graph.edges()):
            attrs = dict(graph.edges[u, v])
            if edge_kind and "view_kind" not in attrs:
                attrs["view_kind"] = edge_kind
            self.edge(u, v, attrs)
        return self

    def data(self) -> dict:
        """The JSON-ready data of the page: nodes, edges, legend, contracts, measures."""
        node_kinds = defaultdict(int)
        for n in self.nodes:
            node_kinds[n["kind"]] += 1
        edge_kinds = defaultdict(int)
        for e in self.edges:
            edge_kinds[e["kind"]] += 1
        contracts = sorted({c for n in self.nodes for c in n["contracts"]})
        labels = {
            self.analytics.data.contract_id(iri): entry.get("label", iri)
            for iri, entry in self.analytics.data.contracts.items()
        }
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "kinds": [
                {
                    "id": k,
                    "label": KINDS[k][0],
                    "color": KINDS[k][1],
                    "shape": KINDS[k][2],
                    "count": node_kinds[k],
                }
                for k in KINDS
                if node_kinds[k]
            ],
            "edgeKinds": [
                {
                    "id": k,
                    "label": EDGE_KINDS[k][0],
                    "color": EDGE_KINDS[k][1],
                    "dashes": EDGE_KINDS[k][2],
                    "count": edge_kinds[k],
                }
                for k in EDGE_KINDS
                if edge_kinds[k]
            ],
            "contracts": [{"id": c, "label": labels.get(c, c)} for c in contracts],
            "sizeBy": [{"id": k, "label": v} for k, v in SIZE_MEASURES.items()],
        }
