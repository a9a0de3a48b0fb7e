"""Commands over the networks of a built graph: ``centrality``, ``views`` and ``view``.

Registered in the ``policykg`` group by :mod:`policykg.cli` (``main.add_command``). The
work is done by :mod:`policykg.viz`. ``centrality`` and ``view`` open the store read-only
and use the stored analytics graph when there is one; ``views`` opens it read-write to
store the analytics graph again.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from policykg.cli_common import out_option, user_errors
from policykg.errors import PolicykgError
from policykg.viz.metrics import METRICS

KIND_CHOICES = ("organisation", "category", "profession", "all")
_COLUMNS = ("rank", "label", "kind", "contracts", *METRICS, "community")


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def ranking_rows(analytics, scope: str, by: str, top: int | None) -> list[dict]:
    """The ranking of one scope as rows (rank, label, kind, contracts, measures…)."""
    metrics, graph = analytics.metrics[scope], analytics.networks[scope]
    rows = []
    for rank, m in enumerate(metrics.ranking(by, top=top), 1):
        attrs = graph.nodes[m.node] if m.node in graph else {}
        rows.append(
            {
                "rank": rank,
                "label": attrs.get("label", m.node),
                "kind": attrs.get("kind", ""),
                "contracts": " ".join(attrs.get("contracts", [])),
                **{k: v for k, v in m.as_dict().items() if k != "node"},
                "iri": m.node,
            }
        )
    return rows


def _table(rows: list[dict]) -> str:
    header = [
        "#",
        "actor",
        "kind",
        "contracts",
        "degree",
        "w.degree",
        "betweenness",
        "eigenvector",
        "closeness",
        "bridging",
        "comm.",
    ]
    cells = [
        [
            str(r["rank"]),
            r["label"],
            r["kind"],
            r["contracts"],
            str(r["degree"]),
            f"{r['weighted_degree']:g}",
            f"{r['betweenness']:.4f}",
            f"{r['eigenvector']:.4f}",
            f"{r['closeness']:.4f}",
            f"{r['bridging']:.3g}",
            str(r["community"]),
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    numeric = {0, 4, 5, 6, 7, 8, 9, 10}
    lines = []
    for row in [header, *cells]:
        lines.append(
            "  ".join(
                c.rjust(w) if i in numeric else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(line.rstrip() for line in lines)


@click.command("centrality")
@out_option
@click.option(
    "--kind",
    type=click.Choice(KIND_CHOICES),
    default="organisation",
    show_default=True,
    help="Which actors: named organisations, generic categories, professions, "
    "or all together (each kind is measured in its own network).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many actors to print.",
)
@click.option(
    "--by",
    type=click.Choice(METRICS),
    default="weighted_degree",
    show_default=True,
    help="The measure to rank by.",
)
@click.option(
    "--contract", default=None, metavar="ID", help="Only this contract (measured now, in memory)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@user_errors
def centrality_command(
    out: Path, kind: str, top: int, by: str, contract: str | None, fmt: str
) -> None:
    """Print the ranking of actors by centrality in the co-mobilisation network of OUT.

    Two actors are linked when they are mobilised in the same fiches or actions. Uses the
    analytics stored by `policykg build` (or `policykg views`); computes them if absent.
    """
    from policykg.graph.store import open_store
    from policykg.viz.analytics_graph import SCOPE_LABELS, load_analytics

    store = open_store(out)
    analytics, stored = load_analytics(store, contract)
    if not stored and contract is None:
        _echo_err(f"no analytics graph in {out}: measured now (run `policykg views` to store)")
    rows = ranking_rows(analytics, kind, by, top)
    graph = analytics.networks[kind]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=[*_COLUMNS, "iri"], extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(
        f"{SCOPE_LABELS[kind]}: {graph.number_of_nodes()} actors, "
        f"{graph.number_of_edges()} co-mobilisation links; ranked by {by}"
    )
    click.echo(_table(rows) if rows else "(no actors)")
    for note in analytics.metrics[kind].notes:
        click.echo(f"note: {note}")


@click.command("views")
@out_option
@click.option(
    "--limit",
    type=click.IntRange(min=10),
    default=None,
    help="Most nodes drawn per view; larger views aggregate (default 2000).",
)
@user_errors
def views_command(out: Path, limit: int | None) -> None:
    """Measure the networks of OUT and write OUT/index.html and the views in OUT/views/.

    Also stores the analytics as a named graph in OUT/store (opened read-write: do not run
    it while a server uses the store) and as CSV files in OUT/analytics/.
    """
    import pyoxigraph as ox

    from policykg.graph.store import STORE_DIR
    from policykg.viz.index import write_site
    from policykg.viz.views import MAX_NODES

    path = Path(out) / STORE_DIR
    if not path.is_dir():
        raise PolicykgError("no built graph here; run `policykg build` first", path=out)
    try:
        store = ox.Store(str(path))
    except OSError as exc:
        raise PolicykgError(f"cannot open the store read-write ({exc})", path=path) from exc
    report = write_site(store, out, progress=_echo_err, limit=limit or MAX_NODES)
    store.flush()
    click.echo(report.summary())
    for view in report.views:
        click.echo(f"  {view.path}: {view.nodes} nodes, {view.edges} links")
    for note in report.notes:
        click.echo(f"note: {note}")


@click.group("view")
def view_group() -> None:
    """Write the ego network of one fiche or actor as a view in OUT/views/.

    `policykg view fiche CODE` or `policykg view actor NAME`; the file path is printed.
    """


def _ego(out: Path, kind: str, name: str, contract: str | None, radius: int | None) -> None:
    from policykg.graph.store import open_store
    from policykg.viz.analytics_graph import load_analytics
    from policykg.viz.views import write_ego_view

    analytics, _ = load_analytics(open_store(out))
    info = write_ego_view(out, analytics, kind, name, contract=contract, radius=radius)
    click.echo(f"{Path(out) / info.path}: {info.nodes} nodes, {info.edges} links")


_contract_option = click.option(
    "--contract", default=None, metavar="ID", help="The contract, when several match."
)
_radius_option = click.option(
    "--radius",
    type=click.IntRange(min=1, max=4),
    default=None,
    help="Links from the centre (default: 1 for a fiche, 2 for an actor).",
)


@view_group.command("fiche")
@click.argument("code")
@out_option
@_contract_option
@_radius_option
@user_errors
def view_fiche(code: str, out: Path, contract: str | None, radius: int | None) -> None:
    """The fiche CODE (such as 1.1.2): its actors, dispositifs and linked fiches."""
    _ego(out, "fiche", code, contract, radius)


@view_group.command("actor")
@click.argument("name")
@out_option
@_contract_option
@_radius_option
@user_errors
def view_actor(name: str, out: Path, contract: str | None, radius: int | None) -> None:
    """The actor NAME (label or acronym): its fiches, and the actors mobilised with it."""
    _ego(out, "actor", name, contract, radius)


COMMANDS = (centrality_command, views_command, view_group)
