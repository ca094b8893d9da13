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
        timeout=1800,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) >= {
        "time_to_down",
        "heartbeat_cost",
        "fleet_deploy",
        "adhoc",
        "pipeline_down",
        "pipeline_tick",
        "pipeline_soak",
    }
    assert "Alertmanager dies" in results["time_to_down"]["scenarios"]
    links = results["pipeline_down"]["scenarios"]
    assert set(links) == {"notifications failing", "config reload failed", "Prometheus killed", "Watchdog routed away"}
    assert all(len(figures["samples_s"]) == 1 and "original_relay" in figures for figures in links.values())
    assert set(results["pipeline_tick"]) >= {"lab", "many_rules"}
    assert results["pipeline_tick"]["lab"]["verdict"]["exit"] in (0, 1)
    assert results["pipeline_soak"]["ours"]["rows"] >= 1
    assert (tmp_path / "chart.png").stat().st_size > 0
    assert "time to DOWN: Alertmanager dies" in run.stdout
    assert "time to DOWN: notifications failing, original relay" in run.stdout
    assert "healthy pipeline" in run.stdout
