"""Measuring tools for the benchmark: peak memory of a process tree, timers, the load floor.

Memory is the resident set size (RSS) summed over a process and all its descendants
(parsing workers, ``sort``), sampled from ``/proc`` in a background thread; pages shared
by forked workers are counted once per process, so the figure errs on the high side.
Elsewhere than Linux, the peak RSS of the process and of its largest child stands in.

>>> with MemorySampler(interval=0.01) as sampler:
...     with sampler.phase("work"):
...         block = bytearray(20 << 20)
>>> sampler.peaks["work"] >= 20 << 20
True
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

PROC = Path("/proc")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss(pid: int | None = None) -> int:
    """Bytes resident in a process and all its descendants (Linux; else this process)."""
    pid = pid or os.getpid()
    if not PROC.is_dir():
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return usage * (1 if sys.platform == "darwin" else 1024)
    children, total, todo = _children_map(), 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int((PROC / str(current) / "statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(current, []))
    return total


class MemorySampler:
    """Samples :func:`tree_rss` in a thread; records the peak overall and per phase."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self.peaks: dict[str, int] = {}
        self._phase: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rss = tree_rss()
        self.peak = max(self.peak, rss)
        if self._phase is not None:
            self.peaks[self._phase] = max(self.peaks.get(self._phase, 0), rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def phase(self, name: str):
        """Attribute the samples taken inside the block to ``name``."""
        self._phase = name
        self._sample()
        try:
            yield
        finally:
            self._sample()
            self._phase = None


@contextmanager
def timer(into: dict, key: str):
    """Store the wall-clock seconds spent in the block in ``into[key]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        into[key] = round(time.perf_counter() - start, 3)


def repeat(run, times: int, budget: float) -> list[float]:
    """Seconds of each of up to ``times`` calls of ``run()``; stops once ``budget`` seconds
    are spent (always at least one call)."""
    spent: list[float] = []
    while len(spent) < times and (not spent or sum(spent) < budget):
        start = time.perf_counter()
        run()
        spent.append(time.perf_counter() - start)
    return spent


def summary(seconds: list[float]) -> dict[str, float]:
    """Median and max of some timings, rounded to the millisecond.

    >>> summary([0.2, 0.1, 0.4])
    {'median': 0.2, 'max': 0.4, 'runs': 3}
    """
    return {
        "median": round(statistics.median(seconds), 3),
        "max": round(max(seconds), 3),
        "runs": len(seconds),
    }


_FLOOR = """
import json, resource, sys, time
import pyoxigraph as ox
start = time.perf_counter()
store = ox.Store(sys.argv[1])
for path in sys.argv[2:]:  # N-Quads (N-Triples lines go to the default graph)
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
store.flush()
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "quads": len(store), "peak_rss": usage.ru_maxrss,
                  "cpu_s": usage.ru_utime + usage.ru_stime}))
"""


def dump_merged_graph(out: Path, target: Path) -> None:
    """Write the merged default graph of the store built in ``out`` as N-Triples."""
    from policykg.graph.store import open_store

    store = open_store(out)
    store.dump(output=str(target), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def load_floor(files: list[Path], store_dir: Path) -> dict:
    """Oxigraph alone bulk-loading N-Quads files, one after the other, into a fresh on-disk
    store, in its own process: the seconds it takes (timed inside, without interpreter
    start-up), and the peak memory of that process."""
    done = subprocess.run(
        [sys.executable, "-c", _FLOOR, str(store_dir), *map(str, files)], capture_output=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"the floor load failed: {done.stderr.decode(errors='replace')[-500:]}")
    result = json.loads(done.stdout)
    result["peak_rss"] *= 1 if sys.platform == "darwin" else 1024
    result["seconds"] = round(result["seconds"], 3)
    result["cpu_s"] = round(result["cpu_s"], 3)
    return result


def cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of its children waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
