"""Shared pytest set-up: a headless matplotlib, and a report of each notebook's SMOKE seconds."""

import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SECONDS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("notebook SMOKE seconds (wall clock, incl. kernel start)")
    for name, seconds in NOTEBOOK_SECONDS.items():
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
    terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):7.1f} s  total")
    out = ROOT / "build" / "notebook-seconds.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(NOTEBOOK_SECONDS, indent=2))
