"""The lab: real Prometheus, Alertmanager and Uptime Kuma on loopback ports, for tests, benchmarks and demos."""

from lab.alertmanager import Alertmanager, AlertmanagerConfig, start_alertmanager_cluster
from lab.kuma import NO_PUSH_MSG, Heartbeat, HeartbeatStatus, Kuma, PushMonitor, pushed
from lab.process import LabStartError, ManagedProcess
from lab.prometheus import Prometheus
from lab.stack import WATCHDOG_MATCH, AlertingPair, AlertingPairFactory, Lab, start_alerting_pair
from lab.webhook import WebhookRecorder

__all__ = [
    "NO_PUSH_MSG",
    "WATCHDOG_MATCH",
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
    "start_alertmanager_cluster",
]
