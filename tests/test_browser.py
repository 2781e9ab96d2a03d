"""The report page in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, which .ci/run installs) driven by Selenium. Each page loads with no console
message, draws a graph node for every layer or for its closed block, links the graph with the
table both ways, opens blocks, prints without its controls, and is not blank.

They need Chromium and chromedriver: scripts/install-chromium (the README's test command runs
it) installs them; without them these tests fail, naming what is missing.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from selenium.webdriver.support.ui import WebDriverWait

from convcost.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "inception_v3": ("inception_v3",),  # branches and concats
    "shufflenet_v2": ("shufflenet_v2", "--device", "mobile-cpu"),  # split and shuffle
    "onnx": (str(ROOT / "tests" / "fixtures" / "onnx" / "shufflenet_v2_x1_0.ts13.onnx"),),
    "densenet121": ("densenet121",),  # 427 layers
}


def _chromium() -> tuple[str, str] | None:
    """Paths of a Chromium and its driver, if both are installed."""
    browser = next(
        (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))),
        None,
    )
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """One headless Chromium for the module."""
    found = _chromium()
    if found is None:
        pytest.fail("no chromium and chromedriver on PATH: run scripts/install-chromium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1000")
    options.binary_location = found[0]
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(found[1]), options=options)
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The pages under test, written once."""
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for name, args in PAGES.items():
        path = folder / f"{name}.html"
        result = CliRunner().invoke(cli, ["report", *args, "-o", str(path)])
        assert result.exit_code == 0, result.stderr
        out[name] = path
    return out


def embedded(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="convcost-data">(.*?)</script>', text, re.S
    )
    assert found is not None
    return json.loads(found.group(1))


def load(driver: Any, path: Path) -> None:
    """Open the page from disk and wait until its script says it is ready."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "1"
    )


def drawn(driver: Any) -> dict[int, Any]:
    """The graph's nodes in the page, by node id."""
    return {
        int(e.get_attribute("data-node")): e
        for e in driver.find_elements("css selector", "#graph g.node[data-node]")
    }


def drawn_paths(driver: Any) -> dict[int, str]:
    """The graph's nodes in the page: node id -> data-path (read in one call)."""
    pairs = driver.execute_script(
        "return [...document.querySelectorAll('#graph g.node[data-node]')]"
        ".map(e => [e.dataset.node, e.dataset.path])"
    )
    return {int(i): path for i, path in pairs}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_loads_with_no_console_message_and_shows_every_layer(driver, pages, name):
    load(driver, pages[name])
    assert driver.get_log("browser") == []
    data = embedded(pages[name])
    layers, nodes = data["analyze"]["layers"], data["nodes"]
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#layers tbody tr[data-path]')]"
        ".map(r => r.dataset.path)"
    )
    assert rows == [x["path"] for x in layers]
    shown = drawn_paths(driver)
    assert shown
    leaf = {n["layer"]: i for i, n in enumerate(nodes) if n["layer"] >= 0}
    for i, x in enumerate(layers):
        node = leaf[i]
        while node not in shown:  # a closed block (or run) holds it
            node = nodes[node]["parent"]
            assert node > 0, f"{x['path']} has no node in the graph, nor any block of it"
        assert shown[node] == nodes[node]["path"]


def test_clicking_a_node_selects_its_row(driver, pages):
    load(driver, pages["shufflenet_v2"])
    node = driver.find_element("css selector", '#graph g.node.layer[data-path="conv1"]')
    node.click()
    row = driver.find_element("css selector", '#layers tr[data-path="conv1"]')
    assert "selected" in row.get_attribute("class").split()
    assert driver.execute_script("return document.body.dataset.selected") == "conv1"
    assert "conv1" in driver.find_element("id", "details").text
    assert "MACs" in driver.find_element("id", "details").text


