"""A small SPARQL lexer, and what the tool needs from it: query form, prefixes, safety, binding.

Why a lexer and not a parser: the engine parses the query anyway (and rdflib's parser is slow to
import and rejects SPARQL that pyoxigraph accepts). We only need to see tokens reliably, so that a
keyword inside a string, a comment or an IRI is never taken for a keyword.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from kgcli.errors import InputError, UsageError
from kgcli.limits import MAX_NESTING
from kgcli.rdf.iri import resolve

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Keywords that start a SPARQL Update operation; none of them can appear in a query.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
#: Keywords after a query's WHERE group; a DESCRIBE without a group stops before them.
_MODIFIERS = frozenset({"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"})

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
# IRIREF, with the \u escapes the engine accepts inside it (pyoxigraph resolves `<a\u0041>`).
_IRI_RE = re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>")
# `<scheme://` cannot start an expression (`ex: / /x` is no SPARQL), so it is a broken IRI.
_IRI_START_RE = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*://")
_VAR_RE = re.compile(r"[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+")
_BNODE_RE = re.compile(r"_:[\w](?:[\w.\-\u00b7]*[\w\-\u00b7])?")
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PNAME_RE = re.compile(
    r"(?:[^\W\d_](?:[\w.\-\u00b7]*[\w\-\u00b7])?)?:"  # PN_PREFIX? ':'
    rf"(?:(?:[\w:]|{_PLX})(?:(?:[\w.:\-\u00b7]|{_PLX})*(?:[\w:\-\u00b7]|{_PLX}))?)?"  # PN_LOCAL?
)
_WORD_RE = re.compile(r"[^\W\d]\w*")
_NUMBER_RE = re.compile(r"\d+\.\d*[eE][+-]?\d+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?")
_LANGTAG_RE = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?")
_OPERATORS = ("^^", "&&", "||", "!=", "<=", ">=", "{|", "|}", "<<", ">>")
_PUNCTUATION = frozenset("{}()[].,;")
_VARNAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ERROR_AT_RE = re.compile(r"\bat (\d+):(\d+)")
_LINE_END_RE = re.compile(r"[\r\n]")
#: What an operation chained at one level (`A UNION B UNION C`, `?a + ?b + ?c`, `!!x`) costs, in
#: eighths of a level of brackets: each makes the engine's tree one deeper, as a bracket does,
#: at a smaller cost of stack (measured: a BIND or a MINUS about a third of a group's).
_CHAIN_COST = {
    **dict.fromkeys(("OPTIONAL", "MINUS", "BIND"), 3),
    **dict.fromkeys(("UNION", "FILTER", "GRAPH", "SERVICE"), 1),
    **dict.fromkeys(("||", "&&", "+", "-", "*", "/", "|", "!", "^"), 1),
}
_LEVEL = 8
#: Keywords the engine reads glued to a prefixed name that follows them (`FROMex:g`).
_GLUED_KEYWORDS = ("FROMNAMED", "FROM", "NAMED", "SERVICESILENT", "SERVICE", "GRAPH")


@dataclass(frozen=True)
class Token:
    """One token: its kind, its exact source text, and where it starts (line and column 1-based).

    Kinds: iri, pname, bnode, var, string, langtag, number, keyword, punct, op.
    """

    kind: str
    value: str
    offset: int
    line: int
    column: int

    @property
    def end(self) -> int:
        """Offset just past the token."""
        return self.offset + len(self.value)

    def is_keyword(self, *words: str) -> bool:
        """Whether this is one of the keywords `words` (given in upper case); case-insensitive."""
        return self.kind == "keyword" and self.value.upper() in words

    def is_punct(self, char: str) -> bool:
        """Whether this is the punctuation `char`."""
        return self.kind == "punct" and self.value == char


class _Lines:
    """Offset -> (line, column), as the engine counts them: lines end at '\\n' only."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.length = len(text)

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """The offset of a (line, column); past the end of the text is its end."""
        if line > len(self.starts):
            return self.length
        return min(self.starts[line - 1] + column - 1, self.length)


