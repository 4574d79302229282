"""Benchmark `blueprint build` on the example and on synthetic 20- and 200-service blueprints.

Every run is a fresh process (so a cold run pays every import and rule load, as a user does).
Cold: an empty cache directory. Warm: the same blueprint again with the cache a cold run left.
Figures are medians of several runs; peak memory is the largest resident set of the build process
and of its lint workers. Writes bench/report.json and bench/report.md and prints the Markdown.

    python -m bench.bench [--runs N] [--sizes 20,200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.blueprints import synthetic_blueprint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "blueprints" / "example.yaml"
CDK_SYNTH_SECONDS = 4.0  # `cdk synth` of the equivalent CDK app on this machine, without validation
PHASES = ("generate", "lint", "audit", "write")


def run_once(blueprint: Path, out_dir: Path, cache_dir: Path) -> dict[str, float]:
    """One build in this process; prints its figures as JSON (used by the child processes)."""
    from generator.checks.cache import CleanCache
    from generator.pipeline import build

    started = time.perf_counter()
    result = build(blueprint, out_dir, cache=CleanCache(cache_dir))
    figures = {phase: result.seconds.get(phase, 0.0) for phase in PHASES}
    figures["build"] = time.perf_counter() - started
    figures["templates"] = len(result.files)
    figures["peak_mib_build"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["peak_mib_workers"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def _child(blueprint: Path, out_dir: Path, cache_dir: Path) -> dict[str, float]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench", "--one", str(blueprint), str(out_dir), str(cache_dir)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["process"] = time.perf_counter() - started
    return figures


def measure(label: str, blueprint: Path, runs: int, work: Path) -> dict[str, object]:
    cold, warm = [], []
    for run in range(runs):
        cache_dir = work / f"cache-{label}-{run}"
        out_dir = work / f"out-{label}-{run}"
        cold.append(_child(blueprint, out_dir, cache_dir))
        warm.append(_child(blueprint, out_dir, cache_dir))
        print(f"  {label}: run {run + 1}/{runs}: cold {cold[-1]['process']:.2f}s, warm {warm[-1]['process']:.2f}s",
              file=sys.stderr, flush=True)
    return {"label": label, "runs": runs, "cold": _medians(cold), "warm": _medians(warm)}


def _medians(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(s[key] for s in samples), 3) for key in samples[0]}


def markdown(report: dict[str, object]) -> str:
    lines = [
        "# Build benchmark",
        "",
        f"Machine: {report['machine']}. Medians of {report['runs']} runs; each run a fresh process.",
        f"Reproduce: `{report['command']}`.",
        "",
        "| blueprint | templates | cold total | generate | lint | audit | write | warm total | warm build "
        "| peak MiB (build / lint worker) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in report["cases"]:  # type: ignore[attr-defined]
        cold, warm = case["cold"], case["warm"]
        lines.append(
            f"| {case['label']} | {int(cold['templates'])} | {cold['process']:.2f} s | {cold['generate']:.2f} s "
            f"| {cold['lint']:.2f} s | {cold['audit']:.2f} s | {cold['write']:.2f} s | {warm['process']:.2f} s "
            f"| {warm['build']:.2f} s | {cold['peak_mib_build']:.0f} / {cold['peak_mib_workers']:.0f} |"
        )
    lines += [
        "",
        "*cold total*: the whole `blueprint build` process with an empty cache (imports, cfn-lint rule "
        "loading, generation, lint, audit, atomic write). *warm*: the same build again, nothing changed: "
        "*warm total* is the whole process, *warm build* the build itself without Python start-up and imports.",
        f"Reference: `cdk synth` of the equivalent CDK app takes about {CDK_SYNTH_SECONDS:.0f} s on this machine "
        "without validating anything.",
    ]
    per_service = report.get("seconds_per_service")
    if per_service:
        lines.append(f"Cold cost per added service between the synthetic sizes: {per_service:.3f} s.")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--sizes", default="20,200", help="synthetic service counts (default: 20,200)")
    parser.add_argument("--one", nargs=3, metavar=("BLUEPRINT", "OUT", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        blueprint, out_dir, cache_dir = map(Path, args.one)
        print(json.dumps(run_once(blueprint, out_dir, cache_dir)))
        return 0

    sizes = [int(size) for size in args.sizes.split(",") if size]
    with tempfile.TemporaryDirectory(prefix="blueprint-bench-") as scratch:
        work = Path(scratch)
        cases = [("example (2 services)", EXAMPLE)]
        for size in sizes:
            path = work / f"bench{size}.yaml"
            path.write_text(synthetic_blueprint(size), encoding="utf-8")
            cases.append((f"{size} services", path))
        results = []
        for label, path in cases:
            print(f"bench: {label}", file=sys.stderr, flush=True)
            results.append(measure(label, path, args.runs, work))
    report: dict[str, object] = {
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
                   f"{platform.system()} {platform.machine()}",
        "runs": args.runs,
        "command": "make bench" if args.runs == 3 else f"python -m bench.bench --runs {args.runs}",
        "cdk_synth_seconds": CDK_SYNTH_SECONDS,
        "cases": results,
    }
    if len(sizes) >= 2:
        small, large = results[1]["cold"], results[-1]["cold"]  # type: ignore[index]
        report["seconds_per_service"] = round((large["process"] - small["process"]) / (sizes[-1] - sizes[0]), 4)
    (ROOT / "bench" / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = markdown(report)
    (ROOT / "bench" / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
