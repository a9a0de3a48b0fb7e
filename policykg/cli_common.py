"""What the per-part command modules share: error handling and common options.

Kept apart from :mod:`policykg.cli` so that a part's commands (``cli_queries``…) can be
imported on their own without a circular import.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from policykg.errors import PolicykgError

DEFAULT_OUT = Path("out")


class _State:
    debug = False


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line messages and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PolicykgError as exc:
            if _State.debug:
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:  # an unexpected failure still gets one line
            if _State.debug:
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)", 2)

    return wrapper


def out_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``OUT`` folder argument shared by the commands that read a build."""
    return click.argument(
        "out",
        required=False,
        default=str(DEFAULT_OUT),
        type=click.Path(path_type=Path),
        metavar="[OUT]",
    )(func)
