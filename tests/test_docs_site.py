"""`dbt docs generate` offline, and the site rendered by headless Chromium (Debian `chromium`).

The generated target folder is served over http on localhost (the site fetches manifest.json
and catalog.json); Chromium loads a model page and the lineage graph, dumps the rendered DOM
and takes screenshots under the test's temporary folder.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from tests.conftest import run_dbt

pytestmark = pytest.mark.slow

PROJECT = "warehouse_recommender"
MODEL = "recommendations"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def docs_target(synthetic_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site of the synthetic build (catalog from its tables), generated offline."""
    target = tmp_path_factory.mktemp("docs_target")
    result = run_dbt(
        ["docs", "generate", "--target-path", str(target)],
        synthetic_warehouse.parent,
        {"dataset": "synthetic"},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return target


@pytest.fixture(scope="module")
def docs_url(docs_target: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(docs_target))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def chromium(url: str, profile: Path, *output: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with nothing that phones home; virtual time lets the Angular app and
    the graph layout finish before the DOM is dumped or the screenshot taken."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run does)")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,900",
        "--virtual-time-budget=20000",
        *output,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def assert_screenshot(path: Path) -> None:
    assert path.is_file() and path.stat().st_size > 20_000, path
    pixels = imread(path)
    assert pixels.shape[:2] == (900, 1400)
    colours = np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, (path, len(colours))  # text and graph, not a blank page


def test_docs_are_generated_with_the_exposures_and_descriptions(docs_target: Path) -> None:
    manifest = json.loads((docs_target / "manifest.json").read_text())
    catalog = json.loads((docs_target / "catalog.json").read_text())
    node = manifest["nodes"][f"model.{PROJECT}.{MODEL}"]
    assert "Grain" in node["description"]
    assert all(column["description"] for column in node["columns"].values())
    assert f"model.{PROJECT}.{MODEL}" in catalog["nodes"]  # real columns from the warehouse
    exposures = manifest["exposures"]
    assert len(exposures) >= 4
    for exposure in exposures.values():
        assert exposure["depends_on"]["nodes"], exposure["name"]
        assert all(name in manifest["nodes"] for name in exposure["depends_on"]["nodes"])


def test_chromium_renders_the_model_page(docs_url: str, docs_target: Path, tmp_path: Path) -> None:
    url = f"{docs_url}#!/model/model.{PROJECT}.{MODEL}"
    dom = chromium(url, tmp_path / "profile", "--dump-dom").stdout
    # The model page: its title, its documented columns, and the exposures that read it.
    title = re.search(r'<h1>\s*<span class="break ng-binding">([^<]+)</span>', dom)
    assert title and title.group(1) == MODEL, dom[:2000]
    for column in ("fallback_tier", "reason", "product_name"):
        assert f'<span class="text-dark ng-binding">{column}</span>' in dom, column
    manifest = json.loads((docs_target / "manifest.json").read_text())
    readers = [
        exposure["label"]
        for exposure in manifest["exposures"].values()
        if f"model.{PROJECT}.{MODEL}" in exposure["depends_on"]["nodes"]
    ]
    assert readers and all(label in dom for label in readers), readers
    screenshot = tmp_path / "docs_model.png"
    chromium(url, tmp_path / "profile", f"--screenshot={screenshot}")
    assert_screenshot(screenshot)


def test_chromium_renders_the_lineage_graph(docs_url: str, tmp_path: Path) -> None:
    """The lineage graph of the model, opened full size (g_v=1) with +model+ selected."""
    url = f"{docs_url}#!/model/model.{PROJECT}.{MODEL}?g_v=1&g_i=%2B{MODEL}%2B"
    dom = chromium(url, tmp_path / "profile", "--dump-dom").stdout
    assert 'class="launcher ng-isolate-scope on"' in dom  # the graph window is open
    assert "__________cytoscape_container" in dom  # cytoscape took over the #cy element
    node_layer = re.search(r'<canvas[^>]*data-id="layer2-node" width="(\d+)" height="(\d+)"', dom)
    assert node_layer, "no cytoscape node layer"
    assert int(node_layer.group(1)) > 600 and int(node_layer.group(2)) > 300
    screenshot = tmp_path / "docs_lineage.png"
    chromium(url, tmp_path / "profile", f"--screenshot={screenshot}")
    assert_screenshot(screenshot)