def test_clicking_a_row_shows_its_node_opening_its_blocks(driver, pages):
    load(driver, pages["inception_v3"])
    data = embedded(pages["inception_v3"])
    shown = drawn(driver)
    nodes = data["nodes"]
    hidden = next(i for i, n in enumerate(nodes) if n["layer"] >= 0 and i not in shown)
    path = nodes[hidden]["path"]
    index = nodes[hidden]["layer"]
    row = driver.find_element("css selector", f'#layers tr[data-index="{index}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    row.click()
    node = drawn(driver)[hidden]
    assert node.get_attribute("data-path") == path
    assert "selected" in node.get_attribute("class").split()
    assert driver.execute_script("return document.body.dataset.selected") == path


def test_double_clicking_a_block_opens_it(driver, pages):
    from selenium.webdriver.common.action_chains import ActionChains

    load(driver, pages["densenet121"])
    nodes = embedded(pages["densenet121"])["nodes"]
    shown = drawn(driver)
    block = next(i for i in shown if nodes[i]["children"])
    ActionChains(driver).double_click(shown[block]).perform()
    after = drawn(driver)
    assert block not in after
    assert all(c in after for c in nodes[block]["children"])


def test_the_details_buttons_open_and_close_a_block(driver, pages):
    load(driver, pages["densenet121"])
    nodes = embedded(pages["densenet121"])["nodes"]
    shown = drawn(driver)
    block = next(i for i in shown if nodes[i]["children"])
    shown[block].click()
    driver.find_element("css selector", "#details button.d-open").click()
    after = drawn(driver)
    assert block not in after
    assert all(c in after for c in nodes[block]["children"])
    driver.find_element("css selector", "#details button.d-close").click()
    again = drawn(driver)
    assert block in again
    assert not any(c in again for c in nodes[block]["children"])


def test_printing_hides_the_controls_and_keeps_every_row(driver, pages):
    load(driver, pages["shufflenet_v2"])
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = driver.execute_script(
            "return getComputedStyle(document.getElementById('graph-controls')).display"
        )
        assert shown == "none"
        rows = driver.find_elements("css selector", "#layers tbody tr")
        assert all(r.is_displayed() for r in rows[:: max(1, len(rows) // 20)])
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        assert base64.b64decode(pdf["data"]).startswith(b"%PDF")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_a_big_table_shows_its_first_rows_until_asked(driver, tmp_path):
    spec = tmp_path / "long.yaml"
    body = "".join(f"  - conv: {{out: 8, name: c{i}}}\n" for i in range(1_200))
    spec.write_text("name: long\ninput: {c: 8, h: 8, w: 8}\nlayers:\n" + body, encoding="utf-8")
    page = tmp_path / "long.html"
    result = CliRunner().invoke(cli, ["report", str(spec), "-o", str(page)])
    assert result.exit_code == 0, result.stderr
    load(driver, page)
    shown = "#layers tbody tr:not([hidden])"
    assert len(driver.find_elements("css selector", shown)) == 1_000
    driver.find_element("id", "filter").send_keys("c11")  # c11, c110-c119, c1100-c1199
    WebDriverWait(driver, 10).until(
        lambda d: len(d.find_elements("css selector", shown)) == 1 + 10 + 100
    )
    driver.find_element("id", "filter").clear()
    driver.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")
    WebDriverWait(driver, 10).until(lambda d: len(d.find_elements("css selector", shown)) == 1_000)
    driver.find_element("id", "show-all-rows").click()
    assert len(driver.find_elements("css selector", shown)) == 1_200
    assert driver.get_log("browser") == []


DISTINCT = """
const [png, done] = arguments;
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data;
  const colours = new Set();
  for (let i = 0; i < px.length; i += 4 * 97) {
    colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
  }
  done(colours.size);
};
img.src = 'data:image/png;base64,' + png;
"""
"""How many colours a screenshot has, decoded and counted by the browser itself."""


def test_a_screenshot_is_not_blank(driver, pages):
    load(driver, pages["inception_v3"])
    driver.find_element("css selector", "#graph").location_once_scrolled_into_view  # noqa: B018
    png = driver.get_screenshot_as_base64()
    assert driver.execute_async_script(DISTINCT, png) > 20
