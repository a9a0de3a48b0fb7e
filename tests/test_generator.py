"""The synthetic corpus generator: determinism, the bundled example corpus, sizes, validity."""

from __future__ import annotations

import doctest
import importlib
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmarks import generate
from benchmarks.generate import (
    MANIFEST,
    PRESET_TARGETS,
    PRESETS,
    build_corpus,
    count_corpus,
    generate_corpus,
)
from benchmarks.plan import HEADER
from policykg.errors import InputError
from policykg.loaders.corpus import load_corpus
from policykg.loaders.readers.canonical import read_canonical
from policykg.loaders.readers.text import read_text
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
EXAMPLE = PRESETS["example"]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a corpus folder by relative path (the package's __init__ aside)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "__init__.py" and "__pycache__" not in p.parts
    }


def _manifest(folder: Path) -> dict:
    return yaml.safe_load((folder / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example")
    generate_corpus(out, **EXAMPLE)
    return out


@pytest.fixture(scope="module")
def example_build():
    return build_corpus(**EXAMPLE)


def test_same_arguments_give_byte_identical_corpora(example_dir, tmp_path):
    generate_corpus(tmp_path, **EXAMPLE)
    assert _files(tmp_path) == _files(example_dir)


def test_another_seed_gives_another_corpus(example_dir, tmp_path):
    generate_corpus(tmp_path, **EXAMPLE, seed=1)
    ours, theirs = _files(example_dir), _files(tmp_path)
    assert set(_manifest(tmp_path)["contracts"]) != set(_manifest(example_dir)["contracts"])
    assert not set(ours.values()) & set(theirs.values())


def test_bundled_example_corpus_is_the_generator_output(example_dir):
    assert _files(EXAMPLES) == _files(example_dir), (
        "examples/ differs from a fresh run: "
        "python -m benchmarks.generate --preset example --out examples/"
    )


def test_command_line_preset_writes_the_same_corpus(example_dir, tmp_path, capsys):
    assert generate.main(["--preset", "example", "--out", str(tmp_path)]) == 0
    assert "corpus.yaml" in capsys.readouterr().out
    assert _files(tmp_path) == _files(example_dir)


def test_command_line_count_writes_nothing(tmp_path, capsys):
    assert generate.main(["--preset", "national", "--count", "--out", str(tmp_path / "x")]) == 0
    assert '"contracts": 435' in capsys.readouterr().out
    assert not (tmp_path / "x").exists()


def test_example_covers_every_template_and_the_manifest_names_existing_files(example_dir):
    manifest = _manifest(example_dir)
    documents = manifest["documents"]
    assert {d["template"] for d in documents} == {"orientation", "projet", "plan", "canonical"}
    assert [d["template"] for d in documents].count("canonical") == 1
    assert 10 <= len(documents) <= 14
    assert 2 <= len(manifest["contracts"]) <= 3
    for document in documents:
        assert (example_dir / document["file"]).is_file(), document["file"]
        assert document["contract"] in manifest["contracts"]
    on_disk = set(_files(example_dir)) - {MANIFEST}
    assert on_disk == {d["file"] for d in documents}


def test_contracts_are_marked_synthetic(example_dir):
    text = (example_dir / MANIFEST).read_text(encoding="utf-8")
    assert text.startswith(generate.MARKER)
    assert "fictional" in text.splitlines()[2]
    for cid, contract in _manifest(example_dir)["contracts"].items():
        assert f"  {cid}:  # synthetic contract" in text
        assert contract["base_iri"] == f"https://example.org/policykg/synthetic/{cid}/"
        assert re.fullmatch(r"20\d\d-20\d\d", contract["period"])


def test_manifest_is_read_by_the_corpus_loader(example_dir):
    corpus = load_corpus(example_dir)
    assert len(corpus.contracts) == len(_manifest(example_dir)["contracts"])
    assert len(corpus.documents) == len(_manifest(example_dir)["documents"])
    assert {e.template for e in corpus.documents} == {"orientation", "projet", "plan", "canonical"}
    assert all(c.territory and c.signatories for c in corpus.contracts.values())


def test_yaml_documents_load_as_canonical_fiches(example_dir, example_build):
    _, docs = example_build
    truth = {d.file: d.truth for d in docs}
    for entry in _manifest(example_dir)["documents"]:
        if entry["template"] != "canonical":
            continue
        extraction = read_canonical(example_dir / entry["file"])
        expected = truth[entry["file"]]
        assert [f.code for f in extraction.fiches] == [f.code for f in expected.fiches]
        assert [f.title for f in extraction.fiches] == [f.title for f in expected.fiches]
        for fiche, want in zip(extraction.fiches, expected.fiches, strict=True):
            assert fiche.kind == "action"
            assert [p.name for p in fiche.partners] == [p.name for p in want.partners]
            assert [(f.amount_eur, f.share) for f in fiche.funding] == [
                (f.amount_eur, f.share) for f in want.funding
            ]
            assert all(p.raw is None for p in fiche.partners)  # written by hand: no raw


def test_text_documents_are_utf8_in_their_template_layout(example_dir):
    for entry in _manifest(example_dir)["documents"]:
        path = example_dir / entry["file"]
        if entry["template"] == "canonical":
            continue
        text = path.read_bytes().decode("utf-8")  # strict: raises on anything else
        assert read_text(path).encoding == "utf-8"
        assert not re.search(r"\{\w+\}", text), f"unfilled placeholder in {path.name}"
        first = next(line for line in text.splitlines() if line.strip())
        if entry["template"] == "orientation":
            assert first.strip().startswith("FICHE "), path.name
            assert "\tEnjeu\u00a0: " in text and "\tPartenaires mobilisables" in text
            assert "\u00b7 " in text  # the "· " bullets of the Word conversion
        elif entry["template"] == "projet":
            assert first.startswith("Fiche Projet n°:")
            assert "Indicateurs de réalisation :" in text
        else:
            assert text.count(HEADER) >= 2  # the header repeats on every page
            assert "<u>" in text and "PILIER " in text


def test_documents_hold_the_records_they_were_built_from(example_build):
    _, docs = example_build
    for doc in docs:
        if doc.template in ("orientation", "projet"):
            heads = re.findall(r"^ ?FICHE (?:PROJET N°)?(\S+(?: \d\S*)?)", doc.text, re.M)
            if doc.template == "projet":
                heads = re.findall(r"^Fiche Projet n°:(.+)$", doc.text, re.M)
            assert heads == [f.code for f in doc.truth.fiches], doc.file
            for fiche in doc.truth.fiches:
                for item in fiche.expected_outputs:
                    words = item.text.split()[:3]
                    assert " ".join(words) in doc.text.replace("\n", " ").replace("’", "'")
        elif doc.template == "plan":
            plain = re.sub(r"</?u>", "", doc.text)
            for action in doc.truth.actions:
                assert action.label in plain, action.label
                for sub in action.sub_actions:
                    assert sub.label in plain


@pytest.mark.parametrize("preset", ["example", "1k"])
def test_counting_matches_what_is_built(preset):
    counts = count_corpus(**PRESETS[preset])
    plans, docs = build_corpus(**PRESETS[preset])
    assert counts["contracts"] == len(plans)
    assert counts["documents"] == len(docs)
    assert counts["fiches"] == sum(len(d.truth.fiches) for d in docs)
    assert counts["actions"] == sum(len(d.truth.actions) for d in docs)
    by_template = Counter(d.template for d in docs)
    assert counts["documents_by_template"] == dict(sorted(by_template.items()))


@pytest.mark.parametrize("preset", sorted(PRESET_TARGETS))
def test_presets_scale_as_stated(preset):
    counts = count_corpus(**PRESETS[preset])
    target = PRESET_TARGETS[preset]
    assert 0.9 * target <= counts["items"] <= 1.1 * target, counts
    assert set(counts["documents_by_template"]) == {"orientation", "projet", "plan", "canonical"}


def test_national_preset_spans_several_hundred_contracts():
    counts = count_corpus(**PRESETS["national"])
    assert counts["contracts"] >= 300
    assert counts["fiches"] > 5_000 and counts["actions"] > 20_000


def test_cross_references_point_to_present_and_absent_fiches():
    _, docs = build_corpus(**PRESETS["1k"])
    present: dict[str, set[str]] = {}
    for doc in docs:
        present.setdefault(doc.contract, set()).update(f.code for f in doc.truth.fiches)
    found = absent = 0
    for doc in docs:
        for fiche in doc.truth.fiches:
            assert fiche.code not in {r.target for r in fiche.links}  # never to itself
            for ref in fiche.links:
                if ref.kind == "fiche":
                    if ref.target in present[doc.contract]:
                        found += 1
                    else:
                        absent += 1
    assert found > 50 and absent > 20
    kinds = {r.kind for d in docs for f in d.truth.fiches for r in f.links}
    assert kinds == {"fiche", "axe", "transversal"}


def test_fiches_name_real_actors_and_funding_with_amounts(example_build):
    _, docs = example_build
    fiches = [f for d in docs for f in d.truth.fiches]
    partners = [p for f in fiches for p in f.partners]
    assert {"category", "profession", "organisation"} <= {p.kind for p in partners}
    professions = [p for p in partners if p.kind == "profession" and p.employer]
    assert all(p.raw and p.employer for p in professions if p.role == "partenaire")
    funding = [f for fiche in fiches for f in fiche.funding]
    assert any(f.amount_eur and f.amount_eur > 0 for f in funding)
    assert all(0 < f.share <= 1 for f in funding if f.share is not None)
    plans = [d for d in docs if d.template == "plan"]
    statuses = {a.status or s.status for d in plans for a in d.truth.actions for s in a.sub_actions}
    assert statuses - {None} <= {"Réalisé", "En cours", "A réaliser"}


def test_ocr_noise_touches_only_the_fiches_projet():
    _, clean = build_corpus(**EXAMPLE)
    _, noisy = build_corpus(**EXAMPLE, ocr_noise=True)
    assert [d.file for d in clean] == [d.file for d in noisy]
    for a, b in zip(clean, noisy, strict=True):
        if a.template == "projet":
            assert a.text != b.text
            assert "ceuvre" in b.text or "I'" in b.text or " & " in b.text
            assert len(a.text.splitlines()) == len(b.text.splitlines())
        else:
            assert a.text == b.text
    assert all("ceuvre" not in d.text for d in clean)


@pytest.mark.parametrize(
    "formats, templates",
    [
        (("plan",), {"plan"}),
        (("yaml",), {"canonical"}),
        (("orientation", "yaml"), {"orientation", "canonical"}),
    ],
)
def test_formats_choose_the_templates(formats, templates):
    _, docs = build_corpus(contracts=4, fiches_per_contract=3, actions_per_plan=5, formats=formats)
    assert {d.template for d in docs} == templates


def test_unknown_format_is_refused():
    with pytest.raises(InputError, match="unknown format"):
        count_corpus(formats=("docx",))


def test_a_corpus_the_generator_did_not_write_is_left_alone(tmp_path):
    manifest = tmp_path / MANIFEST
    manifest.write_text("contracts: {}\ndocuments: []\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        generate_corpus(tmp_path, **EXAMPLE)
    assert str(manifest) in str(err.value) and err.value.line == 1
    assert manifest.read_text(encoding="utf-8") == "contracts: {}\ndocuments: []\n"
    assert generate.main(["--out", str(tmp_path)]) == 2


def test_a_previous_output_is_replaced_without_leftovers(tmp_path):
    generate_corpus(tmp_path, **EXAMPLE, seed=3)
    generate_corpus(tmp_path, **EXAMPLE)
    fresh = tmp_path / "fresh"
    generate_corpus(fresh, **EXAMPLE)
    assert {k: v for k, v in _files(tmp_path).items() if not k.startswith("fresh/")} == _files(
        fresh
    )


@pytest.mark.parametrize(
    "name", ["vocabulary", "mentions", "orientation", "projet", "plan", "generate"]
)
def test_docstring_examples(name):
    module = importlib.import_module(f"benchmarks.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and result.failed == 0


def test_regression_generated_actor_kinds_agree_with_the_gazetteer():
    """An actor the gazetteer knows gets the gazetteer's kind in every generated document.

    The example corpus once called "Commune" a category in its YAML fiche while the parser
    read it as an organisation: one actor typed with two disjoint classes, which the OWL
    check rightly calls inconsistent.
    """
    from benchmarks.generate import build_corpus as generate_in_memory
    from policykg.loaders.resolve.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()
    _, documents = generate_in_memory(contracts=6, seed=3)
    clashes = set()
    for document in documents:
        truth = document.truth
        mentions = [m for f in truth.fiches for m in f.partners]
        mentions += [m for a in truth.actions for m in a.partners]
        mentions += [m for a in truth.actions for s in a.sub_actions for m in s.partners]
        for mention in mentions:
            entry = gazetteer.lookup(mention.name)
            if entry is not None and entry.partner_kind != mention.kind:
                clashes.add((mention.name, mention.kind, entry.partner_kind))
    assert not clashes
