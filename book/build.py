"""Build the course website (`make book`): every notebook with its outputs, as a static Sphinx site.

Where the outputs come from, in order of preference for each notebook:

1. `build/executed/full/<notebook>.ipynb`: a full-mode run (a learner's GPU, or a lent one);
2. `build/executed/offline/<notebook>.ipynb`: the SMOKE copies `make test` makes (tests/test_notebooks.py);
3. `build/executed/<notebook>.ipynb`: what `make run` writes;
4. none of these: the notebook is executed now with `make run NB=… SMOKE=1`.

Each page gets a box at its top saying how its outputs were made (mode, device, torch, date, and the
DATA/OFFLINE/WEIGHTS lines: which data and weights the run really used), a download link, and alt text
for every figure. The reference answers the tests append to the executed copies are removed: the
website shows the exercises as a learner meets them.

Usage: `python -m book.build [--out build/book]` (what `make book` runs).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "executed"
MATHJAX = "mathjax@3.2.2"  # from the npm registry: pages render math with no CDN
ANSWERED_MARKER = (
    "(Added by tests/test_notebooks.py) The exercise cells again, answered with the reference solutions."
)
LINE_TAGS = ("DATA:", "OFFLINE:", "WEIGHTS:", "CAPPED:")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"  # replaced by a local copy


def executed_copy(notebook: Path) -> Path | None:
    """The executed copy of `notebook` the page is built from (see the module docstring), or None."""
    for folder in (EXECUTED / "full", EXECUTED / "offline", EXECUTED):
        candidate = folder / notebook.name
        if candidate.is_file():
            return candidate
    return None


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def printed_lines(nb: dict) -> list[str]:
    """Every line the notebook's cells printed (stream outputs), in order."""
    lines = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                lines += _text(output.get("text", "")).splitlines()
    return lines


def provenance(nb: dict, source: Path) -> str:
    """A MyST admonition saying how and when the page's outputs were produced.

    Example:
        >>> provenance(nb, Path("build/executed/offline/02_x.ipynb"))  # doctest: +SKIP
        '```{admonition} How the outputs on this page were made ...'
    """
    lines = printed_lines(nb)
    banner = next((line for line in lines if line.startswith("Mode: ")), None)
    run = nb.get("metadata", {}).get("papermill", {})
    when = run.get("end_time") or run.get("start_time") or "an unknown date"
    when = when[:10] if when[:4].isdigit() else when
    used = [line for line in lines if line.startswith(LINE_TAGS)]
    smoke = banner is None or "SMOKE" in banner
    parts = ["```{admonition} How the outputs on this page were made", ":class: note", ""]
    if banner is None:
        parts.append(f"Executed on {when}; the run printed no mode line.")
    else:
        fields = [field.strip() for field in banner.removeprefix("Mode: ").split("|")]
        parts.append(f"Executed on {when}: **{fields[0]} mode**, " + ", ".join(fields[1:]) + ".")
    if smoke:
        parts.append(
            "These are **SMOKE-mode** outputs: tiny data and few steps on a CPU, so that the whole course "
            "runs in CI. The numbers show that each model learned, not what it reaches: run the notebook "
            "in full mode (on Colab with a GPU) for real results."
        )
    else:
        parts.append("These are **full-mode** outputs, from the copy in `build/executed/full/`.")
    if used:
        parts += ["", "What the run used (its own DATA / OFFLINE / WEIGHTS lines):", ""]
        parts += [f"- `{line}`" for line in dict.fromkeys(used)]
    parts += ["```", ""]
    return "\n".join(parts)


