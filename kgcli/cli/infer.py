"""`kg infer` and `kg explain`: derived triples in their own graph, and why one holds."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from kgcli.api import SourceSpec
from kgcli.cli import common
from kgcli.cli.common import (
    EMBEDDED,
    DomainRangeOpt,
    FormatOpt,
    OutputOpt,
    RulesOpt,
    SameAsOpt,
    source_options,
)

TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Stop after SECONDS (exit code 3); nothing is written. Reading an -E endpoint and "
        "inference share them.",
        min=0.001,
        callback=common.seconds,
    ),
]


@source_options(
    store_help="An on-disk store made by 'kg store load' (or an Oxigraph store folder): the "
    "derived triples are written into it, as a new generation (--check only reads it)."
)
def infer(
    rules: RulesOpt = None,
    domain_range: DomainRangeOpt = False,
    same_as: SameAsOpt = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check the closure's consistency instead (OWL disjointness, functional and "
            "irreflexive properties, owl:Nothing...): one row per violation, exit code 4 if any. "
            "Example: kg infer --check --data my.ttl",
        ),
    ] = False,
    max_rounds: Annotated[
        int,
        typer.Option("--max-rounds", metavar="N", min=1, help="Give up after N rounds (exit 1)."),
    ] = 100,
    max_derived: Annotated[
        int | None,
        typer.Option(
            "--max-derived",
            metavar="N",
            min=1,
            help="Give up past N derived triples (exit 1). Default: 20 per triple read + 100,000.",
        ),
    ] = None,
    timeout: TimeoutOpt = None,
    source: SourceSpec = EMBEDDED,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Derive what the rules entail, and write the derived triples only (never a stated one).

    The embedded graph, --data files and -E endpoints (only read): to -o FILE in any RDF format,
    or stdout. --store DIR: into the store's graph kgg:inferred, as a new generation (as
    'kg store load'), which 'kg query --store DIR --infer' reads.

    Example: kg infer --rules owl-rl -o derived.ttl
    """
    from kgcli.api import open_for_inference, rule_set_of
    from kgcli.engine import store as stores
    from kgcli.engine.deadline import Deadline
    from kgcli.engine.infer import Bounds
    from kgcli.engine.infer import check as check_closure
    from kgcli.engine.infer import infer as run
    from kgcli.errors import UsageError

    rule_set = rule_set_of(rules or [], domain_range=domain_range, same_as=same_as)
    bounds = Bounds(max_rounds=max_rounds, max_derived=max_derived)
    if source.store and (source.data or source.with_embedded or source.endpoint):
        open_for_inference(source)  # refuses the combination, as every command does
    if source.store and not check:
        if output is not None:
            raise UsageError(
                "kg infer --store writes into the store: -o is for the embedded graph, --data "
                "and -E (query the store with --infer -f FORMAT to export)"
            )
        report = stores.infer(source.store, rule_set, bounds=bounds, timeout=timeout)
        _summary(report, f"kgg:inferred of store {source.store}")
        return
    deadline = Deadline(timeout)  # one for the command: inference gets what reading left
    with deadline.step("query", timed=bool(source.endpoint)) as seconds:
        opened = open_for_inference(source, timeout=seconds)
    try:
        if opened.store_dir is not None:  # --check on a store: its derived graph, as written
            from kgcli.engine.source import with_inferences

            with_inferences(opened, rule_set)
        else:
            with deadline.step("inference") as seconds:
                report = run(opened.store, rule_set, bounds=bounds, timeout=seconds)
        if check:
            _report_check(check_closure(opened.store, rule_set), fmt, output)
            return
        _write_derived(opened.store, fmt, output)
        _summary(report, str(output) if output is not None and str(output) != "-" else "stdout")
    finally:
        opened.close()


def _summary(report: Any, where: str) -> None:
    rounds = f"{report.rounds} round{'s' if report.rounds != 1 else ''}"
    typer.echo(
        f"kg: {report.derived} derived triples ({report.rules}; {rounds}) written to {where}",
        err=True,
    )


def _write_derived(store: Any, fmt: str | None, output: Any) -> None:
    """The graph `kgg:inferred` of `store`, in the format -f or -o's extension names."""
    import pyoxigraph as ox

    from kgcli.atomic import output_stream
    from kgcli.engine.infer import INFERRED_GRAPH
    from kgcli.engine.results import GraphResult
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render

    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "graph")
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    with output_stream(output) as out:
        render(GraphResult.from_triples(triples), chosen, out, width=common.terminal_width())


