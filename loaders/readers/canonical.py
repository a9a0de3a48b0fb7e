"""Reader for fiches written by hand in the canonical format (YAML or JSON).

A territory can add fiches without a parser: the file holds what ``policykg extract``
prints. Errors name the file and the line of the offending key.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "f.yaml"
>>> _ = p.write_text("fiches:\\n  - code: '1.2.3'\\n    colour: blue\\n", encoding="utf-8")
>>> try:
...     read_canonical(p)
... except Exception as e:
...     print(e.line, e.message[:31])
3 fiches[0]: unknown key 'colour'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from policykg.errors import InputError
from policykg.loaders.readers.text import MAX_TEXT_BYTES
from policykg.loaders.records import Extraction, RecordError, extraction_from_dict

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_UNKNOWN_KEY = re.compile(r"unknown key '([^']+)'")
# libyaml's parser when PyYAML has it (several times faster; the constructor is the same
# Python code, so the data are the same); errors are reported by the pure Python parser.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _node_at(root: yaml.Node | None, path: str) -> tuple[yaml.Node | None, int | None]:
    """The YAML node at a record path such as ``fiches[0].partners[2]``, and its line."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key, index in _STEP.findall(path):
        if isinstance(node, yaml.MappingNode) and key:
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            if pair is None:
                break
            node, line = pair[1], pair[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        else:
            break
    return node, line


def _error_line(root: yaml.Node | None, err: RecordError) -> int | None:
    """The line a record error points at (the unknown key itself where there is one)."""
    node, line = _node_at(root, "" if err.path == "Extraction" else err.path)
    unknown = _UNKNOWN_KEY.search(str(err))
    if unknown and isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == unknown.group(1):
                return k.start_mark.line + 1
    return line


def read_canonical(path: str | Path) -> Extraction:
    """Read a canonical-format YAML or JSON file into an :class:`Extraction`."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise InputError(
                f"refused: {path.stat().st_size / 2**20:,.1f} MB, over the limit of "
                f"{MAX_TEXT_BYTES / 2**20:,.0f} MB for a text document",
                path=path,
            )
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(
            "not UTF-8 text (canonical files are UTF-8)", path=path, line=line
        ) from exc
    try:
        if yaml.reader.Reader.NON_PRINTABLE.search(text):
            data: Any = yaml.safe_load(text)  # raises PyYAML's own error
        else:
            try:
                data = yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 (a safe loader)
            except yaml.YAMLError:
                data = yaml.safe_load(text)  # raises again, with PyYAML's own message
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"not valid YAML: {problem}", path=path, line=mark.line + 1 if mark else None
        ) from exc
    if data is None:
        raise InputError("empty file: nothing to read", path=path)
    if not isinstance(data, dict):
        raise InputError(
            "a canonical fiche file is a mapping with a 'fiches' or 'actions' list",
            path=path,
            line=1,
        )
    try:
        extraction = extraction_from_dict(data)
    except RecordError as err:
        line = _error_line(yaml.compose(text, Loader=yaml.SafeLoader), err)
        raise InputError(str(err), path=path, line=line) from err
    extraction.source = extraction.source or path.name
    extraction.template = extraction.template or "canonical"
    return extraction
