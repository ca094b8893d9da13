"""Benchmark: what one tick with every link on costs a host, against a bare urllib script making the same requests.

The installed program (laid out as the role installs it, byte-compiled) runs with check_delivery, state_path,
receiver and prometheus_url set: seven requests (Alertmanager's status, alerts and /metrics; Prometheus's
Alertmanagers, the Watchdog rule and /metrics; the push) and the state file read and written. The floor is a
`python3 -c` one-liner making the same seven requests with urllib and reading every answer, the JSON ones parsed;
it keeps no state. Then the same against a second Prometheus holding 5,000 alerting rules, the Watchdog among them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
from pathlib import Path

import requests

from bench.heartbeat_cost import install_program
from bench.measure import interleaved
from lab import Lab, Prometheus
from lab.polling import poll_until
from lab.prometheus import WATCHDOG_RULES

EXIT_UP, EXIT_DOWN = 0, 1
GOAL_RATIO = 1.3
GOAL_PEAK_MIB = 25
RECEIVER = "default"  # the plain lab routes the Watchdog to its default receiver
RULES = 5000
FILLER_GROUP_SIZE = 100
RULES_QUERY = urllib.parse.urlencode([("type", "alert"), ("rule_name[]", "Watchdog")])
ALERTS_QUERY = urllib.parse.urlencode([("filter", 'alertname="Watchdog"')])
FLOOR = (
    "import urllib.request as u,json;o=u.build_opener();"
    "json.load(o.open('{am}/api/v2/status',timeout=3));"
    "json.load(o.open('{am}/api/v2/alerts?{alerts}',timeout=3));"
    "o.open('{am}/metrics',timeout=3).read();"
    "json.load(o.open('{prom}/api/v1/alertmanagers',timeout=3));"
    "json.load(o.open('{prom}/api/v1/rules?{rules}',timeout=3));"
    "o.open('{prom}/metrics',timeout=3).read();"
    "json.load(o.open('{push}?status=up&msg=floor&ping=1',timeout=3))"
)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def filler_rules(count: int) -> dict:
    """The Watchdog's group and `count - 1` alerting rules that never fire, 100 to a group evaluated every 30 s."""
    groups = list(WATCHDOG_RULES["groups"])
    fillers = [
        {"alert": f"Filler{index:05d}", "expr": f"vector({index}) < 0", "labels": {"severity": "none"}}
        for index in range(count - 1)
    ]
    for start in range(0, len(fillers), FILLER_GROUP_SIZE):
        groups.append(
            {
                "name": f"filler-{start // FILLER_GROUP_SIZE:03d}",
                "interval": "30s",
                "rules": fillers[start : start + 100],
            }
        )
    return {"groups": groups}


def _rule_count(prometheus_url: str) -> int:
    document = requests.get(f"{prometheus_url}/api/v1/rules", timeout=30).json()
    return sum(len(group["rules"]) for group in document["data"]["groups"])


def start_prometheus_with_rules(workdir: Path, alertmanager_url: str, count: int) -> Prometheus:
    """A Prometheus sending to `alertmanager_url`, its rules file replaced by `count` rules and reloaded (SIGHUP)."""
    prometheus = Prometheus(workdir, [alertmanager_url]).start()
    try:
        prometheus.rules_path.write_text(json.dumps(filler_rules(count)) + "\n")
        os.kill(prometheus.process.pid or 0, signal.SIGHUP)
        poll_until(
            lambda: _rule_count(prometheus.url) == count,
            timeout=60,
            describe_failure=lambda: f"Prometheus holds {_rule_count(prometheus.url)} rules, not {count}",
        )
        # A reload makes Prometheus find its Alertmanagers again: a tick before that would judge a Prometheus that
        # sends nowhere, not one with many rules.
        poll_until(
            lambda: _active_alertmanagers(prometheus.url) > 0,
            timeout=60,
            describe_failure=lambda: "Prometheus lists no active Alertmanager after the reload",
        )
    except BaseException:
        prometheus.stop()
        raise
    return prometheus


