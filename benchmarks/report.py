"""How fast `convcost report` writes its pages, and how soon each is interactive in headless
Chromium, in one run.

    python benchmarks/report.py [--rounds 5]

Targets (issue 17): the report of MobileNet v2 written in under 1 s; the page of DenseNet-121
interactive (its script's `data-ready`, the graph drawn and every handler attached) within 2 s
of navigation in headless Chromium. Also measured: a 10,000-layer spec. Needs Chromium and
chromedriver (scripts/install-chromium installs them) and selenium (the `test` extra). A report,
not a test: exit 1 only if a command fails.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import big_spec, convcost

NETWORKS = ("mobilenet_v2", "shufflenet_v2", "inception_v3", "densenet121")


def write(args: list[str], out: Path) -> float:
    """Seconds to write one report (a fresh process, as a user runs it)."""
    start = time.perf_counter()
    proc = subprocess.run(convcost("report", *args, "-o", str(out)), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed: convcost report {' '.join(args)}\n{proc.stderr}")
    return time.perf_counter() - start


def ready_ms(driver: object, page: Path) -> tuple[int, int]:
    """Milliseconds from navigation until the page said it was ready, and the page's own
    performance.now() then."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(page.as_uri())  # type: ignore[attr-defined]
    WebDriverWait(driver, 120).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "1"
    )
    nav = driver.execute_script(  # type: ignore[attr-defined]
        "const t = performance.getEntriesByType('navigation')[0]; return Math.round(t.startTime)"
    )
    own = int(driver.execute_script("return document.body.dataset.readyMs"))  # type: ignore[attr-defined]
    return own - int(nav), own


def chrome(window: str, *args: str) -> Any:
    """A headless Chromium of this window size (WIDTH,HEIGHT) driven by Selenium; exit if
    Chromium or chromedriver is missing (scripts/install-chromium installs them)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("google-chrome")
    chromedriver = shutil.which("chromedriver")
    if not browser or not chromedriver:
        sys.exit("needs chromium and chromedriver on PATH: run scripts/install-chromium")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    for arg in (f"--window-size={window}", *args):
        options.add_argument(arg)
    options.binary_location = browser
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    driver = chrome("1400,1000")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / "big10000.yaml"
        big_spec(big)
        cases = [(name, [name]) for name in NETWORKS] + [("10,000-layer spec", [str(big)])]
        for label, args in cases:
            page = folder / "page.html"
            writes = [write(args, page) for _ in range(rounds)]
            loads = [ready_ms(driver, page) for _ in range(rounds)]
            rows.append(
                (
                    label,
                    1000 * statistics.median(writes),
                    page.stat().st_size / 2**20,
                    statistics.median(x[0] for x in loads),
                )
            )
    driver.quit()
    print(f"Python {sys.version.split()[0]}, headless Chromium; median of {rounds} runs\n")
    print("| network | write ms | page MiB | interactive ms |\n|---|--:|--:|--:|")
    for label, ms, size, ready in rows:
        print(f"| {label} | {ms:.0f} | {size:.2f} | {ready:.0f} |")
    targets = {r[0]: r for r in rows}
    print(
        f"\nMobileNet v2 written in {targets['mobilenet_v2'][1]:.0f} ms (target < 1000): "
        f"{'PASS' if targets['mobilenet_v2'][1] < 1000 else 'FAIL'}; DenseNet-121 interactive "
        f"in {targets['densenet121'][3]:.0f} ms (target < 2000): "
        f"{'PASS' if targets['densenet121'][3] < 2000 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
