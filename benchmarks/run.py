"""The national-scale benchmark: build, floor, queries, centrality and views, timed.

For each size (presets of :mod:`benchmarks.generate`: ``1k``, ``10k``, ``national``) a
fresh process generates the corpus, builds it with :func:`policykg.graph.build.build_corpus`
(all cores), bulk-loads the resulting ``graph.nq`` into a fresh Oxigraph store alone (the
floor the build is compared with, measured in the same run), runs every query of the
library (median and max of several runs, through :func:`policykg.queries.runner.run_query`,
as ``policykg query`` does), measures the actor networks (:mod:`policykg.viz`), writes the
views, and rebuilds incrementally after changing one document. Peak memory is sampled over
the whole process tree (workers and ``sort`` included). Then it prints a table, the
ratios against the targets, and writes the figures as JSON.

Command line (from the repository root)::

    python -m benchmarks.run                       # 1k, 10k and national
    python -m benchmarks.run --sizes 1k,10k --keep /tmp/bench --json bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import PRESETS, generate_corpus
from benchmarks.measure import (
    MemorySampler,
    cpu_seconds,
    dump_merged_graph,
    load_floor,
    summary,
    timer,
    tree_rss,
)

SIZES = ("1k", "10k", "national")
GIB = 1 << 30
# The targets of issue 8, checked on the largest size run.
TARGETS = {"build_vs_floor": 3.0, "query_median_s": 1.0, "peak_gib": 4.0, "centrality_s": 30.0}
ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict:
    """The machine the figures were measured on."""
    import pyoxigraph

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    except OSError:
        memory = 0
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(memory / GIB, 1),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "system": platform.platform(),
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


_QUERY = """
import json, sys, time
from policykg.queries.library import load_query
from policykg.queries.runner import run_query
name, out, runs, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
query, seconds, rows, truncated = load_query(name), [], 0, False
while len(seconds) < runs and (not seconds or sum(seconds) < budget):
    start = time.perf_counter()
    result = run_query(query, out_dir=out)  # the default row limit, as `policykg query`
    seconds.append(time.perf_counter() - start)
    rows, truncated = len(result.rows), result.truncated
    print(json.dumps({"seconds": seconds, "rows": rows, "truncated": truncated}), flush=True)
