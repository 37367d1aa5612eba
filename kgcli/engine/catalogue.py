"""The named-query catalogue: `NAME.rq` files with a header of title, description and parameters.

The header format is the contract written down in `queries/README.md`.
"""

from __future__ import annotations

import builtins
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kgcli.engine import resources
from kgcli.engine.params import TYPES, Param, parse_value
from kgcli.engine.sparql import ParsedQuery, parse, prefixes
from kgcli.errors import InputError, UsageError
from kgcli.rdf.iri import file_iri
from kgcli.text import check, decode, read_file

KEYS = ("title", "description", "param", "column", "severity", "scope")
SEVERITIES = ("error", "warning", "info")
#: What a check is about: `vocabulary`, the terms of the namespace its `ns` parameter names;
#: `kgcli`, the conventions of kgcli's own graph (its kgr: resources, articles and evidence,
#: derived graph), so it names our IRIs by design. A check without one is about any graph.
SCOPES = ("vocabulary", "kgcli")
QUERY_SUFFIXES = (".rq", ".sparql")

_KEY_RE = re.compile(r"# ?([A-Za-z][\w-]*):(.*)")
_PARAM_RE = re.compile(
    r"(?P<name>[^\s=]+)\s+(?P<type>\w+)"
    r"(?:\s*=\s*(?P<default>.*?))?"
    r"(?:\s+--(?:\s+(?P<description>.*?))?)?\s*"
)
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COLUMN_RE = re.compile(r"(?P<name>[^\s]+)\s+--\s+(?P<description>.+)")


@dataclass(frozen=True)
class Column:
    """A declared result column: the variable `?name` of the SELECT, and what it means."""

    name: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A query and its header; `text` is the whole file (the header is SPARQL comments).

    `base` is the IRI its relative IRIs resolve against: the file's own
    (`kgcli.rdf.iri.file_iri`), None for a query given as text (`kgcli.engine.query.prepare` then
    takes the working directory's).
    """

    name: str
    path: Path
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    base: str | None = None
    columns: tuple[Column, ...] = ()
    #: A check's severity (`error`, `warning` or `info`); empty for a header that gives none.
    severity: str = ""
    #: What a check is about (one of `SCOPES`); empty for any graph.
    scope: str = ""

    @cached_property
    def parsed(self) -> ParsedQuery:
        """The query tokenized, once, and kept with it (InputError if it is no query)."""
        return parse(self.text)

    def describe(self) -> dict[str, object]:
        """Name, title, description and typed parameters, as plain JSON-ready values."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [
                {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                for p in self.params
            ],
            "columns": [{"name": c.name, "description": c.description} for c in self.columns],
        }


def _header_lines(text: str) -> list[tuple[int, str]]:
    """The numbered `#` lines at the top of the file, up to the first other line."""
    found = []
    # Lines end at "\n" only, as the engine counts them, so that line numbers agree.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.startswith("#"):
            break
        found.append((number, line.rstrip()))
    return found


def _entries(lines: list[tuple[int, str]], source: str) -> list[tuple[str, str, int]]:
    """(key, value, line) entries, continuation lines joined to their value with a space."""
    entries: list[tuple[str, str, int]] = []
    for number, line in lines:
        body = line[1:]
        if not body.strip():
            continue  # a bare `#` separates, it says nothing
        if body.startswith(("  ", "\t")):
            if not entries:
                raise InputError(f"{source}:{number}: a continuation line with nothing to continue")
            key, value, start = entries[-1]
            entries[-1] = (key, f"{value} {body.strip()}".strip(), start)
            continue
        match = _KEY_RE.fullmatch(line)
        if not match:
            raise InputError(
                f"{source}:{number}: expected '# key: value' or a continuation '#   text', "
                f"found {line!r}"
            )
        key, value = match.group(1), match.group(2).strip()
        if key not in KEYS:
            raise InputError(f"{source}:{number}: unknown key {key!r} (keys: {', '.join(KEYS)})")
        entries.append((key, value, number))
    return entries


