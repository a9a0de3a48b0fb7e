"""The SPARQL query library: ``*.rq`` files with a ``#+`` YAML header, and their parameters.

Each file of the library (``policykg.queries``, read through ``importlib.resources``)
starts with comment lines in the grlc style, so that the file stays a valid query::

    #+ summary: Fiches by pillar
    #+ description: The fiches of one pillar, with their titles.
    #+ params:
    #+   pillar: {type: string, default: "Cohésion sociale", description: pillar label}
    #+ tags: [fiches]
    SELECT ?fiche ?title WHERE { ?fiche ... ?pillar . }

A parameter ``pillar`` names the query variable ``?pillar``. Its value is validated by
type (``iri``, ``string``, ``integer``, ``decimal``, ``date``, ``boolean``, ``code``) and
bound as an RDF term, never pasted into the query as text: a ``VALUES`` block is placed
at the *top of the outermost WHERE group* (:func:`inject_values`), on the embedded store
and on remote endpoints alike, so both give the same answers. The block holds only terms
serialised by pyoxigraph (N-Triples syntax, escaped), and its place is found by a small
lexer that skips comments, strings and IRIs. Two alternatives were rejected:

- pyoxigraph ``substitutions`` (SEP-0007) refuse a variable that is not in the SELECT
  projection, which is the usual case of a parameter used in a ``FILTER``;
- a trailing ``VALUES`` after the query is joined *after* grouping and aggregation, so it
  would not bind a variable used in a ``FILTER`` or under ``GROUP BY``.

Query authors: use parameter variables in the outermost group (a sub-query does not see
them unless it projects them), and never as the target of ``BIND(… AS ?param)``.

A parameter with no value and no default is left unbound (it then matches anything),
unless it is ``required``.

>>> q = parse_query("#+ summary: Count\\n#+ params:\\n#+   n: {type: integer}\\n"
...                 "SELECT ?s WHERE { ?s ?p ?n }", name="count")
>>> q.summary, [p.name for p in q.params]
('Count', ['n'])
>>> {k: str(v) for k, v in bind_params(q, {"n": "7"}).items()}
{'n': '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'}
>>> inject_values(q.text, bind_params(q, {"n": "7"})).splitlines()[-1]
'SELECT ?s WHERE { VALUES (?n) { ("7"^^<http://www.w3.org/2001/XMLSchema#integer>) } ?s ?p ?n }'
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
import yaml

from policykg.errors import InputError, PolicykgError

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "string", "integer", "decimal", "date", "boolean", "code")
_HEADER_KEYS = {"summary", "description", "params", "tags", "endpoint", "method"}
_PARAM_KEYS = {"name", "type", "default", "description", "required"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CODE = re.compile(r"[\w][\w .\-/]*\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_TRUE, _FALSE = {"true", "1", "yes", "oui"}, {"false", "0", "no", "non"}


@dataclass(frozen=True)
class Param:
    """One declared query parameter (bound to the query variable of the same name)."""

    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Query:
    """A SPARQL query and what its ``#+`` header says about it."""

    name: str
    path: str
    text: str
    summary: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    header_lines: int = field(default=0, compare=False)

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)


# --- the #+ header ------------------------------------------------------------------


def _header(text: str) -> tuple[str, int]:
    """The YAML text of the leading ``#+`` lines, and how many lines the header spans."""
    yaml_lines: list[str] = []
    last = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#+"):
            yaml_lines.append(stripped[2:])
            last = number
        elif stripped and not stripped.startswith("#"):
            break
    return textwrap.dedent("\n".join(yaml_lines)), last


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _params(raw: object, path: str) -> tuple[Param, ...]:
    """Parameters from a mapping (name -> spec) or a list of specs with ``name``."""
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        items = [(name, spec) for name, spec in raw.items()]
    elif isinstance(raw, list):
        items = []
        for spec in raw:
            if not isinstance(spec, Mapping) or "name" not in spec:
                raise InputError("each entry of 'params' needs a 'name'", path=path)
            items.append((spec["name"], spec))
    else:
        raise InputError("'params' must be a mapping or a list", path=path)
    params = []
    for name, spec in items:
        spec = spec if isinstance(spec, Mapping) else {"type": spec or "string"}
        unknown = sorted(set(spec) - _PARAM_KEYS)
        if unknown:
            raise InputError(f"parameter '{name}': unknown keys {unknown}", path=path)
        if not isinstance(name, str) or not _NAME.match(name):
            raise InputError(f"parameter name {name!r} is not a SPARQL variable name", path=path)
        kind = str(spec.get("type", "string"))
        if kind not in PARAM_TYPES:
            raise InputError(
                f"parameter '{name}': unknown type '{kind}' (one of {', '.join(PARAM_TYPES)})",
                path=path,
            )
        params.append(
            Param(
                name=name,
                type=kind,
                default=_as_text(spec.get("default")),
                description=str(spec.get("description") or ""),
                required=bool(spec.get("required", False)),
            )
        )
    return tuple(params)


