"""Where deliveries may go (SSRF checks), on registration and on every attempt."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

# The setting that lifts the private-network rule (api/settings.py), named in the refusal.
ALLOW_PRIVATE_NETWORKS_SETTING = "CX360_WEBHOOK_ALLOW_PRIVATE_NETWORKS"


@dataclass(frozen=True)
class UrlPolicy:
    """Where deliveries may go: public https hosts in production."""

    allow_private_networks: bool = False
    require_https: bool = False


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


async def url_problem(url: str, policy: UrlPolicy) -> str | None:
    """Why deliveries may not go to `url`, or None; checked on registration and on send
    (a name may resolve elsewhere later), so partners cannot aim us at internal hosts."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "`url` is not a URL; give e.g. https://hooks.example.com/cx360."
    schemes = ("https",) if policy.require_https else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname:
        return f"`url` must be an absolute {' or '.join(schemes)} URL with a host."
    if parts.username or parts.password:
        return "`url` must not carry credentials; verify deliveries by their signature."
    if policy.allow_private_networks:
        return None
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port or (443 if parts.scheme == "https" else 80)
        )
    except OSError:
        return f"`url`: the host {parts.hostname} does not resolve."
    if any(_private(str(info[4][0])) for info in found if info[0] in PUBLIC_FAMILIES):
        return (
            "`url` points into a private network; give a public address "
            f"(or, for development, set {ALLOW_PRIVATE_NETWORKS_SETTING}=true)."
        )
    return None


PUBLIC_FAMILIES = (socket.AF_INET, socket.AF_INET6)
