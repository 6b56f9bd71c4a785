"""The stripe library's HTTP transport on http.client: one kept-alive connection per thread.

The library's default transport goes through `requests`, whose session and
adapter layers (environment proxies looked up on every call, URL and header
preparation, cookie jars) cost more CPU than the rest of a webhook's handling.
The library keeps everything above the transport: headers, the Idempotency-Key,
retries with backoff and the error classes each answer maps to.
"""

import http.client
import ssl
import textwrap
import threading
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit
from urllib.request import getproxies

import stripe
from requests.structures import CaseInsensitiveDict

from core.sockets import idle_socket_readable

# As the library's `requests` transport: connect and each read time out after 80 s.
TIMEOUT_SECONDS = 80.0

Connection = http.client.HTTPConnection

# How a connection the server closed shows when it is used: no answer, a reset, a broken pipe.
CLOSED_WHILE_IDLE = (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError)


class KeepAliveClient(stripe.HTTPClient):
    """Plain http.client, TLS verified against the library's certificate bundle."""

    name = "http.client"

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__(verify_ssl_certs=True)
        self._timeout = timeout
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = None

    # The body as bytes, as the library's `requests` transport returns it (its own hint says str).
    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = post_data.encode() if isinstance(post_data, str) else post_data
        for _attempt in range(2):
            connection = self._connection(parts.scheme, parts.netloc)
            reused = connection.sock is not None
            try:
                connection.request(method.upper(), target, body=body, headers=dict(headers or {}))
                response = connection.getresponse()
                content = response.read()
                break
            except CLOSED_WHILE_IDLE as error:
                # A server may close an idle connection as we reuse it; a new one gets a fresh try.
                # Sending twice is safe: reads change nothing and every write carries an
                # Idempotency-Key.
                self._drop()
                if not reused:
                    self._fail(error, retry=True)
            except ssl.SSLError as error:  # as the library's transport: a TLS failure is not retried
                self._drop()
                self._fail(error, retry=False)
            except (OSError, http.client.HTTPException) as error:  # timeouts, refusals, garbled answers
                self._drop()
                self._fail(error, retry=True)
        if response.will_close:
            self._drop()
        return content, response.status, CaseInsensitiveDict(response.getheaders())

    def _connection(self, scheme: str, netloc: str) -> Connection:
        """This thread's open connection to the address; a new one if the server has closed it."""
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is not None and (self._local.address != (scheme, netloc) or _dropped(connection)):
            self._drop()
            connection = None
        if connection is None:
            if scheme == "https":
                if self._tls is None:
                    self._tls = ssl.create_default_context(cafile=stripe.ca_bundle_path)
                connection = http.client.HTTPSConnection(netloc, timeout=self._timeout, context=self._tls)
            elif scheme == "http":
                connection = http.client.HTTPConnection(netloc, timeout=self._timeout)
            else:
                self._fail(ValueError(f"unsupported scheme {scheme!r}"), retry=False)
            self._local.connection, self._local.address = connection, (scheme, netloc)
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _fail(self, error: Exception, *, retry: bool) -> NoReturn:
        """The library's connection error, worded as its own transports word it."""
        message = textwrap.fill(
            "Unexpected error communicating with Stripe. If this problem persists, "
            "let us know at support@stripe.com."
        )
        raise stripe.APIConnectionError(
            f"{message}\n\n(Network error: {type(error).__name__}: {error})", should_retry=retry
        ) from error

    def close(self) -> None:
        self._drop()


def _dropped(connection: Connection) -> bool:
    """An idle kept-alive socket that reads as ready has been closed by the server (or sent junk)."""
    sock = connection.sock
    if sock is None:
        return False  # not connected yet: http.client connects on the next request
    return idle_socket_readable(sock)


def http_client() -> stripe.HTTPClient:
    """Ours, unless the environment names a proxy: then the library's own, which honours it."""
    if set(getproxies()) - {"no"}:
        return stripe.RequestsClient(timeout=TIMEOUT_SECONDS)
    return KeepAliveClient()
