"""`python -m generator.emulator [--host 127.0.0.1] [--port 5000]` (`make moto`): the local emulator, until
Ctrl-C. It says what it is, where it listens, and what moto does not model, then waits."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from types import FrameType

from generator.emulator.patches import UNMODELLED_TYPES
from generator.emulator.server import DEFAULT_HOST, DEFAULT_PORT, EmulatorError, running

# What a deploy into moto does not show, besides the types it does not model (docs/deploy.md has the detail).
CAVEATS = (
    "an HTTPS listener's ACM certificate must exist in the emulator: import a self-signed one "
    "(README, \"Try it without an AWS account\")",
    "no IAM permission checks, no rollback (a failure is the API call's error), no real timings; "
    "state lives in memory and is gone when the emulator stops",
)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator.emulator",
        description="Run moto's AWS emulator on a loopback address, patched so that `blueprint deploy "
                    "--endpoint-url` and `aws cloudformation deploy` can create this tool's nested stacks.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"loopback address to listen on (default {DEFAULT_HOST}); others are refused")
    parser.add_argument("--port", type=port, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--verbose", action="store_true", help="print one line per request")
    return parser


def port(text: str) -> int:
    """A TCP port, 0-65535: socket.bind raises OverflowError (a traceback) for any other number."""
    number = int(text)  # argparse reports a ValueError as "invalid port value"
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port: give 0-65535 (0 picks a free one)")
    return number


def banner(url: str) -> str:
    try:
        moto = f"moto {version('moto')}"
    except PackageNotFoundError:  # pragma: no cover - moto imported, so it is installed
        moto = "moto"
    lines = [
        f"ecs-blueprint emulator: {moto}'s AWS server, patched for nested CloudFormation "
        "(generator/emulator/patches.py)",
        f"  endpoint  {url}   (pass it as --endpoint-url; any region, any credentials)",
        "  try       the README's steps, \"Try it without an AWS account\"",
        "  moto accepts and creates nothing for (so nothing checks them):",
        *(f"    - {resource_type}" for resource_type in UNMODELLED_TYPES),
        "  and:",
        *(f"    - {line}" for line in CAVEATS),
        "Ctrl-C stops it.",
    ]
    return "\n".join(lines)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the emulator the way Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`cmd &`)
    try:
        try:
            import moto  # noqa: F401  (the optional dependency: say how to get it, not ImportError)
        except ImportError:
            print("error: moto is not installed: run `make moto`, or pip install -e '.[emulator]'", file=sys.stderr)
            return 2
        logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto")  # listed above
        with running(args.host, args.port) as url:
            print(banner(url), flush=True)
            while True:
                time.sleep(3600)
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nemulator stopped", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
