"""The README stays honest: every command has help text and is documented (sqlite-utils habit)."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from policykg.cli import main
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return sorted(main.commands)


@pytest.mark.parametrize("name", _commands())
def test_every_command_has_help(name):
    command: click.Command = main.commands[name]
    assert command.help and len(command.help.strip()) > 20, f"{name} has no help text"
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0


@pytest.mark.parametrize("name", _commands())
def test_every_command_is_in_the_readme_cli_section(name):
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"`policykg {name}\b", section), f"`policykg {name}` missing from README"


def test_the_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make run", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_python_dash_m_works():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "policykg", "--version"], capture_output=True, text=True, check=True
    )
    assert "policykg" in done.stdout
