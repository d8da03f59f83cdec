"""The course website: book/build.py's page preparation (fast unit tests, always run) and the built
site checked in headless Chromium (marked `book`: `make book-test` builds the site and runs them).

The browser tests open every page served on 127.0.0.1 and check what a reader would notice: console
errors, images that do not decode or lack alt text, math left as raw TeX, broken internal links and
anchors, a search that finds nothing, a Colab link that points at another notebook.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from book.build import (
    ANSWERED_MARKER,
    alt_text,
    landing_page,
    prepare,
    printed_lines,
    provenance,
    section,
    syllabus_rows,
)

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "book" / "html"
NOTEBOOK_STEMS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def executed_notebook(answered: bool = True) -> dict:
    """A small executed notebook as the tests leave it: injected parameters, printed lines, a figure,
    an exercise, and (optionally) the answered copy of the exercise before `## Open questions`."""

    def code(source, outputs=(), tags=()):
        return {
            "cell_type": "code",
            "metadata": {"tags": list(tags)},
            "source": source,
            "outputs": list(outputs),
        }

    def md(source):
        return {"cell_type": "markdown", "metadata": {}, "source": source}

    def stream(text):
        return {"output_type": "stream", "name": "stdout", "text": text}

    figure = {
        "output_type": "display_data",
        "data": {"image/png": PNG_1x1, "text/plain": "<Figure>"},
        "metadata": {},
    }
    widget = {
        "output_type": "display_data",
        "data": {"application/vnd.jupyter.widget-view+json": {}},
        "metadata": {},
    }
    cells = [
        md("[![Open in Colab](x)](y)\n\n# 99 · A test notebook"),
        code("SMOKE = env_flag('SMOKE')", tags=["parameters"]),
        code("SMOKE = 1", tags=["injected-parameters"]),
        code(
            "start_notebook(0, SMOKE)",
            [
                stream(
                    "Mode: SMOKE (tiny data, few steps) | local | device: cpu (no GPU) | torch 2.14.1 | seed 0\n"
                    "OFFLINE: pennfudan could not be downloaded (no network) → using scenes instead.\n"
                    "WEIGHTS: resnet18 ImageNet weights unavailable (no network) → random initialisation.\n"
                )
            ],
        ),
        md("## 1. The loss\nThe loss falls as training goes on. More text here."),
        code(
            'fig, ax = plt.subplots()\nax.set_title("Loss against step")\nax.set_xlabel("step")',
            [figure, widget],
        ),
        md("### Exercise 1"),
        code("answer = ...\nex.q1.check(answer)", [stream("○ q1: not attempted\n")]),
    ]
    if answered:
        cells += [
            md(ANSWERED_MARKER),
            code("answer = ex.q1.reference_answer()\nex.q1.check(answer)", [stream("✔ q1: correct!\n")]),
        ]
    cells += [md("## Open questions\nTry it."), md("## Summary")]
    meta = {
        "papermill": {"end_time": "2026-12-05T07:42:32+00:00"},
        "kernelspec": {"name": "python3"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
    }
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def sources(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"]]


def test_prepare_removes_the_reference_answers_and_the_injected_parameters():
    page = prepare(executed_notebook(), Path("x.ipynb"), "https://example.org/x.ipynb")
    text = "\n".join(sources(page))
    assert "reference_answer" not in text and ANSWERED_MARKER not in text
    assert "SMOKE = 1" not in sources(page)
    assert "## Open questions\nTry it." in sources(page) and "## Summary" in sources(page)
    assert "○ q1: not attempted" in json.dumps(page, ensure_ascii=False)


def test_prepare_puts_provenance_and_a_download_link_after_the_title():
    page = prepare(executed_notebook(), Path("x.ipynb"), "https://example.org/x.ipynb")
    header = sources(page)[1]
    assert header.startswith("```{admonition} How the outputs on this page were made")
    assert "2026-12-05" in header and "**SMOKE (tiny data, few steps) mode**" in header
    assert "torch 2.14.1" in header and "SMOKE-mode" in header
    assert "`OFFLINE: pennfudan could not be downloaded" in header and "`WEIGHTS: resnet18" in header
    assert "(https://example.org/x.ipynb)" in header


def test_provenance_of_a_full_mode_run_says_so():
    nb = executed_notebook()
    nb["cells"][3]["outputs"][0]["text"] = (
        "Mode: full | Colab | device: cuda (Tesla T4) | torch 2.9.0 | seed 0\n"
    )
    text = provenance(nb, Path("build/executed/full/x.ipynb"))
    assert "**full mode**" in text and "Tesla T4" in text and "SMOKE-mode" not in text


def test_every_figure_gets_alt_text_and_widgets_are_dropped():
    page = prepare(executed_notebook(), Path("x.ipynb"), "u")
    outputs = [o for c in page["cells"] for o in c.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert "widgets" not in page["metadata"], "widget state would load the widget manager from a CDN"
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    alt = images[0]["metadata"]["image/png"]["alt"]
    assert alt.startswith("Figure: Loss against step; step.")
    assert 'Shown under "1. The loss": The loss falls as training goes on.' in alt


def test_alt_text_numbers_several_figures_and_survives_code_it_cannot_parse():
    assert alt_text("x = (", "", 2, 3) == "Figure 2 of 3: a plot drawn by the code above."
    assert "Panel" in alt_text('show_images(x, title=f"Panel {i}")', "", 1, 1)


def test_printed_lines_and_readme_helpers():
    assert printed_lines(executed_notebook())[0].startswith("Mode: SMOKE")
    readme = (ROOT / "README.md").read_text()
    rows = syllabus_rows(readme)
    assert [stem for _, stem, _, _ in rows] == NOTEBOOK_STEMS, "the README syllabus must list every notebook"
    page = landing_page(
        readme, {"offline  02_linear_regression_gradient_descent": 8.7}, {"01_tensors": "Tensors"}
    )
    assert (
        "| 02 | [**02_linear_regression_gradient_descent**](notebooks/02_linear_regression_gradient_descent.ipynb)"
        in page
    )
    assert "| 01 | [**Tensors**](notebooks/01_tensors.ipynb): " in page
    assert "| 9 s |" in page and "notebooks/22_scaling_up" in page
    assert section("intro\n## A\nbody\n## B\nrest", "A") == "body" and section("x", "Z") is None


# --- the built site, in a real browser -------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pages() -> list[Path]:
    return [SITE / "index.html", *[SITE / "notebooks" / f"{stem}.html" for stem in NOTEBOOK_STEMS]]


@pytest.fixture(scope="module")
def site_server():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"the site is not built: run `make book` first ({SITE} has no index.html)")
    from tests.conftest import start_server

    httpd, state = start_server(SITE)
    yield state.base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("google-chrome") or shutil.which("chrome")
    if binary is None:
        pytest.fail("headless Chromium is needed: `make book-test` installs Debian's chromium")
    driver_path = shutil.which("chromedriver")  # Debian's chromium-driver; else Selenium finds one
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path) if driver_path else None, options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


@pytest.mark.book
def test_the_site_has_the_landing_page_and_every_notebook():
    missing = [p for p in _pages() if not p.is_file()]
    assert not missing, f"pages missing from the site: {missing}"
    assert (SITE / "search.html").is_file() and (SITE / "datasets.html").is_file()


@pytest.mark.book
@pytest.mark.parametrize("page", ["index", *NOTEBOOK_STEMS])
def test_page_in_a_browser(page, site_server, browser):
    """Loads without console errors; every image decodes and has alt text; math is typeset; the Colab
    link points at this very notebook."""
    path = "index.html" if page == "index" else f"notebooks/{page}.html"
    browser.get(f"{site_server}/{path}")
    _wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    has_math = browser.execute_script("return document.querySelectorAll('.math').length") > 0
    if has_math:
        _wait(
            browser,
            lambda d: d.execute_script("return document.querySelectorAll('mjx-container').length") > 0,
        )
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc, i.complete, i.naturalWidth, i.alt])"
    )
    broken = [src for src, complete, width, _ in images if not complete or width == 0]
    assert not broken, f"{path}: images that do not decode: {broken}"
    content_images = [img for img in images if "/_images/" in img[0]]
    no_alt = [src for src, _, _, alt in content_images if not alt.strip()]
    assert not no_alt, f"{path}: figures without alt text: {no_alt}"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{path}: console errors: {errors}"
    if page != "index":
        assert content_images or page in {"01_tensors"}, f"{path}: a notebook page with no figure"
        colab = [
            a
            for a in browser.execute_script("return Array.from(document.links).map(a => a.href)")
            if a.startswith("https://colab.research.google.com/")
        ]
        assert colab and all(link.endswith(f"/notebooks/{page}.ipynb") for link in colab), colab
        raw_tex = browser.execute_script(
            "return Array.from(document.querySelectorAll('.math')).filter(m => !m.querySelector('mjx-container')).length"
        )
        assert raw_tex == 0, f"{path}: {raw_tex} formulas left as raw TeX"


@pytest.mark.book
def test_internal_links_and_anchors_resolve():
    broken = []
    for page in [*SITE.glob("*.html"), *SITE.glob("notebooks/*.html")]:
        for href in _parse(page).links:
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.name}: {href}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in _parse(target).ids:
                broken.append(f"{page.name}: {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


@pytest.mark.book
def test_external_links_are_well_formed():
    """Here the network is closed: list every external link and check its form (the scheduled
    workflow job follows them with `make book-linkcheck`)."""
    external = set()
    for page in [*SITE.glob("*.html"), *SITE.glob("notebooks/*.html")]:
        external |= {h for h in _parse(page).links if h.startswith(("http://", "https://"))}
    assert len(external) > 20
    bad = [h for h in external if not re.fullmatch(r"https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/\S*)?", h)]
    assert not bad, f"malformed external links: {bad}"


@pytest.mark.book
def test_search_finds_a_word_only_one_notebook_contains(site_server, browser):
    word, stem = _word_in_one_notebook()
    browser.get(f"{site_server}/search.html?q={word}")
    _wait(
        browser,
        lambda d: d.execute_script("return document.querySelectorAll('#search-results li').length") > 0,
    )
    found = browser.execute_script(
        "return Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)"
    )
    pages = {urllib.parse.urlsplit(h).path.rsplit("/", 1)[-1] for h in found}
    assert f"{stem}.html" in pages, (word, stem, found)


def _word_in_one_notebook() -> tuple[str, str]:
    """A distinctive word of the notebooks' prose that exactly one notebook contains."""
    words: dict[str, set[str]] = {}
    for stem in NOTEBOOK_STEMS:
        nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())
        prose = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        for word in set(re.findall(r"\b[a-z]{9,}\b", prose)):
            words.setdefault(word, set()).add(stem)
    for word, stems in sorted(words.items()):
        if len(stems) == 1 and word.isalpha():
            return word, next(iter(stems))
    raise AssertionError("no word is unique to one notebook")


