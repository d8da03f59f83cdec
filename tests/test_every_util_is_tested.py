"""Every public function and class in utils/ is exercised by at least one test file.

A cheap guard for the rule "unit tests for every public function": a new helper without a test fails here.
"""

import importlib
import inspect
import pkgutil
from pathlib import Path

import utils

ROOT = Path(__file__).resolve().parent.parent
TEST_TEXT = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))


def _public_names() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(utils.__path__, "utils."):
        if info.name.startswith(("exercises.nb", "exercises.answers.")):
            continue  # exercises and their answer keys: covered by test_exercises.py through discovery
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            defined_here = getattr(obj, "__module__", None) == module.__name__
            if (
                not name.startswith("_")
                and defined_here
                and (inspect.isfunction(obj) or inspect.isclass(obj))
            ):
                names.append(f"{info.name}.{name}")
    return names


def test_every_public_util_is_named_in_a_test():
    untested = [name for name in _public_names() if name.rsplit(".", 1)[1] not in TEST_TEXT]
    assert untested == [], f"public utils without a test: {untested}"


def test_the_guard_sees_the_modules():
    assert "utils.train.fit" in _public_names()
