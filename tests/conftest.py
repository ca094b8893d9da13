"""Makes the checkout importable as ansible_collections.watchdog.alertmanager_kuma for every test.

Under `ansible-test units` the tree already sits at .../ansible_collections/watchdog/alertmanager_kuma and
ansible-test's pytest plugin loads it, without the lab (nor its packages) installed: nothing here may need them.
"""

from __future__ import annotations

import sys

if "ansible_pytest_collections" not in sys.modules:
    from lab.collection import link_checkout_as_collection

    link_checkout_as_collection()
