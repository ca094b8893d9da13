# Copyright: Contributors to the watchdog.alertmanager_kuma collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Text a person reads: what a server sent, made printable, and a message cut to what a push can carry.

Private to the collection (leading underscore). Standard library only. The base layer: every part (the check, the
Kuma push, the relay) uses it, and it uses none of them.
"""

from __future__ import annotations

import re

# The message travels in the push request's query: a long one must not make the URL too long for Kuma.
MAX_MESSAGE_CHARS = 250
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """The text with every control character (a server's escape codes, CR/LF, NUL) turned into a space."""
    return _CONTROL_RE.sub(" ", text)


def shorten_message(msg: str) -> str:
    """The message, printable, cut to MAX_MESSAGE_CHARS with an ellipsis where it was cut."""
    msg = printable(msg)
    return msg if len(msg) <= MAX_MESSAGE_CHARS else msg[: MAX_MESSAGE_CHARS - 3] + "..."