def _param(value: str, source: str, number: int, text: str, seen: set[str]) -> Param:
    match = _PARAM_RE.fullmatch(value)
    if not match:
        raise InputError(
            f"{source}:{number}: bad param {value!r}: expected 'NAME TYPE [= DEFAULT] "
            "[-- description]'"
        )
    name, type_, default = match.group("name", "type", "default")
    if not _NAME_RE.fullmatch(name):
        raise InputError(
            f"{source}:{number}: bad param name {name!r}: letters, digits and _, as in ?{name}"
        )
    if type_ not in TYPES:
        raise InputError(
            f"{source}:{number}: param {name!r} has unknown type {type_!r} "
            f"(types: {', '.join(TYPES)})"
        )
    if name in seen:
        raise InputError(f"{source}:{number}: param {name!r} is declared twice")
    seen.add(name)
    if default is not None:
        declared = prefixes(text) if type_ == "iri" else {}  # its own errors are the query's
        try:
            parse_value(name, type_, default, declared)
        except InputError as err:
            raise InputError(f"{source}:{number}: bad default: {err}") from None
    return Param(name, type_, default, match.group("description") or "")


def _column(value: str, source: str, number: int, seen: set[str]) -> Column:
    match = _COLUMN_RE.fullmatch(value)
    if not match or not _NAME_RE.fullmatch(match.group("name")):
        raise InputError(
            f"{source}:{number}: bad column {value!r}: expected 'NAME -- description', NAME as "
            "in ?NAME"
        )
    name = match.group("name")
    if name in seen:
        raise InputError(f"{source}:{number}: column {name!r} is described twice")
    seen.add(name)
    return Column(name, match.group("description").strip())


#: (title, description, params, columns, severity, scope) of a header; see `queries/README.md`.
_Header = tuple[str | None, str, tuple[Param, ...], tuple[Column, ...], str, str]


def _parse(text: str, source: str, *, required: bool) -> _Header:
    lines = _header_lines(text)
    if not required and not any(
        (m := _KEY_RE.fullmatch(line)) and m.group(1) in KEYS for _, line in lines
    ):
        # A file given by path may start with ordinary comments: it has no header then.
        return None, "", (), (), "", ""
    title: str | None = None
    description = ""
    severity = ""
    scope = ""
    params: list[Param] = []
    columns: list[Column] = []
    seen_columns: set[str] = set()
    seen_keys: set[str] = set()
    seen_params: set[str] = set()
    for key, value, number in _entries(lines, source):
        if key in seen_keys and key not in ("param", "column"):
            raise InputError(f"{source}:{number}: {key} is given twice")
        seen_keys.add(key)
        if key == "title":
            title = value
        elif key == "description":
            description = value
        elif key == "column":
            columns.append(_column(value, source, number, seen_columns))
        elif key == "severity":
            if value not in SEVERITIES:
                raise InputError(
                    f"{source}:{number}: unknown severity {value!r} "
                    f"(severities: {', '.join(SEVERITIES)})"
                )
            severity = value
        elif key == "scope":
            if value not in SCOPES:
                raise InputError(
                    f"{source}:{number}: unknown scope {value!r} (scopes: {', '.join(SCOPES)})"
                )
            scope = value
        else:
            params.append(_param(value, source, number, text, seen_params))
    if not title:
        raise InputError(f"{source}:1: the header has no title: start the file with '# title: ...'")
    return title, description, tuple(params), tuple(columns), severity, scope


def parse_header(text: str, source: str) -> tuple[str, str, tuple[Param, ...]]:
    """A catalogue file's (title, description, params); errors name `source` and the line."""
    title, description, params, *_ = _parse(text, source, required=True)
    return title or "", description, params


def _read(path: Path) -> str:
    # A BOM is dropped: it would hide the header.
    return decode(read_file(path, "query file"), str(path))


def _load(path: Path, *, required: bool) -> NamedQuery:
    text = _read(path)
    title, description, params, columns, severity, scope = _parse(
        text, str(path), required=required
    )
    return NamedQuery(
        path.stem,
        path,
        title or path.stem,
        description,
        params,
        text,
        file_iri(path),
        columns=columns,
        severity=severity,
        scope=scope,
    )


