"""A build killed at any moment leaves the previous OUT/ whole; the next build succeeds.

``python -m policykg build`` runs as a subprocess (its own process group, so its parsing
workers die with it) on a generated corpus that takes a few seconds, and is killed with
SIGKILL after seeded random delays. After each kill, ``OUT/`` must be either the previous
build, byte for byte (store included), or, if the kill came after the atomic switch, the
complete new build; its store must open read-only and answer a query.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from benchmarks.generate import generate_corpus
from policykg.graph.store import open_store

pytestmark = pytest.mark.slow

KILLS = 6


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def start_build(corpus: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "policykg", "build", str(corpus), "-o", str(out), "-j", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def build(corpus: Path, out: Path) -> float:
    started = time.perf_counter()
    process = start_build(corpus, out)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    return time.perf_counter() - started


def answers_a_query(out: Path) -> int:
    store = open_store(out)
    query = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a ?c }"
    (row,) = store.query(query, use_default_graph_as_union=True)
    count = int(row[0].value)
    del store
    return count


def without_manifest_entries(corpus: Path, target: Path, drop: int) -> Path:
    """A copy of ``corpus`` (hard links) whose manifest lists ``drop`` fewer documents."""
    shutil.copytree(corpus, target, copy_function=os.link)
    manifest = target / "corpus.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    data["documents"] = data["documents"][:-drop]
    manifest.unlink()  # a hard link to the first corpus's manifest
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def test_a_build_killed_at_random_moments_leaves_the_previous_out(tmp_path):
    first = tmp_path / "corpus-a"
    generate_corpus(first, contracts=6, seed=3)
    second = without_manifest_entries(first, tmp_path / "corpus-b", drop=2)
    out, reference = tmp_path / "out", tmp_path / "reference"
    build(first, out)
    duration = build(second, reference)
    new_graph = (reference / "graph.nq").read_bytes()
    previous = snapshot(out)
    previous_count = answers_a_query(out)
    previous = snapshot(out)  # opening the store read-only may touch its log files
    rng = random.Random(20240614)
    kept = 0
    for _ in range(KILLS):
        process = start_build(second, out)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        finished = process.poll() is not None
        if not finished:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        assert out.is_dir(), "OUT vanished"
        if (out / "graph.nq").read_bytes() == new_graph:  # killed after the switch
            assert answers_a_query(out) > 1000
            build(first, out)  # back to the first build for the next round
            previous_count = answers_a_query(out)
        else:
            kept += 1
            assert snapshot(out) == previous, "the previous OUT changed"
            assert answers_a_query(out) == previous_count > 1000
        previous = snapshot(out)
    assert kept >= KILLS // 2, "most kills should land before the switch"
    build(second, out)
    assert (out / "graph.nq").read_bytes() == new_graph
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == [], leftovers
    store = ox.Store.read_only(str(out / "store"))
    assert len(list(store.named_graphs())) > 1
