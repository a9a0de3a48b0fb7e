"""A corpus: a folder of source documents, optionally described by ``corpus.yaml``.

``corpus.yaml`` names each document's contract (territory, period), template (optional:
detected otherwise) and base IRI::

    contracts:
      tours-2015-2020:
        territory: "Tour(s)plus (agglomération tourangelle)"
        period: "2015-2020"
        epci_siren: "243700754"
    documents:
      - file: 000_fiche.txt
        contract: tours-2015-2020
        template: orientation

Without it, every supported file of the folder belongs to one contract named after the
folder, and a warning says so.

>>> slugify("Tour(s)plus 2015-2020")
'tour-s-plus-2015-2020'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policykg.errors import InputError
from policykg.loaders.records import Contract

MANIFEST = "corpus.yaml"
SOURCE_EXTENSIONS = (".txt", ".text", ".docx", ".pdf", ".doc", ".yaml", ".yml", ".json")

_CONTRACT_KEYS = {"territory", "period", "epci_siren", "base_iri", "signatories", "name"}
_DOCUMENT_KEYS = {"file", "contract", "template"}
_TOP_KEYS = {"contracts", "documents", "publisher", "contact", "download_url", "title",
             "description", "license", "keywords", "issued", "modified"}


def slugify(text: str) -> str:
    """An ASCII, lowercase, hyphenated form of a name, for IRIs and ids."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


@dataclass
class DocumentEntry:
    """One source document of a corpus and the contract it belongs to."""

    path: Path
    relative: str
    contract_id: str
    template: str | None = None
    line: int | None = None


@dataclass
class Corpus:
    """A folder of documents, their contracts and the manifest's publication metadata."""

    folder: Path
    contracts: dict[str, Contract]
    documents: list[DocumentEntry]
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def contract_of(self, entry: DocumentEntry) -> Contract:
        """The contract a document belongs to."""
        return self.contracts[entry.contract_id]


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _mapping_items(node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _scalar_text(node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.value == "":
        raise InputError(f"{what} must be a text value", path=path, line=_line(node))
    return str(node.value)


def _check_keys(node: yaml.Node, known: set[str], path: Path, where: str) -> None:
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{where} must be a mapping of keys to values", path=path,
                         line=_line(node))
    for key, _ in node.value:
        if key.value not in known:
            raise InputError(
                f"unknown key {key.value!r} in {where} (known: {', '.join(sorted(known))})",
                path=path,
                line=_line(key),
            )


def _contract(cid: str, node: yaml.Node, path: Path) -> Contract:
    _check_keys(node, _CONTRACT_KEYS, path, f"contract {cid!r}")
    values: dict[str, Any] = {}
    for key, value in _mapping_items(node):
        if key.value == "signatories":
            if not isinstance(value, yaml.SequenceNode):
                raise InputError("signatories must be a list", path=path, line=_line(value))
            values["signatories"] = [_scalar_text(v, path, "a signatory") for v in value.value]
        else:
            values[key.value] = _scalar_text(value, path, key.value)
    if "territory" not in values:
        raise InputError(f"contract {cid!r} has no territory", path=path, line=_line(node))
    values.pop("name", None)
    return Contract(id=cid, **values)


def _inside(folder: Path, relative: str, manifest: Path, line: int | None) -> Path:
    candidate = (folder / relative).resolve()
    if Path(relative).is_absolute() or not candidate.is_relative_to(folder.resolve()):
        raise InputError(
            f"document path {relative!r} points outside the corpus folder", path=manifest,
            line=line,
        )
    return candidate


def _read_manifest(folder: Path, manifest: Path) -> Corpus:
    try:
        text = manifest.read_text(encoding="utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        metadata = yaml.safe_load(text) or {}
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=manifest) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            path=manifest,
            line=mark.line + 1 if mark else None,
        ) from exc
    if root is None:
        raise InputError("empty manifest", path=manifest)
    _check_keys(root, _TOP_KEYS, manifest, "corpus.yaml")
    top = {k.value: v for k, v in root.value}
    contracts: dict[str, Contract] = {}
    for key, node in _mapping_items(top.get("contracts")) if "contracts" in top else []:
        contracts[str(key.value)] = _contract(str(key.value), node, manifest)
    documents_node = top.get("documents")
    if not isinstance(documents_node, yaml.SequenceNode):
        raise InputError("corpus.yaml needs a 'documents' list", path=manifest,
                         line=_line(documents_node or root))
    entries = []
    for node in documents_node.value:
        _check_keys(node, _DOCUMENT_KEYS, manifest, "a document entry")
        values = {k.value: v for k, v in node.value}
        if "file" not in values:
            raise InputError("document entry without 'file'", path=manifest, line=_line(node))
        relative = _scalar_text(values["file"], manifest, "file")
        cid = _scalar_text(values["contract"], manifest, "contract") if "contract" in values \
            else None
        if cid is None:
            if len(contracts) != 1:
                raise InputError(f"document {relative!r} names no contract", path=manifest,
                                 line=_line(node))
            cid = next(iter(contracts))
        if cid not in contracts:
            raise InputError(
                f"document {relative!r} names an unknown contract {cid!r} "
                f"(known: {', '.join(sorted(contracts)) or 'none'})",
                path=manifest,
                line=_line(values["contract"]),
            )
        template = _scalar_text(values["template"], manifest, "template") \
            if "template" in values else None
        entries.append(DocumentEntry(
            path=_inside(folder, relative, manifest, _line(node)),
            relative=relative,
            contract_id=cid,
            template=template,
            line=_line(node),
        ))
    metadata = {k: v for k, v in metadata.items() if k not in ("contracts", "documents")}
    return Corpus(folder=folder, contracts=contracts, documents=entries, metadata=metadata)


def default_contract(folder: Path) -> Contract:
    """The contract assumed for a folder without ``corpus.yaml``."""
    name = folder.resolve().name or "corpus"
    return Contract(territory=name, id=slugify(name))


def load_corpus(folder: str | Path) -> Corpus:
    """Read a corpus folder (and its ``corpus.yaml`` when present)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("corpus folder not found", path=folder)
    manifest = folder / MANIFEST
    if manifest.is_file():
        corpus = _read_manifest(folder, manifest)
        listed = {e.path for e in corpus.documents}
        for path in sorted(folder.rglob("*")):
            if (path.is_file() and path.suffix.lower() in SOURCE_EXTENSIONS
                    and path != manifest and path.resolve() not in listed):
                corpus.warnings.append(
                    f"{path.relative_to(folder)}: not listed in {MANIFEST}, not built"
                )
        return corpus
    contract = default_contract(folder)
    entries = [
        DocumentEntry(path=path, relative=str(path.relative_to(folder)), contract_id=contract.id)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix.lower() in SOURCE_EXTENSIONS
    ]
    if not entries:
        raise InputError(
            f"no source documents ({', '.join(SOURCE_EXTENSIONS)}) in the corpus folder",
            path=folder,
        )
    warning = (
        f"{folder}: no {MANIFEST}; all documents belong to one contract "
        f"{contract.territory!r} (add {MANIFEST} to name territories and periods)"
    )
    return Corpus(folder=folder, contracts={contract.id: contract}, documents=entries,
                  warnings=[warning])