def position(text: str, offset: int) -> tuple[int, int]:
    """The (line, column) of `offset` in `text`, both 1-based, columns in characters."""
    return _Lines(text).at(offset)


def _string_end(text: str, start: int, lines: _Lines) -> int:
    """The offset just past the string literal starting at `start`."""
    quote = text[start]
    long = text.startswith(quote * 3, start)
    delimiter = quote * 3 if long else quote
    i = start + len(delimiter)
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if text.startswith(delimiter, i):
            return i + len(delimiter)
        if not long and char in "\r\n":
            break
        i += 1
    line, column = lines.at(start)
    raise InputError(f"line {line}, column {column}: unterminated string")


def _is_operand(token: Token | None) -> bool:
    """Whether a token can end an expression's operand (so that `<` after it compares)."""
    if token is None:
        return False
    if token.kind in ("var", "number", "string", "langtag", "iri", "pname", "bnode"):
        return True
    # `}` closes the group of an EXISTS, itself an operand: `FILTER(EXISTS {..} < ?b)`.
    return token.is_punct(")") or token.is_punct("}") or token.is_keyword("TRUE", "FALSE")


def _paren_kind(tokens: list[Token], stack: list[str]) -> str:
    """Whether a `(` just read opens an expression ("expr") or a list of terms ("terms").

    Lists of terms are RDF collections in triple patterns, VALUES rows and RDF-star triple terms.
    """
    prev = tokens[-2] if len(tokens) > 1 else None
    before = tokens[-3] if len(tokens) > 2 else None
    if not stack:  # the query level: projection, GROUP BY, HAVING, ORDER BY, or trailing VALUES
        return "terms" if prev is not None and prev.is_keyword("VALUES") else "expr"
    if stack[-1] == "expr":
        return "expr"
    if prev is not None and prev.kind == "keyword":  # FILTER(, BIND(, FILTER regex(, ...
        return "terms" if prev.is_keyword("VALUES", "A") else "expr"
    if prev is not None and prev.kind in ("iri", "pname") and before is not None:
        # FILTER ex:fn(...) calls a function; elsewhere `ex:p (1 2)` is a collection.
        return "expr" if before.kind == "keyword" and not before.is_keyword("A") else "terms"
    return "terms"


