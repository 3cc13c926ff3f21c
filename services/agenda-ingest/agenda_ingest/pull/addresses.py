"""Which addresses a pull may connect to (server-side request forgery).

A source's URL, an OAuth2 token URL and a FHIR ``next`` link are given to us by
others; followed blindly they would let anyone who can set a URL make this
service call its own loopback, the cluster's private network or a cloud metadata
endpoint, and read the answer back through the pull's error message.

``GuardedTransport`` is the httpx transport of every pull request. For each request
it sends (so for every redirect hop, which httpx sends one by one through it) it:

1. takes the host of the URL; a host named in ``DITEP_PULL_ALLOWED_HOSTS`` is sent
   as is;
2. otherwise resolves it once (``getaddrinfo``) and refuses the request unless
   *every* address is public (``ipaddress``'s ``is_global``, not multicast nor
   reserved, nor one of the special ranges below) or in an allowed network;
3. sends the request **to the checked address** (the URL's host replaced by the IP,
   the ``Host`` header and the TLS server name / certificate check kept on the host
   name), so that a second DNS answer (DNS rebinding) is never used to connect.

Connections are pooled per host name, so a TLS connection checked for one name is
never reused for another. Nothing of a refused target is read: the request is not
sent at all.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Self

import httpx
import structlog

from ditep_core.settings import parse_allowed_host
from ditep_core.web.problems import InvalidRequest

logger = structlog.get_logger("ditep.pull")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[IPAddress]]
"""(host, port) → the addresses a connection could go to; raises OSError when none."""

REFUSED = "address not allowed"

# Not public although Python 3.11's ``is_global`` may say so, or embedding another
# (IPv4) address that could be private: refused outright unless allowed by network.
_SPECIAL_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "64:ff9b::/96",  # NAT64, embeds an IPv4 address
        "64:ff9b:1::/48",  # local-use NAT64
        "2002::/16",  # 6to4, embeds an IPv4 address
        "2001::/32",  # Teredo, embeds an IPv4 address
        "100::/64",  # discard-only
    )
)
_LOCAL_NAMES = ("localhost", ".localhost", ".localdomain")


class AddressNotAllowed(httpx.TransportError):
    """The request would reach an address that is not public and not allowed.

    A ``TransportError`` so that httpx lets it through unchanged; the fetcher turns it
    into a failure that is never retried. Its message names neither the target's
    address nor anything the target sent.
    """

    def __init__(self) -> None:
        super().__init__(
            f"{REFUSED}: the URL (or a redirect from it) leads to a loopback, private, "
            "link-local or reserved address; DITEP_PULL_ALLOWED_HOSTS lists the exceptions"
        )


def normalised(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) is its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast, unspecified,
    reserved and documentation addresses are not; nor IPv4-embedding IPv6 ranges."""
    address = normalised(address)
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
        and not any(address in network for network in _SPECIAL_NETWORKS)
    )


@dataclass(frozen=True, slots=True)
class Allowlist:
    """What ``DITEP_PULL_ALLOWED_HOSTS`` lets a pull reach although it is not public."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Self:
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in entries:
            parsed = parse_allowed_host(entry)
            if isinstance(parsed, str):
                hosts.add(parsed)
            else:
                networks.append(parsed)
        return cls(tuple(networks), frozenset(hosts))

    def names(self, host: str) -> bool:
        """The host name is listed (or is under a listed ``.domain``)."""
        host = host.lower().rstrip(".")
        return host in self.hosts or any(
            entry.startswith(".") and (host.endswith(entry) or host == entry[1:])
            for entry in self.hosts
        )

    def allows(self, address: IPAddress) -> bool:
        address = normalised(address)
        if is_public(address):
            return True
        return any(address.version == n.version and address in n for n in self.networks)


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address ``getaddrinfo`` gives for a TCP connection (OSError if none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        # IPv6 link-local answers carry a zone ("fe80::1%eth0"): it is not public anyway.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(f"no address for {host}")
    return addresses


NO_EXCEPTIONS = Allowlist()
"""The default: public addresses only."""


def check_configured_url(url: str, allowlist: Allowlist) -> None:
    """When a URL is configured: refuse what is refused without asking DNS (an address
    that is not public, ``localhost``). Raises AddressNotAllowed.

    The check that matters is the one of every request (``GuardedTransport``): a name
    can resolve to anything later.
    """
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
    except httpx.InvalidURL:
        return  # Not ours to say what is wrong with it; the fetch will.
    if not host or allowlist.names(host):
        return
    address = literal_address(host)
    if address is not None:
        if not allowlist.allows(address):
            raise AddressNotAllowed
        return
    lowered = host.lower().rstrip(".")
    if lowered == _LOCAL_NAMES[0] or lowered.endswith(_LOCAL_NAMES[1:]):
        raise AddressNotAllowed


def check_pull_url(url: str, allowlist: Allowlist) -> None:
    """``check_configured_url`` for services: InvalidRequest (a 422 problem) if refused."""
    try:
        check_configured_url(url, allowlist)
    except AddressNotAllowed as error:
        raise InvalidRequest(str(error)) from error


class GuardedTransport(httpx.BaseTransport):
    """Checks, then pins, the address of every request (see the module's docstring).

    ``inner`` (tests) receives every pinned request; without it, one
    ``httpx.HTTPTransport`` per host name is made when first needed, with ``verify``
    (the CA bundle and client certificate of the source's credential set).
    """

    def __init__(
        self,
        allowlist: Allowlist,
        *,
        resolver: Resolver = system_resolver,
        inner: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.allowlist = allowlist
        self.resolver = resolver
        self._inner = inner
        # The TLS of the transports made here (ditep_core.tls: CA bundle, client certificate).
        self._verify = verify
        self._by_host: dict[tuple[str, str, int], httpx.BaseTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        # The ASCII (IDNA) form: what DNS is asked, what TLS is given, what is listed.
        host = url.raw_host.decode("ascii")
        if self.allowlist.names(host):
            return self._transport(url).handle_request(request)
        port = url.port or (443 if url.scheme == "https" else 80)
        address = self._checked_address(host, port)
        extensions = dict(request.extensions)
        if url.scheme == "https" and literal_address(host) is None:
            # TLS: the server name sent and the certificate checked stay the host's.
            extensions["sni_hostname"] = host
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=str(address)),
            headers=request.headers,
            stream=request.stream,
            extensions=extensions,
        )
        return self._transport(url).handle_request(pinned)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
        for transport in self._by_host.values():
            transport.close()
        self._by_host.clear()

    def _checked_address(self, host: str, port: int) -> IPAddress:
        literal = literal_address(host)
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        else:
            try:
                addresses = self.resolver(host, port)
            except (OSError, UnicodeError) as error:
                raise httpx.ConnectError(f"could not resolve {host}") from error
        refused = [str(a) for a in addresses if not self.allowlist.allows(a)]
        if refused or not addresses:
            # The addresses are for the operators' logs, never for the caller's message.
            logger.warning("pull_address_refused", host=host, addresses=refused)
            raise AddressNotAllowed
        return normalised(addresses[0])

    def _transport(self, url: httpx.URL) -> httpx.BaseTransport:
        if self._inner is not None:
            return self._inner
        key = (url.scheme, url.host, url.port or 0)
        transport = self._by_host.get(key)
        if transport is None:
            transport = self._by_host[key] = httpx.HTTPTransport(verify=self._verify)
        return transport
