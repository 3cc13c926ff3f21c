"""Links in an agenda entry's description or place, as codes the rules can test."""

from __future__ import annotations

import re

_LINK = re.compile(r"(?:https?://|www\.)([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)


def link_codes(*texts: str) -> tuple[str, ...]:
    """``link|host`` for each link in the texts, and for the host's parent domains
    (``us02web.zoom.us`` gives ``link|us02web.zoom.us`` and ``link|zoom.us``): a video
    tool's link in a DUI description says the session is at a distance."""
    found: list[str] = []
    for text in texts:
        if "http" not in text and "www." not in text:
            continue
        for match in _LINK.finditer(text):
            labels = match.group(1).lower().removeprefix("www.").split(".")
            for first in range(len(labels) - 1):
                code = "link|" + ".".join(labels[first:])
                if code not in found:
                    found.append(code)
    return tuple(found)