# A lexer's dispatch, one branch per kind of token, reads best in one loop (C901 allowed).
def tokenize(text: str) -> list[Token]:  # noqa: C901
    """Split a query into tokens, skipping white space and comments."""
    lines = _Lines(text)
    tokens: list[Token] = []
    # Open brackets: "expr" for a parenthesised expression, "terms" and "group" otherwise. Inside
    # an expression, `<` after an operand is less-than, as the engine reads it: `FILTER(?a<?b)`
    # then `SERVICE ?x #>` is no IRI `<?b)SERVICE?x#>` hiding a SERVICE.
    stack: list[str] = []
    i, n = 0, len(text)
    # The engine parses and evaluates by recursion: count the nesting as we go, without any,
    # and refuse what would overflow its stack (`kgcli.limits`). One entry per open bracket
    # (`{`, `(`, `[`, `<<`): the cost of the operations chained inside it; `chained` is their sum.
    # Outside every bracket nothing chains (`SELECT *` is no product).
    chains: list[int] = [0]
    chained = 0

    def add(kind: str, end: int) -> None:
        nonlocal chained
        line, column = lines.at(i)
        value = text[i:end]
        tokens.append(Token(kind, value, i, line, column))
        if kind not in ("punct", "op", "keyword"):
            return
        if value in ("(", "{", "[", "<<"):
            chains.append(0)
        elif value in (")", "}", "]", ">>"):
            if len(chains) > 1:
                chained -= chains.pop()
            return
        elif len(chains) > 1 and (cost := _CHAIN_COST.get(value.upper(), 0)):
            chains[-1] += cost
            chained += cost
        else:
            return
        levels = len(chains) - 1
        if levels * _LEVEL + chained > MAX_NESTING * _LEVEL:
            how = (
                f" ({levels} brackets, and chained UNION, OPTIONAL, BIND, ||, + ... worth "
                f"{chained // _LEVEL} more)"
                if chained >= _LEVEL
                else ""
            )
            raise InputError(
                f"line {line}, column {column}: nested more than {MAX_NESTING} levels deep{how}; "
                "kg refuses such a query (the engine would run out of stack)"
            )

    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == "#":
            newline = _LINE_END_RE.search(text, i)
            i = newline.start() if newline else n
            continue
        end: int
        if char in "'\"":
            end = _string_end(text, i, lines)
            add("string", end)
        elif char == "<":
            comparing = bool(stack) and stack[-1] == "expr" and _is_operand(tokens[-1])
            match = None if comparing else _IRI_RE.match(text, i)
            if match:
                end = match.end()
                add("iri", end)
            elif comparing:
                end = i + (2 if text.startswith("<=", i) else 1)
                add("op", end)
            else:
                if _IRI_START_RE.match(text, i):
                    line, column = lines.at(i)
                    raise InputError(f"line {line}, column {column}: unterminated IRI")
                # Not an IRIREF: the less-than operator (`?a < 3`, `<=`, `<<` for RDF-star).
                end = i + (2 if text.startswith(("<=", "<<"), i) else 1)
                add("op", end)
        elif (match := _VAR_RE.match(text, i)) is not None:
            end = match.end()
            add("var", end)
        elif (match := _BNODE_RE.match(text, i)) is not None:
            end = match.end()
            add("bnode", end)
        elif (match := _PNAME_RE.match(text, i)) is not None:
            end = match.end()
            add("pname", end)
        elif (match := _WORD_RE.match(text, i)) is not None:
            end = match.end()
            add("keyword", end)
        elif (match := _NUMBER_RE.match(text, i)) is not None:
            end = match.end()
            add("number", end)
        elif (match := _LANGTAG_RE.match(text, i)) is not None:
            end = match.end()
            add("langtag", end)
        elif char in _PUNCTUATION and not text.startswith("{|", i):
            end = i + 1
            add("punct", end)
            if char == "(":
                stack.append(_paren_kind(tokens, stack))
            elif char == "{":
                stack.append("group")
            elif char in ")}" and stack:
                stack.pop()
        else:
            end = i + next((len(op) for op in _OPERATORS if text.startswith(op, i)), 1)
            add("op", end)
        i = end
    return tokens


def _prologue_end(tokens: Sequence[Token]) -> int:
    """Index of the first token after the BASE and PREFIX declarations."""
    i = 0
    while i < len(tokens):
        if tokens[i].is_keyword("BASE"):
            i += 2
        elif tokens[i].is_keyword("PREFIX"):
            i += 3
        else:
            break
    return i


