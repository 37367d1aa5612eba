"""`kg serve`: parse options, load the graph, hand it to `kgcli.serve.app`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from kgcli.api import SourceSpec
from kgcli.cli.common import (
    EMBEDDED,
    STATE,
    seconds,
    source_options,
)

LIMITS = "Limits"
ACCESS = "Access"


@source_options(endpoint=False, infer=True)
def serve(
    source: SourceSpec = EMBEDDED,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="ADDRESS",
            help="Address to listen on; anything but loopback exposes the graph to the network.",
            rich_help_panel=ACCESS,
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", metavar="PORT", help="TCP port (0: any free one).", min=0, max=65535
        ),
    ] = 7878,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Stop a query or update after SECONDS (answer 503).",
            min=0.001,
            callback=seconds,
            rich_help_panel=LIMITS,
        ),
    ] = 30.0,
    infer_timeout: Annotated[
        float | None,
        typer.Option(
            "--infer-timeout",
            metavar="SECONDS",
            help="With --infer: stop computing the closure at start after SECONDS (exit code "
            "3, nothing served). Default: no limit.",
            min=0.001,
            callback=seconds,
            rich_help_panel=LIMITS,
        ),
    ] = None,
    max_results: Annotated[
        int,
        typer.Option(
            "--max-results",
            metavar="N",
            help="Refuse (500) a result of more than N rows or triples; never truncate.",
            min=1,
            rich_help_panel=LIMITS,
        ),
    ] = 100_000,
    max_body: Annotated[
        str,
        typer.Option(
            "--max-body",
            metavar="SIZE",
            help="Largest request body (413 beyond): bytes, or KiB, MiB.",
            rich_help_panel=LIMITS,
        ),
    ] = "1MiB",
    max_memory: Annotated[
        str,
        typer.Option(
            "--max-memory",
            metavar="SIZE",
            help="Memory one query may use beyond the graph's (500 beyond): MiB, GiB.",
            rich_help_panel=LIMITS,
        ),
    ] = "2GiB",
    max_concurrent: Annotated[
        int,
        typer.Option(
            "--max-concurrent",
            metavar="N",
            help="Queries evaluated at once; beyond, a short wait, then 503 with Retry-After.",
            min=1,
            max=256,  # each is a process, forked at start: a huge N would be a fork bomb
            rich_help_panel=LIMITS,
        ),
    ] = 8,
    cors: Annotated[
        bool,
        typer.Option(
            "--cors",
            help="Let web pages from any origin query the endpoint (CORS).",
            rich_help_panel=ACCESS,
        ),
    ] = False,
    allow_federation: Annotated[
        bool,
        typer.Option(
            "--allow-federation",
            help="Let queries use SERVICE and FROM <file:...> (refused by default).",
            rich_help_panel=ACCESS,
        ),
    ] = False,
    allow_update: Annotated[
        bool,
        typer.Option(
            "--allow-update",
            help="Accept SPARQL updates carrying the token (in memory: lost when the server "
            "stops).",
            rich_help_panel=ACCESS,
        ),
    ] = False,
    update_token_env: Annotated[
        str | None,
        typer.Option(
            "--update-token-env",
            metavar="VAR",
            help="Environment variable holding the bearer token updates must carry.",
            rich_help_panel=ACCESS,
        ),
    ] = None,
) -> None:
    """Serve the graph as a SPARQL 1.1 endpoint, read-only, on 127.0.0.1 by default.

    Example: kg serve --data my.ttl --port 7878
    """
    from kgcli.api import open_source
    from kgcli.engine.catalogue import Catalogue
    from kgcli.engine.source import LocalSource
    from kgcli.errors import InputError, QueryTimeout, UsageError
    from kgcli.serve.app import ServeConfig, is_loopback, parse_size
    from kgcli.serve.app import serve as run_server

    if allow_update and source.store:
        raise UsageError(
            "--allow-update changes the graph in memory; a --store is served read-only "
            f"(change it with: kg store load {source.store} FILE...)"
        )
    token: str | None = None
    if allow_update:
        if not update_token_env:
            raise UsageError(
                "--allow-update needs --update-token-env VAR, an environment variable holding "
                "the token (never the token itself on the command line)"
            )
        token = os.environ.get(update_token_env, "").strip()
        if not token:
            raise UsageError(f"--update-token-env: ${update_token_env} is not set or is empty")
    elif update_token_env:
        raise UsageError("--update-token-env is only for --allow-update")
    if infer_timeout is not None and not source.infer:
        raise UsageError("--infer-timeout bounds the closure of --infer: give both")
    try:
        body_cap = parse_size(max_body)
    except InputError as err:
        raise UsageError(f"--max-body: {err}") from None
    try:
        memory_cap = parse_size(max_memory)
    except InputError as err:
        raise UsageError(f"--max-memory: {err}") from None
    config = ServeConfig(
        timeout=timeout,
        max_results=max_results,
        max_body=body_cap,
        max_concurrent=max_concurrent,
        max_memory=memory_cap,
        cors=cors,
        allow_federation=allow_federation,
        allow_update=allow_update,
        update_token=token,
    )
    catalogue = Catalogue(STATE["queries"])
    queries = catalogue.list()
    # The closure is computed once, before serving: a startup bound of its own, not --timeout,
    # which is each request's (30 s by default: too short for a large graph's closure).
    closure = infer_timeout if source.infer and not source.store else None
    try:
        local = open_source(source, timeout=closure)
    except QueryTimeout:
        raise QueryTimeout(
            f"inference stopped after the {infer_timeout:g} s timeout (--infer-timeout); "
            "nothing served"
        ) from None
    assert isinstance(local, LocalSource)
    if not is_loopback(host):
        typer.echo(
            f"kg serve: warning: listening on {host}, not loopback: anyone who can reach this "
            "machine can read the graph"
            + (" and, with the token, sent in clear, change it" if allow_update else ""),
            err=True,
        )
    typer.echo(f"kg serve: {local.description} loaded", err=True)
    # Without --infer a store's kgg:inferred stays hidden, as from kg query.
    visible = None if local.named_graphs is None else [g.value for g in local.named_graphs]
    run_server(
        local.store,
        queries,
        config,
        host=host,
        port=port,
        catalogue=catalogue,
        log=sys.stderr,
        visible=visible,
    )