def _strings_in(code: str, names: tuple[str, ...]) -> list[str]:
    """The string literals passed to calls such as `set_title("…")` or `title="…"` in `code`."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        candidates = list(node.args[:1]) if name in names else []
        candidates += [kw.value for kw in node.keywords if kw.arg in ("title", "suptitle", "label")]
        for value in candidates:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append(value.value)
            elif isinstance(value, ast.JoinedStr):  # an f-string: keep its fixed text
                found.append("".join(v.value for v in value.values if isinstance(v, ast.Constant)).strip())
    return [f for f in dict.fromkeys(found) if f]


def alt_text(code: str, context: str, number: int, total: int) -> str:
    """Alternative text for a figure: its titles and labels in the code, and what the prose before it says.

    Example:
        >>> alt_text('ax.set_title("Loss against step")', "## 3. Training\\nThe loss falls.", 1, 1)
        'Figure: Loss against step. Shown under "3. Training": The loss falls.'
    """
    titles = _strings_in(
        code, ("set_title", "suptitle", "title", "set_xlabel", "set_ylabel", "xlabel", "ylabel")
    )
    heading = next((line.lstrip("# ").strip() for line in context.splitlines() if line.startswith("#")), "")
    prose = " ".join(
        line.strip() for line in context.splitlines() if line.strip() and not line.startswith("#")
    )
    sentence = re.split(r"(?<=[.!?])\s", prose, maxsplit=1)[0] if prose else ""
    sentence = re.sub(r"[`*$\\]", "", sentence)[:240]
    text = "Figure" + (f" {number} of {total}" if total > 1 else "")
    text += ": " + ("; ".join(titles[:6]) if titles else "a plot drawn by the code above") + "."
    if heading or sentence:
        text += (f' Shown under "{heading}"' if heading else " Shown") + (
            f": {sentence}" if sentence else "."
        )
    return text


def prepare(nb: dict, source: Path, download_url: str) -> dict:
    """The page's notebook: answered copies and papermill's injected cell removed, a provenance box
    and a download link after the title cell, widget outputs dropped (their static pictures stay),
    and alt text in every image output's metadata."""
    cells = [c for c in nb["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    sources = [_text(c["source"]) for c in cells]
    if ANSWERED_MARKER in sources:
        start = sources.index(ANSWERED_MARKER)
        end = next(
            (
                i
                for i in range(start + 1, len(cells))
                if cells[i]["cell_type"] == "markdown" and sources[i].startswith("## Open")
            ),
            len(cells),
        )
        cells = cells[:start] + cells[end:]
    context = ""
    for cell in cells:
        if cell["cell_type"] == "markdown" and COLAB_BADGE in _text(cell["source"]):
            cell["source"] = _text(cell["source"]).replace(COLAB_BADGE, "../_static/colab-badge.svg")
        if cell["cell_type"] == "markdown":
            context = _text(cell["source"])
            continue
        outputs = [o for o in cell.get("outputs", []) if WIDGET_MIME not in o.get("data", {})]
        images = [o for o in outputs if "image/png" in o.get("data", {}) or "image/jpeg" in o.get("data", {})]
        for number, output in enumerate(images, start=1):
            mime = "image/png" if "image/png" in output["data"] else "image/jpeg"
            meta = output.setdefault("metadata", {}).setdefault(mime, {})
            meta["alt"] = alt_text(_text(cell["source"]), context, number, len(images))
        cell["outputs"] = outputs
    header = {
        "cell_type": "markdown",
        "id": "how-these-outputs-were-made",
        "metadata": {},
        "source": provenance(nb, source) + f"\n[Download this notebook (without outputs)]({download_url})\n",
    }
    first_markdown = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"), -1)
    cells.insert(first_markdown + 1, header)
    # Widget state would make MyST-NB load the widget manager from a CDN (a console error offline, and
    # nothing to show: every slider cell draws its static picture when executed headless).
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k != "widgets"}
    return {**nb, "metadata": metadata, "cells": cells}


def syllabus_rows(readme: str) -> list[tuple[str, str, str, str]]:
    """(number, notebook stem, what it teaches, full-mode time) for each row of the README's syllabus."""
    rows = []
    for line in readme.splitlines():
        match = re.match(r"\|\s*(\d\d)\s*\|.*?`(\d\d_[a-z0-9_]+)`\s*\|(.*)\|(.*)\|\s*$", line)
        if match:
            rows.append((match[1], match[2], match[3].strip(), match[4].strip()))
    return rows


def landing_page(readme: str, seconds: dict[str, float], titles: dict[str, str] | None = None) -> str:
    """The site's index page: the README's opening, the syllabus with times, how to run, and the toctree.

    `seconds` are the SMOKE seconds the tests measured (build/notebook-seconds.json), `titles` each
    notebook's heading without its number.
    """
    titles = titles or {}
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    table = ["| # | notebook: what it teaches | SMOKE run here | full mode (T4) |", "|---|---|---|---|"]
    stems = []
    for number, stem, teaches, full in syllabus_rows(readme):
        stems.append(stem)
        smoke = next((f"{v:.0f} s" for k, v in seconds.items() if k.endswith(stem) and "offline" in k), "–")
        title = titles.get(stem, stem)
        table.append(f"| {number} | [**{title}**](notebooks/{stem}.ipynb): {teaches} | {smoke} | {full} |")
    run = readme.split("## Start in one click (Colab)", 1)[-1].split("\n## Syllabus", 1)[0]
    toctree = ["```{toctree}", ":maxdepth: 1", ":caption: Notebooks", ":hidden:", ""]
    toctree += [f"notebooks/{stem}" for stem in stems] + ["```", ""]
    toctree += [
        "```{toctree}",
        ":maxdepth: 1",
        ":caption: Course",
        ":hidden:",
        "",
        "datasets",
        "teaching",
        "```",
    ]
    return "\n".join(
        [
            "# Transfer Learning & Computer Vision with PyTorch",
            "",
            intro,
            "",
            "## Syllabus",
            "",
            "Each page shows a notebook with the outputs of a real run; the box at its top says which run.",
            "",
            *table,
            "",
            "## How to run the course",
            "",
            "### Colab" + run.replace("\n## ", "\n### "),
            "",
            *toctree,
        ]
    )


def notebook_title(notebook: Path) -> str:
    """The notebook's first heading without its number: "Linear regression and gradient descent"."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for line in _text(cell["source"]).splitlines() if cell["cell_type"] == "markdown" else []:
            if line.startswith("# "):
                return re.sub(r"^#\s*\d\d\s*·\s*", "", line).strip()
    return notebook.stem


def section(readme: str, heading: str) -> str | None:
    """The README section under `## heading`, up to the next `## `, or None."""
    marker = f"\n## {heading}\n"
    if marker not in readme:
        return None
    return readme.split(marker, 1)[1].split("\n## ", 1)[0]


def ensure_mathjax(static: Path, cache: Path) -> None:
    """Copy MathJax's es5 build into the site's static folder (npm pack once, then a cached tarball)."""
    tarball = next(iter(sorted(cache.glob("mathjax-*.tgz"))), None)
    if tarball is None:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", MATHJAX, "--silent"], cwd=cache, check=True, stdout=subprocess.DEVNULL)
        tarball = next(iter(sorted(cache.glob("mathjax-*.tgz"))))
    target = static / "mathjax"
    if (target / "tex-chtml.js").is_file():
        return
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith("package/es5/") and m.isfile()]
        for member in members:
            member.name = member.name.removeprefix("package/es5/")
        archive.extractall(target, members=members, filter="data")


def build(out: Path, execute_missing: bool = True) -> Path:
    """Write the site's sources into `out/src` and build the HTML into `out/html`; return that folder."""
    from utils.env import GITHUB_BRANCH, GITHUB_REPO  # the one place the repository's address lives

    def raw_url(path: str) -> str:
        return f"https://github.com/{GITHUB_REPO}/raw/{GITHUB_BRANCH}/{path}"

    src, html = out / "src", out / "html"
    for folder in (src, html):  # a page or picture that is gone must not stay on the site
        if folder.exists():
            shutil.rmtree(folder)
    (src / "notebooks").mkdir(parents=True)
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    missing = [nb for nb in notebooks if executed_copy(nb) is None]
    if missing and execute_missing:
        print(f"BOOK: {len(missing)} notebook(s) have no executed copy: running them in SMOKE mode first")
        for nb in missing:
            subprocess.run(
                ["make", "--no-print-directory", "run", f"NB={nb}", "SMOKE=1", f"OUT={EXECUTED / 'offline'}"],
                cwd=ROOT,
                check=True,
            )
    for notebook in notebooks:
        copy = executed_copy(notebook)
        nb = json.loads((copy or notebook).read_text(encoding="utf-8"))
        page = prepare(nb, copy or notebook, raw_url(f"notebooks/{notebook.name}"))
        (src / "notebooks" / notebook.name).write_text(
            json.dumps(page, indent=1, ensure_ascii=False), encoding="utf-8"
        )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    seconds_file = ROOT / "build" / "notebook-seconds.json"
    seconds = json.loads(seconds_file.read_text()) if seconds_file.is_file() else {}
    titles = {nb.stem: notebook_title(nb) for nb in notebooks}
    (src / "index.md").write_text(landing_page(readme, seconds, titles), encoding="utf-8")
    datasets = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
    (src / "datasets.md").write_text(
        datasets.replace("](registry.json)", f"]({raw_url('datasets/registry.json')})"), encoding="utf-8"
    )
    teaching = section(readme, "Teaching a class") or "The README has no teaching section yet."
    (src / "teaching.md").write_text("# Teaching a class\n" + teaching, encoding="utf-8")
    shutil.copy(BOOK / "conf.py", src / "conf.py")
    (src / "_static").mkdir()
    for name in ("custom.css", "colab-badge.svg"):
        shutil.copy(BOOK / name, src / "_static" / name)
    shutil.copy(BOOK / "favicon.svg", src / "favicon.svg")
    ensure_mathjax(src / "_static", ROOT / "build" / "book-cache")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", str(src), str(html)]
    subprocess.run(command, check=True, env={**os.environ, "COURSE_REPOSITORY": GITHUB_REPO})
    print(f"BOOK: built {len(notebooks)} notebook pages into {html} (open {html / 'index.html'})")
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build" / "book", help="where to write src/ and html/"
    )
    parser.add_argument(
        "--no-execute", action="store_true", help="do not execute notebooks lacking an executed copy"
    )
    args = parser.parse_args(argv)
    build(args.out, execute_missing=not args.no_execute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
