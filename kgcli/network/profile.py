"""Network profiles: which classes become nodes, which properties edges, which literals attributes.

A profile is a TOML file (`kgcli/network/profiles/*.toml` are the built-in ones;
`kgcli/network/profiles/README.md` documents the format with examples). Every key but `title` and
one `[[nodes]]` table is optional:

    title = "Resource sharing"                  # required: a one-line name
    description = "Facilities and the shared medical resources they use."
    labels = ["rdfs:label", "skos:prefLabel"]   # label properties (this is the default)

    [prefixes]                                  # added to rdf rdfs owl xsd skos schema org prov
    ex = "http://example.org/"                  # dcterms kg kgr kgg, which are always known

    [[nodes]]                                   # one table per class; a node is an instance of the
    class = "kg:HealthcareFacility"             # class or of a subclass (rdfs:subClassOf*)
    kind = "HealthcareFacility"                 # optional: one kind (colour) for all of them;
                                                # default: each node's own most specific class

    [[edges]]                                   # only between two nodes of the network
    property = "kg:usesSharedResource"          # or: path = "^org:member/org:organization"
    kind = "kg:usesSharedResource"              # optional with property (required with path)
    label = "uses shared resource"              # optional: default the property's rdfs:label
    weight = 1.0                                # optional

    [[attributes]]                              # literal values become typed node attributes
    property = "kg:foundingDate"
    name = "founded"                            # optional: default the property's local name
    start = true                                # optional: dates the node (dynamic GEXF); or end

    [projection]                                # optional: keep one side of a bipartite network,
    keep = ["kg:HealthcareFacility"]            # link two kept nodes by the number of `via`
    via = ["kg:SharedMedicalResource"]          # nodes both are linked to (the edge weight)
    kind = "sharesResource"
    label = "shares resources"
    isolated = true                             # keep nodes that share nothing (default true)

Loading checks everything it can without a graph (keys, types, prefixes, the SPARQL of paths) and
names the file and line of a mistake.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgcli import tomlfile
from kgcli.errors import InputError, UsageError
from kgcli.rdf.iri import NotAnIri, parse_iri
from kgcli.rdf.namespaces import (
    RDFS_LABEL,
    SKOS_PREF_LABEL,
    WELL_KNOWN_PREFIXES,
    compact_iri,
    local_name,
    prefix_block,
)
from kgcli.text import cut, decode, read_file

PROFILE_SUFFIX = ".toml"

_TOP_KEYS = ("title", "description", "labels", "prefixes", "nodes", "edges", "attributes")
_NODE_KEYS = ("class", "kind")
_EDGE_KEYS = ("property", "path", "kind", "label", "weight")
_ATTRIBUTE_KEYS = ("property", "name", "start", "end")
_PROJECTION_KEYS = ("keep", "via", "kind", "label", "isolated")
_TOML_AT_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class NodeClass:
    """Instances of `iri` (or of its subclasses) are nodes; `kind` fixes their kind if given."""

    iri: str
    kind: str | None = None


@dataclass(frozen=True)
class EdgeRule:
    """Triples of `property` (an IRI), or pairs linked by `path` (SPARQL), become edges."""

    kind: str
    property: str | None = None
    path: str | None = None
    label: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class AttributeRule:
    """Literal values of `property` become the node attribute `name`."""

    property: str
    name: str
    start: bool = False
    end: bool = False


@dataclass(frozen=True)
class Projection:
    """Keep the nodes of the `keep` classes; link two by the number of `via` nodes they share."""

    keep: tuple[str, ...]
    via: tuple[str, ...]
    kind: str = "shares"
    label: str = "shares"
    isolated: bool = True


@dataclass(frozen=True)
class Profile:
    """A parsed profile. `source` names it in messages and in the network's metadata."""

    name: str
    source: str
    title: str
    description: str = ""
    prefixes: Mapping[str, str] = field(default_factory=dict)
    labels: tuple[str, ...] = (RDFS_LABEL, SKOS_PREF_LABEL)
    nodes: tuple[NodeClass, ...] = ()
    edges: tuple[EdgeRule, ...] = ()
    attributes: tuple[AttributeRule, ...] = ()
    projection: Projection | None = None


