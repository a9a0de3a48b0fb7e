"""Commands ``policykg export`` and ``policykg validate`` (SHACL, catalogue, OWL).

The lead registers them on the command group::

    from policykg.cli_export import export, validate
    main.add_command(export)
    main.add_command(validate)   # replaces the SHACL-only validate of cli.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from policykg.cli_common import out_option, user_errors


@click.command()
@out_option
@click.option(
    "-d",
    "--dest",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write (default: OUT/export; replaced whole when done).",
)
@click.option(
    "--publisher",
    default=None,
    help="Publisher's name for the catalogue (default: publisher: in corpus.yaml).",
)
@click.option(
    "--contact", default=None, help="Contact e-mail address (default: contact: in corpus.yaml)."
)
@click.option(
    "--download-url",
    default=None,
    help="Base URL where the files will be downloadable (default: download_url: in corpus.yaml).",
)
@click.option(
    "--issued",
    default=None,
    metavar="YYYY-MM-DD",
    help="Publication date (default: issued: in corpus.yaml, else the latest date "
    "the documents state).",
)
@click.option(
    "--modified",
    default=None,
    metavar="YYYY-MM-DD",
    help="Last modification date (default: the publication date).",
)
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Corpus folder whose corpus.yaml holds the publication metadata "
    "(default: the built corpus).",
)
@user_errors
def export(
    out: Path,
    dest: Path | None,
    publisher: str | None,
    contact: str | None,
    download_url: str | None,
    issued: str | None,
    modified: str | None,
    corpus: Path | None,
) -> None:
    """Export the graph built in OUT for open-data portals and graph tools.

    Writes RDF (Turtle, N-Triples, RDF/XML, JSON-LD, TriG, N-Quads), the ontology
    (Turtle, RDF/XML, HTML), CSV tables with a datapackage.json, GEXF and GraphML
    networks, and a DCAT-AP 3 catalogue (catalog.ttl, catalog.jsonld) with VoID.
    """
    from policykg.graph.export import export as run_export

    report = run_export(
        out,
        dest=dest,
        publisher=publisher,
        contact=contact,
        download_url=download_url,
        issued=issued,
        modified=modified,
        corpus=corpus,
    )
    click.echo(report.summary())


@click.command()
@out_option
@click.option(
    "--catalog",
    "catalog",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Catalogue to check against the DCAT-AP shapes (default: "
    "OUT/export/catalog.ttl when it exists).",
)
@click.option(
    "--owl/--no-owl",
    default=None,
    help="Check the OWL consistency of the ontology and the data with HermiT (names the "
    "resources and documents at fault). Default: on when a Java runtime is found, "
    "otherwise skipped with a note; --owl fails without Java.",
)
@click.option(
    "--reason",
    is_flag=True,
    help="Also store the inferred triples (class memberships, super- and inverse "
    "properties) as their own named graph in OUT/store and OUT/inferred.nq.",
)
@user_errors
def validate(out: Path, catalog: Path | None, owl: bool | None, reason: bool) -> None:
    """Check OUT against the SHACL shapes (and its export's catalogue) and the OWL
    ontology; exit 1 on failure.

    Violations are grouped by shape with the resource at fault and its source document.
    The OWL consistency check (HermiT) runs when Java is there; --reason also stores what
    it infers.
    """
    from policykg.graph.validate import validate_catalog, validate_output

    failed = False
    report = validate_output(out)
    click.echo(report.summary())
    failed |= not report.conforms
    catalog = catalog or (out / "export" / "catalog.ttl")
    if catalog.is_file():
        catalog_report = validate_catalog(catalog)
        click.echo(catalog_report.summary())
        failed |= not catalog_report.conforms
    if owl is None and not reason:
        import shutil

        import owlready2

        owl = shutil.which(owlready2.JAVA_EXE) is not None
        if not owl:
            click.echo(
                "OWL check skipped: no Java runtime found (Debian: apt-get install "
                "default-jre-headless); SHACL checks done"
            )
    if owl or reason:
        from policykg.graph.reasoning import check_output

        owl_report = check_output(out, infer=reason)
        click.echo(owl_report.summary())
        failed |= not owl_report.consistent
    if failed:
        sys.exit(1)
