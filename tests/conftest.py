"""Makes the checkout importable as ansible_collections.watchdog.alertmanager_kuma for every test."""

from __future__ import annotations

from lab.collection import link_checkout_as_collection

link_checkout_as_collection()
