"""SPARQL rules: a `.rq` CONSTRUCT is a rule; its header gives its IRI, label and comment.

    # iri: https://w3id.org/kgcli/rule/shares-center-resources
    # label: Facilities of a center use the resources it shares
    # comment: A healthcare facility of a medical center uses every resource the center hosts
    #   for sharing.
    PREFIX kg: <https://w3id.org/kgcli/ontology#>
    CONSTRUCT { ?facility kg:usesSharedResource ?resource } WHERE { ... }

Every file is checked before anything runs: it must be UTF-8, parse, and be a CONSTRUCT; a
mistake is one error naming the file, line and column (exit 2). A small lexer (not a parser:
the engine parses) finds the form, refuses SERVICE, and reads the template's predicates (so
that the engine knows which triples to read) and the WHERE clause's triple patterns (the
premises `kg explain` shows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kgcli.engine.catalogue import query_files
from kgcli.engine.infer import vocab as v
from kgcli.engine.infer.rules import Rule
from kgcli.engine.sparql import within_text
from kgcli.errors import InputError

_HEADER_RE = re.compile(r"# ?([A-Za-z][\w-]*):(.*)")
_KEYS = {"iri": "iri", "label": "label", "title": "label", "comment": "comment"}
_KEYS["description"] = "comment"
_PN_ESCAPE = re.compile(r"\\(.)")

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<bnode>_:[\w][\w.\-]*)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w:%\\][\w.:%\\\-]*)?)
  | (?P<number>[+-]?(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?))
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<op>\^\^|<<\(|\)>>|<<|>>|\{\||\|\}|&&|\|\||!=|<=|>=|[{}()\[\].,;|/^*+?!=<>-])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    column: int
    offset: int


def tokenize(text: str, path: str = "rule") -> list[Token]:
    """The tokens of a query, with 1-based line and column; comments and spaces dropped."""
    tokens = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        found = _TOKEN_RE.match(text, pos)
        if found is None:
            raise InputError(f"{path}:{line}:{pos - line_start + 1}: unexpected {text[pos]!r}")
        kind = found.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, found.group(), line, pos - line_start + 1, pos))
        chunk = found.group()
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = pos + chunk.rfind("\n") + 1
        pos = found.end()
    return tokens


@dataclass(frozen=True)
class Pattern:
    """A triple pattern of a rule's WHERE clause: each term is a variable (`?x`) or N-Triples."""

    subject: str
    predicate: str
    object: str
    #: Inside OPTIONAL or one branch of a UNION: a premise only where it holds.
    optional: bool = False


@dataclass(frozen=True)
class SparqlRule:
    """A CONSTRUCT rule read from a file."""

    rule: Rule
    path: str
    text: str
    #: The predicates its template writes (N-Triples), None if one is a variable.
    head_predicates: frozenset[bytes] | None
    #: The classes its template types with (`?x a kg:C`).
    head_classes: frozenset[bytes]
    #: The triple patterns of its WHERE clause, for explanations.
    premises: tuple[Pattern, ...]
    #: Its template's triple patterns (blank nodes as variables `?_:b`).
    template: tuple[Pattern, ...] = ()
    #: The rule as a SELECT of its WHERE clause's solutions, for explanations.
    select: str = ""


def _where(path: str, token: Token) -> str:
    return f"{path}:{token.line}:{token.column}"


