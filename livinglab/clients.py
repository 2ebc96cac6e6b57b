"""Who is asking: the client address that rate limits and the sign-in throttle count by.

Behind a reverse proxy, `TRUSTED_PROXIES` (create_app installs Werkzeug's ProxyFix) makes
`request.remote_addr` the real client's address; without it, the proxy's own address would stand for
everybody, and a client could never spoof its way out of a limit with a forged X-Forwarded-For."""

import ipaddress

from flask import request


def client_address() -> str:
    """The client's address; an IPv6 client by its /64 network, as one subscriber usually holds a whole
    /64 and could otherwise take a fresh address for each attempt."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64] or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
