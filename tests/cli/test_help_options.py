"""Every option's help names only options its command has: `kg network legend --timeout` said
inference (--infer) shared its time, and legend has no --infer (#14)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer

from kgcli.cli.app import app

#: An option of another command, named as such: "kg lint --checks", "as by --rules".
_ELSEWHERE = re.compile(r"(?:\bkg [a-z ]+|as by) (--[a-z][a-z-]*)")
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
#: Help texts known to name another command's option, each with its reason (none today).
_KNOWN: set[tuple[str, str, str]] = set()


def _commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, f"{path} {name}")
    else:
        yield path, command


def _stray_mentions() -> list[tuple[str, str, str]]:
    """(command, option, an option its help names that the command does not have)."""
    found = []
    for path, command in _commands(typer.main.get_command(app), "kg"):
        have = {name for param in command.params for name in param.opts + param.secondary_opts}
        for param in command.params:
            text = getattr(param, "help", None) or ""
            elsewhere = set(_ELSEWHERE.findall(text))
            for named in _OPTION.findall(text):
                if named not in have and named not in elsewhere:
                    found.append((path, param.opts[0], named))
    return found


def test_the_walk_reaches_commands_and_subcommands():
    names = [path for path, _ in _commands(typer.main.get_command(app), "kg")]
    assert {"kg query", "kg lint", "kg validate", "kg network legend", "kg store load"} <= set(
        names
    )


def test_option_help_names_only_the_commands_options():
    assert sorted(set(_stray_mentions()) - _KNOWN) == []