class _Reader:
    """Reads the parts of a query the rules need, over its tokens."""

    def __init__(self, tokens: list[Token], path: str) -> None:
        self.tokens = tokens
        self.path = path
        self.prefixes: dict[str, str] = {}
        self.base: str | None = None

    def prologue(self) -> int:
        i = 0
        toks = self.tokens
        while (
            i < len(toks) and toks[i].kind == "word" and toks[i].text.upper() in ("PREFIX", "BASE")
        ):
            if toks[i].text.upper() == "PREFIX" and i + 2 < len(toks):
                self.prefixes[toks[i + 1].text[:-1]] = toks[i + 2].text[1:-1]
                i += 3
            else:
                if i + 1 < len(toks):
                    self.base = toks[i + 1].text[1:-1]
                i += 2
        return i

    def term(self, token: Token) -> str | None:
        """A token as N-Triples text or `?var`; None for what is not a plain term."""
        if token.kind == "var":
            return "?" + token.text[1:]
        if token.kind == "iri":
            iri = token.text[1:-1]
            if self.base and not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
                iri = self.base + iri
            return f"<{iri}>"
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in self.prefixes:
                return "<" + self.prefixes[prefix] + _PN_ESCAPE.sub(r"\1", local) + ">"
            return None
        if token.kind == "word" and token.text == "a":
            return v.RDF_TYPE.decode()
        if token.kind == "bnode":
            return "?" + token.text  # a blank node in a pattern is a variable
        return None

    def matching(self, i: int) -> int:
        """The index of the bracket that closes the one at `i`."""
        pairs = {"{": "}", "(": ")", "[": "]"}
        depth, close = 0, pairs[self.tokens[i].text]
        opener = self.tokens[i].text
        for j in range(i, len(self.tokens)):
            text = self.tokens[j].text
            if self.tokens[j].kind == "op" and text == opener:
                depth += 1
            elif self.tokens[j].kind == "op" and text == close:
                depth -= 1
                if depth == 0:
                    return j
        raise InputError(f"{_where(self.path, self.tokens[i])}: unbalanced {opener!r}")

    # A parser's dispatch on the next token, one branch per kind (C901 allowed).
    def triples(  # noqa: C901
        self, start: int, end: int, optional: bool = False
    ) -> Iterator[Pattern]:
        """Triple patterns of the group between `start` and `end`, skipping non-BGP parts."""
        toks = self.tokens
        i = start
        subject: str | None = None
        predicate: str | None = None
        expect = "s"
        while i < end:
            t = toks[i]
            up = t.text.upper() if t.kind == "word" else ""
            if t.kind == "op" and t.text == "{":
                j = self.matching(i)
                yield from self.triples(i + 1, j, optional)
                i, expect = j + 1, "s"
                continue
            if up in ("FILTER", "BIND", "MINUS", "SERVICE", "VALUES", "EXISTS", "NOT"):
                i = self._skip(i + 1, end)
                expect = "s"
                continue
            if up in ("OPTIONAL", "UNION"):
                j = i + 1
                if j < end and toks[j].text == "{":
                    k = self.matching(j)
                    yield from self.triples(j + 1, k, True)
                    i, expect = k + 1, "s"
                    continue
            if up == "GRAPH":
                i += 2
                continue
            if t.kind == "op" and t.text == ".":
                expect, i = "s", i + 1
                continue
            if t.kind == "op" and t.text == ";":
                expect, i = "p", i + 1
                continue
            if t.kind == "op" and t.text == ",":
                expect, i = "o", i + 1
                continue
            if t.kind == "op" and t.text == "[" and i + 1 < end and toks[i + 1].text == "]":
                term: str | None = f"?_:anon{i}"  # `[]`: a blank node, a variable here
                i += 1
            elif t.kind == "op" and t.text in ("[", "(", "<<", "<<("):
                i = self._skip(i, end)  # blank node lists, collections, triple terms: not read
                if expect == "s":
                    subject, expect = None, "p"
                elif expect == "o":
                    expect = "next"
                continue
            else:
                term = self.term(t)
            if expect == "s":
                subject, expect = term, "p"
            elif expect == "p":
                nxt = toks[i + 1] if i + 1 < end else None
                is_path = nxt is not None and nxt.kind == "op" and nxt.text in "/|*+?^"
                predicate = None if is_path else term
                while i + 1 < end and toks[i + 1].kind == "op" and toks[i + 1].text in "/|*+?^!()":
                    i += 1  # a property path: not a single triple
                    if toks[i].text in "/|^!" and i + 1 < end:
                        i += 1
                expect = "o"
            elif expect == "o":
                if subject and predicate and term:
                    yield Pattern(subject, predicate, term, optional)
                expect = "next"
            i += 1

    def _skip(self, i: int, end: int) -> int:
        """Past one bracketed group (or keyword + group) starting at or after `i`."""
        toks = self.tokens
        while i < end and not (
            (toks[i].kind == "op" and toks[i].text in "{([") or toks[i].text in ("<<", "<<(")
        ):
            if toks[i].kind == "op" and toks[i].text in ".;":
                return i
            i += 1
        if i >= end:
            return end
        if toks[i].text in ("<<", "<<("):
            close = ">>" if toks[i].text == "<<" else ")>>"
            while i < end and toks[i].text != close:
                i += 1
            return i + 1
        j = self.matching(i)
        # VALUES ?x { ... } and `FILTER NOT EXISTS { }`: the group is the end of the part.
        return j + 1


def _header(text: str, path: str) -> dict[str, str]:
    """The header's keys (iri, label, comment); continuation lines extend the last value."""
    found: dict[str, str] = {}
    last: str | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.startswith("#"):
            break
        key_line = _HEADER_RE.fullmatch(line.rstrip())
        if key_line and not line.startswith("#  "):
            key = _KEYS.get(key_line[1].lower())
            if key is None:
                raise InputError(
                    f"{path}:{number}:3: unknown header key {key_line[1]!r} "
                    "(a rule's header has iri, label and comment)"
                )
            found[key] = key_line[2].strip()
            last = key
        elif last is not None and line.startswith("#  "):
            found[last] += " " + line[1:].strip()
    return found


def _check_iri(text: str, where: str) -> str:
    value = text.strip().removeprefix("<").removesuffix(">")
    try:
        ox.NamedNode(value)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not an IRI") from None
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", value):
        raise InputError(f"{where}: {text!r} is not an absolute IRI")
    return value


