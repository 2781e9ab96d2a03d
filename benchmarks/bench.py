"""Wall time and peak memory of the convcost CLI, beside the import floors, in one run.

Run from anywhere, with the interpreter convcost is installed in:

    python benchmarks/bench.py [--rounds 15]

Every command is a fresh process (what a user waits for). Commands run round-robin, so load on
the machine hits all of them alike; the table gives medians. Peak memory is the child's max
RSS from os.wait4. Targets (issue 3): `analyze mobilenet_v1 -f json` <= 1.4x `import click,
yaml`; the default table <= 1.6x `import click, yaml, rich.console, rich.table`; a 10,000-layer
spec as JSON < 0.5 s; every convcost run < 60 MiB. Issue 7: a 100,000-point sweep (100 MobileNet
v1 widths x 1,000 resolutions, as JSON) < 1 s. Issue 12: a labelled plot of 1,000 points
(MobileNet v1 at 1,000 widths) < 10 s; any table at most 3x the JSON time of the same command
and under 150 MiB (the 100,000-point sweep; a 100,000-layer spec). Issue 14: the 10,000-layer
spec as JSON <= 5x `import click, yaml`, and `compare --all -f json` (the whole zoo) <= 2x.
The built-ins' reports come from convcost's cache (convcost/cache.py, here in a temporary
folder, filled by the first round) as they do for users; the runs marked "cache off" show what
parsing and expanding them costs. A report, not a test: exit 1 only if a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_JSON = "import click, yaml"
FLOOR_TABLE = "import click, yaml, rich.console, rich.table"
SWEEP = (
    "sweep mobilenet_v1 --set width=0.25,0.26,...,1.24 --set resolution=32..1031 -f json "
    "(100,000 points)"
)
PLOT = "plot -o zoo.png (the whole zoo, 27 networks; imports matplotlib)"
PLOT_1000 = (
    "plot mobilenet_v1@width=0.250 ... mobilenet_v1@width=1.249 -o points.png "
    "(plot of 1,000 points, labelled)"
)
PLOTS = (PLOT, PLOT_1000)
SWEEP_TABLE = SWEEP.replace(" -f json", "")
BIG_JSON = "analyze rep100000.yaml -f json (100,000 layers: a repeat of 25,000 x 4)"
BIG_TABLE = BIG_JSON.replace(" -f json", "")
FLAT = "analyze big10000.yaml -f json (10,000 layers)"
ZOO = "compare --all -f json (the whole zoo)"
ZOO_COLD = "compare --all -f json (the whole zoo, cache off: CONVCOST_NO_CACHE=1)"
MOBILENET_COLD = "analyze mobilenet_v1 -f json (cache off: CONVCOST_NO_CACHE=1)"
COLD = (ZOO_COLD, MOBILENET_COLD)
"""Runs that parse and expand the built-ins rather than read their reports from the cache."""
TABLES = {SWEEP_TABLE: SWEEP, BIG_TABLE: BIG_JSON}
"""Each big table, and the JSON of the same command it is judged against."""
OWN_MEMORY = {*PLOTS, *TABLES, BIG_JSON}
"""Runs with a memory target of their own (or none), not the 60 MiB of the others."""


def convcost(*args: str) -> list[str]:
    """The installed console script (what users run), else `python -m convcost`."""
    script = Path(sys.executable).with_name("convcost")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "convcost", *args]


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process (in `env` if given)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024


def big_spec(path: Path, n: int = 10_000) -> None:
    """A flat spec of n layers (conv, bn, relu, conv 1x1 repeated), every one written out."""
    lines = ["name: big", "input: {c: 16, h: 32, w: 32}", "layers:"]
    pattern = ["  - conv: {out: 16, k: 3}", "  - bn", "  - relu", "  - conv: {out: 16}"]
    lines += [pattern[i % 4] for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def repeat_spec(path: Path, times: int = 25_000) -> None:
    """A spec of 4 * times layers, written as one repeat (conv, bn, relu, conv 1x1)."""
    path.write_text(
        "name: rep\ninput: {c: 16, h: 32, w: 32}\nlayers:\n  - repeat:\n"
        f"      times: {times}\n      layers: [conv: {{out: 16, k: 3}}, bn, relu, "
        "conv: {out: 16}]\n",
        encoding="utf-8",
    )


def bytecode() -> None:
    """Have convcost's modules compiled, as pip leaves an install, and let the runs keep
    bytecode: with PYTHONDONTWRITEBYTECODE set (some machines set it), every run of an edited
    checkout would compile each changed module again, 3-4 ms apiece, which users never wait
    for."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    package = subprocess.run(
        [sys.executable, "-c", "import convcost, os; print(os.path.dirname(convcost.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds

    names = [
        d["name"]
        for d in json.loads(
            subprocess.run(
                convcost("list", "-f", "json"), capture_output=True, text=True, check=True
            ).stdout
        )
    ]
    bytecode()
    tmp = Path(tempfile.mkdtemp())
    os.environ["CONVCOST_CACHE_DIR"] = str(tmp / "cache")  # filled by the first round
    cold = {**os.environ, "CONVCOST_NO_CACHE": "1"}
    big = tmp / "big10000.yaml"
    big_spec(big)

    commands: dict[str, list[str]] = {
        f"python -c '{FLOOR_JSON}'": [sys.executable, "-c", FLOOR_JSON],
        f"python -c '{FLOOR_TABLE}'": [sys.executable, "-c", FLOOR_TABLE],
    }
    for name in names:
        commands[f"analyze {name} -f json"] = convcost("analyze", name, "-f", "json")
        commands[f"analyze {name}"] = convcost("analyze", name)
    commands["compare vgg16 shufflenet mobilenet_v1"] = convcost(
        "compare", "vgg16", "shufflenet", "mobilenet_v1"
    )
    commands[ZOO] = convcost("compare", "--all", "-f", "json")
    commands[ZOO_COLD] = commands[ZOO]
    commands[MOBILENET_COLD] = commands["analyze mobilenet_v1 -f json"]
    widths = ",".join(f"{0.25 + i / 100:.2f}" for i in range(100))
    sets = ["--set", f"width={widths}", "--set", "resolution=32..1031"]
    commands[SWEEP] = convcost("sweep", "mobilenet_v1", *sets, "-f", "json")
    commands[SWEEP_TABLE] = convcost("sweep", "mobilenet_v1", *sets)
    rep = tmp / "rep100000.yaml"
    repeat_spec(rep)
    commands[BIG_JSON] = convcost("analyze", str(rep), "-f", "json")
    commands[BIG_TABLE] = convcost("analyze", str(rep))
    commands[PLOT] = convcost("plot", "-o", str(tmp / "zoo.png"))
    variants = [f"mobilenet_v1@width={0.25 + i / 1000:.3f}" for i in range(1000)]
    commands[PLOT_1000] = convcost("plot", *variants, "-o", str(tmp / "points.png"))
    commands[FLAT] = convcost("analyze", str(big), "-f", "json")

    walls: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(rounds):
        for label, cmd in commands.items():
            wall, peak = run_once(cmd, cold if label in COLD else None)
            walls[label].append(wall)
            peaks[label].append(peak)

    ms = {k: statistics.median(v) * 1000 for k, v in walls.items()}
    mib = {k: statistics.median(v) for k, v in peaks.items()}
    floor_json, floor_table = ms[f"python -c '{FLOOR_JSON}'"], ms[f"python -c '{FLOOR_TABLE}'"]

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"Python {platform.python_version()}, {cpu}, {os.cpu_count()} cores; "
        f"median of {rounds} alternating runs\n"
    )
    print("| command | wall ms | vs floor | peak MiB | target |")
    print("|---|--:|--:|--:|---|")
    for label in commands:
        is_floor = label.startswith("python -c")
        floor = floor_json if "-f json" in label else floor_table
        ratio = "" if is_floor else f"{ms[label] / floor:.2f}x"
        target = ""
        if label == "analyze mobilenet_v1 -f json":
            target = verdict(ms[label] <= 1.4 * floor_json, "<= 1.4x json floor")
        elif label == "analyze mobilenet_v1":
            target = verdict(ms[label] <= 1.6 * floor_table, "<= 1.6x table floor")
        elif label == FLAT:
            target = verdict(ms[label] <= 5 * floor_json, "<= 5x json floor")
        elif label == ZOO:
            target = verdict(ms[label] <= 2 * floor_json, "<= 2x json floor")
        elif label == SWEEP:
            target = verdict(ms[label] < 1000, "< 1 s")
        elif label == PLOT:  # matplotlib's import alone takes 0.3 s and 64 MiB
            target = verdict(ms[label] < 2000 and mib[label] < 120, "< 2 s, < 120 MiB")
        elif label == PLOT_1000:  # 1,000 analyses, then matplotlib draws 1,000 labels
            target = verdict(ms[label] < 10_000, "< 10 s")
        elif label in TABLES:
            json_ms = ms[TABLES[label]]
            ratio = f"{ms[label] / json_ms:.2f}x json"
            target = verdict(ms[label] <= 3 * json_ms and mib[label] < 150, "<= 3x json, < 150 MiB")
        if not is_floor and label not in OWN_MEMORY and mib[label] >= 60:
            target += " " + verdict(False, "< 60 MiB")
        print(f"| `{label}` | {ms[label]:.0f} | {ratio} | {mib[label]:.1f} | {target} |")
    worst = max(v for k, v in mib.items() if not k.startswith("python -c") and k not in OWN_MEMORY)
    print(
        f"\nPeak memory of every other convcost run < 60 MiB: "
        f"{verdict(worst < 60, f'{worst:.1f} MiB')}"
    )


def verdict(ok: bool, what: str) -> str:
    return f"{'PASS' if ok else 'FAIL'} ({what})"


if __name__ == "__main__":
    main()
