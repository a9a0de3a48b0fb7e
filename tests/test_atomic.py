"""graph/atomic.py: OUT/ replaced in one step, a killed publish recovered, leftovers removed."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from policykg.graph import atomic


def a_build(out, text: str):
    tmp = atomic.staging_dir(out)
    (tmp / "store").mkdir()
    (tmp / "graph.ttl").write_text(text, encoding="utf-8")
    return tmp


def test_publish_replaces_the_previous_build_and_leaves_nothing_beside(tmp_path):
    out = tmp_path / "out"
    atomic.publish(a_build(out, "v1"), out)
    inode = os.stat(out).st_ino
    atomic.publish(a_build(out, "v2"), out)
    assert (out / "graph.ttl").read_text(encoding="utf-8") == "v2"
    assert os.stat(out).st_ino != inode  # a new folder, swapped in, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    try:
        atomic.exchange(tmp_path / "a", tmp_path / "b")
    except OSError as exc:  # not Linux, or a file system without RENAME_EXCHANGE
        pytest.skip(f"no atomic exchange here: {exc}")
    assert (tmp_path / "b" / "from-a").exists() and not (tmp_path / "a" / "from-a").exists()


def test_without_exchange_the_two_step_fallback_still_publishes(tmp_path, monkeypatch):
    def unavailable(a, b):
        raise OSError(errno.ENOSYS, "no exchange")

    monkeypatch.setattr(atomic, "exchange", unavailable)
    out = tmp_path / "out"
    atomic.publish(a_build(out, "v1"), out)
    atomic.publish(a_build(out, "v2"), out)
    assert (out / "graph.ttl").read_text(encoding="utf-8") == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_fallback_killed_between_its_renames_is_recovered(tmp_path):
    out = tmp_path / "out"
    atomic.publish(a_build(out, "v1"), out)
    os.replace(out, atomic.old_dir(out))  # killed here: no OUT
    assert atomic.recover(out) is True
    assert (out / "graph.ttl").read_text(encoding="utf-8") == "v1"
    assert atomic.recover(out) is False


def test_clean_stale_removes_the_folders_of_dead_builds_only(tmp_path):
    out = tmp_path / "out"
    atomic.publish(a_build(out, "v1"), out)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".out.tmp-{int(dead.stdout)}"
    stale.mkdir()
    alive = tmp_path / f".out.tmp-{os.getppid()}"
    alive.mkdir()
    other = tmp_path / ".other.tmp-1"
    other.mkdir()
    assert atomic.clean_stale(out) == [stale]
    assert alive.exists() and other.exists() and out.exists()
