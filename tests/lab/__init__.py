"""The lab: real Prometheus, Alertmanager and Uptime Kuma on loopback ports, for tests, benchmarks and demos."""

from tests.lab.alertmanager import Alertmanager, AlertmanagerConfig, start_alertmanager_pair
from tests.lab.kuma import NO_PUSH_MSG, Heartbeat, HeartbeatStatus, Kuma, PushMonitor, pushed
from tests.lab.process import LabStartError, ManagedProcess
from tests.lab.prometheus import Prometheus
from tests.lab.stack import WATCHDOG_LABELS, AlertingPair, AlertingPairFactory, Lab, start_alerting_pair
from tests.lab.webhook import WebhookRecorder

__all__ = [
    "NO_PUSH_MSG",
    "WATCHDOG_LABELS",
    "AlertingPair",
    "AlertingPairFactory",
    "Alertmanager",
    "AlertmanagerConfig",
    "Heartbeat",
    "HeartbeatStatus",
    "Kuma",
    "Lab",
    "LabStartError",
    "ManagedProcess",
    "Prometheus",
    "PushMonitor",
    "WebhookRecorder",
    "pushed",
    "start_alerting_pair",
    "start_alertmanager_pair",
]
