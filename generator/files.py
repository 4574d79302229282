"""Reading a file a user names (a blueprint, a manifest): a regular file only, and never more of it than the
caller can take, so that /dev/zero, a pipe or a file of gigabytes is refused instead of read forever."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# A blueprint, a Copilot manifest: no input file of this tool is larger.
MAX_INPUT_BYTES = 1024 * 1024


class NotRegularFile(Exception):
    """A device, a pipe, a socket or a directory where a file was expected."""


def read_bounded(path: Path, limit: int = MAX_INPUT_BYTES) -> tuple[bytes, int]:
    """At most `limit` + 1 bytes of the regular file `path` (more than `limit` says it is too large) and its size.
    A pipe is opened without waiting for a writer (opening it for reading blocks until one comes), then refused.
    Raises OSError when the file cannot be opened or read, NotRegularFile when it is not a file to read."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(str(path))
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        data = file.read(limit + 1)
    return data, max(status.st_size, len(data))