"""


def run_query_process(
    name: str, out: Path, runs: int, timeout: float, memory_cap: int, budget: float = 20.0
) -> dict:
    """One library query with its default parameters, run in its own process (as
    ``policykg query`` would): median and max seconds of up to ``runs`` runs, its peak
    memory; stopped after ``timeout`` seconds or above ``memory_cap`` bytes."""
    process = subprocess.Popen(
        [sys.executable, "-c", _QUERY, name, str(out), str(runs), str(budget)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    start, peak, stopped = time.perf_counter(), 0, None
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        if time.perf_counter() - start > timeout:
            stopped = f"stopped after {timeout:.0f} s"
        elif peak > memory_cap:
            stopped = f"stopped at {peak / GIB:.1f} GiB"
        if stopped:
            process.kill()
            break
        time.sleep(0.05)
    stdout, stderr = process.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    done = json.loads(lines[-1]) if lines else None
    if done and done["seconds"]:
        result = {
            **summary(done["seconds"]),
            "rows": done["rows"],
            "truncated": done["truncated"],
            "peak_rss": peak,
        }
        if stopped:
            result["note"] = stopped
        return result
    reason = stopped or (stderr.strip().splitlines() or ["no output"])[-1][:300]
    return {"error": f"{reason} (first run unfinished)" if stopped else reason, "peak_rss": peak}


def run_queries(out: Path, runs: int, timeout: float, memory_cap: int) -> dict[str, dict]:
    """Every query of the library (see :func:`run_query_process`)."""
    from policykg.queries.library import list_queries

    return {
        q.name: run_query_process(q.name, out, runs, timeout, memory_cap) for q in list_queries()
    }


def run_centrality(out: Path, figures: dict):
    """Load the networks and measure them (betweenness sampled above a size)."""
    from policykg.graph.store import open_store
    from policykg.viz.analytics_graph import compute_analytics
    from policykg.viz.networks import load_network_data

    store = open_store(out)
    with timer(figures, "network_load_s"):
        data = load_network_data(store)
    with timer(figures, "centrality_s"):
        analytics = compute_analytics(data)
    figures["networks"] = {
        scope: {
            "nodes": analytics.networks[scope].number_of_nodes()
            if scope in analytics.networks
            else analytics.fiche_links.number_of_nodes(),
            "edges": analytics.networks[scope].number_of_edges()
            if scope in analytics.networks
            else analytics.fiche_links.number_of_edges(),
            "sampled": m.sampled,
            "pivots": m.pivots,
            "betweenness_error": m.betweenness_error,
        }
        for scope, m in analytics.metrics.items()
    }
    return analytics


def run_views(analytics, folder: Path, figures: dict) -> None:
    """Write the standard views (aggregated above their node limit)."""
    from policykg.viz.views import write_views

    with timer(figures, "views_s"):
        views = write_views(folder, analytics)
    figures["views"] = len(views)
    figures["view_max_nodes"] = max((v.nodes for v in views), default=0)


def run_update(corpus: Path, out: Path, figures: dict) -> None:
    """Change one document and build again with ``update=True``."""
    from policykg.graph.build import build_corpus

    first = sorted(p for p in corpus.rglob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nLigne ajoutée.\n", encoding="utf-8")
    report = build_corpus(corpus, out, update=True, views=False)
    figures["update_s"] = report.timings["total"]
    figures["update_reused"] = report.reused


def _guarded(figures: dict, key: str, step) -> object:
    """Run one step; a failure is recorded under ``figures[key + '_error']``."""
    try:
        return step()
    except Exception as exc:
        figures[f"{key}_error"] = f"{type(exc).__name__}: {exc}"[:300]
        return None


def run_size(
    size: str,
    workdir: Path,
    jobs: int | None,
    query_runs: int,
    query_timeout: float,
    memory_cap: int,
) -> dict:
    """Every measure for one size, in this process (see the module doc)."""
    from policykg.graph.build import build_corpus

    figures: dict = {"size": size, "preset": PRESETS[size], "load_before": _load()}
    corpus, out = workdir / "corpus", workdir / "out"
    with MemorySampler() as memory:
        with memory.phase("generate"), timer(figures, "generate_s"):
            generate_corpus(corpus, **PRESETS[size])
        figures["load_at_build"] = _load()
        cpu = cpu_seconds()
        with memory.phase("build"):
            report = build_corpus(corpus, out, jobs=jobs, views=False)
        figures["build_cpu_s"] = round(cpu_seconds() - cpu, 3)
        ok = [d for d in report.documents if d.status == "ok"]
        figures.update(
            documents=len(report.documents),
            failed=len(report.failed),
            fiches=sum(d.fiches for d in ok),
            actions=sum(d.actions for d in ok),
            quads=report.quads,
            triples=report.triples,
            build_s=report.timings["total"],
            phases=report.timings,
            graph_nq_bytes=(out / "graph.nq").stat().st_size,
        )
        # The floor loads what the build put in the store: the named graphs (graph.nq)
        # and the merged default graph (dumped here, untimed).
        floor_store, merged = workdir / "floor-store", workdir / "merged.nt"
        dump_merged_graph(out, merged)
        figures["merged_triples"] = sum(1 for _ in merged.open("rb"))
        figures["load_at_floor"] = _load()
        figures["floor"] = load_floor([out / "graph.nq", merged], floor_store)
        shutil.rmtree(floor_store, ignore_errors=True)
        merged.unlink()
        with memory.phase("queries"):
            figures["queries"] = run_queries(out, query_runs, query_timeout, memory_cap)
        with memory.phase("centrality"):
            analytics = _guarded(figures, "centrality", lambda: run_centrality(out, figures))
        if analytics is not None:
            with memory.phase("views"):
                _guarded(figures, "views", lambda: run_views(analytics, workdir / "site", figures))
        analytics = None  # frees the networks before the update
        with memory.phase("update"):
            _guarded(figures, "update", lambda: run_update(corpus, out, figures))
    figures["peak_rss"] = memory.peak
    figures["peak_rss_by_phase"] = memory.peaks
    figures["load_after"] = _load()
    return figures


def derived(f: dict) -> dict:
    """Rates, ratios and the slowest query of one size's figures."""
    timed = {k: q for k, q in f.get("queries", {}).items() if "median" in q}
    worst = max(timed.items(), key=lambda kv: kv[1]["median"], default=(None, None))
    return {
        "docs_per_s": f["documents"] / f["build_s"],
        "quads_per_s": f["quads"] / f["build_s"],
        "floor_quads_per_s": f["floor"]["quads"] / f["floor"]["seconds"],
        "build_vs_floor": f["build_s"] / f["floor"]["seconds"],
        "build_cpu_vs_floor_cpu": f["build_cpu_s"] / f["floor"]["cpu_s"],
        "worst_median_query": worst[0],
        "query_median_s": worst[1]["median"] if worst[1] else None,
        "query_max_s": max((q["max"] for q in timed.values()), default=None),
        "query_errors": sorted(k for k, q in f.get("queries", {}).items() if "error" in q),
        "peak_gib": f["peak_rss"] / GIB,
        "build_peak_gib": f["peak_rss_by_phase"].get("build", 0) / GIB,
    }