def parse_query(text: str, name: str, path: str | None = None) -> Query:
    """A :class:`Query` from the text of a ``.rq`` file (header checked, defaults valid)."""
    where = path or f"{name}.rq"
    header, header_lines = _header(text)
    try:
        meta = yaml.safe_load(header) if header.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            f"invalid #+ YAML header: {getattr(exc, 'problem', exc)}", path=where, line=line
        ) from None
    if not isinstance(meta, Mapping):
        raise InputError("the #+ header must be a YAML mapping", path=where, line=1)
    unknown = sorted(set(meta) - _HEADER_KEYS)
    if unknown:
        raise InputError(f"unknown #+ header keys {unknown}", path=where, line=1)
    tags = meta.get("tags") or ()
    query = Query(
        name=name,
        path=where,
        text=text,
        summary=str(meta.get("summary") or "").strip(),
        description=str(meta.get("description") or "").strip(),
        params=_params(meta.get("params"), where),
        tags=tuple(str(t) for t in ([tags] if isinstance(tags, str) else tags)),
        header_lines=header_lines,
    )
    variables = query_variables(text)
    for param in query.params:
        if param.name not in variables:
            raise InputError(
                f"parameter '{param.name}' is not a variable of the query (no ?{param.name})",
                path=where,
            )
        if param.default is not None:
            _term(query, param, param.default)
    return query


# --- the library ---------------------------------------------------------------------


def list_queries() -> list[Query]:
    """Every query of the bundled library, sorted by name."""
    root = files("policykg.queries")
    entries = sorted((e for e in root.iterdir() if e.name.endswith(".rq")), key=lambda e: e.name)
    return [
        parse_query(e.read_text(encoding="utf-8"), name=e.name[:-3], path=f"queries/{e.name}")
        for e in entries
    ]