def test_the_workflow_builds_checks_and_deploys_the_site():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = workflow["jobs"]
    assert [s["run"] for s in jobs["site"]["steps"] if "run" in s] == ["make book-test"]
    assert any("upload-pages-artifact" in s.get("uses", "") for s in jobs["site"]["steps"])
    deploy = jobs["deploy"]
    assert deploy["needs"] == "site" and "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])
    assert "schedule" in jobs["links"]["if"] and "make book-linkcheck" in str(jobs["links"]["steps"])
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"(?m)^book-test: book\n", makefile) and "pytest -m book tests/test_book.py" in makefile


def test_the_readme_links_the_site_of_the_configured_repository():
    from utils.env import GITHUB_REPO

    owner, name = GITHUB_REPO.split("/")
    assert f"https://{owner}.github.io/{name}/" in (ROOT / "README.md").read_text()


def test_a_full_mode_copy_replaces_the_smoke_one(tmp_path, monkeypatch):
    import book.build as build

    monkeypatch.setattr(build, "EXECUTED", tmp_path)
    notebook = Path("notebooks/02_x.ipynb")
    assert build.executed_copy(notebook) is None
    (tmp_path / "02_x.ipynb").write_text("{}")  # what `make run` writes
    assert build.executed_copy(notebook) == tmp_path / "02_x.ipynb"
    (tmp_path / "offline").mkdir()
    (tmp_path / "offline" / "02_x.ipynb").write_text("{}")  # what `make test` leaves
    assert build.executed_copy(notebook) == tmp_path / "offline" / "02_x.ipynb"
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "02_x.ipynb").write_text("{}")  # a full-mode run (a GPU)
    assert build.executed_copy(notebook) == tmp_path / "full" / "02_x.ipynb"
