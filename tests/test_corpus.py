"""corpus.yaml: contracts, documents, defaults and the errors a user can make."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.errors import InputError
from policykg.loaders.corpus import load_corpus


def write(folder: Path, manifest: str, files=("a.txt",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        (folder / name).write_text("FICHE 1.1.1\n", encoding="utf-8")
    (folder / "corpus.yaml").write_text(manifest, encoding="utf-8")
    return folder


GOOD = """\
contracts:
  nantes-2015-2020:
    territory: Nantes Métropole
    period: 2015-2020
    epci_siren: "244400404"
documents:
  - file: a.txt
    contract: nantes-2015-2020
    template: plan
"""


def test_a_manifest_names_contracts_and_templates(tmp_path):
    corpus = load_corpus(write(tmp_path, GOOD))
    (entry,) = corpus.documents
    contract = corpus.contract_of(entry)
    assert (contract.id, contract.territory, contract.period, contract.epci_siren) == (
        "nantes-2015-2020",
        "Nantes Métropole",
        "2015-2020",
        "244400404",
    )
    assert entry.template == "plan" and entry.relative == "a.txt"
    assert corpus.warnings == []


def test_without_a_manifest_one_contract_named_after_the_folder_and_a_warning(tmp_path):
    folder = tmp_path / "Quartiers Sud"
    folder.mkdir()
    (folder / "b.txt").write_text("x", encoding="utf-8")
    (folder / "a.txt").write_text("x", encoding="utf-8")
    corpus = load_corpus(folder)
    assert [e.relative for e in corpus.documents] == ["a.txt", "b.txt"]
    assert list(corpus.contracts) == ["quartiers-sud"]
    assert "no corpus.yaml" in corpus.warnings[0]


def test_a_file_left_out_of_the_manifest_is_reported(tmp_path):
    corpus = load_corpus(write(tmp_path, GOOD, files=("a.txt", "forgotten.txt")))
    assert any("forgotten.txt" in w for w in corpus.warnings)


@pytest.mark.parametrize(
    ("manifest", "line", "words"),
    [
        (GOOD.replace("    template: plan", "    colour: blue"), 9, "unknown key 'colour'"),
        (
            GOOD.replace("contract: nantes-2015-2020", "contract: rennes"),
            8,
            "unknown contract 'rennes'",
        ),
        (GOOD.replace("file: a.txt", "file: ../../etc/passwd"), 7, "outside the corpus folder"),
        (GOOD.replace("    territory: Nantes Métropole\n", ""), 3, "has no territory"),
        (GOOD.replace("  - file: a.txt", "  - file: [a, b]"), 7, "file must be a text value"),
        (GOOD.replace("file: a.txt", "file: b.txt"), 7, "'b.txt' not found"),
    ],
)
def test_a_wrong_document_entry_is_refused_alone_naming_the_line(tmp_path, manifest, line, words):
    corpus = load_corpus(write(tmp_path, manifest))
    (entry,) = corpus.refused
    with pytest.raises(InputError) as info:
        entry.check()
    assert info.value.path.endswith("corpus.yaml") and words in str(info.value)
    assert info.value.line == line, str(info.value)
    assert entry.path == tmp_path / "corpus.yaml"  # never the path the entry names


def test_a_manifest_that_is_not_yaml_is_refused_naming_the_line(tmp_path):
    with pytest.raises(InputError) as info:
        load_corpus(write(tmp_path, "contracts: {}\ndocuments: [\n"))
    assert info.value.line == 3 and "not valid YAML" in str(info.value)
    assert info.value.path.endswith("corpus.yaml")


def test_an_unknown_top_level_key_is_ignored_with_a_warning(tmp_path):
    corpus = load_corpus(write(tmp_path, GOOD + "colour: blue\n"))
    assert corpus.refused == [] and len(corpus.documents) == 1
    assert any(":10: unknown key 'colour' in corpus.yaml ignored" in w for w in corpus.warnings)
