"""Who is on the other end: the client's address, through the proxies we were told to trust and no others.

Behind nginx or Cloud Run's front end every request comes from the proxy, which appends the address it saw
to X-Forwarded-For. Each hop appends, so only the right-hand part of the header was written by proxies we
trust; the first address from the right that is not one of them is the client. Anything left of it is
whatever the client claimed, and is ignored.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.types import Scope

Networks = tuple[IPv4Network | IPv6Network, ...]


def networks(entries: list[str]) -> Networks:
    """Parse TRUSTED_PROXIES entries (addresses or CIDR ranges); ValueError names a bad one."""
    parsed = []
    for entry in entries:
        try:
            parsed.append(ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an address or a network") from exc
    return tuple(parsed)


def _trusted(address: str, trusted: Networks) -> bool:
    try:
        parsed = ip_address(address.strip())
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def client_address(scope: Scope, trusted: Networks) -> str:
    """The right-most address that is not a trusted proxy; the peer itself when it is not one."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded = b",".join(value for name, value in scope.get("headers", []) if name == b"x-forwarded-for")
    hops = [hop.strip() for hop in forwarded.decode("latin-1").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop if _is_address(hop) else peer
    return hops[0] if hops else peer


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
