"""Errors that reach users: each names what is wrong and where."""

from __future__ import annotations

from pathlib import Path


class PolicykgError(Exception):
    """A user-facing error, printed on one line by the CLI.

    >>> str(PolicykgError("no known fiche template", path="a.txt", line=3))
    'a.txt:3: no known fiche template'
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        return where + self.message


class InputError(PolicykgError):
    """A source document or manifest that cannot be read or understood."""


class UnknownTemplateError(InputError):
    """A document whose layout matches no known fiche template."""
