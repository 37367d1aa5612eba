"""`kg network`: build networks from a graph (profiles, queries), measure, explain, export them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kgcli.api import SourceSpec
from kgcli.cli import common
from kgcli.cli.common import (
    EMBEDDED,
    STATE,
    FormatOpt,
    OutputOpt,
    source_options,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import networkx as nx

    from kgcli.engine.deadline import Deadline
    from kgcli.engine.source import GraphSource

app = typer.Typer(
    help="Networks from the graph: build them (profiles, queries), measure them, export them "
    "for Gephi.\n\nExample: kg network export --profile cluster -o cluster.gexf",
    no_args_is_help=True,
)

NETWORK = "Network"
DEFAULT_PROFILE = "cluster"
GENERIC_PROFILE = "generic"

ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-P",
        metavar="NAME|FILE",
        help=f"A built-in profile (kg network profiles) or a profile file (.toml). "
        f"Default: {DEFAULT_PROFILE}, or {GENERIC_PROFILE} when the data has none of its classes.",
        rich_help_panel=NETWORK,
    ),
]
QueryOpt = Annotated[
    str | None,
    typer.Option(
        "--query",
        "-q",
        metavar="NAME|FILE",
        help="Build from a query instead: a catalogue name or .rq file, a SELECT returning "
        "?source ?target (and ?weight ?label ?kind ...) or a CONSTRUCT.",
        rich_help_panel=NETWORK,
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        metavar="NAME=VALUE",
        help="A parameter of --query (repeatable).",
        rich_help_panel=NETWORK,
    ),
]
LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        metavar="TAG",
        help="Preferred language of labels and texts (then none, English, any).",
        rich_help_panel=NETWORK,
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Stop after SECONDS (exit 3): inference (--infer) and the queries share them.",
        min=0.001,
        callback=common.seconds,
    ),
]
#: `kg network legend`'s, which has no --infer.
QueriesTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Stop after SECONDS (exit 3): the queries share them.",
        min=0.001,
        callback=common.seconds,
    ),
]
MetricsOpt = Annotated[
    str | None,
    typer.Option(
        "--metrics",
        "-m",
        metavar="LIST",
        help="Comma-separated: degree, betweenness, closeness, pagerank, eigenvector, component, "
        "core, community (Leiden with kgcli[fast], else Louvain), leiden, louvain, "
        "label_propagation, or all.",
    ),
]
KOpt = Annotated[
    int | None,
    typer.Option(
        "--k",
        metavar="N",
        help="Betweenness from N sampled source nodes (default: exact when affordable, else "
        "enough sources for +-0.1 at 95%, as far as a budget allows; the bound is printed).",
    ),
]
MultiOpt = Annotated[
    bool,
    typer.Option(
        "--multi",
        help="Keep each relation between two nodes as an edge of its own (default: one edge "
        "per related pair, listing its relations; a relation and its inverse are one).",
        rich_help_panel=NETWORK,
    ),
]
SchemaOpt = Annotated[
    bool,
    typer.Option(
        "--schema",
        help="With the generic profile: keep classes, properties, ontologies and the triples "
        "about them (left out by default).",
        rich_help_panel=NETWORK,
    ),
]
SizeByOpt = Annotated[
    str | None,
    typer.Option(
        "--size-by",
        metavar="ATTRIBUTE",
        help="Node size from this metric or attribute (default: degree; none: all alike).",
    ),
]
SizeScaleOpt = Annotated[
    str,
    typer.Option(
        "--size-scale",
        metavar="SCALE",
        help="sqrt (the disc's area follows the value) or rank.",
    ),
]
LayoutOpt = Annotated[
    str,
    typer.Option(
        "--layout",
        metavar="NAME",
        help="Node positions: auto (components packed around the main one), forceatlas2, "
        "spring, kamada-kawai, or none.",
    ),
]
SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        metavar="N",
        help="Seed of sampling, Leiden, Louvain and layouts.",
        # NumPy, behind the layouts, takes seeds of 32 bits only.
        min=0,
        max=2**32 - 1,
    ),
]


ResolutionOpt = Annotated[
    float,
    typer.Option(
        "--resolution",
        metavar="R",
        help="Resolution of Leiden and Louvain: above 1, smaller communities.",
    ),
]
AnalyzeTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Stop after SECONDS (exit 3): inference (--infer), the queries and the analysis "
        "share them.",
        min=0.001,
        callback=common.seconds,
    ),
]


def _open(source: SourceSpec, deadline: Deadline) -> GraphSource:
    """The graph `source` names; computing its closure (--infer) is the deadline's first step."""
    from kgcli.api import open_source

    with deadline.step("inference", timed=source.infer and not source.store) as seconds:
        return open_source(source, timeout=seconds)


