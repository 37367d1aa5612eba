"""`kg lint`: run the built-in checks and the user's own on a graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgcli.api import SourceSpec
from kgcli.cli import common
from kgcli.cli.common import EMBEDDED, FormatOpt, OutputOpt, source_options


@source_options()
def lint(
    source: SourceSpec = EMBEDDED,
    checks: Annotated[
        list[Path] | None,
        typer.Option(
            "--checks",
            metavar="DIR|FILE",
            help="A folder of your own checks (its .rq or .sparql files, each with a header) or "
            "one such file; repeatable. An empty folder or another file is refused, as by --rules. "
            "Example: --checks my-checks/",
        ),
    ] = None,
    no_builtin: Annotated[
        bool, typer.Option("--no-builtin", help="Run only the --checks checks.")
    ] = False,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            metavar="IRI",
            help="The namespace of your vocabulary, for the checks about it (default kg:).",
        ),
    ] = None,
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            metavar="SCOPE",
            help="Run only the checks about: any (any graph), vocabulary (your terms, see "
            "--namespace) or kgcli (kgcli's own graph's conventions); repeatable. Default: all "
            "when the data uses kgcli's IRIs, else any and vocabulary (said on stderr). "
            "Example: --scope kgcli",
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Stop after SECONDS (exit code 3), nothing written: the checks share them.",
            min=0.001,
            callback=common.seconds,
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Run the lint checks on a graph: one row per finding; exit code 4 if any is an error.

    Example: kg lint --data my.ttl --with-embedded --checks my-checks/
    """
    from kgcli.api import open_source
    from kgcli.atomic import output_stream
    from kgcli.engine.deadline import Deadline
    from kgcli.engine.lint import KGCLI, SCOPES, in_scopes, scope_of, uses_kgcli
    from kgcli.engine.lint import checks as all_checks
    from kgcli.engine.lint import lint as run_lint
    from kgcli.errors import NotConformant
    from kgcli.output.formats import choose_format
    from kgcli.output.render import render

    chosen_checks = all_checks(checks or (), builtin=not no_builtin)
    if scopes:
        chosen_checks = in_scopes(chosen_checks, scopes)
    opened = open_source(source)
    deadline = Deadline(timeout)  # one for the command: the checks share it
    ours = [c.name for c in chosen_checks if scope_of(c) == KGCLI]
    if not scopes and ours and not uses_kgcli(opened, timeout=deadline):
        # They would silently find nothing: say so, once, and spare the time.
        typer.echo(
            f"kg: the data uses no kgcli IRI: skipping the {len(ours)} checks about kgcli's "
            f"own graph ({', '.join(ours)}); --scope {KGCLI} runs them",
            err=True,
        )
        chosen_checks = in_scopes(chosen_checks, [s for s in SCOPES if s != KGCLI])
    result, errors = run_lint(opened, chosen_checks, namespace=namespace, timeout=deadline)
    total = len(list(result.rows))  # a list: the library holds every finding
    chosen = choose_format(fmt, output, common.stdout_is_tty() and output is None, "select")
    with output_stream(output) as out:
        render(result, chosen, out, width=common.terminal_width())
    if errors:
        raise NotConformant(f"{errors} of {total} findings are errors")