def _form_index(tokens: Sequence[Token]) -> tuple[str, int]:
    """The query form and the index of its keyword."""
    i = _prologue_end(tokens)
    if i >= len(tokens):
        raise InputError("empty query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    token = tokens[i]
    if token.is_keyword(*QUERY_FORMS):
        return token.value.upper(), i
    if token.is_keyword(*UPDATE_KEYWORDS):
        return "UPDATE", i
    raise InputError(
        f"line {token.line}, column {token.column}: expected SELECT, ASK, CONSTRUCT or DESCRIBE, "
        f"found {token.value!r}"
    )


def query_form(query: str | ParsedQuery) -> str:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE for a SPARQL Update."""
    return parse(query).form


def _iri(token: Token) -> str:
    return token.value[1:-1]


@dataclass(frozen=True)
class ParsedQuery:
    """A query or update tokenized once, and what the tool reads from its tokens: its form,
    PREFIXes, SERVICEs, FROM / FROM NAMED. Made by `parse`; every check and the binding of
    parameters take it, so a query's text is tokenized once on its way through prepare, run
    and `kg serve` (each function below also takes the text, and parses it then)."""

    text: str
    tokens: tuple[Token, ...] = field(repr=False)
    #: SELECT, ASK, CONSTRUCT, DESCRIBE or UPDATE.
    form: str
    #: The index of the form's keyword among the tokens.
    form_index: int = field(repr=False)

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """The PREFIX declarations: prefix (without its colon) -> namespace IRI, as written."""
        return _prefixes(list(self.tokens))

    @cached_property
    def services(self) -> tuple[tuple[Token, str, str | None], ...]:
        """Each SERVICE: its first token, how it is written, its endpoint IRI (None if not
        known)."""
        return tuple(_services(list(self.tokens), self.prefixes))

    @cached_property
    def froms(self) -> tuple[tuple[Token, str, list[str]], ...]:
        """Each FROM or FROM NAMED: its first token, how it is written, the IRIs it may name."""
        return tuple(_froms(list(self.tokens), self.prefixes))

    @property
    def has_from(self) -> bool:
        """Whether the query names its own dataset (FROM / FROM NAMED)."""
        return bool(self.froms)

    @cached_property
    def has_relative_iris(self) -> bool:
        """Whether the query writes an IRI that needs a base to resolve (`<data.ttl>`, `<>`)."""
        return any(t.kind == "iri" and not _SCHEME_RE.match(_iri(t)) for t in self.tokens)


def parse(query: str | ParsedQuery) -> ParsedQuery:
    """Tokenize a query (or update) once; InputError if it is empty or starts with no form.

    A `ParsedQuery` is returned as it is.
    """
    if isinstance(query, ParsedQuery):
        return query
    tokens = tokenize(query)
    form, index = _form_index(tokens)
    return ParsedQuery(query, tuple(tokens), form, index)


def _prefixes(tokens: Sequence[Token]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, token in enumerate(tokens[:-2]):
        name, iri = tokens[i + 1], tokens[i + 2]
        declaration = name.kind == "pname" and name.value.endswith(":") and iri.kind == "iri"
        if token.is_keyword("PREFIX") and declaration:
            found[name.value[:-1]] = _iri(iri)
    return found


def prefixes(query: str | ParsedQuery) -> dict[str, str]:
    """The PREFIX declarations: prefix (without its colon) -> namespace IRI."""
    if isinstance(query, ParsedQuery):
        return query.prefixes
    return _prefixes(tokenize(query))  # a text that may hold no query form (a header's)


def _prologue(tokens: Sequence[Token], base: str | None) -> tuple[str | None, dict[str, str]]:
    """The query's base IRI and its prefixes, as the engine reads the prologue in order.

    Each BASE resolves against the base before it (the first against `base`, the query's own
    IRI), and each PREFIX's IRI against the base in effect where it is declared.
    """
    declared = _prefixes(tokens)  # a PREFIX out of place too: the engine will say it is wrong
    i = 0
    while i < len(tokens):
        if tokens[i].is_keyword("BASE") and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = resolve(_iri(tokens[i + 1]), base)
            i += 2
        elif tokens[i].is_keyword("PREFIX") and i + 2 < len(tokens):
            name, iri = tokens[i + 1], tokens[i + 2]
            if name.kind == "pname" and name.value.endswith(":") and iri.kind == "iri":
                declared[name.value[:-1]] = resolve(_iri(iri), base)
            i += 3
        else:
            break
    return base, declared


def _expand(token: Token, declared: Mapping[str, str]) -> str | None:
    """The IRI an iri or pname token stands for (None for a variable or an unknown prefix)."""
    if token.kind == "iri":
        return _iri(token)
    if token.kind == "pname":
        prefix, _, local = token.value.partition(":")
        if prefix in declared:
            return declared[prefix] + local
    return None


def _scheme(iri: str) -> str:
    """The IRI's scheme, lower-cased ("" for a relative IRI)."""
    match = _SCHEME_RE.match(iri)
    return match.group()[:-1].lower() if match else ""


def _pname_expand(pname: str, declared: Mapping[str, str]) -> str | None:
    prefix, colon, local = pname.partition(":")
    return declared[prefix] + local if colon and prefix in declared else None


def _services(
    tokens: Sequence[Token], declared: Mapping[str, str]
) -> Iterator[tuple[Token, str, str | None]]:
    """Each SERVICE: its first token, how it is written, its endpoint IRI (None if not known).

    The engine needs no space after a keyword: besides `SERVICE <x>` it reads `SERVICESILENT<x>`,
    `SERVICEex:s {` as SERVICE ex:s and `service:s {` as SERVICE :s. No keyword but SERVICE starts
    with it, and a prefixed name followed by `{` is otherwise no SPARQL, so these are all caught.
    """
    for i, token in enumerate(tokens):
        upper = token.value.upper()
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        opens_group = following is not None and following.is_punct("{")
        if token.kind == "keyword" and upper.startswith("SERVICE"):
            silent = upper == "SERVICESILENT"
            j = i + 1
            if upper == "SERVICE" and following is not None and following.is_keyword("SILENT"):
                silent, j = True, j + 1
            target = tokens[j] if j < len(tokens) else None
            written = ("SERVICE SILENT" if silent else "SERVICE") + (
                f" {target.value}" if target is not None else ""
            )
            known = upper in ("SERVICE", "SERVICESILENT") and target is not None
            yield token, written, _expand(target, declared) if known and target else None
        elif token.kind == "pname" and upper.startswith("SERVICE") and opens_group:
            rest = token.value[len("SERVICE") :]
            # `SERVICESILENT:s` reads two ways: its endpoint is not known for sure.
            silent = rest.upper().startswith("SILENT")
            yield token, token.value, None if silent else _pname_expand(rest, declared)


def _froms(
    tokens: Sequence[Token], declared: Mapping[str, str]
) -> Iterator[tuple[Token, str, list[str]]]:
    """Each FROM or FROM NAMED: its first token, how it is written, the IRIs it may name."""
    for i, token in enumerate(tokens):
        upper = token.value.upper()
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        after_from = i > 0 and tokens[i - 1].is_keyword("FROM")
        if token.kind == "keyword" and upper in ("FROM", "FROMNAMED"):
            j = i + 1
            if upper == "FROM" and following is not None and following.is_keyword("NAMED"):
                j += 1
            if j < len(tokens):
                target = tokens[j]
                written = " ".join(t.value for t in tokens[i : j + 1])
                iri = _expand(target, declared)
                yield token, written, [iri] if iri is not None else []
        elif token.kind == "pname" and upper.startswith("FROM"):
            # Glued as the engine allows: `FROMf:passwd` is FROM f:passwd, `FROM NAMEDf:x` too.
            rest = token.value[len("FROM") :]
            candidates = (
                [rest, rest[len("NAMED") :]] if rest.upper().startswith("NAMED") else [rest]
            )
            iris = [_pname_expand(c, declared) for c in candidates]
            yield token, token.value, [iri for iri in iris if iri is not None]
        elif token.kind == "pname" and upper.startswith("NAMED") and after_from:
            iri = _pname_expand(token.value[len("NAMED") :], declared)
            yield tokens[i - 1], f"FROM {token.value}", [iri] if iri is not None else []


def check_safe(
    query: str | ParsedQuery,
    *,
    allow_federation: bool = False,
    allowed_endpoints: Collection[str] = (),
    base: str | None = None,
    from_files: bool = True,
) -> None:
    """Refuse, before evaluation, a query that would reach the network or disk, or an update.

    SERVICE reaches the network: refused unless `allow_federation`, and then only for an endpoint
    in `allowed_endpoints` (an empty collection allows all). FROM / FROM NAMED with a `file:` IRI
    is refused as `check_from_files` says (unless `from_files` is False: the caller checks them
    once it knows the graphs it holds). Updates (INSERT, DELETE, LOAD, DROP, ...) raise
    UsageError: `kg query` only reads. `base` is the query's own IRI (`kgcli.rdf.iri`).
    """
    parsed = parse(query)
    tokens, form = parsed.tokens, parsed.form
    updates = [t for t in tokens if t.is_keyword(*UPDATE_KEYWORDS)]
    if form == "UPDATE" or updates:
        token = tokens[parsed.form_index] if form == "UPDATE" else updates[0]
        raise UsageError(
            f"updates are refused by kg query; {token.value.upper()} at line {token.line}, "
            f"column {token.column} starts a SPARQL Update, which would change the store"
            + (" and read the network or a file" if token.is_keyword("LOAD") else "")
        )
    allowed = set(allowed_endpoints)
    for token, written, endpoint in parsed.services:
        where = f"{written} at line {token.line}, column {token.column}"
        if not allow_federation:
            raise InputError(
                f"{where} would reach the network; pass --allow-federation "
                "(and --endpoint-allow URL) to permit it"
            )
        if allowed and endpoint is None:
            raise InputError(
                f"{where}: an endpoint that is not a written IRI cannot be checked "
                "against --endpoint-allow"
            )
        if allowed and endpoint not in allowed:
            raise InputError(
                f"{where}: <{endpoint}> is not an allowed endpoint "
                f"(--endpoint-allow: {', '.join(sorted(allowed))})"
            )
    if from_files:
        check_from_files(parsed, base=base, allow_federation=allow_federation)


def _dataset(tokens: Sequence[Token], base: str | None) -> list[tuple[Token, str, str]]:
    query_base, declared = _prologue(tokens, base)
    return [
        (token, written, resolve(iri, query_base))
        for token, written, iris in _froms(tokens, declared)
        for iri in iris
    ]


def check_from_files(
    query: str | ParsedQuery,
    *,
    base: str | None = None,
    allow_federation: bool = False,
    graphs: Collection[str] | None = None,
) -> None:
    """Refuse FROM / FROM NAMED naming a `file:` IRI, resolved against the query's base.

    Refused unless `allow_federation`, or unless it names one of `graphs`, the graphs of a local
    store: pyoxigraph and our server treat FROM as the choice of graphs already in the store, by
    name, and never dereference them, so choosing a file loaded with `--data` reads nothing.
    """
    if allow_federation:
        return
    if isinstance(query, ParsedQuery) and not query.froms:
        return
    tokens = query.tokens if isinstance(query, ParsedQuery) else tokenize(query)
    query_base = _prologue(tokens, base)[0] or ""
    for token, written, iri in _dataset(tokens, base):
        # An IRI left relative (a base that does not resolve) is judged by the base's scheme.
        scheme = _scheme(iri) or _scheme(query_base)
        if scheme != "file" or (graphs is not None and iri in graphs):
            continue
        where = f"at line {token.line}, column {token.column}"
        if graphs is None:
            raise InputError(
                f"{written} {where} would read a local file; pass --allow-federation to permit it"
            )
        # A local store: the file is simply not loaded, and a query never loads one. Say which
        # file, as the base made it (`FROM <data.ttl>` names the file beside the query).
        shown = written if iri in written else f"{written} (<{iri}>)"
        raise InputError(
            f"{shown} {where} would read a local file, which kg never does: load it with --data "
            "or --named-graph"
        )


def has_relative_iris(query: str | ParsedQuery) -> bool:
    """Whether the query writes an IRI that needs a base to resolve (`<data.ttl>`, `<>`)."""
    if isinstance(query, ParsedQuery):
        return query.has_relative_iris
    return any(t.kind == "iri" and not _SCHEME_RE.match(_iri(t)) for t in tokenize(query))


def dataset_graphs(
    query: str | ParsedQuery, base: str | None = None
) -> list[tuple[Token, str, str]]:
    """Each graph a FROM or FROM NAMED names: its first token, how it is written, and its IRI
    resolved against the query's base (its BASE, itself resolved against `base`)."""
    if isinstance(query, ParsedQuery):
        return _dataset(query.tokens, base) if query.froms else []
    return _dataset(tokenize(query), base)  # any text: the engine judges what it is


def _matching(tokens: Sequence[Token], open_index: int) -> int:
    """Index of the `}` or `)` closing the bracket at `open_index`."""
    depth = 0
    for i in range(open_index, len(tokens)):
        if tokens[i].kind == "punct" and tokens[i].value in "({":
            depth += 1
        elif tokens[i].kind == "punct" and tokens[i].value in ")}":
            depth -= 1
            if depth == 0:
                return i
    token = tokens[open_index]
    raise InputError(f"line {token.line}, column {token.column}: {token.value!r} is never closed")


def _where_group(tokens: Sequence[Token], form: str, start: int) -> tuple[int | None, int]:
    """Find the query's top-level WHERE group.

    Returns (index of its `{`, -1), or (None, offset) for a DESCRIBE without a WHERE clause: the
    offset where a clause can be added (after the targets and FROM clauses).
    """
    i = start + 1
    if form == "CONSTRUCT" and i < len(tokens) and tokens[i].is_punct("{"):
        i = _matching(tokens, i) + 1  # the template comes first in the full form
    depth = 0
    last = tokens[start]
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "punct" and token.value in "({":
            # A `{` at depth 0 opens the WHERE group, the keyword WHERE being optional; a `{`
            # inside parentheses is an EXISTS in the projection (`SELECT (EXISTS {..} AS ?x)`).
            if depth == 0 and token.value == "{":
                return i, -1
            depth += 1
        elif token.kind == "punct" and token.value in ")}":
            depth -= 1
        elif depth == 0 and token.is_keyword(*_MODIFIERS):
            break
        last = token
        i += 1
    if form == "DESCRIBE":
        return None, last.end
    raise InputError(f"no WHERE group found in the {form} query to bind parameters in")


def inject_values(
    query: str | ParsedQuery, bindings: Mapping[str, ox.NamedNode | ox.Literal]
) -> str:
    """Bind variables to RDF terms: a VALUES block at the start of the top-level WHERE group.

    The VALUES block joins with the whole group, so a variable is bound throughout it, projected or
    not. The text added has no line break, so the engine's error lines still match the file;
    `value_insertions` says where it goes, and `unbound_position` maps columns back.
    """
    text = query.text if isinstance(query, ParsedQuery) else query
    return insert(text, value_insertions(query, bindings))


#: Text inserted into a query: (offset in the text as written, the text inserted there).
Insertion = tuple[int, str]


def insert(text: str, insertions: Sequence[Insertion]) -> str:
    """`text` with each insertion made (they are in the order of their offsets)."""
    parts, done = [], 0
    for offset, added in insertions:
        parts += [text[done:offset], added]
        done = offset
    return "".join(parts) + text[done:]


def unbound_position(
    written: str, insertions: Sequence[Insertion], line: int, column: int
) -> tuple[int, int]:
    """The (line, column) in `written` of a position in the text with the insertions made.

    A position inside inserted text is where that text was inserted; one past the end of the
    bound text (the engine's end of input) is past the end of `written`.
    """
    offset = _Lines(insert(written, insertions)).offset(line, column)
    shift = 0
    for at, added in insertions:
        if offset < at + shift:
            break
        if offset < at + shift + len(added):
            return position(written, at)
        shift += len(added)
    return position(written, offset - shift)


def value_insertions(
    query: str | ParsedQuery, bindings: Mapping[str, ox.NamedNode | ox.Literal]
) -> list[Insertion]:
    """Where `inject_values` puts the VALUES block (and what else it adds), in offset order."""
    text = query.text if isinstance(query, ParsedQuery) else query
    if not bindings:
        return []
    for name, term in bindings.items():
        if not _VARNAME_RE.fullmatch(name):
            raise InputError(f"{name!r} is not a valid parameter name (letters, digits, _)")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise InputError(f"parameter {name!r}: only an IRI or a literal can be bound")
    names = list(bindings)
    terms = [str(bindings[name]) for name in names]
    if len(names) == 1:
        values = f"VALUES ?{names[0]} {{ {terms[0]} }}"
    else:
        values = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms)}) }}"
    parsed = parse(query)
    tokens, form, start = parsed.tokens, parsed.form, parsed.form_index
    if form == "UPDATE":
        raise InputError("parameters can only be bound in a query, not in an update")
    index, offset = _where_group(tokens, form, start)
    if index is None:
        return [(offset, f" WHERE {{ {values} }}")]
    opening = tokens[index]
    found: list[Insertion] = []
    if form == "CONSTRUCT" and not tokens[start + 1].is_punct("{"):
        # The short form `CONSTRUCT WHERE { triples }` admits no VALUES: spell out its template
        # and use the full form. The copy is the tokens (no comment, no line break, so lines
        # still match the file), apart where the source has space or a comment between them.
        inner = tokens[index + 1 : _matching(tokens, index)]
        template = "".join(
            (" " if k and text[inner[k - 1].end : t.offset] else "") + t.value
            for k, t in enumerate(inner)
        )
        found.append((tokens[index - 1].offset, f"{{ {template} }} "))
    if index + 1 < len(tokens) and tokens[index + 1].is_keyword("SELECT"):
        # A group that is a subquery admits nothing beside it: wrap it in a group of its own.
        closing = tokens[_matching(tokens, index)]
        return [*found, (opening.end, f" {values} {{"), (closing.offset, "} ")]
    after = text[opening.end :]
    return [*found, (opening.end, f" {values}{'' if after[:1].isspace() else ' '}")]


