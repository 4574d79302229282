"""The README's command table names every option of every command, and no option a command lacks
(issue 16: it had drifted, omitting `-q` and `--output`). Read from the parser itself, so a new option
fails here until the table has it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from generator.cli.commands import parser

README = Path(__file__).resolve().parents[1] / "README.md"
OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (commands,) = [action for action in parser()._actions if isinstance(action, argparse._SubParsersAction)]
    return dict(commands.choices)


def usage_cells() -> dict[str, str]:
    """Command -> the first cell of its row in the "Commands and exit codes" table (escaped pipes kept)."""
    section = README.read_text(encoding="utf-8").split("## Commands and exit codes", 1)[1].split("\n## ", 1)[0]
    cells: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `blueprint "):
            continue
        usage = re.split(r"(?<!\\)\|", line)[1]
        (command,) = set(re.findall(r"`blueprint ([a-z]+)", usage))
        assert command not in cells, f"two rows for {command}"
        cells[command] = usage
    return cells


def test_every_command_has_a_row() -> None:
    assert sorted(usage_cells()) == sorted(subcommands())


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_the_row_of_each_command_names_exactly_its_options_and_their_choices(command: str) -> None:
    usage = usage_cells()[command]
    options = [action for action in subcommands()[command]._actions
               if action.option_strings and not isinstance(action, argparse._HelpAction)]
    named = set(OPTION.findall(usage.replace("\\|", " ")))
    assert named == {flag for action in options for flag in action.option_strings}
    for action in options:
        for choice in action.choices or []:
            assert re.search(rf"(?<![\w-]){re.escape(choice)}(?![\w-])", usage), (action.dest, choice)
