"""Reproducibility: the same corpus gives the same bytes, whatever the run or the order.

The five seeds in their three contracts are built twice, and a third time from a copy
whose files were written in the reverse order and whose corpus.yaml lists contracts and
documents in the reverse order: the sorted N-Quads are byte-identical and so is every CSV
table of the open-data export.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from tests.conftest import SEED_IDS, seed_path

pytestmark = pytest.mark.slow

CONTRACTS = {
    "tours-2015-2020": ('"Tour(s)plus (agglomération tourangelle)"', "2015-2020", "243700754"),
    "tours-metropole-2024-2030": ('"Tours Métropole Val de Loire"', "2024-2030", "243700754"),
    "nantes-2015-2020": ('"Nantes Métropole"', "2015-2020", "244400404"),
}
SEEDS = {
    "000": "tours-2015-2020",
    "001": "tours-2015-2020",
    "002": "tours-2015-2020",
    "003": "tours-metropole-2024-2030",
    "004": "nantes-2015-2020",
}


def make_corpus(folder: Path, reverse: bool = False) -> Path:
    """The five seeds with a corpus.yaml; ``reverse``: files and entries in reverse order."""
    folder.mkdir(parents=True)
    order = sorted(SEEDS, reverse=reverse)
    for short in order:
        shutil.copy(seed_path(short), folder / f"{SEED_IDS[short]}.txt")
    lines = ["contracts:"]
    for cid in sorted(CONTRACTS, reverse=reverse):
        territory, period, siren = CONTRACTS[cid]
        lines += [
            f"  {cid}:",
            f"    territory: {territory}",
            f'    period: "{period}"',
            f'    epci_siren: "{siren}"',
        ]
    lines.append("documents:")
    lines += [f"  - {{file: {SEED_IDS[s]}.txt, contract: {SEEDS[s]}}}" for s in order]
    (folder / "corpus.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def build_and_export(corpus: Path, out: Path) -> Path:
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(corpus), "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "export",
            str(out),
            "--issued",
            "2024-01-01",
            "--publisher",
            "Test",
            "--contact",
            "test@example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> list[Path]:
    base = tmp_path_factory.mktemp("reproducible")
    first = make_corpus(base / "one" / "corpus")
    reverse = make_corpus(base / "two" / "corpus", reverse=True)
    return [
        build_and_export(first, base / "out-1"),
        build_and_export(first, base / "out-2"),
        build_and_export(reverse, base / "out-reverse"),
    ]


def test_the_corpora_really_differ_in_order(builds):
    base = builds[0].parent
    one = (base / "one" / "corpus" / "corpus.yaml").read_text(encoding="utf-8")
    two = (base / "two" / "corpus" / "corpus.yaml").read_text(encoding="utf-8")
    assert one != two and sorted(one.splitlines()) == sorted(two.splitlines())


def test_sorted_nquads_are_byte_identical(builds):
    graphs = [(out / "graph.nq").read_bytes() for out in builds]
    lines = graphs[0].decode("utf-8").splitlines()
    assert len(lines) > 1000 and lines == sorted(lines)
    assert graphs[1] == graphs[0]
    assert graphs[2] == graphs[0]


def test_export_csv_tables_are_identical(builds):
    tables = [sorted((out / "export").rglob("*.csv")) for out in builds]
    names = [
        [p.relative_to(out / "export") for p in t] for out, t in zip(builds, tables, strict=True)
    ]
    assert len(names[0]) >= 3 and names[0] == names[1] == names[2]
    for path in names[0]:
        first = (builds[0] / "export" / path).read_bytes()
        assert first.count(b"\n") > 1, path
        for out in builds[1:]:
            assert (out / "export" / path).read_bytes() == first, path
