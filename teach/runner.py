"""Execute one prepared submission, cell by cell: `python -m teach.runner JOB.json` (used by teach.grade;
`--serve` reads one job file name per line from stdin and answers "done" after each).

The job (JSON) names the notebook, the kernel spec, the working folder and the limits. Each cell runs
with a time limit (the smaller of the per-cell limit and what is left of the notebook's); a cell that
runs over is interrupted and the next one runs. Errors do not stop the notebook. A kernel that dies
(memory) or stops answering ends the run. What happened to every cell is written to the job's
`result` file, and the executed notebook to `executed`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


def _error_text(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
            return " ".join(text.split())[:300]
    return None


def _answers(client: NotebookClient, index: int, seconds: int = 15) -> bool:
    """Whether the kernel runs a trivial cell again within `seconds` (after an interrupt)."""
    probe = nbformat.v4.new_code_cell("pass")
    client.timeout = seconds
    try:
        client.execute_cell(probe, index)
        return True
    except (CellTimeoutError, DeadKernelError):
        return False


def run(job: dict) -> dict:
    """Execute the job's notebook; return {"kernel": ..., "cells": [...], "seconds": ...}."""
    nb = nbformat.read(job["notebook"], as_version=4)
    cells = [{"status": "not run"} for _ in nb.cells]
    result = {"kernel": "ok", "cells": cells, "seconds": 0.0}
    client = NotebookClient(
        nb,
        timeout=job["cell_timeout"],
        kernel_name=job["kernel_name"],
        allow_errors=True,
        resources={"metadata": {"path": job["cwd"]}},
        startup_timeout=job.get("startup_timeout", 120),
    )
    start = time.monotonic()
    deadline = start + job["notebook_timeout"]
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    cells[index] = {"status": "ok"}
                    continue
                checked = job.get("records", {}).get(str(index))
                if checked is not None and cells[checked]["status"] == "timeout":
                    cells[index] = {"status": "timeout", "limit": cells[checked]["limit"]}
                    continue  # its exercise's cell ran over: recording would run the same code again
                left = deadline - time.monotonic()
                if left <= 0:
                    result["kernel"] = "notebook time limit"
                    break
                client.timeout = max(1, int(min(job["cell_timeout"], left)))
                began = time.monotonic()
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    cells[index] = {"status": "timeout", "limit": client.timeout}
                    client.km.interrupt_kernel()
                    if not _answers(client, index):  # the interrupt did not stop it
                        result["kernel"] = "unresponsive"
                        break
                    continue
                except DeadKernelError:
                    cells[index] = {"status": "dead"}
                    result["kernel"] = "died"
                    break
                error = _error_text(cell)
                cells[index] = {"status": "error", "error": error} if error else {"status": "ok"}
                cells[index]["seconds"] = round(time.monotonic() - began, 2)
    except Exception as error:  # the kernel did not start, or the client failed: say so, never hang
        result["kernel"] = f"failed: {type(error).__name__}: {error}"[:300]
    result["seconds"] = round(time.monotonic() - start, 2)
    if job.get("executed"):
        with contextlib.suppress(Exception):
            nbformat.write(nb, job["executed"])
    return result


def run_file(job_path: str) -> None:
    """Run the job in `job_path` in the job's environment (the kernel inherits it); write its result."""
    job = json.loads(Path(job_path).read_text())
    if job.get("env") is not None:
        os.environ.clear()
        os.environ.update(job["env"])
        tempfile.tempdir = None  # found again from TMPDIR: the last job's folder is gone
    result = run(job)
    Path(job["result"]).write_text(json.dumps(result))


def main(argv: list[str]) -> int:
    if argv != ["--serve"]:
        run_file(argv[0])
        return 0
    for line in sys.stdin:  # one job file per line; "done" after each (nbclient is loaded only once)
        if line.strip():
            run_file(line.strip())
            print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
