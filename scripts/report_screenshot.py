"""Make docs/report.png, the README's picture of `convcost report`: ShuffleNet V2 on the
mobile-cpu profile beside MobileNet v2, a unit opened and one of its layers selected, in
headless Chromium.

    python scripts/report_screenshot.py [-o docs/report.png]

Needs Chromium and chromedriver (scripts/install-chromium installs them) and selenium (the
`test` extra).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from report import chrome  # noqa: E402  (benchmarks/report.py: the same headless Chromium)

LAYER = "stage3.unit2.b2.dw"
"""The layer selected in the picture (a depthwise 3x3 of ShuffleNet V2's third stage)."""
ZOOM_OUT = 2
"""Steps of the graph's zoom-out button, so that a whole unit shows."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "report.png"))
    out = Path(parser.parse_args().output)
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "shufflenet_v2.html"
        command = ["shufflenet_v2", "--device", "mobile-cpu", "--compare", "mobilenet_v2"]
        subprocess.run(
            [sys.executable, "-m", "convcost", "report", *command, "-o", str(page)], check=True
        )
        driver = chrome("1440,1640", "--hide-scrollbars")
        try:
            driver.get(page.as_uri())
            WebDriverWait(driver, 30).until(
                lambda d: d.execute_script("return document.body.dataset.ready") == "1"
            )
            row = driver.find_element("css selector", f'#layers tr[data-path="{LAYER}"]')
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
            row.click()
            for _ in range(ZOOM_OUT):
                driver.find_element("id", "zoom-out").click()
            node = driver.find_element("css selector", f'#graph g.node[data-path="{LAYER}"]')
            node.click()  # selected again: the graph scrolls it into view at this zoom
            driver.execute_script("window.scrollTo(0, 0)")
            out.write_bytes(driver.get_screenshot_as_png())
        finally:
            driver.quit()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