def _build(
    profile: str | None,
    query: str | None,
    params: list[str] | None,
    source: SourceSpec,
    lang: str,
    deadline: Deadline,
    multi: bool = False,
    schema: bool = False,
) -> tuple[nx.Graph, dict[str, str]]:
    """The network the options describe, and the prefixes to name its terms with; inference
    (--infer) and the queries take their share of the command's `deadline` (--timeout).

    Without --profile or --query: the default profile, or the generic one when the data has
    none of the default's classes (said on stderr). An empty network is an error that names the
    profile and what to try.
    """
    from kgcli.errors import UsageError

    if profile is not None and query is not None:
        raise UsageError("give either --profile or --query, not both")
    if params and query is None:
        raise UsageError("-p/--param sets parameters of --query; there is no --query")
    if query is not None:
        from kgcli.engine.catalogue import Catalogue, resolve
        from kgcli.engine.params import parse_assignments
        from kgcli.engine.query import prepare, run
        from kgcli.network.build import network_from_result, stated_view

        named = resolve(query, Catalogue(STATE["queries"]))
        prepared = prepare(named, parse_assignments(params or []))
        if schema:
            raise UsageError("--schema applies to the generic profile, not to --query")
        opened = _open(source, deadline)
        with deadline.step("query") as seconds:
            result = run(opened, prepared, timeout=seconds)
        # With --infer, the same query over the stated triples alone says which edges are stated.
        view = stated_view(opened)
        stated = None
        if view is not None:
            with deadline.step("query") as seconds:
                stated = run(view, prepared, timeout=seconds)
        with deadline.step("query") as seconds:
            graph = network_from_result(
                result,
                name=named.name,
                title=named.title,
                description=named.description,
                query_text=prepared.text,
                lang=lang,
                prefixes=prepared.prefixes,
                source=opened,
                timeout=seconds,
                multi=multi,
                stated=stated,
            )
        if graph.number_of_nodes() == 0:
            raise UsageError(
                f"query {named.name} gave no nodes: a network query returns ?source and ?target "
                "(or CONSTRUCTs triples between resources)"
            )
        return graph, prepared.prefixes
    from dataclasses import replace

    from kgcli.network.build import build_network
    from kgcli.network.profile import resolve_profile

    chosen = resolve_profile(profile or DEFAULT_PROFILE)
    if schema and profile is not None:
        if not chosen.generic:
            raise UsageError(f"--schema applies to the generic profile, not to {chosen.name}")
        chosen = replace(chosen, schema=True)
    opened = _open(source, deadline)
    # The profile's queries each get what is left when the build starts.
    with deadline.step("query") as seconds:
        graph = build_network(opened, chosen, lang=lang, timeout=seconds, multi=multi)
    if graph.number_of_nodes() == 0 and profile is None:
        # Not our domain's data: the generic profile makes a network of any RDF.
        typer.echo(
            f"kg: the data has none of the classes of the default profile {chosen.name}; "
            f"using the generic profile (--profile {GENERIC_PROFILE})",
            err=True,
        )
        chosen = replace(resolve_profile(GENERIC_PROFILE), schema=schema)
        with deadline.step("query") as seconds:
            graph = build_network(opened, chosen, lang=lang, timeout=seconds, multi=multi)
    if graph.number_of_nodes() == 0:
        if chosen.generic:
            hint = (
                "the data has no resources outside its schema: try --schema"
                if not chosen.schema
                else "the data has no triples"
            )
        else:
            hint = (
                "its classes are not in the data: try --profile generic, another profile "
                "(kg network profiles) or --query"
            )
        raise UsageError(f"profile {chosen.name} found no nodes: {hint}")
    return graph, dict(chosen.prefixes)