def load_query(name_or_path: str | Path) -> Query:
    """A library query by name (``graphs``), or a user's ``.rq`` file by path."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise PolicykgError("query file not found", path=path)
        try:
            body = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the query: {exc}", path=path) from None
        return parse_query(body, name=path.stem, path=str(path))
    library = {q.name: q for q in list_queries()}
    if text not in library:
        known = ", ".join(sorted(library)) or "none"
        raise PolicykgError(
            f"no query named '{text}' in the library (known: {known}); "
            "pass a path ending in .rq to run your own"
        )
    return library[text]


# --- parameters -------------------------------------------------------------------


def query_prefixes(text: str) -> dict[str, str]:
    """The ``PREFIX`` declarations of a query.

    >>> query_prefixes("PREFIX ex: <http://e/> SELECT * {}")
    {'ex': 'http://e/'}
    """
    seq = [(kind, value) for kind, value, _, _ in _tokens(text)]
    prefixes: dict[str, str] = {}
    for i in range(len(seq) - 2):
        if seq[i][0] == "word" and seq[i][1].upper() == "PREFIX" and seq[i + 2][0] == "iri":
            prefixes[seq[i + 1][1].rstrip(":")] = seq[i + 2][1][1:-1]
    return prefixes


def query_variables(text: str) -> set[str]:
    """The names of the variables a query mentions."""
    return {value[1:] for kind, value, _, _ in _tokens(text) if kind == "var"}


def _expects(param: Param) -> str:
    return {
        "iri": "an absolute IRI (or a prefixed name declared in the query)",
        "string": "a string",
        "integer": "an integer",
        "decimal": "a decimal number",
        "date": "a date (YYYY-MM-DD)",
        "boolean": "true or false",
        "code": "a code (letters, digits, spaces, '.', '-', '_', '/')",
    }[param.type]


def _term(query: Query, param: Param, value: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for one parameter value, or a one-line error."""
    value = value.strip() if param.type != "string" else value

    def fail() -> PolicykgError:
        return PolicykgError(
            f"parameter '{param.name}' expects {_expects(param)}, got {value!r}", path=query.path
        )

    kind = param.type
    if kind == "string":
        return ox.Literal(value)
    if kind == "code":
        if not _CODE.match(value):
            raise fail()
        return ox.Literal(value)
    if kind == "integer":
        if not _INTEGER.match(value):
            raise fail()
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise fail() from None
        if not number.is_finite():
            raise fail()
        lexical = format(number, "f")
        lexical = lexical if "." in lexical else lexical + ".0"
        return ox.Literal(lexical, datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise fail() from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "boolean":
        if value.lower() not in _TRUE | _FALSE:
            raise fail()
        flag = "true" if value.lower() in _TRUE else "false"
        return ox.Literal(flag, datatype=ox.NamedNode(XSD + "boolean"))
    iri = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    prefix, sep, local = iri.partition(":")
    declared = query_prefixes(query.text)
    if sep and prefix in declared and not local.startswith("//"):
        iri = declared[prefix] + local
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise fail() from None


def bind_params(query: Query, values: Mapping[str, str] | None = None) -> dict[str, ox.Term]:
    """Validate ``values`` (name -> text) against the declared parameters; RDF terms out.

    Defaults fill in missing values; unknown names and missing required values are errors.
    """
    values = dict(values or {})
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        declared = ", ".join(p.name for p in query.params) or "none"
        raise PolicykgError(
            f"unknown parameter '{unknown[0]}' (this query takes: {declared})", path=query.path
        )
    bound: dict[str, ox.Term] = {}
    for param in query.params:
        value = values.get(param.name, param.default)
        if value is None:
            if param.required:
                raise PolicykgError(
                    f"parameter '{param.name}' is required ({_expects(param)})", path=query.path
                )
            continue
        bound[param.name] = _term(query, param, value)
    return bound


# --- VALUES injection for remote endpoints ----------------------------------------------

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<var>[?$][\w\u00b7]+)
    |(?P<pname>[^\W\d][\w.\-]*:[\w.\-:%]*|:[\w.\-:%]*)
    |(?P<word>[^\W\d]\w*)
    |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) of the significant tokens (no spaces, no comments)."""
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append((kind, match.group(), match.start(), match.end()))
    return out


def query_form(text: str) -> str:
    """The query form: ``SELECT``, ``CONSTRUCT``, ``ASK`` or ``DESCRIBE``.

    >>> query_form("# SELECT in a comment\\nPREFIX ask: <http://e/> ask { ?s ask:p 1 }")
    'ASK'
    """
    for kind, value, _, _ in _tokens(text):
        if kind == "word" and value.upper() in _FORMS:
            return value.upper()
    raise PolicykgError("not a SELECT, CONSTRUCT, ASK or DESCRIBE query")


def where_group_offset(text: str) -> int:
    """The offset just after the ``{`` that opens the outermost WHERE group.

    >>> q = 'PREFIX e: <http://e/#x> CONSTRUCT { ?s e:p "{" } WHERE { ?s ?p ?o }'
    >>> q[where_group_offset(q):]
    ' ?s ?p ?o }'
    """
    tokens = _tokens(text)
    start = next(
        (i for i, t in enumerate(tokens) if t[0] == "word" and t[1].upper() in _FORMS), None
    )
    if start is None:
        raise PolicykgError("not a SELECT, CONSTRUCT, ASK or DESCRIBE query")
    i = start + 1
    if tokens[start][1].upper() == "CONSTRUCT" and i < len(tokens):
        if tokens[i][0] == "word" and tokens[i][1].upper() == "WHERE":
            raise PolicykgError(
                "parameters cannot be bound in the short form "
                "CONSTRUCT WHERE { … }: write CONSTRUCT { … } WHERE { … }"
            )
        if tokens[i][1] == "{":
            depth = 0
            while i < len(tokens):
                depth += {"{": 1, "}": -1}.get(tokens[i][1], 0)
                i += 1
                if depth == 0:
                    break
    parens = 0
    for kind, value, _, end in tokens[i:]:
        if kind != "other":
            continue
        parens += {"(": 1, ")": -1}.get(value, 0)
        if value == "{" and parens == 0:
            return end
    raise PolicykgError("the query has no WHERE group to bind parameters in")


def values_block(bindings: Mapping[str, ox.Term]) -> str:
    """A one-line ``VALUES`` block for some bound variables (terms serialised by pyoxigraph).

    >>> values_block({"x": ox.Literal('a" } DROP ALL #')})
    'VALUES (?x) { ("a\\\\" } DROP ALL #") }'
    """
    names = sorted(bindings)
    for name in names:
        if not _NAME.match(name):
            raise PolicykgError(f"{name!r} is not a SPARQL variable name")
    variables = " ".join(f"?{n}" for n in names)
    terms = " ".join(str(bindings[n]) for n in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


def inject_values(text: str, bindings: Mapping[str, ox.Term]) -> str:
    """The query with a ``VALUES`` block for ``bindings`` at the top of its WHERE group.

    The block is inserted on the same line, so line numbers in messages stay right.
    """
    if not bindings:
        return text
    offset = where_group_offset(text)
    return f"{text[:offset]} {values_block(bindings)}{text[offset:]}"