def profiles_dir() -> Path:
    """The folder of the built-in profiles (shipped inside the package)."""
    return Path(__file__).resolve().parent / "profiles"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in profiles_dir().glob("*" + PROFILE_SUFFIX))


def builtin_profiles() -> list[Profile]:
    """Every built-in profile, sorted by name."""
    return [load_profile(profiles_dir() / (name + PROFILE_SUFFIX)) for name in builtin_names()]


def resolve_profile(ref: str) -> Profile:
    """A profile file (an existing path, or one ending in .toml), else a built-in name."""
    path = Path(ref)
    if path.is_file() or ref.endswith(PROFILE_SUFFIX):
        return load_profile(path)
    names = builtin_names()
    if ref in names:
        return load_profile(profiles_dir() / (ref + PROFILE_SUFFIX))
    close = difflib.get_close_matches(ref, names, n=3, cutoff=0.5)
    if close:
        hint = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        raise UsageError(f"unknown profile {ref!r}; did you mean {hint}? (kg network profiles)")
    raise UsageError(f"unknown profile {ref!r} (built-in profiles: {', '.join(names)})")


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file; a mistake is an InputError naming the file and line."""
    path = Path(path)
    data = read_file(path, "profile file")
    text = decode(data, str(path), hint="; save the file as UTF-8", context=tomlfile.key_at)
    builtin = path.resolve().parent == profiles_dir()
    return parse_profile(text, source=str(path), name=path.stem if builtin else str(path))


def parse_profile(text: str, *, source: str = "<profile>", name: str = "profile") -> Profile:
    """Parse profile TOML text; `source` is the file name used in error messages."""
    try:
        doc = tomlfile.loads(text, source)
    except tomlfile.TOMLDecodeError as err:
        message = str(err)
        found = _TOML_AT_RE.search(message)
        if found:
            line, column = found.groups()
            raise InputError(f"{source}:{line}:{column}: {message[: found.start()]}") from None
        raise InputError(f"{source}: {message}") from None
    return _Reader(text, source).profile(doc, name)


class _Reader:
    """Turns the TOML document into a Profile, with file:line in every complaint."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.split("\n")
        self.prefixes: dict[str, str] = {}

    # --- where things are, for messages --------------------------------------------------------

    def _header_line(self, table: str, index: int = 0) -> int:
        """Line of the `index`-th `[[table]]` (or `[table]`) header, 1-based; 1 if not found."""
        pattern = re.compile(rf"\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
        seen = -1
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                seen += 1
                if seen == index:
                    return number
        return 1

    def _key_line(self, key: str, table: str | None = None, index: int = 0) -> int:
        """Line of `key = ...` in the given table (or at the top), else the table's header."""
        start = self._header_line(table, index) if table else 1
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and line.lstrip().startswith("["):
                break
            if table is None and line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number
        return start

    def error(self, line: int, message: str) -> InputError:
        return InputError(f"{self.source}:{line}: {message}")

    # --- values ---------------------------------------------------------------------------------

    def _check_keys(
        self, table: Mapping[str, Any], allowed: Sequence[str], where: str, line: int
    ) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"; did you mean {close[0]!r}?" if close else f" (keys: {', '.join(allowed)})"
                )
                raise self.error(line, f"unknown key {key!r} in {where}{hint}")

    def _string(self, value: Any, key: str, line: int) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(line, f"{key} must be a non-empty string, not {value!r}")
        return value.strip()

    def _bool(self, value: Any, key: str, line: int) -> bool:
        if not isinstance(value, bool):
            raise self.error(line, f"{key} must be true or false, not {value!r}")
        return value

    def iri(self, value: Any, key: str, line: int) -> str:
        """A full IRI from `<...>`, a bare URL or a prefixed name of a known prefix."""
        text = self._string(value, key, line)
        try:
            iri = parse_iri(text, self.prefixes)
        except NotAnIri as err:
            if err.char is not None:
                raise self.error(line, f"{key} {text!r} is not a valid IRI") from None
            known = ", ".join(sorted(p + ":" for p in self.prefixes))
            raise self.error(
                line,
                f"{key} {text!r} is not an IRI: write <https://...> or a prefixed name with a "
                f"known prefix ({known}; add others under [prefixes])",
            ) from None
        if not iri:
            raise self.error(line, f"{key} {text!r} is not a valid IRI")
        return iri

    def _iris(self, value: Any, key: str, line: int) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise self.error(line, f"{key} must be a class or a list of classes, not {value!r}")
        return tuple(self.iri(item, key, line) for item in items)

    def _tables(self, doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        tables = doc.get(key, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.error(self._key_line(key), f"{key} must be a list of tables ([[{key}]])")
        return tables

    # --- the profile ----------------------------------------------------------------------------

    def profile(self, doc: Mapping[str, Any], name: str) -> Profile:
        self._check_keys(doc, (*_TOP_KEYS, "projection"), "the profile", 1)
        declared = doc.get("prefixes", {})
        if not isinstance(declared, dict):
            raise self.error(self._key_line("prefixes"), "prefixes must be a table ([prefixes])")
        self.prefixes = dict(WELL_KNOWN_PREFIXES)
        for prefix, namespace in declared.items():
            line = self._key_line(prefix, "prefixes")
            if not _NAME_RE.fullmatch(prefix) or not isinstance(namespace, str):
                raise self.error(line, f"bad prefix {prefix!r} = {namespace!r}")
            self.prefixes[prefix] = namespace
        if "title" not in doc:
            raise self.error(1, "the profile has no title: start the file with 'title = \"...\"'")
        title = self._string(doc["title"], "title", self._key_line("title"))
        description = doc.get("description", "")
        if not isinstance(description, str):
            raise self.error(self._key_line("description"), "description must be a string")
        labels = doc.get("labels", [RDFS_LABEL, SKOS_PREF_LABEL])
        if not isinstance(labels, list) or not labels:
            raise self.error(self._key_line("labels"), "labels must be a list of properties")
        label_iris = tuple(self.iri(p, "labels", self._key_line("labels")) for p in labels)
        nodes = tuple(self._node(t, i) for i, t in enumerate(self._tables(doc, "nodes")))
        if not nodes:
            raise self.error(1, "the profile has no [[nodes]] table: say which classes are nodes")
        edges = tuple(self._edge(t, i) for i, t in enumerate(self._tables(doc, "edges")))
        attributes = tuple(
            self._attribute(t, i) for i, t in enumerate(self._tables(doc, "attributes"))
        )
        names = [a.name for a in attributes]
        for i, rule in enumerate(attributes):
            if names.count(rule.name) > 1:
                line = self._header_line("attributes", i)
                raise self.error(line, f"two attributes are named {rule.name!r}: give a name")
        projection = self._projection(doc.get("projection"), nodes)
        return Profile(
            name=name,
            source=self.source,
            title=title,
            description=" ".join(description.split()),
            prefixes=dict(self.prefixes),
            labels=label_iris,
            nodes=nodes,
            edges=edges,
            attributes=attributes,
            projection=projection,
        )

    def _node(self, table: Mapping[str, Any], index: int) -> NodeClass:
        line = self._header_line("nodes", index)
        self._check_keys(table, _NODE_KEYS, "[[nodes]]", line)
        if "class" not in table:
            raise self.error(line, "[[nodes]] needs a class")
        iri = self.iri(table["class"], "class", self._key_line("class", "nodes", index))
        kind = table.get("kind")
        if kind is not None:
            kind = self._string(kind, "kind", self._key_line("kind", "nodes", index))
        return NodeClass(iri, kind)

    def _edge(self, table: Mapping[str, Any], index: int) -> EdgeRule:
        line = self._header_line("edges", index)
        self._check_keys(table, _EDGE_KEYS, "[[edges]]", line)
        if ("property" in table) == ("path" in table):
            raise self.error(line, "[[edges]] needs either a property or a path")
        label = table.get("label")
        if label is not None:
            label = self._string(label, "label", self._key_line("label", "edges", index))
        weight = table.get("weight", 1.0)
        weight_line = self._key_line("weight", "edges", index)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise self.error(weight_line, f"weight must be a number: {weight!r}")
        if not math.isfinite(weight):  # TOML has inf and nan; no network file format has
            raise self.error(weight_line, f"weight must be a finite number, not {weight!r}")
        if "property" in table:
            prop_line = self._key_line("property", "edges", index)
            prop = self.iri(table["property"], "property", prop_line)
            kind = table.get("kind")
            kind = (
                self._string(kind, "kind", self._key_line("kind", "edges", index))
                if kind is not None
                else compact_iri(prop, self.prefixes)
            )
            return EdgeRule(kind, property=prop, label=label, weight=float(weight))
        path_line = self._key_line("path", "edges", index)
        path = self._string(table["path"], "path", path_line)
        self._check_path(path, path_line)
        if "kind" not in table:
            raise self.error(line, f"[[edges]] with path {path!r} needs a kind (its name)")
        kind = self._string(table["kind"], "kind", self._key_line("kind", "edges", index))
        return EdgeRule(kind, path=path, label=label, weight=float(weight))

    def _check_path(self, path: str, line: int) -> None:
        """Parse the path in a query on an empty store, so a typo is caught at load time."""
        import pyoxigraph as ox

        from kgcli.engine.sparql import tokenize

        if "{" in path or "}" in path:
            raise self.error(line, f"path {path!r} must be a SPARQL property path, not a pattern")
        text = prefix_block(self.prefixes) + f"SELECT * WHERE {{ ?s {path} ?o }}"
        try:
            tokenize(text)  # first: a path nested too deep would kill the engine
            ox.Store().query(text)
        except InputError as err:
            detail = re.sub(r"^line \d+, column \d+: ", "", str(err))
            shown = cut(path, 60)
            raise self.error(line, f"path {shown!r} is not usable: {detail}") from None
        except SyntaxError as err:
            detail = str(err).split(": ", 1)[-1]
            raise self.error(
                line, f"path {path!r} is not a SPARQL property path: {detail}"
            ) from None

    def _attribute(self, table: Mapping[str, Any], index: int) -> AttributeRule:
        line = self._header_line("attributes", index)
        self._check_keys(table, _ATTRIBUTE_KEYS, "[[attributes]]", line)
        if "property" not in table:
            raise self.error(line, "[[attributes]] needs a property")
        prop_line = self._key_line("property", "attributes", index)
        prop = self.iri(table["property"], "property", prop_line)
        name = table.get("name")
        name_line = self._key_line("name", "attributes", index)
        name = self._string(name, "name", name_line) if name is not None else local_name(prop)
        reserved = ("label", "kind", "class", "iri", "start", "end", "type")
        if name in reserved:
            raise self.error(name_line, f"attribute name {name!r} is reserved: choose another")
        start = self._bool(table.get("start", False), "start", line)
        end = self._bool(table.get("end", False), "end", line)
        return AttributeRule(prop, name, start, end)

    def _projection(self, table: Any, nodes: tuple[NodeClass, ...]) -> Projection | None:
        if table is None:
            return None
        line = self._header_line("projection")
        if not isinstance(table, dict):
            raise self.error(line, "projection must be a table ([projection])")
        self._check_keys(table, _PROJECTION_KEYS, "[projection]", line)
        for key in ("keep", "via"):
            if key not in table:
                raise self.error(line, f"[projection] needs {key} (node classes)")
        keep = self._iris(table["keep"], "keep", self._key_line("keep", "projection"))
        via = self._iris(table["via"], "via", self._key_line("via", "projection"))
        classes = {n.iri for n in nodes}
        for key, iris in (("keep", keep), ("via", via)):
            for iri in iris:
                if iri not in classes:
                    raise self.error(
                        self._key_line(key, "projection"),
                        f"{key} class {compact_iri(iri, self.prefixes)} is not one of the "
                        "[[nodes]] classes",
                    )
        if set(keep) & set(via):
            raise self.error(line, "[projection] keep and via must be different classes")
        kind = self._string(table.get("kind", "shares"), "kind", line)
        label = self._string(table.get("label", kind), "label", line)
        isolated = self._bool(table.get("isolated", True), "isolated", line)
        return Projection(keep, via, kind, label, isolated)
