"""Sphinx configuration of the course website, built by `make book` (book/build.py writes the sources).

Why Sphinx + MyST-NB: both are maintained Jupyter-ecosystem tools installed from PyPI alone; they
render notebooks with their stored outputs (no re-execution), MyST Markdown and LaTeX math, and give
full-text search with no server. Jupyter Book 2 (mystmd) downloads its site template from the web at
build time, which a machine without internet (a classroom, CI here) cannot do.
"""

import os

from myst_nb.core.render import NbElementRenderer

REPO = os.environ.get("COURSE_REPOSITORY", "tlcv-course/transfer-learning-cv-pytorch")

project = "Transfer Learning & Computer Vision with PyTorch"
author = "the course authors"
copyright = "the course authors, CC BY 4.0 text, MIT code"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # pages show the outputs of a real run (see the box at each page's top)
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure", "myst.header"]
html_theme = "sphinx_book_theme"
html_title = "Transfer Learning & CV with PyTorch"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_favicon = "favicon.svg"
html_context = {"default_mode": "light"}  # a first visit has no stored mode; start light, switchable
mathjax_path = "mathjax/tex-chtml.js"  # a local copy (book/build.py): math renders offline
html_theme_options = {
    "repository_url": f"https://github.com/{REPO}",
    "repository_branch": "main",
    "use_repository_button": True,
    "use_download_button": False,  # each page links the clean notebook instead (without outputs)
    "show_navbar_depth": 1,
    "search_bar_text": "Search the course…",
    "home_page_in_toc": True,
}


def _alt_from_output_metadata() -> None:
    """MyST-NB takes an image's alt text from the cell only; take it from the output's metadata too
    (book/build.py writes one there for every figure), so each figure of a cell gets its own."""
    original = NbElementRenderer.render_image

    def render_image(self, data):
        nodes = original(self, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        for node in nodes:
            if alt and "alt" not in node.attributes:
                node["alt"] = alt
        return nodes

    NbElementRenderer.render_image = render_image


_alt_from_output_metadata()

# The pages link the clean notebook (without outputs) themselves; copying each executed notebook into
# _sources/ would double the site's size with the same pictures.
html_copy_source = False
html_show_sourcelink = False
