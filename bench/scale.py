"""Benchmark the whole SQL layer on synthetic data at fractions of Instacart size.

For each fraction f, the synthetic dataset SyntheticConfig.instacart_size(f) is generated
(timed separately) and `dbt run --exclude tag:ml` builds a fresh temporary warehouse from it,
under /usr/bin/time -v (peak RSS of the dbt process) and a sampler thread that reads the RSS of
dbt and its children every --interval seconds. Sampled peaks are attributed to the models that
were running at the time (from the timing entries in run_results.json).

dbt's `synthetic` dataset builds SyntheticConfig from the vars synthetic_users, synthetic_products
and synthetic_seed only, while instacart_size also sets departments, aisles, orders per user and
basket size; so the data is pre-generated with models_py.synthetic and dbt reads it as the
`files` dataset ({dataset: files, data_dir: ...}), which runs the same SQL.

Goal: full size (f = 1.0) in under 10 minutes and 12 GB (WAREHOUSE_MEMORY_LIMIT=9GB,
WAREHOUSE_THREADS=2, the profile defaults).
Smoke run: .venv/bin/python bench/scale.py --fractions 0.004
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models_py.synthetic import (  # noqa: E402
    SyntheticConfig,
    ensure_generated,
    read_manifest,
)

GB = 1e9
TIME_BIN = "/usr/bin/time"

try:
    import psutil
except ImportError:  # the /proc fallback below does the same on Linux
    psutil = None


# ---------------------------------------------------------------------------------------------
# Memory sampling


def _proc_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _proc_children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree_rss(root: int, include_root: bool) -> tuple[int, int]:
    """Summed RSS in bytes of root's descendants (and root), and how many processes."""
    if psutil is not None:
        try:
            process = psutil.Process(root)
            processes = process.children(recursive=True) + ([process] if include_root else [])
        except psutil.Error:
            return 0, 0
        total = 0
        for item in processes:
            with contextlib.suppress(psutil.Error):
                total += item.memory_info().rss
        return total, len(processes)
    children = _proc_children()
    pids, stack = ([root] if include_root else []), list(children.get(root, []))
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(children.get(pid, []))
    return sum(_proc_rss(pid) for pid in pids), len(pids)


class RssSampler(threading.Thread):
    """Samples (epoch seconds, RSS bytes) of a process tree until stopped."""

    def __init__(self, root: int, include_root: bool, interval: float) -> None:
        super().__init__(daemon=True)
        self.root, self.include_root, self.interval = root, include_root, interval
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            rss, _ = tree_rss(self.root, self.include_root)
            self.samples.append((time.time(), rss))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def parse_time_v(path: Path) -> dict[str, Any]:
    """Peak RSS and elapsed time from GNU time -v output."""
    out: dict[str, Any] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("Maximum resident set size (kbytes):"):
            out["max_rss_bytes"] = int(line.rsplit(":", 1)[1]) * 1024
        elif line.startswith("Elapsed (wall clock) time"):
            clock = line.rsplit(": ", 1)[1]
            seconds = 0.0
            for part in clock.split(":"):
                seconds = seconds * 60 + float(part)
            out["elapsed_seconds"] = seconds
    return out


# ---------------------------------------------------------------------------------------------
# One dbt run