def load_file(path: Path) -> NamedQuery:
    """A query file given by path: its name is the file's stem, its header optional."""
    return _load(path, required=False)


def from_text(text: str, name: str = "-") -> NamedQuery:
    """A query given as text (stdin, `-e`); a header is optional, as in a query file."""
    source = "<stdin>" if name == "-" else name
    title, description, params, columns, severity, scope = _parse(
        check(text, source), source, required=False
    )
    return NamedQuery(
        name,
        Path(name),
        title or name,
        description,
        params,
        text,
        columns=columns,
        severity=severity,
        scope=scope,
    )


class Catalogue:
    """The named queries of the user's folders, then the built-in ones (a user's name wins)."""

    def __init__(self, dirs: Sequence[Path] = (), *, builtin: Path | None = None) -> None:
        for folder in dirs:
            if not Path(folder).is_dir():
                raise InputError(f"query folder {str(folder)!r} does not exist")
        self.builtin = builtin if builtin is not None else resources.queries_dir()
        self.dirs = [Path(d) for d in dirs] + [self.builtin]
        self._cache: dict[Path, NamedQuery] = {}

    def _paths(self) -> dict[str, Path]:
        """name -> file, the first folder holding a name winning."""
        found: dict[str, Path] = {}
        for folder in self.dirs:
            for path in sorted(folder.glob("*.rq")):
                if path.is_file():
                    found.setdefault(path.stem, path)
        return found

    def _named(self, path: Path, *, required: bool = True) -> NamedQuery:
        if path not in self._cache:
            self._cache[path] = _load(path, required=required)
        return self._cache[path]

    def names(self) -> builtins.list[str]:
        return sorted(self._paths())

    def list(self) -> list[NamedQuery]:
        """Every named query, sorted by name."""
        paths = self._paths()
        return [self._named(paths[name]) for name in sorted(paths)]

    def get(self, name: str) -> NamedQuery:
        """The query called `name`; an unknown name suggests close ones."""
        paths = self._paths()
        if name in paths:
            return self._named(paths[name])
        close = difflib.get_close_matches(name, paths, n=3, cutoff=0.6)
        if close:
            hint = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
            raise UsageError(f"unknown query {name!r}; did you mean {hint}? (kg queries list)")
        raise UsageError(f"unknown query {name!r} (kg queries list shows the catalogue)")

    def checks(self) -> builtins.list[NamedQuery]:
        """The built-in lint queries, `checks/*.rq`, sorted by name; their header is optional."""
        folder = self.builtin / "checks"
        if not folder.is_dir():
            return []
        return [self._named(p, required=False) for p in sorted(folder.glob("*.rq")) if p.is_file()]


def query_files(path: Path, what: str) -> builtins.list[Path]:
    """The query files `--checks` or `--rules` (`what`) names: a folder's `.rq` and `.sparql`
    files by name, or one such file given as such; any other file, or a folder without any, is
    refused by name.
    """
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix in QUERY_SUFFIXES and p.is_file())
        if not found:  # a wrong folder would otherwise pass every graph, or derive nothing
            raise InputError(f"{what} folder {str(path)!r} holds no .rq or .sparql files")
        return found
    if not path.exists():
        raise InputError(f"{what} folder or .rq or .sparql file {str(path)!r} does not exist")
    if path.suffix not in QUERY_SUFFIXES:  # /etc/passwd is no query: say so, not a parse error
        raise InputError(
            f"{what} file {str(path)!r} is not a .rq or .sparql file (give one, or a folder of "
            "them)"
        )
    return [path]


def load_checks(path: Path) -> builtins.list[NamedQuery]:
    """The user's lint queries, each with a header (a title): a folder's `.rq` and `.sparql`
    files sorted by name, or one such file."""
    return [_load(p, required=True) for p in query_files(path, "checks")]


def resolve(ref: str, catalogue: Catalogue) -> NamedQuery:
    """A query file (an existing path, or one ending in .rq/.sparql), else a catalogue name."""
    path = Path(ref)
    if path.is_file() or ref.endswith(QUERY_SUFFIXES):
        return load_file(path)
    return catalogue.get(ref)
