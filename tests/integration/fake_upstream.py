"""A tiny OpenAI-compatible model on 127.0.0.1 that records every body it receives and answers as scripted,
so fault tests can check both what the client saw and that no unredacted byte reached the model."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class FakeUpstream:
    url: str
    received: list[bytes] = field(default_factory=list)
    reply: Reply | None = None

    def saw(self, value: str) -> bool:
        """Whether any received byte sequence contains ``value``."""
        return any(value.encode() in body for body in self.received)


def answer(status: int, body: bytes, content_type: str = "application/json", length: int | None = None) -> Reply:
    """A reply with ``status`` and ``body``; a ``length`` above ``len(body)`` makes a truncated response."""
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True
    return send


def start() -> tuple[FakeUpstream, Callable[[], None]]:
    """Start the fake model; returns it and a stop function."""
    state = FakeUpstream("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state.received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            (state.reply or answer(500, b'{"error": "no reply scripted"}'))(self)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"

    def stop() -> None:
        server.shutdown()
        server.server_close()
    return state, stop
