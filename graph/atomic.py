"""Atomic replacement of a build's output folder: ``OUT/`` is never missing nor half-written.

A build writes everything (store, graph files, report) into a staging folder beside
``OUT`` (``.OUT.tmp-PID``, see :func:`staging_dir`), then :func:`publish` puts it in place:

- on Linux, one ``renameat2(RENAME_EXCHANGE)`` system call swaps the two folders
  atomically: at every instant ``OUT`` is either the whole previous build or the whole new
  one, and stays an ordinary folder (users and tests open ``OUT/graph.ttl`` and
  ``OUT/store`` directly, so neither a symlink nor a pointer file would do). The previous
  build, now under the staging name, is then deleted;
- where the file system or the platform cannot exchange (macOS, Windows, some network
  file systems), the previous folder is renamed to ``.OUT.old`` first and the new one into
  place after; a build killed between the two renames leaves no ``OUT``, and
  :func:`recover` (run by the next build, or by any reader) renames ``.OUT.old`` back.

A build killed at any other moment leaves only a staging folder, which the next build
removes (:func:`clean_stale`: folders of processes that are no longer running).

>>> import tempfile
>>> base = Path(tempfile.mkdtemp())
>>> out = base / "out"
>>> for version in ("v1", "v2"):
...     tmp = staging_dir(out)
...     _ = (tmp / "graph.ttl").write_text(version)
...     publish(tmp, out)
>>> (out / "graph.ttl").read_text(), sorted(p.name for p in base.iterdir())
('v2', ['out'])
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import sys
from pathlib import Path

# renameat2 flags and the "current directory" file descriptor (Linux).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_STAGING = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)$")


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc if hasattr(libc, "renameat2") else None
    except OSError:
        return None


_LIBC = _libc()


def exchange(a: Path, b: Path) -> None:
    """Swap two existing paths in one atomic step (Linux ``renameat2``).

    Raises :class:`OSError` (``ENOSYS``, ``EINVAL``…) where the system or the file system
    cannot do it.
    """
    if _LIBC is None:
        raise OSError(errno.ENOSYS, "atomic exchange is not available on this system")
    result = _LIBC.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def old_dir(out: Path) -> Path:
    """Where the fallback keeps the previous build between its two renames."""
    return out.with_name(f".{out.name}.old")


def staging_dir(out: Path) -> Path:
    """A new, empty staging folder beside ``out`` for this process (``.OUT.tmp-PID``)."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def _sync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(tmp: Path, out: Path) -> None:
    """Put the finished build in ``tmp`` at ``out``, replacing the previous one atomically
    (see the module docstring); the previous build is deleted afterwards."""
    tmp, out = Path(tmp), Path(out)
    recover(out)
    if not out.exists() and not out.is_symlink():
        try:
            os.rename(tmp, out)
            _sync_dir(out.parent)
            return
        except OSError:
            if not out.exists():
                raise
    try:
        exchange(tmp, out)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
            raise
        _publish_in_two_steps(tmp, out)
        return
    _sync_dir(out.parent)
    shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous build


def _publish_in_two_steps(tmp: Path, out: Path) -> None:
    old = old_dir(out)
    if old.exists():
        shutil.rmtree(old)
    os.replace(out, old)
    os.replace(tmp, out)
    _sync_dir(out.parent)
    shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> bool:
    """Put back the previous build if a two-step publish was killed between its renames;
    True if it did. Safe to call at any time (it does nothing otherwise)."""
    out = Path(out)
    old = old_dir(out)
    if old.is_dir() and not out.exists() and not out.is_symlink():
        os.rename(old, out)
        return True
    return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: Path) -> list[Path]:
    """Remove what killed builds left beside ``out``: staging folders of processes no
    longer running, and a fallback ``.OUT.old`` once ``OUT`` is back. Returns them."""
    out = Path(out)
    recover(out)
    removed = []
    if not out.parent.is_dir():
        return removed
    for path in sorted(out.parent.iterdir()):
        match = _STAGING.match(path.name)
        if match and match["name"] == out.name and path.is_dir():
            pid = int(match["pid"])
            if pid != os.getpid() and not _running(pid):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    old = old_dir(out)
    if old.is_dir() and out.exists():
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed
