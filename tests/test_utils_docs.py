"""The reading list in utils/__init__.py names every module of utils/, and names nothing that is gone."""

import re
from pathlib import Path

import utils

UTILS = Path(utils.__file__).parent
SHARED_DATA_MODULES = {"base", "registry", "synthetic", "scenes"}


def _modules() -> set[str]:
    """The modules and packages of utils/, the modules of models/ (one model family each) and data/'s
    shared modules: what the reading list enumerates. The loaders of data/ are listed in
    datasets/README.md instead (tests/test_data_contract.py keeps that list true), so a new dataset
    does not touch this file. (metrics/ is named as a package.)"""
    names = {p.stem for p in UTILS.glob("*.py") if p.name != "__init__.py"}
    names |= {p.name for p in UTILS.iterdir() if (p / "__init__.py").is_file()}
    names |= {p.stem for p in (UTILS / "models").glob("*.py") if p.name != "__init__.py"}
    return names | {"coco"} | SHARED_DATA_MODULES


def _loader_modules() -> set[str]:
    return {p.stem for p in (UTILS / "data").glob("*.py") if p.name != "__init__.py"} - SHARED_DATA_MODULES


def test_the_reading_list_names_every_module():
    doc = utils.__doc__
    missing = sorted(name for name in _modules() if f"`{name}`" not in doc and f"`{name}/`" not in doc)
    assert not missing, f"utils/__init__.py does not name these modules: {missing}"


def test_the_reading_list_names_no_module_that_is_gone():
    doc = utils.__doc__
    named = set(re.findall(r"`([a-z_]+)/?`", doc))
    words = {"accuracy", "fit", "evaluate", "torchrun", "start_notebook", "load_or_train", "solutions"}
    gone = sorted(named - _modules() - _loader_modules() - words - {"utils"})
    assert not gone, f"utils/__init__.py names modules that do not exist: {gone}"