def undeclared_prefix(text: str, at: tuple[int, int] | None = None) -> Token | None:
    """The prefixed name whose prefix the query does not declare: the one ending just before
    `at` (the engine's error position) if there is one, else the first. None if all are declared.

    Names glued to a keyword, as the engine reads them (`FROMex:g` is FROM ex:g), are not
    undeclared when the rest of the name's prefix is declared.
    """
    try:
        tokens = tokenize(text)
    except InputError:
        return None
    declared = _prefixes(tokens)
    unknown = []
    for token in tokens:
        if token.kind != "pname":
            continue
        prefix = token.value.partition(":")[0]
        glued = any(
            prefix.upper().startswith(word) and prefix[len(word) :] in declared
            for word in _GLUED_KEYWORDS
        )
        if prefix not in declared and not glued:
            unknown.append(token)
    for token in unknown:
        if at is not None and (token.line, token.column + len(token.value)) == at:
            return token
    return unknown[0] if unknown else None


def syntax_error_location(message: str) -> tuple[int, int] | None:
    """The (line, column) in a pyoxigraph syntax error such as `error at 2:9: expected ...`."""
    match = _ERROR_AT_RE.search(message)
    return (int(match.group(1)), int(match.group(2))) if match else None


def within_text(text: str, line: int, column: int) -> tuple[int, int]:
    """An error position moved back into `text` when it is at or past the end of what is written.

    At the end of the input the engine counts from past the final line break and blank lines (a
    query missing its `}` and ending in a newline errs on a line that does not exist); the missing
    text belongs at the end of the last line written, just past its last character.
    """
    lines = _Lines(text)
    end = len(text.rstrip())
    if line <= len(lines.starts) and lines.starts[line - 1] + column - 1 < end:
        return line, column
    return lines.at(end)


def end_of_text(text: str) -> tuple[int, int]:
    """The (line, column) just past the last character written, trailing blanks left out."""
    return position(text, len(text.rstrip()))


def syntax_error_line(err: SyntaxError, what: str = "query", text: str | None = None) -> str:
    """The engine's syntax error on one line: `query:LINE:COLUMN: detail` (`what` for `query`).

    The engine writes its own "error at L:C: " first and lists what it expected over several
    lines; the position is put our way, the list on one line, and kept inside `text` (the query
    the engine read) when it is given.
    """
    message = str(err)
    where = syntax_error_location(message)
    if where and text is not None:
        where = within_text(text, *where)
    detail = message.split(": ", 1)[1] if message.startswith("error at") else message
    detail = " ".join(detail.split())
    return f"{what}:{where[0]}:{where[1]}: {detail}" if where else f"{what}: {detail}"
