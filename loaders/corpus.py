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

Errors are contained where they occur, so that one bad line does not stop the corpus: a
document entry that is wrong (unknown key, wrong type, a path outside the corpus folder, a
missing file, an unknown contract) and every document of a contract that is wrong are kept
as *refused* entries (:attr:`DocumentEntry.error`, naming the manifest's line) that the
build reports as failed; an unknown top-level key is ignored with a warning. Only a
manifest that cannot be read at all (not YAML, no ``documents`` list) refuses the corpus.

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
_TOP_KEYS = {
    "contracts",
    "documents",
    "publisher",
    "contact",
    "download_url",
    "title",
    "description",
    "license",
    "keywords",
    "issued",
    "modified",
}


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
    error: InputError | None = None

    def check(self) -> None:
        """Raise the manifest error that refused this entry, if any."""
        if self.error is not None:
            raise self.error


@dataclass
class Corpus:
    """A folder of documents, their contracts and the manifest's publication metadata."""

    folder: Path
    contracts: dict[str, Contract]
    documents: list[DocumentEntry]
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def contract_of(self, entry: DocumentEntry) -> Contract:
        """The contract a document belongs to (a bare placeholder for a refused entry
        whose contract is unknown or refused)."""
        found = self.contracts.get(entry.contract_id)
        return found or Contract(territory=entry.contract_id, id=entry.contract_id)

    @property
    def refused(self) -> list[DocumentEntry]:
        """The entries refused for a manifest error (see the module docstring)."""
        return [e for e in self.documents if e.error is not None]


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _key(node: yaml.Node) -> str:
    """A mapping key as text (a key that is a list or a mapping is shown as YAML)."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return yaml.serialize(node).strip()


def _mapping_items(node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _scalar_text(node: yaml.Node, path: Path, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.value == "":
        raise InputError(f"{what} must be a text value", path=path, line=_line(node))
    return str(node.value)


def _check_keys(node: yaml.Node, known: set[str], path: Path, where: str) -> None:
    if not isinstance(node, yaml.MappingNode):
        raise InputError(
            f"{where} must be a mapping of keys to values", path=path, line=_line(node)
        )
    for key, _ in node.value:
        if _key(key) not in known:
            raise InputError(
                f"unknown key {_key(key)!r} in {where} (known: {', '.join(sorted(known))})",
                path=path,
                line=_line(key),
            )


def _contract(cid: str, node: yaml.Node, path: Path) -> Contract:
    _check_keys(node, _CONTRACT_KEYS, path, f"contract {cid!r}")
    values: dict[str, Any] = {}
    for key, value in _mapping_items(node):
        if _key(key) == "signatories":
            if not isinstance(value, yaml.SequenceNode):
                raise InputError("signatories must be a list", path=path, line=_line(value))
            values["signatories"] = [_scalar_text(v, path, "a signatory") for v in value.value]
        else:
            values[_key(key)] = _scalar_text(value, path, _key(key))
    if "territory" not in values:
        raise InputError(f"contract {cid!r} has no territory", path=path, line=_line(node))
    values.pop("name", None)
    return Contract(id=cid, **values)


def _inside(folder: Path, relative: str, manifest: Path, line: int | None) -> Path:
    try:
        candidate = (folder / relative).resolve()
    except (OSError, ValueError) as exc:
        raise InputError(
            f"document path {relative!r} cannot be used: {exc}", path=manifest, line=line
        ) from exc
    if Path(relative).is_absolute() or not candidate.is_relative_to(folder.resolve()):
        raise InputError(
            f"document path {relative!r} points outside the corpus folder",
            path=manifest,
            line=line,
        )
    return candidate


def _load_yaml(manifest: Path) -> yaml.Node:
    try:
        text = manifest.read_text(encoding="utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
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
    if not isinstance(root, yaml.MappingNode):
        raise InputError(
            "corpus.yaml must be a mapping of keys to values", path=manifest, line=_line(root)
        )
    return root


def _contracts(
    node: yaml.Node | None, manifest: Path
) -> tuple[dict[str, Contract], dict[str, InputError]]:
    """The contracts, and the error of each contract that cannot be read."""
    contracts: dict[str, Contract] = {}
    broken: dict[str, InputError] = {}
    if node is not None and not isinstance(node, yaml.MappingNode):
        raise InputError(
            "contracts must be a mapping of contract ids to contracts",
            path=manifest,
            line=_line(node),
        )
    for key, value in _mapping_items(node) if node is not None else []:
        cid = _key(key)
        try:
            contracts[cid] = _contract(cid, value, manifest)
        except InputError as exc:
            broken[cid] = exc
    return contracts, broken


def _entry(
    folder: Path,
    node: yaml.Node,
    manifest: Path,
    contracts: dict[str, Contract],
    broken: dict[str, InputError],
) -> DocumentEntry:
    """One document entry; raises :class:`InputError` when it cannot be used."""
    _check_keys(node, _DOCUMENT_KEYS, manifest, "a document entry")
    values = {_key(k): v for k, v in node.value}
    if "file" not in values:
        raise InputError("document entry without 'file'", path=manifest, line=_line(node))
    relative = _scalar_text(values["file"], manifest, "file")
    path = _inside(folder, relative, manifest, _line(node))
    if "contract" in values:
        cid = _scalar_text(values["contract"], manifest, "contract")
    elif len(contracts) + len(broken) == 1:
        cid = next(iter(contracts or broken))
    else:
        raise InputError(
            f"document {relative!r} names no contract", path=manifest, line=_line(node)
        )
    if cid in broken:
        error = broken[cid]
        raise InputError(
            f"{error.message} (document {relative!r} belongs to it)", path=manifest, line=error.line
        )
    if cid not in contracts:
        raise InputError(
            f"document {relative!r} names an unknown contract {cid!r} "
            f"(known: {', '.join(sorted(contracts)) or 'none'})",
            path=manifest,
            line=_line(values["contract"]),
        )
    template = (
        _scalar_text(values["template"], manifest, "template") if "template" in values else None
    )
    if not path.is_file():
        raise InputError(
            f"document {relative!r} not found in the corpus folder", path=manifest, line=_line(node)
        )
    return DocumentEntry(
        path=path, relative=relative, contract_id=cid, template=template, line=_line(node)
    )


def _refused(node: yaml.Node, manifest: Path, error: InputError, rank: int) -> DocumentEntry:
    """The entry kept for a document the manifest names wrongly (never read: its path is
    the manifest's own)."""
    values = {_key(k): v for k, v in _mapping_items(node)}
    file_node, contract_node = values.get("file"), values.get("contract")
    relative = (
        str(file_node.value)
        if isinstance(file_node, yaml.ScalarNode) and file_node.value
        else f"{MANIFEST} entry {rank}"
    )
    cid = str(contract_node.value) if isinstance(contract_node, yaml.ScalarNode) else ""
    return DocumentEntry(
        path=manifest, relative=relative, contract_id=cid, line=_line(node), error=error
    )


def _read_manifest(folder: Path, manifest: Path) -> Corpus:
    root = _load_yaml(manifest)
    warnings = []
    for key, _ in root.value:
        if _key(key) not in _TOP_KEYS:
            warnings.append(
                f"{manifest}:{_line(key)}: unknown key {_key(key)!r} in corpus.yaml ignored "
                f"(known: {', '.join(sorted(_TOP_KEYS))})"
            )
    top = {_key(k): v for k, v in root.value}
    contracts, broken = _contracts(top.get("contracts"), manifest)
    documents_node = top.get("documents")
    if not isinstance(documents_node, yaml.SequenceNode):
        raise InputError(
            "corpus.yaml needs a 'documents' list",
            path=manifest,
            line=_line(documents_node or root),
        )
    entries = []
    for rank, node in enumerate(documents_node.value, start=1):
        try:
            entries.append(_entry(folder, node, manifest, contracts, broken))
        except InputError as exc:
            entries.append(_refused(node, manifest, exc, rank))
    metadata = {
        key: yaml.safe_load(yaml.serialize(node))
        for key, node in top.items()
        if key in _TOP_KEYS and key not in ("contracts", "documents")
    }
    return Corpus(
        folder=folder, contracts=contracts, documents=entries, metadata=metadata, warnings=warnings
    )


def _listed_path(folder: Path, relative: str) -> Path | None:
    try:
        return (folder / relative).resolve()
    except (OSError, ValueError):
        return None


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
        listed = {_listed_path(folder, e.relative) for e in corpus.documents}
        for path in sorted(folder.rglob("*")):
            if (
                path.is_file()
                and path.suffix.lower() in SOURCE_EXTENSIONS
                and path != manifest
                and path.resolve() not in listed
            ):
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
    return Corpus(
        folder=folder, contracts={contract.id: contract}, documents=entries, warnings=[warning]
    )
