"""Requests medreg makes to addresses someone else chose: institution webhooks, typed by an institution's clerk, made so
they cannot reach where they do not belong (SSRF), and disclosure channels, the operator's configuration, which may
be anywhere the operator wrote (`ANYWHERE`) but are otherwise made the same way.

- Only `http` and `https`, a host name, no user or password in the address, a valid port.
- The host is resolved and **every** address it resolves to must be public: not private, loopback, link-local
  (169.254.169.254, the cloud metadata address, is link-local), multicast, reserved, unspecified, shared (100.64/10)
  or site-local — unless it lies in a network the operator allows (`MEDREG_ALLOWED_PUSH_NETWORKS`, CIDR list).
- The connection goes to the address that was checked (no second resolution a DNS rebinding could change), TLS
  still verifies the certificate for the host name.
- Redirects are never followed (a 3xx is a failure), time-outs are short (TIMEOUT_SECONDS), the answer body is not
  read beyond a few kilobytes.

`check_url` runs when an address is set (the webhook form) and `post` checks again when it is used.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 5.0
# What `post` answers when the site took longer than the time-out to connect or to answer (socket.timeout's own words).
TIMED_OUT = "timed out"
MAX_URL_LENGTH = 500
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Every network: for an address the operator wrote in the configuration (a disclosure channel), not a user.
ANYWHERE = ("0.0.0.0/0", "::/0")


class Blocked(ValueError):
    """The address may not be pushed to; the message (Chinese) says why."""


def networks(allowed: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(item, strict=False) for item in allowed]


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_link_local)


def parsed(url: object) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable address, or Blocked."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise Blocked(f"应为不超过{MAX_URL_LENGTH}个字符的 http:// 或 https:// 网址")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise Blocked("网址格式有误（主机名或端口不合法）") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Blocked("应为 http:// 或 https:// 开头的网址")
    if parts.username is not None or parts.password is not None:
        raise Blocked("网址中不能包含用户名或密码")
    try:
        host.encode("idna")
    except UnicodeError:
        raise Blocked("主机名不合法") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int, allowed: Iterable[str]) -> list[str]:
    """Every address `host` resolves to, each checked; Blocked if any is not public (and not allowed)."""
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise Blocked(f"无法解析主机名 {host}") from None
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise Blocked(f"无法解析主机名 {host}")
    permitted = networks(allowed)
    for address in found:
        if not is_public(address) and not any(address in network for network in permitted):
            raise Blocked(f"不允许推送到内网、本机、链路本地、组播或保留地址（{address}）")
    return [str(address) for address in found]


def check_url(url: object, allowed: Iterable[str], resolve_host: bool = True) -> str:
    """The address, if it may be pushed to; Blocked otherwise."""
    _, host, port, _ = parsed(url)
    if resolve_host:
        resolve(host, port, allowed)
    return str(url)


def _no_delay(sock: socket.socket) -> socket.socket:
    """As http.client's own connect does: a request's headers and body are two writes, and on a kept connection
    Nagle's algorithm would hold the body back until the site acknowledges the headers (up to 40 ms, delayed ACK)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    return sock


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = _no_delay(socket.create_connection((self.address, self.port), self.timeout))


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        raw = _no_delay(socket.create_connection((self.address, self.port), self.timeout))
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def _pinned(scheme: str, host: str, address: str, port: int, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection (not yet open) to `address`, the checked address of `host`, and that address."""
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return connection_class(host, address, port, timeout), address


class Connections:
    """Connections kept open across the posts of one batch, one per scheme, host and port (HTTP keep-alive), each to
    the address checked when it was opened; all closed at the end of the `with` block. Pushing a portion of the
    delivery backlog so costs one connection per channel, not one per record."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, str, int], tuple[http.client.HTTPConnection, str]] = {}

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *exc: object) -> None:
        for connection, _ in self._open.values():
            connection.close()
        self._open.clear()

    def _drop(self, key: tuple[str, str, int]) -> None:
        connection, _ = self._open.pop(key, (None, ""))
        if connection is not None:
            connection.close()

    def post(self, url: str, body: bytes, headers: dict[str, str], allowed: Iterable[str],
             timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
        try:
            scheme, host, port, path = parsed(url)
            key = (scheme, host, port)
            if key not in self._open:
                self._open[key] = _pinned(scheme, host, resolve(host, port, allowed)[0], port, timeout)
        except Blocked as blocked:
            return False, f"已拒绝：{blocked}"
        sent_headers = {**headers, "Host": host if port in (80, 443) else f"{host}:{port}"}
        for retry in (False, True):
            connection, address = self._open[key]
            reused = connection.sock is not None
            try:
                connection.request("POST", path, body=body, headers=sent_headers)
                response = connection.getresponse()
                response.read(4096)
                if response.will_close or not response.isclosed():  # the site closes, or sent more than is read
                    self._drop(key)
                if 300 <= response.status < 400:
                    return False, f"HTTP {response.status}（不跟随重定向）"
                return 200 <= response.status < 300, f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as error:
                self._drop(key)
                if isinstance(error, TimeoutError):
                    return False, TIMED_OUT
                # A kept connection the site closed while it was idle: open a new one to the same address, once.
                if reused and not retry and isinstance(error, STALE_CONNECTION):
                    self._open[key] = _pinned(scheme, host, address, port, timeout)
                    continue
                return False, str(error) or type(error).__name__
        raise AssertionError("unreachable")


STALE_CONNECTION = (http.client.RemoteDisconnected, http.client.CannotSendRequest, BrokenPipeError, ConnectionResetError)


def post(url: str, body: bytes, headers: dict[str, str], allowed: Iterable[str],
         timeout: float = TIMEOUT_SECONDS, connections: Connections | None = None) -> tuple[bool, str]:
    """POST `body`; (a 2xx came back, what happened). Never follows a redirect; a blocked address is a failure.
    On `connections`' kept connection if given, else on one of its own."""
    if connections is not None:
        return connections.post(url, body, headers, allowed, timeout)
    with Connections() as once:
        return once.post(url, body, headers, allowed, timeout)