def _render_table(table: Any, fmt: str | None, output: Path | None, prefixes: Any = None) -> None:
    from kgcli.atomic import output_stream
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render

    tty = common.stdout_is_tty() and output is None
    chosen = choose_format(fmt, output, tty, "select")
    width = None
    if tty:
        import shutil

        width = shutil.get_terminal_size().columns
    with output_stream(output) as out:
        render(table, chosen, out, prefixes=prefixes, width=width)


class _progress:
    """A bar per metric on stderr, as each starts and ends, with the seconds it took; only when
    stderr is a terminal (rich imported only then). Yields the `progress` callback of
    `kgcli.network.analyze.analyze`, or None.

    Drawn when a metric starts or ends, not on a timer: the analysis may fork (--timeout), and
    a refreshing thread at that moment is what forking must not meet.
    """

    def __enter__(self) -> Callable[[str, float | None], None] | None:
        self.bar: Any = None
        if not common.stderr_is_tty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("kg: {task.description:<17}"),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[took]}"),
            console=Console(stderr=True),
            auto_refresh=False,
        )
        self.tasks: dict[str, Any] = {}

        def progress(name: str, seconds: float | None) -> None:
            if not self.tasks:  # shown from the first metric on: an error before, alone
                self.bar.start()
            if seconds is None:
                self.tasks[name] = self.bar.add_task(name, total=None, took="…")
            else:
                self.bar.update(self.tasks[name], total=1, completed=1, took=f"{seconds:.2f} s")
            self.bar.refresh()

        return progress

    def __exit__(self, kind: object, *exc: object) -> None:
        if self.bar is None or not self.tasks:
            return
        if kind is not None:  # a timeout or a failure: say which metric it stopped
            for task in self.bar.tasks:
                if not task.finished:
                    self.bar.update(task.id, took="stopped")
        self.bar.stop()


