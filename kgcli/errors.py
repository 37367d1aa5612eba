"""Errors a person can act on, each with the exit code the CLI returns for it."""

from __future__ import annotations

from kgcli.redact import redact


class KgError(Exception):
    """Base of every error kgcli reports as one line; `exit_code` is what `kg` exits with."""

    exit_code = 1

    def __str__(self) -> str:
        # Every way a message is shown (the error line, a push report, a --debug traceback) reads
        # it here: the last guard against a URL with credentials or an Authorization header.
        return redact(super().__str__())


class InputError(KgError):
    """Bad input: a missing or malformed file, query, parameter or option value."""

    exit_code = 2


class Unwritable(InputError):
    """The data holds a term the chosen output format cannot write (another format can)."""


class UsageError(InputError):
    """The command was called wrongly (unknown name, missing parameter, bad option)."""


class RemoteError(KgError):
    """A remote endpoint failed or could not be reached."""

    exit_code = 1


class QueryTimeout(KgError):
    """A query ran past its time limit and was stopped."""

    exit_code = 3


class NotConformant(KgError):
    """The graph does not conform to its SHACL shapes."""

    exit_code = 4
