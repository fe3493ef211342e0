"""Where integrators' webhooks may connect: a server-side request to a URL someone else chose
must not reach our own network (SSRF).

Production takes only addresses on the public internet. It refuses loopback, private (10/8,
172.16/12, 192.168/16, fc00::/7), shared (CGNAT 100.64/10), link-local (169.254/16, where the
clouds answer with their credentials, and fe80::/10), multicast, reserved and unspecified
addresses, and the same IPv4 addresses written as IPv6: IPv4-mapped (`::ffff:127.0.0.1`),
IPv4-compatible (`::127.0.0.1`), 6to4 (`2002:7f00:1::`), NAT64 (`64:ff9b::7f00:1`) and Teredo.
Development and tests take them all, so a receiver on the developer's own machine works.

A name is resolved once per connection, every address it gives is checked, and the connection
goes to an address that was checked: a name that answers a public address to the check and
127.0.0.1 to the connection (DNS rebinding) reaches nothing of ours. The request keeps the name
in its Host header and, over https, TLS verifies the certificate against the name (httpcore's
connection asks the network backend for a socket, then starts TLS with the URL's host).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence

import httpcore
import httpx

# (host, port) -> the addresses to connect to, as getaddrinfo answers them.
Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal")


class RefusedAddress(Exception):
    """An endpoint that is, or resolves to, an address webhooks may not reach."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses that an IPv6 address carries, and that a packet to it may reach."""
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (relay server, client)
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # IPv4-compatible ::a.b.c.d (:: and ::1 are IPv6's own)
        found.append(low32)
    if ip in NAT64:
        found.append(low32)
    return found


def is_public(address: str | IPAddress) -> bool:
    """True for an address on the public internet, in any of the forms it can be written."""
    if isinstance(address, str):
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    else:
        ip = address
    forms: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        forms.extend(_embedded_ipv4(ip))
    return all(form.is_global and not form.is_multicast for form in forms)


def is_local_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES)


def literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def checked_addresses(host: str, port: int, *, production: bool, resolve: Resolver) -> list[str]:
    """The addresses to connect to for `host`, resolved once, each one allowed; raises
    RefusedAddress (or OSError when the name does not resolve)."""
    if production and is_local_name(host):
        raise RefusedAddress(f"{host} is a local name")
    addresses = [host] if literal(host) is not None else list(resolve(host, port))
    if not addresses:
        raise OSError(f"{host} has no address")
    if production:
        for address in addresses:
            if not is_public(address):
                raise RefusedAddress(f"{host} resolves to {address}, which is not a public internet address")
    return addresses


class PinnedNetwork(httpcore.AsyncNetworkBackend):
    """Opens each connection to an address checked the moment before, never to whatever the
    name resolves to later."""

    def __init__(self, *, production: bool, resolve: Resolver = system_resolver) -> None:
        self.production = production
        self.resolve = resolve
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await asyncio.to_thread(
            checked_addresses, host, port, production=self.production, resolve=self.resolve
        )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._backend.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress("webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, over a connection pool that connects through PinnedNetwork
    (httpx takes no network backend itself; httpcore's pool does)."""

    def __init__(self, network: PinnedNetwork, *, limits: httpx.Limits, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=network,
        )