def _fmt(value, spec: str = ".1f") -> str:
    return "–" if value is None else format(value, spec)


def table(results: list[dict]) -> str:
    """The figures of every size as a Markdown table."""
    head = (
        "size",
        "docs",
        "quads",
        "triples",
        "build s",
        "docs/s",
        "quads/s",
        "build peak GiB",
        "peak GiB (all)",
        "floor s",
        "build/floor",
        "CPU build/floor",
        "query median s (worst)",
        "query max s",
        "centrality s",
        "views s",
        "update s",
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in results:
        d = derived(f)
        cells = (
            f["size"],
            str(f["documents"]),
            str(f["quads"]),
            str(f["triples"]),
            _fmt(f["build_s"]),
            _fmt(d["docs_per_s"], ".0f"),
            _fmt(d["quads_per_s"], ".0f"),
            _fmt(d["build_peak_gib"], ".2f"),
            _fmt(d["peak_gib"], ".2f"),
            _fmt(f["floor"]["seconds"]),
            _fmt(d["build_vs_floor"], ".2f"),
            _fmt(d["build_cpu_vs_floor_cpu"], ".2f"),
            f"{_fmt(d['query_median_s'], '.3f')} ({d['worst_median_query']})",
            _fmt(d["query_max_s"], ".3f"),
            _fmt(f.get("centrality_s")),
            _fmt(f.get("views_s")),
            _fmt(f.get("update_s")),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(f: dict) -> list[str]:
    """The targets of issue 8, checked on one size's figures."""
    d = derived(f)
    checks = [
        (
            "build within 3x of the Oxigraph bulk-load floor",
            d["build_vs_floor"],
            TARGETS["build_vs_floor"],
            f"{d['build_vs_floor']:.2f}x (build {f['build_s']:.1f} s, floor "
            f"{f['floor']['seconds']:.1f} s; CPU {f['build_cpu_s']:.0f} s vs "
            f"{f['floor']['cpu_s']:.0f} s; load average {f['load_at_build']} at the build, "
            f"{f['load_at_floor']} at the floor)",
        ),
        (
            "every library query under 1 s median",
            d["query_median_s"],
            TARGETS["query_median_s"],
            f"worst median {_fmt(d['query_median_s'], '.3f')} s ({d['worst_median_query']})",
        ),
        (
            "peak memory of the build under 4 GiB",
            d["build_peak_gib"],
            TARGETS["peak_gib"],
            f"{d['build_peak_gib']:.2f} GiB",
        ),
        (
            "peak memory of every step under 4 GiB",
            d["peak_gib"],
            TARGETS["peak_gib"],
            f"{d['peak_gib']:.2f} GiB (queries included)",
        ),
        (
            "actor centrality under 30 s",
            f.get("centrality_s"),
            TARGETS["centrality_s"],
            f"{_fmt(f.get('centrality_s'))} s",
        ),
    ]
    lines = []
    for label, value, limit, shown in checks:
        verdict = "n/a " if value is None else ("PASS" if value < limit else "FAIL")
        lines.append(f"  {verdict} {label}: {shown}")
    if d["query_errors"]:
        lines.append(f"  FAIL queries that did not run: {', '.join(d['query_errors'])}")
    for key in ("centrality_error", "views_error", "update_error"):
        if key in f:
            lines.append(f"  note {key}: {f[key]}")
    for scope, n in f.get("networks", {}).items():
        sampling = (
            f"sampled ({n['pivots']} pivots, betweenness ±{n['betweenness_error']:.4f} at 95 %)"
            if n["sampled"]
            else "exact"
        )
        lines.append(f"  network {scope}: {n['nodes']} nodes, {n['edges']} edges, {sampling}")
    return lines


def report_text(results: list[dict], info: dict) -> str:
    """The table, the verdicts per size and the queries of the largest size."""
    parts = [
        f"policykg benchmark, {info['date']} on {info['machine']['cpus']} CPUs "
        f"({info['machine']['cpu']}), {info['machine']['memory_gib']} GiB, "
        f"pyoxigraph {info['machine']['pyoxigraph']}",
        "",
        table(results),
        "",
    ]
    for f in results:
        parts.append(
            f"{f['size']} (load average before {f['load_before']}, after {f['load_after']}):"
        )
        parts.extend(verdicts(f))
    if results:
        last = results[-1]
        parts += ["", f"queries at {last['size']} (seconds, default parameters):"]
        for name, q in sorted(last["queries"].items()):
            memory = f"{q.get('peak_rss', 0) / GIB:.2f} GiB"
            shown = (
                f"median {q['median']:.3f}  max {q['max']:.3f}  ({q['runs']} runs, "
                f"{q['rows']} rows, {memory}) {q.get('note', '')}"
                if "median" in q
                else f"{q['error']} ({memory})"
            )
            parts.append(f"  {name:32} {shown}")
        phases = ", ".join(f"{k} {v:.1f}" for k, v in last["phases"].items())
        parts.append(f"build phases at {last['size']} (s): {phases}")
    return "\n".join(parts)


def _child(size: str, workdir: Path, args: argparse.Namespace) -> dict:
    """Run one size in a fresh process, so that its peak memory is its own."""
    result = workdir / "figures.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    command = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--child",
        size,
        "--workdir",
        str(workdir),
        "--query-runs",
        str(args.query_runs),
        "--query-timeout",
        str(args.query_timeout),
        "--memory-cap",
        str(args.memory_cap),
    ]
    command += ["--jobs", str(args.jobs)] if args.jobs else []
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    return json.loads(result.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.run``: see the module doc."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default=",".join(SIZES),
        help=f"comma-separated presets (default {','.join(SIZES)})",
    )
    parser.add_argument("--keep", type=Path, help="keep corpora and outputs in this folder")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("bench-results.json"),
        help="where to write the figures (default bench-results.json)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (all cores)")
    parser.add_argument("--query-runs", type=int, default=5, help="runs per query (5)")
    parser.add_argument(
        "--query-timeout",
        type=float,
        default=60.0,
        help="seconds after which a query is stopped (60)",
    )
    parser.add_argument(
        "--memory-cap", type=float, default=6.0, help="GiB above which a query is stopped (6)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        figures = run_size(
            args.child,
            args.workdir,
            args.jobs,
            args.query_runs,
            args.query_timeout,
            int(args.memory_cap * GIB),
        )
        (args.workdir / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in PRESETS]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; known: {', '.join(PRESETS)}")
    base = args.keep or Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    info = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "sizes": sizes}
    results = []
    try:
        for size in sizes:
            print(
                f"[{time.strftime('%H:%M:%S')}] {size}: generating, building, measuring…",
                file=sys.stderr,
                flush=True,
            )
            workdir = base / size
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir(parents=True)
            results.append(_child(size, workdir, args))
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    text = report_text(results, info)
    print(text)
    args.json.write_text(
        json.dumps(
            {**info, "results": results, "derived": {f["size"]: derived(f) for f in results}},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nfigures written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
