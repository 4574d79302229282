"""Benchmark `blueprint build` on the example and on synthetic 20- and 200-service blueprints.

Every build is a fresh Python process running the command-line entry point (`blueprint build
--timings`, through `generator.cli.main`), so a cold build pays every import and rule load, as a user
does. Per run and blueprint, three builds:

- cold: an empty cache directory;
- warm: the same blueprint again, nothing changed (the build finds its output up to date);
- one service changed: the blueprint with one service's image edited: everything is generated and
  written again, and cfn-lint checks that service's template only (every other clean result, the
  root's included, is reused).

Figures are medians of several runs; peak memory is the largest resident set of the build process
and of its cfn-lint processes. Writes bench/report.json and bench/report.md and prints the Markdown.

    python -m bench.bench [--runs N] [--sizes 20,200] [--ec2-sizes 200]

`--ec2-sizes`: synthetic blueprints with every service on EC2 hosts (awsvpc, a task group each), measured
beside the mostly-Fargate ones of the same size (`--sizes '' --ec2-sizes 200` measures that case alone,
with the example).
"""

from __future__ import annotations

import argparse
import contextlib
import io
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

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "blueprints" / "example.yaml"
CDK_SYNTH_SECONDS = 4.0  # `cdk synth` of the equivalent CDK app on this machine, measured once (issue 9)
PHASES = ("generate", "lint", "audit", "write")
KINDS = ("cold", "warm", "changed")


def run_once(blueprint: Path, out_dir: Path, cache_dir: Path) -> dict[str, float]:
    """`blueprint build --timings` in this process; returns its figures (used by the child processes)."""
    os.environ["BLUEPRINT_CACHE_DIR"] = str(cache_dir)
    from generator.cli import main

    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        code = main(["build", "--quiet", "--timings", "-o", str(out_dir), str(blueprint)])
    if code != 0:
        raise SystemExit(f"bench: build of {blueprint} failed:\n{errors.getvalue()}")
    line = next(line for line in errors.getvalue().splitlines() if ": timings: " in line)
    figures: dict[str, float] = json.loads(line.split(": timings: ", 1)[1])
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


def one_service_changed(blueprint: Path, work: Path) -> Path:
    """The blueprint with its first service's image tag edited (an ordinary one-service change)."""
    import yaml

    data = yaml.safe_load(blueprint.read_text(encoding="utf-8"))
    service = next(iter(data["services"].values()))
    service["image"] = service["image"].rsplit(":", 1)[0] + ":bench-changed"
    changed = work / f"{blueprint.stem}-changed.yaml"
    changed.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return changed


def measure(label: str, blueprint: Path, runs: int, work: Path) -> dict[str, object]:
    samples: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
    changed = one_service_changed(blueprint, work)
    for run in range(runs):
        cache_dir = work / f"cache-{label}-{run}"
        out_dir = work / f"out-{label}-{run}"
        for kind, path in (("cold", blueprint), ("warm", blueprint), ("changed", changed)):
            samples[kind].append(_child(path, out_dir, cache_dir))
        print(f"  {label}: run {run + 1}/{runs}: " + ", ".join(
            f"{kind} {samples[kind][-1]['process']:.2f}s" for kind in KINDS), file=sys.stderr, flush=True)
    if not all(sample["up_to_date"] for sample in samples["warm"]):
        raise SystemExit(f"bench: {label}: the unchanged rebuild was not found up to date")
    return {"label": label, "runs": runs, **{kind: _medians(samples[kind]) for kind in KINDS}}


def _medians(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(float(s.get(key, 0.0)) for s in samples), 3) for key in samples[0]}


def markdown(report: dict[str, object]) -> str:
    lines = [
        "# Build benchmark",
        "",
        f"Machine: {report['machine']}. Medians of {report['runs']} runs; each build a fresh process.",
        f"Reproduce: `{report['command']}`.",
        "",
        "| blueprint | templates | cold total | generate | lint | audit | warm (unchanged) "
        "| one service changed (linted) | peak MiB (build / cfn-lint) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in report["cases"]:  # type: ignore[attr-defined]
        cold, warm, changed = case["cold"], case["warm"], case["changed"]
        lines.append(
            f"| {case['label']} | {int(cold['templates'])} | {cold['process']:.2f} s | {cold['generate']:.2f} s "
            f"| {cold['lint']:.2f} s | {cold['audit']:.2f} s | {warm['process']:.2f} s "
            f"| {changed['process']:.2f} s ({int(changed['linted'])}) "
            f"| {cold['peak_mib_build']:.0f} / {cold['peak_mib_workers']:.0f} |"
        )
    lines += [
        "",
        "*cold total*: the whole `blueprint build` process with an empty cache (Python start-up, imports, "
        "cfn-lint rule loading, generation, lint, audit, atomic write). *generate*, *lint*, *audit*: its "
        "phases; cfn-lint loads its rules while the build generates and the audit runs while cfn-lint lints, "
        "so they overlap. *warm (unchanged)*: the same build again; it finds its output up to date. "
        "*one service changed*: one service's image edited, built with the cache the earlier builds left "
        "(in brackets, how many templates cfn-lint checked again). *peak*: the largest resident set of the "
        "build process, and of any one cfn-lint process (the host and its workers, forked from it, share most "
        "of theirs).",
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
    parser.add_argument("--ec2-sizes", default="200",
                        help="synthetic service counts with every service on EC2 hosts (default: 200)")
    parser.add_argument("--one", nargs=3, metavar=("BLUEPRINT", "OUT", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        blueprint, out_dir, cache_dir = map(Path, args.one)
        print(json.dumps(run_once(blueprint, out_dir, cache_dir)))
        return 0

    from bench.blueprints import synthetic_blueprint

    sizes = [int(size) for size in args.sizes.split(",") if size]
    with tempfile.TemporaryDirectory(prefix="blueprint-bench-") as scratch:
        work = Path(scratch)
        cases = [("example (2 services)", EXAMPLE)]
        for size in sizes:
            path = work / f"bench{size}.yaml"
            path.write_text(synthetic_blueprint(size), encoding="utf-8")
            cases.append((f"{size} services", path))
        for size in [int(size) for size in args.ec2_sizes.split(",") if size]:
            path = work / f"bench{size}ec2.yaml"
            path.write_text(synthetic_blueprint(size, hosts=True), encoding="utf-8")
            cases.append((f"{size} services, all on EC2 hosts (awsvpc)", path))
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
        small, large = results[1]["cold"], results[len(sizes)]["cold"]  # type: ignore[index]
        report["seconds_per_service"] = round((large["process"] - small["process"]) / (sizes[-1] - sizes[0]), 4)
    (ROOT / "bench" / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = markdown(report)
    (ROOT / "bench" / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
