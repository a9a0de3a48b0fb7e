"""Commands over a built graph: ``queries``, ``query``, ``publish`` and ``serve``.

Registered in the ``policykg`` group by :mod:`policykg.cli` (``main.add_command``). Each
command is thin: the work is done by :mod:`policykg.queries` and :mod:`policykg.graph`.
"""

from __future__ import annotations

import signal
from pathlib import Path

import click

from policykg.cli_common import out_option, user_errors
from policykg.errors import PolicykgError
from policykg.queries.formats import FORMATS
from policykg.queries.runner import ROW_LIMIT


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` pairs (``--param``) as a dict; a malformed or repeated key is an error.

    >>> parse_params(("code=1.1.2", "q=a=b"))
    {'code': '1.1.2', 'q': 'a=b'}
    """
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise PolicykgError(f"--param expects KEY=VALUE, got {pair!r}")
        if key in params:
            raise PolicykgError(f"parameter '{key}' is given twice")
        params[key] = value
    return params


def _param_summary(query) -> str:
    parts = []
    for p in query.params:
        text = f"{p.name}:{p.type}"
        if p.default is not None:
            text += f"={p.default}"
        parts.append(text + ("!" if p.required else ""))
    return " ".join(parts)


@click.command("queries")
@click.option("--tag", default=None, help="Only the queries with this tag.")
@user_errors
def queries_command(tag: str | None) -> None:
    """List the query library: name, summary and parameters (name:type=default).

    Run one with `policykg query NAME`; parameters marked ! are required.
    """
    from policykg.queries.library import list_queries

    rows = [q for q in list_queries() if tag is None or tag in q.tags]
    width = max((len(q.name) for q in rows), default=0)
    for q in rows:
        params = _param_summary(q)
        click.echo(f"{q.name.ljust(width)}  {q.summary}" + (f"  [{params}]" if params else ""))


@click.command("query")
@click.argument("name", metavar="NAME|FILE.rq")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A query parameter (repeatable); checked against its declared type.",
)
@click.option(
    "--endpoint",
    metavar="URL",
    default=None,
    help="Run on this SPARQL 1.1 endpoint instead of the built store "
    "(its default graph must be the union of the named graphs).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format (json: SPARQL 1.1 Query Results JSON).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for a remote endpoint.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=ROW_LIMIT,
    show_default=True,
    help="Rows to print at most (0: all); a note on stderr says when more rows matched.",
)
@out_option
@user_errors
def query_command(
    name: str,
    params: tuple[str, ...],
    endpoint: str | None,
    fmt: str,
    timeout: float,
    limit: int,
    out: Path,
) -> None:
    """Run a library query by NAME, or your own FILE.rq, on the graph built in OUT.

    Examples: `policykg query graphs`, `policykg query my.rq --format csv`,
    `policykg query classes --endpoint http://127.0.0.1:7878/query`.
    """
    from policykg.queries.formats import default_prefixes, render
    from policykg.queries.library import load_query, query_prefixes
    from policykg.queries.runner import run_query

    query = load_query(name)
    result = run_query(
        query, parse_params(params), out_dir=out, endpoint=endpoint, timeout=timeout, limit=limit
    )
    prefixes = {**default_prefixes(), **query_prefixes(query.text)}
    text = render(result, fmt, prefixes=prefixes)
    click.echo(text, nl=not text.endswith("\n"))
    if result.truncated:
        click.echo(
            f"note: the first {limit:,} rows are shown and more rows match; pass --limit 0"
            " for every row (or narrow the query with --param)",
            err=True,
        )


@click.command("publish")
@click.option(
    "--endpoint",
    metavar="URL",
    default=None,
    help="The server's SPARQL query URL; the Graph Store URL is derived from it "
    "(last path segment -> 'store', as on Oxigraph).",
)
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    default=None,
    help="The Graph Store Protocol URL, when it is not derived from --endpoint "
    "(Fuseki: .../DATASET/data). user:password@ in the URL is sent as auth.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds to wait for each graph to be accepted.",
)
@out_option
@user_errors
def publish_command(endpoint: str | None, store_url: str | None, timeout: float, out: Path) -> None:
    """Put the graph built in OUT on a SPARQL server (SPARQL 1.1 Graph Store Protocol).

    One named graph per source document, plus the ontology graph, each replaced whole.
    """
    from policykg.graph.publish import publish

    if not endpoint and not store_url:
        raise PolicykgError("give --endpoint URL (or --store URL)")
    report = publish(
        out, endpoint, store_url, timeout=timeout, progress=lambda m: click.echo(m, err=True)
    )
    click.echo(report.summary())


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but a loopback address exposes the graph.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7878,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@out_option
@user_errors
def serve_command(host: str, port: int, out: Path) -> None:
    """Serve the graph built in OUT: a read-only SPARQL endpoint and a query page.

    The page (also written to OUT/queries.html) lists every library query ready to run;
    the endpoint is at /query. Stop with Ctrl-C.
    """
    from policykg.graph.serve import Server, is_loopback

    if not is_loopback(host):
        click.echo(f"warning: listening on {host}: other machines can read the graph", err=True)

    def _stop(signum, frame):  # SIGTERM stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    server = None
    try:
        server = Server(out, host=host, port=port).start()
        click.echo(f"query page: {server.url}   SPARQL endpoint: {server.url}query", err=True)
        click.echo("read-only; press Ctrl-C to stop", err=True)
        while server.thread is not None and server.thread.is_alive():
            server.thread.join(timeout=0.5)
    except KeyboardInterrupt:
        click.echo("stopping", err=True)
    finally:
        if server is not None:
            server.stop()
        signal.signal(signal.SIGTERM, previous)


COMMANDS = (queries_command, query_command, publish_command, serve_command)
