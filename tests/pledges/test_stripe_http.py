"""The Stripe transport: kept-alive connections, a server that closed one, retries, timeouts, proxies."""

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from pledges import stripe_gateway as gateway
from pledges.exceptions import PaymentProviderUnavailable
from pledges.stripe_http import KeepAliveClient, http_client


class Server:
    """An HTTP/1.1 server answering `{"id": ...}`. It can close each connection after one answer,
    drop the first N requests without any answer, or drop every second request on a connection."""

    def __init__(
        self, *, close_after_answer: bool = False, drop_first: int = 0, drop_reuse: bool = False
    ) -> None:
        self.connections = 0
        self.requests: list[tuple[str, str, str | None]] = []
        self.drop_first = drop_first
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                owner.connections += 1
                self.served = 0

            def do_GET(self) -> None:
                self.served += 1
                if owner.drop_first or (drop_reuse and self.served > 1):
                    owner.drop_first = max(0, owner.drop_first - 1)
                    self.close_connection = True
                    return  # no answer at all: the client sees the connection end
                owner.requests.append((self.command, self.path, self.headers.get("Idempotency-Key")))
                payload = b'{"id": "ch_1", "object": "charge"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = close_after_answer  # without saying so in a header

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server_for(settings) -> Iterator:
    servers: list[Server] = []

    def make(**options: object) -> Server:
        server = Server(**options)  # type: ignore[arg-type]
        servers.append(server)
        settings.STRIPE_API_BASE = server.base_url
        return server

    yield make
    for server in servers:
        server.stop()


def test_one_connection_carries_many_reads(server_for):
    server = server_for()
    for _ in range(3):
        assert gateway.retrieve("charge", "ch_1")["id"] == "ch_1"
    assert server.connections == 1
    assert [path for _method, path, _key in server.requests] == ["/v1/charges/ch_1"] * 3


def test_a_connection_the_server_closed_while_idle_is_replaced(server_for):
    server = server_for(close_after_answer=True)
    for _ in range(3):
        assert gateway.retrieve("charge", "ch_1")["id"] == "ch_1"
    assert server.connections == 3


def test_a_kept_connection_closed_as_it_is_reused_gets_one_fresh_try_even_without_retries(
    server_for, settings
):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    server = server_for(drop_reuse=True)  # closes the connection at its second request, unanswered
    for _ in range(3):
        assert gateway.retrieve("charge", "ch_1")["id"] == "ch_1"
    assert len(server.requests) == 3 and server.connections == 3


def test_a_request_left_unanswered_is_retried_when_retries_are_configured(server_for, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    server = server_for(drop_first=1)
    assert gateway.retrieve("charge", "ch_1")["id"] == "ch_1"
    assert len(server.requests) == 1 and server.connections == 2


def test_a_request_left_unanswered_without_retries_is_the_provider_unavailable(server_for, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    server_for(drop_first=1)
    with pytest.raises(PaymentProviderUnavailable) as raised:
        gateway.retrieve("charge", "ch_1")
    assert isinstance(raised.value.__cause__, stripe.APIConnectionError)
    assert raised.value.__cause__.should_retry


def test_an_answer_that_never_comes_times_out_as_a_retryable_connection_error():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (the backlog) and never answers
    try:
        port = listener.getsockname()[1]
        with pytest.raises(stripe.APIConnectionError) as raised:
            KeepAliveClient(timeout=0.2).request("get", f"http://127.0.0.1:{port}/v1/charges/ch_1", {})
        assert raised.value.should_retry
        assert isinstance(raised.value.__cause__, TimeoutError)
    finally:
        listener.close()


def test_a_proxy_in_the_environment_is_honoured_by_the_librarys_own_transport(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert isinstance(http_client(), stripe.RequestsClient)
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.delenv("https_proxy", raising=False)
    assert isinstance(http_client(), KeepAliveClient)