def dbt_executable() -> str:
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def dbt_env(work: Path, memory_limit: str, threads: int) -> dict[str, str]:
    """As tests/conftest.py: every file of the run goes under `work`."""
    env = dict(os.environ)
    env.update(
        WAREHOUSE_DB=str(work / "warehouse.duckdb"),
        WAREHOUSE_EXPORT_DIR=str(work / "exports"),
        WAREHOUSE_RAW_DIR=str(work / "raw"),
        WAREHOUSE_ARTIFACT_DIR=str(work / "artifacts"),
        WAREHOUSE_MEMORY_LIMIT=memory_limit,
        WAREHOUSE_THREADS=str(threads),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("WAREHOUSE_DATASET", None)
    env.pop("WAREHOUSE_DATA_DIR", None)
    return env


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def model_results(run_results: Path) -> list[dict[str, Any]]:
    """Per node: name, status, seconds and [start, end] epoch window, in start order."""
    if not run_results.exists():
        return []
    models = []
    for item in json.loads(run_results.read_text())["results"]:
        starts = [_epoch(entry.get("started_at")) for entry in item.get("timing", [])]
        ends = [_epoch(entry.get("completed_at")) for entry in item.get("timing", [])]
        starts = [value for value in starts if value is not None]
        ends = [value for value in ends if value is not None]
        models.append(
            {
                "model": item["unique_id"].split(".", 2)[-1],
                "status": item["status"],
                "seconds": float(item.get("execution_time") or 0.0),
                "start": min(starts) if starts else None,
                "end": max(ends) if ends else None,
                "message": (item.get("message") or "")[:300]
                if item["status"] not in ("success", "pass")
                else "",
            }
        )
    models.sort(key=lambda model: (model["start"] is None, model["start"] or 0.0))
    return models


def attribute_memory(
    models: list[dict[str, Any]], samples: list[tuple[float, int]], interval: float
) -> dict[str, Any]:
    """Peak sampled RSS during each model's run, models running concurrently, overall peak."""
    for model in models:
        model["peak_rss_bytes"], model["concurrent"] = None, []
        if model["start"] is None:
            continue
        lo, hi = model["start"] - interval / 2, model["end"] + interval / 2
        inside = [rss for stamp, rss in samples if lo <= stamp <= hi]
        if not inside and samples:  # a model shorter than the interval: nearest sample
            middle = (model["start"] + model["end"]) / 2
            inside = [min(samples, key=lambda sample: abs(sample[0] - middle))[1]]
        model["peak_rss_bytes"] = max(inside) if inside else None
        model["concurrent"] = [
            other["model"]
            for other in models
            if other is not model
            and other["start"] is not None
            and other["start"] < model["end"]
            and other["end"] > model["start"]
        ]
    if not samples:
        return {"peak_rss_bytes": None, "at_models": []}
    stamp, peak = max(samples, key=lambda sample: sample[1])
    running = [
        model["model"]
        for model in models
        if model["start"] is not None
        and model["start"] - interval / 2 <= stamp <= model["end"] + interval / 2
    ]
    first = min((m["start"] for m in models if m["start"] is not None), default=None)
    phase = "running models" if running else ("startup/parse" if first and stamp < first else "")
    return {"peak_rss_bytes": peak, "at_models": running, "phase": phase}


def run_dbt(
    work: Path, data_dir: Path, args: argparse.Namespace
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`dbt run --exclude tag:ml` into a fresh warehouse under `work`, measured."""
    dbt_vars = {"dataset": "files", "data_dir": str(data_dir)}
    command = [dbt_executable(), "run", "--exclude", args.exclude]
    command += ["--project-dir", "dbt_project", "--profiles-dir", "."]
    command += ["--vars", json.dumps(dbt_vars)]
    time_file = work / "time-v.txt"
    wrapped = Path(TIME_BIN).exists()
    if wrapped:
        command = [TIME_BIN, "-v", "-o", str(time_file), *command]
    log_path = work / "dbt-stdout.log"
    env = dbt_env(work, args.memory_limit, args.threads)
    started = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = RssSampler(process.pid, include_root=not wrapped, interval=args.interval)
        sampler.start()
        returncode = process.wait()
        sampler.stop()
    wall = time.perf_counter() - started
    models = model_results(work / "target" / "run_results.json")
    peak = attribute_memory(models, sampler.samples, args.interval)
    time_v = parse_time_v(time_file) if wrapped else {}
    failed = [m["model"] for m in models if m["status"] not in ("success", "pass")]
    log_tail = log_path.read_text()[-3000:] if returncode != 0 else ""
    summary = {
        "returncode": returncode,
        "wall_seconds": wall,
        "model_seconds_sum": sum(model["seconds"] for model in models),
        "models_run": len(models),
        "failed_models": failed,
        "time_v_max_rss_bytes": time_v.get("max_rss_bytes"),
        "sampled_peak_rss_bytes": peak["peak_rss_bytes"],
        "sampled_peak_at_models": peak["at_models"],
        "sampled_peak_phase": peak.get("phase", ""),
        "samples": len(sampler.samples),
        "log_tail": log_tail,
    }
    return summary, models


# ---------------------------------------------------------------------------------------------
# Report


def gb(value: float | None) -> str:
    """Bytes as decimal GB (DuckDB's memory_limit '12GB' is 12e9 bytes)."""
    return "-" if value is None else f"{value / GB:.2f}"


def peak_of(run: dict[str, Any]) -> float | None:
    values = [run.get("time_v_max_rss_bytes"), run.get("sampled_peak_rss_bytes")]
    values = [value for value in values if value is not None]
    return max(values) if values else None


def print_fraction(entry: dict[str, Any]) -> None:
    run, data = entry["dbt"], entry["data"]
    print()
    print(
        f"== fraction {entry['fraction']:g}: {data['users']:,} users, {data['products']:,} "
        f"products, {data['orders']:,} orders, {data['order_lines']:,} lines"
    )
    print(
        f"generation {data['generation_seconds']:.1f} s{' (cached)' if data['cached'] else ''}; "
        f"dbt wall {run['wall_seconds']:.1f} s (models {run['model_seconds_sum']:.1f} s); "
        f"peak RSS {gb(run['time_v_max_rss_bytes'])} GB (time -v), "
        f"{gb(run['sampled_peak_rss_bytes'])} GB sampled during "
        f"{', '.join(run['sampled_peak_at_models']) or run['sampled_peak_phase'] or '-'}"
    )
    header = f"{'model':<52} {'status':<8} {'seconds':>8} {'peak GB':>9}  concurrent"
    print(header)
    print("-" * len(header))
    for model in entry["models"]:
        concurrent = ", ".join(name.split(".")[-1] for name in model["concurrent"])
        print(
            f"{model['model']:<52} {model['status']:<8} {model['seconds']:>8.2f} "
            f"{gb(model['peak_rss_bytes']):>9}  {concurrent}"
        )
        if model["message"]:
            print(f"    {model['message']}")
    if run["returncode"] != 0:
        print(f"dbt exit {run['returncode']}; failed: {', '.join(run['failed_models']) or '?'}")
        if not entry["models"]:
            print(run["log_tail"])


def growth(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for before, after in itertools.pairwise(entries):
        t0, t1 = before["dbt"]["wall_seconds"], after["dbt"]["wall_seconds"]
        n0, n1 = before["data"]["order_lines"], after["data"]["order_lines"]
        rows.append(
            {
                "from": before["fraction"],
                "to": after["fraction"],
                "lines_ratio": n1 / n0 if n0 else None,
                "time_ratio": t1 / t0 if t0 else None,
                "exponent": math.log(t1 / t0) / math.log(n1 / n0)
                if t0 and n0 and n1 != n0
                else None,
            }
        )
    return rows


def goal_verdict(entries: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    full = next((entry for entry in entries if entry["fraction"] == 1.0), None)
    limit_bytes = args.goal_gb * 1e9
    if full is not None:
        seconds, peak = full["dbt"]["wall_seconds"], peak_of(full["dbt"])
        ok = full["dbt"]["returncode"] == 0
        return {
            "measured": True,
            "seconds": seconds,
            "peak_rss_bytes": peak,
            "time_ok": ok and seconds < args.goal_seconds,
            "memory_ok": ok and peak is not None and peak < limit_bytes,
        }
    verdict: dict[str, Any] = {"measured": False}
    if len(entries) >= 2:  # rough log-log extrapolation from the two largest fractions
        a, b = sorted(entries, key=lambda entry: entry["fraction"])[-2:]
        scale = math.log(1.0 / b["fraction"]) / math.log(b["fraction"] / a["fraction"])
        ta, tb = a["dbt"]["wall_seconds"], b["dbt"]["wall_seconds"]
        verdict["extrapolated_seconds"] = tb * (tb / ta) ** scale
        pa, pb = peak_of(a["dbt"]), peak_of(b["dbt"])
        if pa and pb:
            verdict["extrapolated_peak_rss_bytes"] = pb * (pb / pa) ** scale
    return verdict


def print_summary(result: dict[str, Any], args: argparse.Namespace) -> None:
    entries = result["fractions"]
    print()
    print("== summary")
    header = (
        f"{'fraction':>9} {'users':>9} {'lines':>12} {'gen s':>7} {'dbt s':>8} {'models s':>9} "
        f"{'peak GB':>9} {'failed':>7}"
    )
    print(header)
    print("-" * len(header))
    for entry in entries:
        run, data = entry["dbt"], entry["data"]
        print(
            f"{entry['fraction']:>9g} {data['users']:>9,} {data['order_lines']:>12,} "
            f"{data['generation_seconds']:>7.1f} {run['wall_seconds']:>8.1f} "
            f"{run['model_seconds_sum']:>9.1f} {gb(peak_of(run)):>9} "
            f"{len(run['failed_models']):>7}"
        )
    if len(entries) > 1:
        names = [model["model"] for model in entries[-1]["models"]]
        seconds = {
            entry["fraction"]: {model["model"]: model["seconds"] for model in entry["models"]}
            for entry in entries
        }
        largest = entries[-1]["fraction"]
        names.sort(key=lambda name: -seconds[largest].get(name, 0.0))
        print()
        print("seconds per model by fraction (slowest at the largest fraction first)")
        columns = "".join(f"{entry['fraction']:>10g}" for entry in entries)
        print(f"{'model':<52}{columns}")
        for name in names[: args.top]:
            cells = "".join(
                f"{seconds[entry['fraction']].get(name, float('nan')):>10.2f}" for entry in entries
            )
            print(f"{name:<52}{cells}")
        print()
        print("growth of dbt wall time")
        for row in result["growth"]:
            exponent = "-" if row["exponent"] is None else f"{row['exponent']:.2f}"
            print(
                f"  {row['from']:g} -> {row['to']:g}: lines x{row['lines_ratio']:.1f}, "
                f"time x{row['time_ratio']:.2f} (time ~ lines^{exponent})"
            )
    goal = result["goal"]
    print()
    print(
        f"Goal: full size (fraction 1.0) under {args.goal_seconds / 60:g} minutes and "
        f"{args.goal_gb:g} GB peak RSS (WAREHOUSE_MEMORY_LIMIT={args.memory_limit}, "
        f"WAREHOUSE_THREADS={args.threads})."
    )
    if goal["measured"]:
        time_verdict = "met" if goal["time_ok"] else "NOT met"
        memory_verdict = "met" if goal["memory_ok"] else "NOT met"
        print(
            f"  measured: {goal['seconds']:.0f} s (time goal {time_verdict}), peak "
            f"{gb(goal['peak_rss_bytes'])} GB (memory goal {memory_verdict})"
        )
    elif "extrapolated_seconds" in goal:
        print(
            f"  not measured; rough log-log extrapolation from the two largest fractions: "
            f"{goal['extrapolated_seconds']:.0f} s, "
            f"{gb(goal.get('extrapolated_peak_rss_bytes'))} GB"
        )
        if max(entry["fraction"] for entry in entries) < 0.0625:
            print("  (unreliable below 1/16: small runs are dominated by dbt's fixed overhead)")
    else:
        print("  not measured (run with --fractions including 1.0)")


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fractions", default="0.0625,0.25,1.0", help="of Instacart size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "scale.json")
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="where generated datasets are kept and reused (default: inside the work dir)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp work dir")
    parser.add_argument("--exclude", default="tag:ml", help="dbt --exclude selector")
    parser.add_argument(
        "--memory-limit", default="9GB", help="WAREHOUSE_MEMORY_LIMIT (profile default)"
    )
    parser.add_argument("--threads", type=int, default=2, help="WAREHOUSE_THREADS")
    parser.add_argument("--interval", type=float, default=0.5, help="RSS sampling seconds")
    parser.add_argument("--goal-seconds", type=float, default=600.0)
    parser.add_argument("--goal-gb", type=float, default=12.0)
    parser.add_argument("--top", type=int, default=15, help="models in the by-fraction table")
    return parser.parse_args(argv)


def config_note(config: SyntheticConfig) -> list[str]:
    """Fields of instacart_size that dbt's synthetic vars (users/products/seed) cannot pass."""
    via_vars = SyntheticConfig(
        n_users=config.n_users, n_products=config.n_products, seed=config.seed
    )
    return [
        field.name
        for field in dataclasses.fields(config)
        if getattr(config, field.name) != getattr(via_vars, field.name)
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fractions = sorted(float(value) for value in args.fractions.split(",") if value.strip())
    work_root = Path(args.work_dir or tempfile.mkdtemp(prefix="bench_scale_"))
    work_root.mkdir(parents=True, exist_ok=True)
    data_root = args.data_root or work_root / "data"
    entries: list[dict[str, Any]] = []
    not_passable: set[str] = set()
    try:
        for fraction in fractions:
            config = SyntheticConfig.instacart_size(fraction, seed=args.seed)
            not_passable.update(config_note(config))
            data_dir = data_root / f"instacart_f{fraction:g}_s{args.seed}"
            manifest = read_manifest(data_dir)
            expected = json.loads(json.dumps(dataclasses.asdict(config)))
            cached = manifest is not None and manifest.get("config") == expected
            print(f"fraction {fraction:g}: generating {data_dir} ...", flush=True)
            started = time.perf_counter()
            counts = ensure_generated(config, data_dir)
            generation = time.perf_counter() - started

            work = work_root / f"warehouse_f{fraction:g}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            print(f"fraction {fraction:g}: dbt run --exclude {args.exclude} ...", flush=True)
            run, models = run_dbt(work, data_dir, args)
            entry = {
                "fraction": fraction,
                "data": {
                    "dir": str(data_dir),
                    "users": config.n_users,
                    "products": config.n_products,
                    "orders": counts.get("orders", 0),
                    "order_lines": counts.get("order_lines", 0),
                    "counts": counts,
                    "generation_seconds": generation,
                    "cached": cached,
                },
                "dbt": run,
                "models": models,
            }
            entries.append(entry)
            print_fraction(entry)
            if not args.keep and not args.work_dir:
                shutil.rmtree(work, ignore_errors=True)  # free disk before the next fraction

        result = {
            "benchmark": "scale",
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "memory_limit": args.memory_limit,
                "threads": args.threads,
                "exclude": args.exclude,
                "rss_sampler": "psutil" if psutil is not None else "/proc VmRSS",
                "time_v": Path(TIME_BIN).exists(),
            },
            "note": (
                "dbt's synthetic dataset passes only synthetic_users/products/seed; "
                f"instacart_size also sets {', '.join(sorted(not_passable))}, so the data is "
                "pre-generated with models_py.synthetic.generate and read as dataset=files."
            )
            if not_passable
            else "",
            "fractions": entries,
            "growth": growth(entries),
        }
        result["goal"] = goal_verdict(entries, args)
        if result["note"]:
            print()
            print(f"Note: {result['note']}")
        print_summary(result, args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {args.out}")
        return 0 if all(entry["dbt"]["returncode"] == 0 for entry in entries) else 1
    finally:
        if args.keep or args.work_dir:
            print(f"kept {work_root}")
        else:
            shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