def _report_check(report: Any, fmt: str | None, output: Any) -> None:
    """Violations like SHACL results: focus node, rule, message, the triples; exit 4 if any."""
    import pyoxigraph as ox

    from kgcli.atomic import output_stream
    from kgcli.engine.results import SelectResult
    from kgcli.errors import NotConformant
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render

    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    with output_stream(output) as out:
        if chosen == "json":
            doc = {
                "conforms": report.conforms,
                "violations": [v.to_dict() for v in report.violations],
            }
            out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n")
        elif report.violations:
            rows = [
                (
                    _term(v.focus),
                    ox.NamedNode(v.rule.iri),
                    ox.Literal(v.message),
                    ox.Literal(
                        " ".join(" ".join(t.decode() for t in tr) + " ." for tr in v.triples)
                    ),
                )
                for v in report.violations
            ]
            table = SelectResult(["focus", "rule", "message", "triples"], rows)
            render(table, chosen, out, width=common.terminal_width())
    if not report.conforms:
        n = len(report.violations)
        raise NotConformant(
            f"the graph and its closure are inconsistent: {n} violation{'s' if n != 1 else ''}"
        )
    typer.echo("kg: the graph and its closure are consistent", err=True)


def _term(text: str) -> Any:
    """An N-Triples term of a report as a pyoxigraph term (a focus node is an IRI or a blank)."""
    import pyoxigraph as ox

    if text.startswith("<") and text.endswith(">"):
        return ox.NamedNode(text[1:-1])
    return ox.Literal(text)


@source_options()
def explain(
    subject: Annotated[
        str, typer.Argument(metavar="SUBJECT", help="An IRI, a prefixed name or a label.")
    ],
    predicate: Annotated[
        str, typer.Argument(metavar="PREDICATE", help="An IRI, a prefixed name, or 'a'.")
    ],
    obj: Annotated[
        str,
        typer.Argument(
            metavar="OBJECT", help="An IRI, a prefixed name, a label, or a literal ('\"Minhang\"')."
        ),
    ],
    rules: RulesOpt = None,
    domain_range: DomainRangeOpt = False,
    same_as: SameAsOpt = False,
    timeout: TimeoutOpt = None,
    source: SourceSpec = EMBEDDED,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="tree (the default) or json.",
            rich_help_panel=common.OUTPUT,
        ),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Say why a triple holds: stated (with the articles' quotes) or derived (the rule, and
    each premise explained in turn, down to stated triples). Exit 1 if it does not hold.

    Example: kg explain "Dr Smile Surgical Clinic" a kg:HealthcareFacility
    """
    from kgcli.api import explain_in, open_for_inference, rule_set_of
    from kgcli.atomic import output_stream
    from kgcli.engine.deadline import Deadline
    from kgcli.errors import UsageError
    from kgcli.rdf.namespaces import Compactor, merged_prefixes

    if fmt not in (None, "tree", "json"):
        raise UsageError(f"unknown --format {fmt!r} for kg explain; choose tree or json")
    rule_set = rule_set_of(rules or [], domain_range=domain_range, same_as=same_as)
    prefixes = merged_prefixes()
    deadline = Deadline(timeout)  # one for the command: inference gets what reading left
    with deadline.step("query", timed=bool(source.endpoint)) as seconds:
        opened = open_for_inference(source, timeout=seconds)
    try:
        # A store that `kg infer` wrote is read, not derived: no time worth counting.
        with deadline.step("inference", timed=opened.store_dir is None) as seconds:
            terms = (subject, predicate, obj)
            explanation = explain_in(opened, terms, rule_set, prefixes, timeout=seconds)
        with output_stream(output) as out:
            if fmt == "json":
                doc = explanation.to_dict()
                out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n")
                return
            compact = Compactor(prefixes)

            def show(term: bytes) -> str:
                text = term.decode()
                if text.startswith("<") and text.endswith(">"):
                    short = compact(text[1:-1])
                    return text if short == text[1:-1] else short
                return text

            out.write("".join(line + "\n" for line in explanation.lines(show)).encode())
    finally:
        opened.close()
