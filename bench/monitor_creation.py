"""Monitor creation: 100 push monitors created by one push_monitor task (one login, one socket.io session), then the
same task again with every monitor unchanged, on each Kuma version the lab can start here.

    .venv/bin/python bench/monitor_creation.py [--monitors 100] [--versions 2.0.0-dev.0,1.23.17,2.5.3]

The figure is the task's own time (between two set_fact stamps around it, so Ansible's start-up is left out; the
module's start-up on the controller is in) divided by the monitors. Writes the "monitor_creation" part of
bench/onboarding_results.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml  # noqa: E402

from lab import Kuma  # noqa: E402
from lab.ansible import ansible_env, playbook  # noqa: E402
from lab.kuma_versions import kuma_unavailable_reason  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "onboarding_results.json"
VERSIONS = ("2.0.0-dev.0", "1.23.17", "2.5.3")
INTERVAL_S = 120


def _playbook(count: int) -> str:
    """Stamps around the one task: its own time, without Ansible's start-up (the module's start-up is in)."""
    monitors = [{"name": f"bench-create/{index:03d}"} for index in range(count)]
    play = {
        "name": "Create the benchmark's push monitors in one task",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars_files": ["kuma.yml"],
        "tasks": [
            {"name": "Stamp the start", "ansible.builtin.set_fact": {"__started": "{{ now(utc=true).timestamp() }}"}},
            {
                "name": "Create or check every monitor in one login",
                "watchdog.alertmanager_kuma.push_monitor": {
                    "kuma_url": "{{ kuma_url }}",
                    "kuma_username": "{{ kuma_username }}",
                    "kuma_password": "{{ kuma_password }}",
                    "interval": INTERVAL_S,
                    "monitors": monitors,
                },
                "register": "__created",
            },
            {
                "name": "Say how long the task took",
                "ansible.builtin.debug": {
                    "msg": "TASK_SECONDS={{ now(utc=true).timestamp() - __started | float }}"
                    " CHANGED={{ __created.changed }}"
                },
            },
        ],
    }
    return yaml.safe_dump([play], sort_keys=False)


def run_task(workdir: Path) -> dict:
    started = time.perf_counter()
    done = playbook(
        "create.yml",
        "-i",
        "localhost,",
        cwd=workdir,
        timeout=900,
        verbose=False,
        env=ansible_env(ANSIBLE_PYTHON_INTERPRETER=sys.executable),
    )
    wall = time.perf_counter() - started
    found = re.search(r"TASK_SECONDS=([0-9.]+) CHANGED=(\w+)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"the push_monitor task failed (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return {"task_s": round(float(found.group(1)), 3), "playbook_wall_s": round(wall, 2), "changed": found.group(2)}


def measure_version(version: str, count: int, workdir: Path) -> dict:
    kuma = Kuma(workdir / "kuma", version=version)
    kuma.start()
    try:
        # Marked default, as a team's pager is: every monitor the task makes is bound to it, the path users take.
        kuma.add_webhook_notification("bench pager", "http://127.0.0.1:9/", default=True)
        (workdir / "create.yml").write_text(_playbook(count))
        kuma_vars = workdir / "kuma.yml"
        kuma_vars.touch(mode=0o600)
        kuma_vars.write_text(
            yaml.safe_dump({"kuma_url": kuma.url, "kuma_username": kuma.username, "kuma_password": kuma.password})
        )
        create = run_task(workdir)
        rerun = run_task(workdir)
        if create["changed"] != "True" or rerun["changed"] != "False":
            raise RuntimeError(f"expected changed, then unchanged; got {create['changed']}, {rerun['changed']}")
        stored = [monitor for monitor in kuma.monitors() if monitor["name"].startswith("bench-create/")]
        if len(stored) != count:
            raise RuntimeError(f"Kuma {version} holds {len(stored)} monitors, not {count}")
    finally:
        kuma.stop()
    return {
        "version": version,
        "monitors": count,
        "create": create,
        "rerun": rerun,
        "create_ms_per_monitor": round(1000 * create["task_s"] / count, 1),
        "rerun_ms_per_monitor": round(1000 * rerun["task_s"] / count, 1),
        # What one more monitor adds: the rerun pays the same login, list and module start-up, and creates nothing.
        "marginal_ms_per_monitor": round(1000 * (create["task_s"] - rerun["task_s"]) / count, 1),
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def table(result: dict) -> str:
    lines = [
        f"| Kuma | create {result['monitors']} monitors, one task | ms each | rerun, unchanged | ms each |"
        " create minus rerun, ms each |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["by_version"]:
        if "skipped" in row:
            lines.append(f"| {row['version']} | skipped: {row['skipped']} | - | - | - | - |")
            continue
        lines.append(
            f"| {row['version']} | {row['create']['task_s']} s | {row['create_ms_per_monitor']} |"
            f" {row['rerun']['task_s']} s | {row['rerun_ms_per_monitor']} | {row['marginal_ms_per_monitor']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--versions", default=",".join(VERSIONS))
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="alertmanager-kuma-monitor-bench-") as tmp:
        for version in args.versions.split(","):
            reason = kuma_unavailable_reason(version)
            if reason is not None:
                rows.append({"version": version, "skipped": reason})
                continue
            print(f"bench: {args.monitors} monitors on Kuma {version}...", flush=True)
            rows.append(measure_version(version, args.monitors, Path(tmp) / version))
    result = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "monitors": args.monitors,
        "by_version": rows,
    }
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored["monitor_creation"] = result
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
