"""The benchmarks run (their figures are never judged here: see BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.fleet
def test_every_benchmark_script_runs_and_reports_its_figures(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "run.py"), "--smoke", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) >= {"time_to_down", "heartbeat_cost", "fleet_deploy", "adhoc"}
    assert "Alertmanager dies" in results["time_to_down"]["scenarios"]
    assert (tmp_path / "chart.png").stat().st_size > 0
    assert "time to DOWN: Alertmanager dies" in run.stdout