def _active_alertmanagers(prometheus_url: str) -> int:
    answer = requests.get(f"{prometheus_url}/api/v1/alertmanagers", timeout=10).json()
    return len(answer["data"]["activeAlertmanagers"])


def _answer_bytes(url: str) -> int:
    return len(requests.get(url, timeout=30).content)


def _verdict(program_argv: list[str], push_url: str) -> dict:
    """One more run's exit code and logged message: the tick's verdict (the log names the push host only)."""
    run = subprocess.run(program_argv, capture_output=True, text=True, timeout=60, check=False)
    line = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    if push_url.rsplit("/", 1)[-1] in line:
        raise RuntimeError("the program logged the push token")
    msg = line.split(" msg=", 1)[-1].split(" push_error=", 1)[0] if " msg=" in line else json.dumps(line)
    return {"exit": run.returncode, "up": run.returncode == EXIT_UP, "msg": json.loads(msg)[:200]}


def _one(lab: Lab, prometheus_url: str, workdir: Path, launcher: Path, push_url: str, runs: int) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    settings = workdir / "settings.json"
    settings.write_text(
        json.dumps(
            {
                "alertmanager_url": lab.alertmanager.url,
                "push_url": push_url,
                "check_delivery": True,
                "state_path": str(workdir / "state.json"),
                "receiver": RECEIVER,
                "prometheus_url": prometheus_url,
            }
        )
    )
    settings.chmod(0o600)
    floor = FLOOR.format(
        am=lab.alertmanager.url, prom=prometheus_url, alerts=ALERTS_QUERY, rules=RULES_QUERY, push=push_url
    )
    program_argv = [str(launcher), "--settings", str(settings)]
    load_before = _loadavg()
    # Exit 1 (pushed down) is accepted: the cost of a tick is measured whatever the verdict, which is reported.
    summaries = interleaved(
        {"program": program_argv, "floor": ["/usr/bin/python3", "-c", floor]}, runs, accept=(EXIT_UP, EXIT_DOWN)
    )
    program, bare = summaries["program"], summaries["floor"]
    verdict = _verdict(program_argv, push_url)
    ratio_wall = program.median_wall_s / bare.median_wall_s
    ratio_cpu = program.median_cpu_s / bare.median_cpu_s
    peak_mib = program.median_peak_rss_kib / 1024
    return {
        "verdict": verdict,
        "program": program.as_dict(),
        "floor": bare.as_dict(),
        "ratio_wall": round(ratio_wall, 3),
        "ratio_cpu": round(ratio_cpu, 3),
        "peak_mib": round(peak_mib, 1),
        "rules_answer_bytes": _answer_bytes(f"{prometheus_url}/api/v1/rules?{RULES_QUERY}"),
        "rules_answer_unfiltered_bytes": _answer_bytes(f"{prometheus_url}/api/v1/rules"),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "goal_ratio": GOAL_RATIO,
        "goal_peak_mib": GOAL_PEAK_MIB,
        # A tick that cannot say up for a healthy pipeline misses the goal, however cheap it was.
        "goal_met": verdict["up"]
        and ratio_wall <= GOAL_RATIO
        and ratio_cpu <= GOAL_RATIO
        and peak_mib <= GOAL_PEAK_MIB,
    }


def measure(lab: Lab, workdir: Path, runs: int = 20, rules: int = RULES) -> dict:
    monitor = lab.kuma.create_push_monitor("bench links tick")
    launcher = install_program(workdir / "program")
    figures = {"lab": _one(lab, lab.prometheus.url, workdir / "lab", launcher, monitor.push_url, runs)}
    many = start_prometheus_with_rules(workdir / "prometheus-many", lab.alertmanager.url, rules)
    try:
        figures["many_rules"] = _one(lab, many.url, workdir / "many", launcher, monitor.push_url, runs)
    finally:
        many.stop()
    return {**figures, "rules": rules}