@app.command("profiles")
def profiles(fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """List the built-in network profiles: name, title and description.

    Example: kg network profiles -f json
    """
    import pyoxigraph as ox

    from kgcli.atomic import output_stream
    from kgcli.engine.results import SelectResult
    from kgcli.network.profile import builtin_profiles
    from kgcli.output.formats import choose_format

    found = builtin_profiles()
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    if chosen in ("json", "jsonl"):
        docs = [
            {"name": p.name, "title": p.title, "description": p.description, "path": p.source}
            for p in found
        ]
        with output_stream(output) as out:
            if chosen == "json":
                out.write(json.dumps(docs, ensure_ascii=False, indent=2).encode() + b"\n")
            else:
                out.writelines(json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in docs)
        return
    rows = [(ox.Literal(p.name), ox.Literal(p.title), ox.Literal(p.description)) for p in found]
    _render_table(SelectResult(["name", "title", "description"], rows), fmt, output)


@app.command("analyze")
@source_options(infer=True)
def analyze(
    profile: ProfileOpt = None,
    query: QueryOpt = None,
    param: ParamOpt = None,
    multi: MultiOpt = False,
    schema: SchemaOpt = False,
    metrics: MetricsOpt = None,
    k: KOpt = None,
    seed: SeedOpt = 42,
    resolution: ResolutionOpt = 1.0,
    sort: Annotated[
        str | None,
        typer.Option("--sort", metavar="METRIC", help="Sort by this metric (default: the first)."),
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", metavar="N", min=0, help="Only the first N rows.")
    ] = None,
    lang: LangOpt = "en",
    source: SourceSpec = EMBEDDED,
    timeout: AnalyzeTimeoutOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Measure a network: one row per node with id, label, kind and the metrics asked for.

    Example: kg network analyze --profile cluster --metrics degree,pagerank --top 10
    """
    from kgcli.network.analyze import analyze as measure
    from kgcli.network.analyze import metrics_table, parse_metrics

    chosen = parse_metrics(metrics)  # before building: a typo should not cost a build
    from kgcli.engine.deadline import Deadline

    deadline = Deadline(timeout)  # one for the command (--timeout)
    graph, prefixes = _build(profile, query, param, source, lang, deadline, multi, schema)
    with deadline.step("analysis") as seconds, _progress() as progress:
        found = measure(
            graph,
            chosen,
            k=k,
            seed=seed,
            resolution=resolution,
            timeout=seconds,
            write_back=False,
            progress=progress,
        )
    table = metrics_table(graph, found, sort=sort, top=top)  # a bad --sort: the error alone
    for note in found.notes:
        typer.echo(f"kg: {note}", err=True)
    _render_table(table, fmt, output, prefixes)


@app.command("path")
@source_options(infer=True)
def path(
    start: Annotated[str, typer.Argument(metavar="FROM", help="An IRI, prefixed name or label.")],
    end: Annotated[str, typer.Argument(metavar="TO", help="An IRI, prefixed name or label.")],
    profile: ProfileOpt = None,
    query: QueryOpt = None,
    param: ParamOpt = None,
    schema: SchemaOpt = False,
    lang: LangOpt = "en",
    source: SourceSpec = EMBEDDED,
    timeout: TimeoutOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Explain the shortest path between two entities as the triples it follows.

    Every relation is its own edge here (as with --multi elsewhere), so each step is one triple.

    Example: kg network path "Dr Smile" "Huashan Hospital" -f csv
    """
    from kgcli.engine.deadline import Deadline
    from kgcli.network.analyze import path_table, shortest_path
    from kgcli.network.build import find_node

    # One edge per triple: each step is a triple.
    deadline = Deadline(timeout)  # one for the command (--timeout)
    graph, prefixes = _build(profile, query, param, source, lang, deadline, True, schema)
    steps = shortest_path(graph, find_node(graph, start, prefixes), find_node(graph, end, prefixes))
    _render_table(path_table(steps), fmt, output, prefixes)


@app.command("export")
@source_options(infer=True)
def export(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="The file to write (atomically): .gexf, .graphml, .csv (NAME.nodes.csv and "
            "NAME.edges.csv), .json (graphology), .gephi-lite.json (a Gephi Lite workspace), "
            "or a picture: .svg, .html.",
        ),
    ],
    profile: ProfileOpt = None,
    query: QueryOpt = None,
    param: ParamOpt = None,
    multi: MultiOpt = False,
    schema: SchemaOpt = False,
    metrics: MetricsOpt = None,
    k: KOpt = None,
    seed: SeedOpt = 42,
    size_by: SizeByOpt = None,
    size_scale: SizeScaleOpt = "sqrt",
    layout: LayoutOpt = "auto",
    gexf_version: Annotated[
        str, typer.Option("--gexf-version", metavar="VERSION", help="GEXF 1.3 or 1.2draft.")
    ] = "1.3",
    export_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="gexf, graphml, gephi-csv, graphology or gephi-lite (default: from the "
            "extension).",
        ),
    ] = None,
    lang: LangOpt = "en",
    source: SourceSpec = EMBEDDED,
    timeout: AnalyzeTimeoutOpt = None,
) -> None:
    """Write a network for Gephi: build it, add metrics as node attributes, print the legend.

    Every export is laid out, sized (by degree) and coloured (by kind) unless told otherwise.

    Example: kg network export -P cluster -m pagerank,community --size-by pagerank -o c.gexf
    """
    from kgcli.network.analyze import METRICS, parse_metrics
    from kgcli.network.analyze import analyze as measure
    from kgcli.network.export import format_for, write_network
    from kgcli.network.export.draw import picture_format

    picture = export_format is None and Path(output).suffix.lower() in (".svg", ".html", ".htm")
    if picture:
        picture_format(output)
    else:
        format_for(output, export_format)  # a wrong extension is known before anything is built
    chosen = parse_metrics(metrics) if metrics else []
    if size_by is not None and size_by in METRICS and size_by not in chosen:
        chosen.append(size_by)  # sizing by a metric needs the metric
    from kgcli.engine.deadline import Deadline

    deadline = Deadline(timeout)  # one for the command (--timeout)
    graph, _ = _build(profile, query, param, source, lang, deadline, multi, schema)
    if chosen:
        with deadline.step("analysis") as seconds, _progress() as progress:
            found = measure(graph, chosen, k=k, seed=seed, timeout=seconds, progress=progress)
        for note in found.notes:
            typer.echo(f"kg: {note}", err=True)
    if picture:
        _draw(graph, output, None, size_by, size_scale, layout, seed, None)
        return
    with _progress() as progress:  # a bar for a layout of thousands of nodes
        legend = write_network(
            graph,
            output,
            fmt=export_format,
            gexf_version=gexf_version,
            size_by=size_by,
            size_scale=size_scale,
            layout=layout,
            seed=seed,
            progress=progress,
        )
    typer.echo(
        f"kg: wrote {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges "
        f"to {output}",
        err=True,
    )
    for kind, colour in legend.items():
        typer.echo(f"{kind}  {colour}", err=True)


