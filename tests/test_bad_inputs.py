"""The bad-input corpus end to end: build, extract, query and views never crash on it.

Each bad input gets its documented outcome (see ``tests/bad_inputs``): refused with a
message naming its file (and line), or loaded, in part where needed, with a warning; the
rest of the corpus builds and the build exits non-zero because something failed.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.errors import InputError
from policykg.loaders.readers.text import MAX_TEXT_BYTES, read_text
from policykg.loaders.registry import read_and_extract
from tests.bad_inputs import manifest_line, write_bad_corpus, write_big_text
from tests.conftest import seed_path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad")
    cases = write_bad_corpus(base / "corpus")
    result = run("build", str(base / "corpus"), "-o", str(base / "out"))
    report = json.loads((base / "out" / "report.json").read_text(encoding="utf-8"))
    return base, cases, result, {d["file"]: d for d in report["documents"]}


_CASES = [
    "vide.txt",
    "binaire.txt",
    "windows-1252.txt",
    "fins-de-ligne.txt",
    "tronque.docx",
    "chiffre.pdf",
    "partenaires-5000.txt",
    "ligne-40-cellules.txt",
    "doublon-a.txt",
    "doublon-b.txt",
    "auto-reference.txt",
    "../../etc/passwd",
    "cle-inconnue.txt",
    "mauvais-type.txt",
    "absent.txt",
]


def test_the_rest_of_the_corpus_builds_and_the_exit_status_says_something_failed(bad):
    _, cases, result, documents = bad
    refused = [c for c in cases if c.outcome == "refused"]
    assert result.exit_code == 1, result.output
    assert f"built {len(cases) - len(refused)} of {len(cases)} documents" in result.output
    assert f"{len(refused)} failed:" in result.output
    assert "Traceback" not in result.output
    assert [c.file for c in cases][2:] == _CASES  # the corpus holds every listed case


@pytest.mark.parametrize("name", _CASES)
def test_each_bad_input_gets_its_documented_outcome(bad, name):
    base, cases, _, documents = bad
    case = next(c for c in cases if c.file == name)
    document = documents[name]
    if case.outcome == "refused":
        assert document["status"] == "failed"
        error = document["error"]
        assert case.message in error
        assert "internal error" not in error
        if case.where.startswith("corpus.yaml"):
            where = f"{base / 'corpus' / 'corpus.yaml'}:{manifest_line(cases, name)}: "
            assert error.startswith(where), error
        else:
            assert error.startswith(f"{base / 'corpus' / case.where}"), error
    else:
        assert document["status"] == "ok", document["error"]
        assert (
            document["mapped_lines"] + document["unmapped_lines"] + document["layout_lines"]
            == document["lines"]
        )
        if case.message:
            assert any(case.message in w for w in document["warnings"]), document["warnings"]


def test_the_good_seeds_of_the_corpus_are_built_whole(bad):
    _, _, _, documents = bad
    assert documents["000_20990102f340c8e4.txt"]["fiches"] == 1
    assert documents["004_42fe56f31f49f8ee.txt"]["actions"] > 40


def _query(out: Path, *args: str) -> list[dict]:
    result = run("query", *args, "--format", "csv", str(out))
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_a_fiche_with_5000_partners_loads_them_all(bad):
    base, _, _, _ = bad
    rows = _query(base / "out", "fiche_partners", "--param", "fiche_code=2.2.1")
    names = {r["partner"] for r in rows}
    assert len(names) == 5000
    assert "Association Quartier 0001" in names and "Association Quartier 5000" in names


def test_a_fiche_with_5000_partners_parses_in_linear_time(tmp_path):
    from tests.bad_inputs import many_partners

    timings = []
    for count in (1000, 4000):
        path = tmp_path / f"p{count}.txt"
        path.write_text(many_partners(count), encoding="utf-8")
        started = time.perf_counter()
        _, extraction = read_and_extract(path)
        timings.append(time.perf_counter() - started)
        assert len(extraction.fiches[0].partners) == count
    assert timings[1] < 4 * timings[0] * 2 + 0.5, timings  # quadratic would be 16x


def test_the_extra_cells_of_a_40_cell_row_are_kept_as_unmapped_text_with_their_line(bad):
    base, _, _, _ = bad
    _, extraction = read_and_extract(base / "corpus" / "ligne-40-cellules.txt", "plan")
    extra = [u for u in extraction.unmapped if u.text.startswith("cellule en trop")]
    assert [u.text for u in extra] == [f"cellule en trop {i}" for i in range(9, 41)]
    assert {u.line for u in extra} == {4}
    rows = _query(base / "out", "labels", "--param", "text=quartier")  # the query runs
    assert isinstance(rows, list)


def test_a_cp1252_file_reads_like_its_utf8_original(bad):
    base, _, _, _ = bad
    original = read_text(seed_path("001"))
    windows = read_text(base / "corpus" / "windows-1252.txt")
    assert windows.encoding == "cp1252"
    same = [
        (a.line, a.text) == (b.line, b.text)
        for a, b in zip(original.blocks, windows.blocks, strict=False)
    ]
    assert len(windows.blocks) == len(original.blocks) and sum(same) >= len(same) - 2


def test_mixed_line_ends_number_lines_as_an_editor_and_nul_bytes_are_dropped(bad):
    base, _, _, _ = bad
    original = read_text(seed_path("002"))
    mixed = read_text(base / "corpus" / "fins-de-ligne.txt")
    assert [(b.line, b.text) for b in mixed.blocks] == [
        (b.line, b.text) for b in original.blocks[: len(mixed.blocks)]
    ]
    assert len(mixed.blocks) >= len(original.blocks) - 1
    assert mixed.warnings and "NUL byte(s) dropped (lines 10, 17" in mixed.warnings[0]


def test_duplicated_codes_make_one_fiche_with_both_descriptions(bad):
    base, _, _, _ = bad
    rows = _query(base / "out", "provenance", "--param", "fiche_code=3.1.1")
    assert {r["file"] for r in rows if r.get("file")} >= {"doublon-a.txt", "doublon-b.txt"}


def test_a_self_reference_is_dropped(bad):
    base, _, _, _ = bad
    rows = _query(base / "out", "cross_references", "--param", "fiche_code=3.2.1")
    assert [(r["direction"], r["other"], r["line"]) for r in rows] == [("outgoing", "3.1.1", "25")]
    graph = (base / "out" / "graph.nq").read_text(encoding="utf-8")
    self_link = (
        "<https://w3id.org/policykg/id/contract/tours-2015-2020/fiche/3.2.1> "
        "<https://w3id.org/policykg/def#refersTo> "
        "<https://w3id.org/policykg/id/contract/tours-2015-2020/fiche/3.2.1>"
    )
    assert self_link not in graph


def test_views_run_on_the_bad_build(bad):
    base, _, _, _ = bad
    result = run("views", str(base / "out"))
    assert result.exit_code == 0, result.output
    assert (base / "out" / "index.html").is_file()


@pytest.mark.parametrize("name", _CASES[:11])
def test_extract_gives_records_or_a_one_line_error(bad, name):
    base, cases, _, _ = bad
    case = next(c for c in cases if c.file == name)
    result = run("extract", str(base / "corpus" / name))
    assert "Traceback" not in result.output
    if case.outcome == "refused":
        assert result.exit_code == 1
        (line,) = result.output.strip().splitlines()
        assert line.startswith(f"error: {base / 'corpus' / case.where}") and case.message in line
    else:
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data.get("fiches") or data.get("actions")


def test_debug_shows_the_traceback_of_a_user_error(bad):
    base, _, _, _ = bad
    result = CliRunner().invoke(main, ["--debug", "extract", str(base / "corpus" / "vide.txt")])
    assert isinstance(result.exception, InputError)


def test_a_50_mb_text_is_refused_at_once_with_the_limit(tmp_path):
    path = write_big_text(tmp_path / "enorme.txt", 50)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"refused: 50\.\d MB, over the limit of 10 MB") as err:
        read_and_extract(path)
    assert time.perf_counter() - started < 1
    assert err.value.path == str(path)
    assert path.stat().st_size > MAX_TEXT_BYTES


def test_a_50_mb_text_in_a_corpus_fails_alone(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write_big_text(corpus / "enorme.txt", 50)
    (corpus / "fiche.txt").write_bytes(seed_path("000").read_bytes())
    result = run("build", str(corpus), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "built 1 of 2 documents" in result.output and "over the limit" in result.output


MANIFEST = """\
contracts:
  tours:
    territory: Tours
{contract_extra}documents:
  - {{file: a.txt, contract: tours}}
{top_extra}"""


@pytest.mark.parametrize(
    ("contract_extra", "top_extra", "status", "words"),
    [
        ("", "colour: blue\n", "ok", "corpus.yaml:6: unknown key 'colour' in corpus.yaml ignored"),
        (
            "    period: [2015, 2020]\n",
            "",
            "failed",
            "corpus.yaml:4: period must be a text value (document",
        ),
        ("    colour: blue\n", "", "failed", "corpus.yaml:4: unknown key 'colour' in contract"),
    ],
)
def test_manifest_errors_outside_document_entries(
    tmp_path, contract_extra, top_extra, status, words
):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(seed_path("000").read_bytes())
    (corpus / "corpus.yaml").write_text(
        MANIFEST.format(contract_extra=contract_extra, top_extra=top_extra), encoding="utf-8"
    )
    result = run("build", str(corpus), "-o", str(tmp_path / "out"))
    assert "Traceback" not in result.output
    assert words in result.output, result.output
    assert result.exit_code == (0 if status == "ok" else 1)


def test_a_manifest_that_is_not_yaml_refuses_the_build_on_one_line(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "corpus.yaml").write_text("documents: [\n", encoding="utf-8")
    result = run("build", str(corpus), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {corpus / 'corpus.yaml'}:2: not valid YAML")
    assert not (tmp_path / "out").exists()
