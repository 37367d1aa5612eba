"""Options shared by every command: the graph source (as one `SourceSpec`) and the output."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kgcli.api import SourceSpec
from kgcli.output.formats import help_text as format_help
from kgcli.rdf.formats import advertised as syntaxes

F = TypeVar("F", bound=Callable[..., Any])

#: Set by the app callback; read when an error is reported.
STATE: dict[str, Any] = {"debug": False, "queries": []}

SOURCE = "Graph source"
OUTPUT = "Output"
INFERENCE = "Inference"

DataOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        "-d",
        metavar="FILE",
        help="Your RDF file instead of the embedded graph (repeatable; '-' reads stdin).",
        rich_help_panel=SOURCE,
    ),
]
DataFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--data-format",
        metavar="FORMAT",
        help=f"Format of --data files when the extension does not say ({syntaxes()}).",
        rich_help_panel=SOURCE,
    ),
]
DefaultGraphOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--default-graph",
        metavar="FILE",
        help="Build the query's dataset exactly, as SPARQL defines it: FILE's triples go to the "
        "default graph (repeatable; merged), instead of the union of all graphs. "
        "Example: --default-graph data.ttl --named-graph g1.ttl",
        rich_help_panel=SOURCE,
    ),
]
NamedGraphOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--named-graph",
        metavar="FILE",
        help="A named graph of the query's dataset, named by FILE's file: IRI and not part of "
        "the default graph (repeatable). Example: --default-graph data.ttl --named-graph g1.ttl",
        rich_help_panel=SOURCE,
    ),
]
WithEmbeddedOpt = Annotated[
    bool,
    typer.Option(
        "--with-embedded", help="Add the embedded graph to --data files.", rich_help_panel=SOURCE
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        "-E",
        metavar="URL|NAME",
        envvar="KG_ENDPOINT",
        help="A SPARQL 1.1 endpoint instead of a local graph: its URL, or a NAME from "
        "~/.config/kgcli/config.toml ($KG_CONFIG). Credentials from KG_ENDPOINT_USER and "
        "KG_ENDPOINT_PASSWORD or the config (a URL's user:password@ works too, but ps and "
        "shell history show it).",
        rich_help_panel=SOURCE,
    ),
]


def _store_opt(help: str) -> Any:
    """The --store option, with the help a command gives it (one writes to the store)."""
    return Annotated[
        str | None,
        typer.Option(
            "--store", "-S", metavar="DIR", envvar="KG_STORE", help=help, rich_help_panel=SOURCE
        ),
    ]


StoreOpt = _store_opt(
    "An on-disk store made by 'kg store load' (or an Oxigraph store folder), read-only."
)
InferOpt = Annotated[
    bool,
    typer.Option(
        "--infer",
        help="Stated + derived triples (docs/inference.md): derived now for the embedded "
        "graph and --data, read from a --store where 'kg infer --store' put them. "
        "Example: kg query -e 'SELECT ?f WHERE { ?f a kg:HealthcareFacility }' --infer",
        rich_help_panel=INFERENCE,
    ),
]
RulesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rules",
        metavar="SET|DIR|FILE",
        help="Rules to derive with (repeatable): rdfs, owl-rl, a folder of SPARQL CONSTRUCT "
        "rules (its .rq files) or one .rq file; an empty folder or another file is refused, as by "
        "kg lint --checks. Default: owl-rl and the project's rules (queries/rules). "
        "Example: --rules rdfs --rules my-rules/",
        rich_help_panel=INFERENCE,
    ),
]
DomainRangeOpt = Annotated[
    bool,
    typer.Option(
        "--domain-range",
        help="Also type subjects and objects by rdfs:domain and rdfs:range (off: one wrong "
        "triple then types a node wrongly).",
        rich_help_panel=INFERENCE,
    ),
]
SameAsOpt = Annotated[
    bool,
    typer.Option(
        "--same-as",
        help="Also apply owl:sameAs and what concludes it (functional properties, keys); "
        "costly: every triple is copied to each name of its terms.",
        rich_help_panel=INFERENCE,
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=format_help(),
        rich_help_panel=OUTPUT,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to this file (atomically) instead of stdout.",
        rich_help_panel=OUTPUT,
        dir_okay=False,
    ),
]


#: A command's `source` before `source_options` fills it: the embedded graph.
EMBEDDED = SourceSpec()

#: The graph-source options, in the order `--help` lists them: (parameter, annotation, default).
_SOURCE_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("data", DataOpt, None),
    ("default_graph", DefaultGraphOpt, None),
    ("named_graph", NamedGraphOpt, None),
    ("data_format", DataFormatOpt, None),
    ("with_embedded", WithEmbeddedOpt, False),
    ("store", StoreOpt, None),
    ("endpoint", EndpointOpt, None),
    ("infer", InferOpt, False),
    ("rules", RulesOpt, None),
)


def source_options(
    *,
    graphs: bool = False,
    endpoint: bool = True,
    infer: bool = False,
    store_help: str | None = None,
) -> Callable[[F], F]:
    """Give a command the graph-source options, declared once here; it receives them as one
    `source: SourceSpec` parameter, built once (sqlite-utils' `output_options` idiom).

    The options take the place of `source` in the command's signature, so `--help` lists them
    there. `graphs` adds --default-graph and --named-graph; `endpoint=False` leaves out
    --endpoint (a command that serves or pushes a local graph); `infer` adds --infer and --rules;
    `store_help` replaces the help of --store (read-only, unless the command writes to it).

    Example: @source_options()  def info(source: SourceSpec = EMBEDDED, fmt: FormatOpt = None): ...
    """
    wanted = [
        option
        for option in _SOURCE_OPTIONS
        if (graphs or option[0] not in ("default_graph", "named_graph"))
        and (endpoint or option[0] != "endpoint")
        and (infer or option[0] not in ("infer", "rules"))
    ]
    if store_help is not None:
        wanted = [
            ("store", _store_opt(store_help), default) if name == "store" else (name, kind, default)
            for name, kind, default in wanted
        ]

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        parameters: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            if parameter.name != "source":
                parameters.append(parameter)
                continue
            parameters += [
                inspect.Parameter(name, parameter.kind, default=default, annotation=annotation)
                for name, annotation, default in wanted
            ]
        if len(parameters) == len(signature.parameters):
            raise TypeError(f"{command.__name__} takes no 'source' parameter")

        @functools.wraps(command)
        def with_source(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name, _, _ in wanted}
            return command(*args, source=SourceSpec(**given), **kwargs)

        # Typer reads a command's parameters from its signature and type hints: these.
        with_source.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        with_source.__annotations__ = {p.name: p.annotation for p in parameters}
        return with_source  # type: ignore[return-value]

    return decorate


def seconds(value: float | None) -> float | None:
    """Callback of the --timeout options: click's ranges let `inf` and `nan` through."""
    from kgcli.limits import seconds_problem

    problem = None if value is None else seconds_problem(value)
    if problem is not None:
        raise typer.BadParameter(problem)
    return value


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def stderr_is_tty() -> bool:
    """Whether progress can be shown: only a person at a terminal wants it (not a log file)."""
    return sys.stderr.isatty()


def terminal_width() -> int | None:
    """The terminal's width for tables on a terminal; None (rich's default) off one."""
    import shutil

    return shutil.get_terminal_size().columns if stdout_is_tty() else None
