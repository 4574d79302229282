"""Ctrl-C at any moment of a command, the first tenth of a second included (while the command line, the
pipeline and the libraries are still being imported, or the arguments parsed): one line on stderr and
exit 130, never a traceback (issue 16).

The command runs as pip's `blueprint` script runs it: `from generator.cli import main; sys.exit(main())`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from shared import EXAMPLE_PATH as EXAMPLE

from generator.cli import EXIT_INTERRUPTED, main

REPOSITORY = Path(__file__).resolve().parents[1]
INTERRUPTED = "blueprint: interrupted; output left as it was"
ENTRY_POINT = "import sys; from generator.cli import main; sys.exit(main())"

# Raise KeyboardInterrupt when the named module is first imported (by the command's own process), then run
# the entry point.
INTERRUPT_AT_IMPORT = """
import os, sys
AT, PID = sys.argv.pop(1), os.getpid()
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == AT and os.getpid() == PID:  # not in the forked cfn-lint host, which a real Ctrl-C spares
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, Interrupt())
from generator.cli import main
sys.exit(main())
"""


def environment(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPOSITORY), "BLUEPRINT_CACHE_DIR": str(tmp_path / "cache")}


def imported_by(arguments: list[str], tmp_path: Path) -> list[str]:
    """Every module the command imports after `generator.cli`, in order."""
    script = ("import sys; from generator.cli import main; before = set(sys.modules)\n"
              "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              "print('MODULES', *[name for name in sys.modules if name not in before], file=sys.__stdout__)")
    done = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True,
                          cwd=tmp_path, env=environment(tmp_path), timeout=300)
    (listing,) = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    return listing.split()[1:]


def sample(modules: list[str], count: int = 8) -> list[str]:
    """The parser's module and COUNT others spread evenly over the whole import, the first and last included."""
    step = max(1, (len(modules) - 1) // (count - 1))
    return sorted({"generator.cli.commands", *modules[::step], modules[-1]}, key=modules.index)


COMMANDS = {
    "build": ["build", str(EXAMPLE), "-o", "out", "--no-cache"],  # so every run imports the whole build
    "deploy": ["deploy", str(EXAMPLE), "--stack", "s", "--bucket", "b", "--region", "us-east-1",
               "--endpoint-url", "http://127.0.0.1:9"],
    "diff": ["diff", str(REPOSITORY / "output"), str(REPOSITORY / "output")],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_ctrl_c_while_any_module_is_imported_is_one_line_and_exit_130(command: str, tmp_path: Path) -> None:
    arguments = COMMANDS[command]
    modules = sample(imported_by(arguments, tmp_path))
    assert "generator.cli.commands" in modules and len(modules) > 5, modules
    for module in modules:
        done = subprocess.run([sys.executable, "-c", INTERRUPT_AT_IMPORT, module, *arguments], capture_output=True,
                              text=True, cwd=tmp_path, env=environment(tmp_path), timeout=300)
        assert done.returncode == EXIT_INTERRUPTED, (module, done.stderr)
        assert done.stderr.startswith("blueprint: interrupted") and done.stderr.count("\n") == 1, (module, done.stderr)


def test_ctrl_c_while_the_arguments_are_parsed_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def parse_args(*args: object, **kwargs: object) -> argparse.Namespace:
        raise KeyboardInterrupt

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args)
    assert main(["build", str(EXAMPLE)]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == INTERRUPTED + "\n"


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.03, 0.06, 0.1])
def test_a_real_ctrl_c_in_the_first_tenth_of_a_second_is_one_line_and_exit_130(delay: float, tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it, `delay` seconds after the interpreter
    has imported `generator.cli` (`-X importtime` says when: before that, Python itself is starting)."""
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-c", ENTRY_POINT, *COMMANDS["build"]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               env=environment(tmp_path), start_new_session=True)
    assert process.stderr is not None
    try:
        for line in process.stderr:
            if line.rstrip().endswith("| generator.cli"):
                break
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGINT)
        rest = process.stderr.read()
        process.wait(timeout=60)
    finally:
        process.kill()
    said = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert (process.returncode, said) == (EXIT_INTERRUPTED, [INTERRUPTED])
    assert not (tmp_path / "out" / "photos").exists()
