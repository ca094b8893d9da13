"""The pipeline the link benchmarks break: Prometheus -> Alertmanager -> a webhook and a pager, and the check.

The Watchdog is routed to one receiver, `watchdog`, with the original relay (a webhook receiver that turns every POST
from Alertmanager into a Kuma push GET, status up) and a pager (Alertmanager's Slack integration posting to a local
receiver that answers 200). The collection's check runs on a booted host with every link on: delivery (its
state in the timer's StateDirectory=), `receiver=watchdog` and `prometheus_url`.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from lab import AlertingPair, Kuma, PushMonitor, WebhookRecorder, start_alerting_pair
from lab.fleet import Fleet, deploy_checks
from lab.http_server import ThreadedServer
from lab.ports import LOOPBACK, free_port

INTERVAL_S = 10
KUMA_INTERVAL_S = 20  # Kuma's shortest push-monitor interval
RECEIVER = "watchdog"
# Alertmanager notifies the Watchdog's receiver about every second, so a failing pager is counted soon.
ROUTE_TIMING = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1s"}


def alertmanager_config(relay_url: str, pager_url: str, watchdog_matcher: str = 'alertname="Watchdog"') -> str:
    """alertmanager.yml as JSON: alerts matching `watchdog_matcher` go to the relay and the pager."""
    config: dict[str, Any] = {
        "route": {
            "receiver": "default",
            "group_by": ["alertname"],
            **ROUTE_TIMING,
            "routes": [{"receiver": RECEIVER, "matchers": [watchdog_matcher]}],
        },
        "receivers": [
            {"name": "default"},
            {
                "name": RECEIVER,
                "webhook_configs": [{"url": relay_url, "send_resolved": True}],
                # The pager is a Slack integration posting to a local receiver: a pager is rarely a webhook, and
                # Alertmanager 0.25 counts deliveries by integration only, so a webhook pager's failures would be
                # mixed with the relay's successes.
                "slack_configs": [{"api_url": pager_url, "channel": "#pager", "send_resolved": True}],
            },
        ],
    }
    return json.dumps(config, indent=2) + "\n"


# A route edit that sends the Watchdog to the default receiver: nothing matches the watchdog route any more.
ROUTED_AWAY_MATCHER = 'alertname="SomethingElse"'
BROKEN_CONFIG = "route:\n  receiver: missing\nreceivers:\n  - name: default\n"


class OriginalRelay(ThreadedServer):
    """The original relay: every webhook POST from Alertmanager becomes one Kuma push GET with status up.

    It has no view of the pipeline beyond its own webhook; when no POST comes, Kuma decides on its own when its
    monitor's interval runs out. It never prints its push URL.
    """

    def __init__(self, push_url: str) -> None:
        opener = urllib.request.build_opener()
        target = f"{push_url}?status=up&msg=OK"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with suppress(OSError), opener.open(target, timeout=5) as answer:
                    answer.read()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the rows in Kuma are the record."""

        super().__init__(Handler, name="original-relay")


@dataclass
class SwitchablePager:
    """A webhook receiver answering 200 that can be taken away (its port refuses connections) and brought back on
    the same port, so Alertmanager's configuration never changes."""

    port: int
    recorder: WebhookRecorder | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    def stop(self) -> None:
        if self.recorder is not None:
            self.recorder.__exit__(None, None, None)
            self.recorder = None

    def start(self) -> None:
        if self.recorder is None:
            self.recorder = WebhookRecorder(self.port).__enter__()


@dataclass
class Pipeline:
    """The running pipeline; the pager can be taken away (connections refused) and brought back on its port."""

    pair: AlertingPair
    relay: OriginalRelay
    pager: SwitchablePager
    good_config: str

    @property
    def pager_url(self) -> str:
        return self.pager.url

    def stop_pager(self) -> None:
        self.pager.stop()

    def start_pager(self) -> None:
        self.pager.start()


def check(pipeline: Pipeline, monitor: PushMonitor) -> dict:
    """The check on the booted host: every link on, state kept in the timer's StateDirectory=."""
    return {
        "alertmanager_url": pipeline.pair.alertmanager.url,
        "push_url": monitor.push_url,
        "interval": INTERVAL_S,
        "retries": 0,
        "check_delivery": True,
        "receiver": RECEIVER,
        "prometheus_url": pipeline.pair.prometheus.url,
    }


@contextmanager
def running_pipeline(workdir: Path, original: PushMonitor) -> Iterator[Pipeline]:
    """Start the pair, the original relay (pushing to `original`) and the pager; route the Watchdog to both."""
    with ExitStack() as running:
        relay = running.enter_context(OriginalRelay(original.push_url))
        pager = SwitchablePager(free_port())
        good_config = alertmanager_config(relay.url, pager.url)
        pipeline = Pipeline(start_alerting_pair(workdir / "pair"), relay, pager, good_config)
        running.callback(pipeline.pair.stop)
        pipeline.start_pager()
        running.callback(pipeline.stop_pager)
        pipeline.pair.alertmanager.reload(pipeline.good_config).raise_for_status()
        yield pipeline


@dataclass(frozen=True)
class Checked:
    """One pipeline, the monitor our check pushes to and the one the original relay pushes to."""

    pipeline: Pipeline
    ours: PushMonitor
    original: PushMonitor


@contextmanager
def checked_pipelines(
    kuma: Kuma, workdir: Path, host_name: str, address: int, labels: list[str]
) -> Iterator[dict[str, Checked]]:
    """A pipeline per label, each with its two monitors, and one booted host whose timer runs a check on each:
    the time-to-DOWN bench can break one pipeline while the soak watches another stay healthy."""
    with ExitStack() as running:
        checked: dict[str, Checked] = {}
        for label in labels:
            ours = kuma.create_push_monitor(f"bench {label} ours", interval=KUMA_INTERVAL_S)
            original = kuma.create_push_monitor(f"bench {label} original relay", interval=KUMA_INTERVAL_S)
            pipeline = running.enter_context(running_pipeline(workdir / label, original))
            checked[label] = Checked(pipeline, ours, original)
        fleet = running.enter_context(Fleet.boot(1, workdir / "fleet", [host_name], address))
        checks = [{**check(one.pipeline, one.ours), "name": label} for label, one in checked.items()]
        deployed = deploy_checks(fleet, workdir / "fleet", {host_name: checks})
        if deployed.returncode != 0:
            tail = (deployed.stdout + deployed.stderr)[-3000:]
            for one in checked.values():
                tail = tail.replace(one.ours.token, "<push token>").replace(one.original.token, "<push token>")
            raise RuntimeError(f"deploy failed:\n{tail}")
        yield checked
