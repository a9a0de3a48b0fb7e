"""The ``policykg`` command: one group, thin commands over library functions.

Every user error prints one line (``error: FILE:LINE: what is wrong``) and exits with
status 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path

import click

from policykg import __version__
from policykg.cli_common import DEFAULT_OUT, _State, out_option, user_errors
from policykg.errors import PolicykgError

__all__ = ["main", "out_option", "user_errors"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policykg")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def main(debug: bool) -> None:
    """policykg: a knowledge graph of the fiches of French contrats de ville.

    Build the bundled example with `policykg build`, then `policykg validate`.
    """
    _State.debug = debug


@main.command()
@click.argument("corpus", required=False, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder (replaced only when the build succeeds).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for parsing (default: all cores).",
)
@click.option(
    "-u",
    "--update",
    is_flag=True,
    help="Incremental: re-read only new or changed documents, keep the other "
    "graphs of the previous build in OUT (same result as a full build).",
)
@click.option(
    "--views/--no-views",
    default=True,
    show_default=True,
    help="Also write the network analytics, OUT/views/*.html and OUT/index.html.",
)
@user_errors
def build(corpus: Path | None, out: Path, jobs: int | None, update: bool, views: bool) -> None:
    """Build CORPUS (a folder of fiches; default: the bundled example) into OUT.

    Writes OUT/store (the Oxigraph store), OUT/graph.ttl, graph.trig, graph.nq,
    OUT/report.json, and the analytics, views and OUT/index.html (unless --no-views).
    Exits with status 1 if any document failed. With --update, documents
    whose file, manifest entry and contract are unchanged since the last build are not
    read again; graphs of documents gone from the corpus are dropped.
    """
    from policykg.graph.build import build_corpus

    with ExitStack() as stack:
        if corpus is None:
            corpus = stack.enter_context(as_file(files("policykg.examples")))
            click.echo(f"building the bundled example corpus ({corpus})", err=True)
        report = build_corpus(
            corpus,
            out,
            jobs=jobs,
            update=update,
            views=views,
            progress=lambda m: click.echo(m, err=True),
        )
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml"]),
    default="json",
    show_default=True,
    help="Output format (the canonical fiche format).",
)
@click.option(
    "--template",
    type=str,
    default=None,
    help="Template name (orientation, projet, plan); detected if omitted.",
)
@user_errors
def extract(file: Path, fmt: str, template: str | None) -> None:
    """Print what the loaders read from FILE, as canonical records."""
    from policykg.loaders.records import extraction_to_dict
    from policykg.loaders.registry import extract as extract_file

    if not file.exists():
        raise PolicykgError("file not found", path=file)
    data = extraction_to_dict(extract_file(file, template=template))
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        import yaml

        click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), nl=False)


def _register_commands() -> None:
    """Add the commands defined in the per-part CLI modules to the one group."""
    from policykg.cli_export import export, validate
    from policykg.cli_queries import COMMANDS as QUERY_COMMANDS
    from policykg.cli_viz import COMMANDS as VIEW_COMMANDS

    for command in (*QUERY_COMMANDS, *VIEW_COMMANDS, export, validate):
        main.add_command(command)


_register_commands()
