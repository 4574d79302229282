"""Content-addressed memory of clean check results, so an unchanged template is never re-checked.

Only clean results are remembered: a template with findings is checked again on every build. A key
covers the template's bytes, everything the check reads besides it (the children a root opens), and
the versions of the checker and of our own rules; an entry stores its whole key and is trusted only
when that matches.

Whoever can write the cache directory (a shared or restored CI cache, another account) must not be
able to make a failing build pass, so every entry carries an HMAC of its kind, key and body under a
secret that lives outside the cache: `$XDG_STATE_HOME/ecs-blueprint/cache-key` (by default
`~/.local/state/...`), created 0600 on first use. An entry that is forged, altered, moved to another
key or torn reads as a miss, which costs a check, never a verdict. A secret that others could have
read or replaced (not ours, readable by group or others, a link, inside the cache directory) turns the
cache off. Cache files are opened only as regular files below a size cap, never through a link and
never waiting on a FIFO; a write that fails (a full disk) leaves no temporary file behind.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

ENV_DIR = "BLUEPRINT_CACHE_DIR"
MAX_ENTRY = 4 * 1024 * 1024  # a 200-service build's record is tens of KB; anything this big is not ours
# Drawn with os.urandom, as `secrets` does: importing `secrets` imports `random`, on the fast path.
_SECRET_BYTES = 32
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: a FIFO opens at once
_SUBDIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def default_directory() -> Path:
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecs-blueprint"


def secret_file() -> Path:
    """Where the secret that authenticates cache entries lives: the user's state directory, not the cache
    (a CI job that saves and restores `~/.cache` does not carry it)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ecs-blueprint" / "cache-key"


def content_key(kind: str, salt: str, contents: Iterable[bytes]) -> str:
    digest = hashlib.sha256(f"{kind}\0{salt}\0".encode())
    for content in contents:
        digest.update(len(content).to_bytes(8, "big"))
        digest.update(content)
    return digest.hexdigest()


def read_regular_file(path: Path | str, limit: int, *, dir_fd: int | None = None) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes; None for anything else (missing, a link, a
    FIFO, a device, a directory, too big, unreadable). Never blocks and never reads past `limit`."""
    try:
        fd = os.open(path, _READ, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        return _read_open(fd, os.fstat(fd), limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_open(fd: int, info: os.stat_result, limit: int) -> bytes | None:
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        return None
    chunks, size = [], 0
    while size <= limit:  # the file may have grown since fstat: read one byte past the cap at most
        chunk = os.read(fd, limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks) if size <= limit else None


class CleanCache:
    """Remembers which keys were checked clean. Disabled when `directory` is None, and when the secret
    (`secret_file()` unless given) cannot be trusted."""

    def __init__(self, directory: Path | None, secret: Path | None = None) -> None:
        self.directory = directory
        self._secret_path = secret
        self._trusted: bytes | None = None
        self._looked = False

    def _secret(self) -> bytes | None:
        if not self._looked and self.directory is not None:
            self._looked = True
            path = self._secret_path or secret_file()
            try:
                inside = path.resolve().is_relative_to(self.directory.resolve())
            except (OSError, RuntimeError):
                inside = True
            # A secret inside the cache could be written by whoever writes the cache.
            self._trusted = None if inside else _secret(path)
        return self._trusted

    def is_clean(self, key: str) -> bool:
        return self._recall("clean", key) == b""

    def remember_clean(self, key: str) -> None:
        self._write("clean", key, b"")

    def recall_record(self, key: str) -> str | None:
        """The text `remember_record` stored under `key`, or None."""
        body = self._recall("record", key)
        try:
            return None if body is None else body.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def remember_record(self, key: str, record: str) -> None:
        """Store a text under `key` (only ever for a result with no error, like everything here)."""
        self._write("record", key, record.encode("utf-8"))

    def _recall(self, kind: str, key: str) -> bytes | None:
        """The body stored under `key` as `kind`, if its HMAC proves this user's tool wrote it."""
        secret = self._secret()
        if secret is None:
            return None
        assert self.directory is not None and _is_key(key)
        content = _read_entry(self.directory, key)
        if content is None:
            return None
        header, newline, body = content.partition(b"\n")
        if not newline:
            return None
        expected = _header(secret, kind, key, body)
        return body if hmac.compare_digest(header, expected) else None

    def _write(self, kind: str, key: str, body: bytes) -> None:
        secret = self._secret()
        if secret is None:
            return
        assert self.directory is not None and _is_key(key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            top = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                with suppress(FileExistsError):
                    os.mkdir(key[:2], 0o700, dir_fd=top)
                folder = os.open(key[:2], _SUBDIRECTORY, dir_fd=top)  # never through a link
                try:
                    _replace(folder, key, _header(secret, kind, key, body) + b"\n" + body)
                finally:
                    os.close(folder)
            finally:
                os.close(top)
        except OSError:
            pass  # a read-only, full or tampered cache only costs speed


def _is_key(key: str) -> bool:
    return len(key) == 64 and all(c in "0123456789abcdef" for c in key)


def _header(secret: bytes, kind: str, key: str, body: bytes) -> bytes:
    mac = hmac.new(secret, f"{kind} {key}\n".encode() + body, hashlib.sha256).hexdigest()
    return f"{kind} {key} {mac}".encode()


def _read_entry(directory: Path, key: str) -> bytes | None:
    """DIRECTORY/ab/abcd..., read without following a link at either level (the cache directory itself
    may be a link the user made)."""
    try:
        top = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        folder = os.open(key[:2], _SUBDIRECTORY, dir_fd=top)
    except OSError:
        return None
    finally:
        os.close(top)
    try:
        return read_regular_file(key, MAX_ENTRY, dir_fd=folder)
    finally:
        os.close(folder)


def _replace(folder: int, name: str, content: bytes) -> None:
    """Write `name` in the directory `folder` atomically: a temporary file, then a rename over whatever
    is there (a rename replaces a link or a FIFO, never writes through it). The temporary file is
    removed on any failure, a full disk (ENOSPC) included."""
    temporary = f".{name}.{os.urandom(8).hex()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                 dir_fd=folder)
    try:
        try:
            _write_all(fd, content)
        finally:
            os.close(fd)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]


def _secret(path: Path) -> bytes | None:
    """The secret in `path`, made on first use; None (the cache is off) when it cannot be read or made,
    or when anyone but this user could have read or written it."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except OSError:  # a link (ELOOP), unreadable
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        made = path.parent / f".{path.name}.{os.urandom(8).hex()}.tmp"
        fd = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            try:
                _write_all(fd, os.urandom(_SECRET_BYTES).hex().encode())
            finally:
                os.close(fd)
            with suppress(FileExistsError):  # another build made one first: both use that one
                os.link(made, path)  # never replaces: a whole file appears, or none
        finally:
            with suppress(OSError):
                made.unlink()
        return _read_secret(path)
    except OSError:
        return None


def _read_secret(path: Path) -> bytes | None:
    """Raises FileNotFoundError when there is none yet."""
    fd = os.open(path, _READ)
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None
        text = _read_open(fd, info, 2 * _SECRET_BYTES) or b""
    finally:
        os.close(fd)
    try:
        return bytes.fromhex(text.decode("ascii")) if len(text) == 2 * _SECRET_BYTES else None
    except ValueError:
        return None