def _draw(
    graph: nx.Graph,
    output: Path,
    fmt: str | None,
    size_by: str | None,
    size_scale: str,
    layout: str,
    seed: int,
    title: str | None,
) -> None:
    from kgcli.network.export.draw import draw as draw_picture

    found = draw_picture(
        graph,
        output,
        fmt=fmt,
        size_by=size_by,
        size_scale=size_scale,
        layout=layout,
        seed=seed,
        title=title,
    )
    labelled = sum(1 for n in found.nodes if n.shown is not None)
    typer.echo(
        f"kg: drew {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges "
        f"({labelled} labelled) to {output}",
        err=True,
    )
    for kind, colour, _ in found.legend:
        typer.echo(f"{kind}  {colour}", err=True)


@app.command("draw")
@source_options(infer=True)
def draw(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="The picture to write (atomically): .svg, or .html (one offline page: pan, "
            "zoom, a node's attributes on hover).",
        ),
    ],
    profile: ProfileOpt = None,
    query: QueryOpt = None,
    param: ParamOpt = None,
    multi: MultiOpt = False,
    schema: SchemaOpt = False,
    metrics: MetricsOpt = None,
    k: KOpt = None,
    seed: SeedOpt = 42,
    size_by: SizeByOpt = None,
    size_scale: SizeScaleOpt = "sqrt",
    layout: LayoutOpt = "auto",
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", help="The picture's title (default: its own)."),
    ] = None,
    picture: Annotated[
        str | None,
        typer.Option("--format", "-f", metavar="FORMAT", help="svg or html (default: from -o)."),
    ] = None,
    lang: LangOpt = "en",
    source: SourceSpec = EMBEDDED,
    timeout: AnalyzeTimeoutOpt = None,
) -> None:
    """Draw a network as a picture a person can read: title, legend, the largest nodes labelled.

    Networks above 2,000 nodes are refused: export them for Gephi instead.

    Example: kg network draw -P cluster -o cluster.svg
    """
    from kgcli.network.analyze import METRICS, parse_metrics
    from kgcli.network.analyze import analyze as measure
    from kgcli.network.export.draw import picture_format

    picture_format(output, picture)  # a wrong extension is known before anything is built
    chosen = parse_metrics(metrics) if metrics else []
    if size_by is not None and size_by in METRICS and size_by not in chosen:
        chosen.append(size_by)
    from kgcli.engine.deadline import Deadline

    deadline = Deadline(timeout)  # one for the command (--timeout)
    graph, _ = _build(profile, query, param, source, lang, deadline, multi, schema)
    if chosen:
        with deadline.step("analysis") as seconds, _progress() as progress:
            found = measure(graph, chosen, k=k, seed=seed, timeout=seconds, progress=progress)
        for note in found.notes:
            typer.echo(f"kg: {note}", err=True)
    _draw(graph, output, picture, size_by, size_scale, layout, seed, title)


@app.command("legend")
@source_options()
def legend(
    profile: ProfileOpt = None,
    query: QueryOpt = None,
    param: ParamOpt = None,
    multi: MultiOpt = False,
    schema: SchemaOpt = False,
    lang: LangOpt = "en",
    source: SourceSpec = EMBEDDED,
    timeout: QueriesTimeoutOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """The kinds of a network, their colour (the same in every profile and run) and class.

    Example: kg network legend -P resource-sharing
    """
    import pyoxigraph as ox

    from kgcli.engine.deadline import Deadline
    from kgcli.engine.results import SelectResult
    from kgcli.network.export import legend_rows

    deadline = Deadline(timeout)  # one for the command (--timeout)
    graph, prefixes = _build(profile, query, param, source, lang, deadline, multi, schema)
    rows = [
        (
            ox.Literal(kind),
            ox.Literal(colour),
            ox.Literal(count),
            ox.NamedNode(cls) if cls and ":" in cls else None,
        )
        for kind, colour, count, cls in legend_rows(graph)
    ]
    _render_table(SelectResult(["kind", "colour", "nodes", "class"], rows), fmt, output, prefixes)