def parse_rule(text: str, path: str, *, default_iri: str) -> SparqlRule:
    """Check a rule's text and read its header, template and premises."""
    header = _header(text, path)
    tokens = tokenize(text, path)
    reader = _Reader(tokens, path)
    start = reader.prologue()
    form = next((t for t in tokens[start:] if t.kind == "word"), None)
    if form is None:
        raise InputError(f"{path}: empty rule: expected a CONSTRUCT query")
    if form.text.upper() != "CONSTRUCT":
        what = form.text.upper()
        kind = what if what in ("SELECT", "ASK", "DESCRIBE") else f"{form.text!r}"
        raise InputError(f"{_where(path, form)}: a rule must be a CONSTRUCT query, not {kind}")
    for token in tokens:
        if token.kind == "word" and token.text.upper() == "SERVICE":
            raise InputError(f"{_where(path, token)}: SERVICE is refused in rules (no network)")
    for token in tokens:
        prefix = token.text.partition(":")[0]
        if token.kind == "pname" and prefix not in reader.prefixes:
            raise InputError(
                f"{_where(path, token)}: unknown prefix '{prefix}:' in {token.text}; "
                f"declare it: PREFIX {prefix}: <...>"
            )
    try:
        ox.Store().query(text)  # the engine's parser: an empty store answers at once
    except SyntaxError as err:
        found = re.search(r"\bat (\d+):(\d+)", str(err)) or re.search(
            r"line (\d+) column (\d+)", str(err)
        )
        detail = " ".join(str(err).split(": ", 1)[-1].split())
        at = within_text(text, int(found[1]), int(found[2])) if found else None
        where = f"{path}:{at[0]}:{at[1]}" if at else path
        raise InputError(f"{where}: {detail}") from None
    except (OSError, RuntimeError) as err:
        raise InputError(f"{path}: {err}") from None
    # The template: the group after CONSTRUCT, or in the short form `CONSTRUCT WHERE`.
    i = tokens.index(form) + 1
    while i < len(tokens) and tokens[i].text != "{":
        i += 1
    close = reader.matching(i)
    template = list(reader.triples(i + 1, close))
    raw_template = tokens[i + 1 : close]
    heads: set[bytes] | None = set()
    classes: set[bytes] = set()
    for pattern in template:
        if pattern.predicate.startswith("?"):
            heads = None
        elif heads is not None:
            heads.add(pattern.predicate.encode())
            if pattern.predicate.encode() == v.RDF_TYPE:
                if pattern.object.startswith("?"):
                    heads = None
                else:
                    classes.add(pattern.object.encode())
    # Blank node property lists, collections and triple terms in a template write triples this
    # lexer does not read: the engine then reads every triple.
    structured = any(
        t.text in ("(", "<<", "<<(")
        or (t.text == "[" and j + 1 < len(raw_template) and raw_template[j + 1].text != "]")
        for j, t in enumerate(raw_template)
    )
    if structured or (not template and raw_template):
        heads = None
    # The premises: the WHERE clause's patterns (the template itself in the short form).
    rest = [j for j in range(close + 1, len(tokens)) if tokens[j].text == "{"]
    premises: tuple[Pattern, ...] = tuple(template)
    if rest:
        premises = tuple(reader.triples(rest[0] + 1, reader.matching(rest[0])))
    # The same query as a SELECT: text before CONSTRUCT, then the WHERE part (or the template).
    after = text[tokens[close].offset + 1 :]
    select = (
        text[: form.offset]
        + "SELECT * "
        + (after if rest else "WHERE " + text[tokens[i].offset : tokens[close].offset + 1] + after)
    )
    iri = _check_iri(header["iri"], f"{path}:1:1") if "iri" in header else default_iri
    name = Path(path).stem
    rule = Rule(name, iri, header.get("label") or name, header.get("comment", ""), "sparql")
    return SparqlRule(
        rule,
        path,
        text,
        frozenset(heads) if heads is not None else None,
        frozenset(classes),
        premises,
        tuple(template),
        select,
    )


def read_rule(path: str | Path, *, iri_base: str | None = None) -> SparqlRule:
    """Read one rule file; its IRI: its header's, else `iri_base` + its stem, else its file URI."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such rule file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a .rq rule") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the rule ({err.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    default = iri_base + p.stem if iri_base else p.resolve().as_uri()
    return parse_rule(text, str(path), default_iri=default)


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """The rule files named: a `.rq` file as it is, a folder's `.rq` files in name order; as
    `kg lint --checks` reads its checks (an empty folder or another file is refused)."""
    return [file for path in paths for file in query_files(Path(path), "rules")]


def load_rules(
    paths: Iterable[str | Path], *, project: str | Path | None = None
) -> list[SparqlRule]:
    """Read and check every rule of the files and folders named, before any runs.

    Rules of the `project` folder are named `https://w3id.org/kgcli/rule/STEM` unless their header
    says otherwise; two rules with the same IRI are refused.
    """
    project_dir = Path(project).resolve() if project is not None else None
    found: list[SparqlRule] = []
    seen: dict[str, str] = {}
    for path in rule_files(paths):
        base = (
            v.RULE_NS if project_dir is not None and path.resolve().parent == project_dir else None
        )
        rule = read_rule(path, iri_base=base)
        if rule.rule.iri in seen:
            raise InputError(f"{path}: rule IRI <{rule.rule.iri}> is also {seen[rule.rule.iri]}'s")
        seen[rule.rule.iri] = str(path)
        found.append(rule)
    return found
