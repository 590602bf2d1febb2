"""``Client`` and ``AsyncClient``: thin httpx shells around the shared core in ``_core.py``/``_api.py``.

Only the methods whose I/O differs between sync and async live here: sending, streaming chat, auto-pagination and
the export download. Both clients own their httpx client unless one is passed in, and close it on ``close()`` /
exit from ``with`` / ``async with``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self

import httpx
from pydantic import ValidationError as PydanticValidationError

from cloakr.sdk import models as m
from cloakr.sdk._api import ApiMethods
from cloakr.sdk._core import (
    Call,
    RequestSpec,
    Sleep,
    SSEDecoder,
    exchange,
    parse_json,
    resolve_options,
    spec,
    transport_error,
)
from cloakr.sdk.errors import APIConnectionError, APIError, CloakrError
from cloakr.sdk.transport import run_async, run_sync

#: ``progress(bytes_done, bytes_total_or_None)``, called as a download proceeds.
Progress = Callable[[int, "int | None"], None]
When = datetime | date | str | None


#: What a parser raises on a body of the wrong shape (a proxy's page, a gateway of another version).
SHAPE_ERRORS = (PydanticValidationError, AttributeError, KeyError, IndexError, TypeError, ValueError)


def _parse(call: Call[Any], response: httpx.Response) -> Any:
    data = parse_json(response) if response.content else None
    try:
        return call.parse(data)
    except SHAPE_ERRORS:
        raise _unexpected_shape(response.status_code) from None


def _unexpected_shape(status: int | None) -> APIError:
    """A success status with a body the SDK cannot read is an error, not a half-filled result. The message leaves
    out the body (pydantic would quote it), which may hold the caller's restored personal data."""
    return APIError("the gateway answered with a body of an unexpected shape", status=status, code="unexpected_response")


def _download_spec(url: str):
    return spec("GET", url, stream=True, auth=False)  # a presigned URL carries its own authorization


def _report_link(report: m.ComplianceReport) -> str:
    if not report.download_url:
        reason = f": {report.message}" if report.message else ""
        raise CloakrError(f"report {report.id} has no download link (status {report.status}){reason}")
    return report.download_url


def _total(response: httpx.Response) -> int | None:
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


class _Download:
    """Writes a streamed body to ``<path>.part``, reporting progress, and renames it into place only when complete,
    so an interrupted download never leaves a truncated file under the real name."""

    def __init__(self, path: str | os.PathLike[str], response: httpx.Response, progress: Progress | None) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".part")
        self.total = _total(response)
        self.done = 0
        self.progress = progress

    def __enter__(self) -> Self:
        self._file = self.partial.open("wb")
        return self

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.done += len(chunk)
        if self.progress:
            self.progress(self.done, self.total)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self._file.close()
        if exc is None:
            self.partial.replace(self.path)
            return
        self.partial.unlink(missing_ok=True)
        if isinstance(exc, httpx.TransportError):
            raise transport_error(exc) from exc


class _Chunks:
    """Turns SSE lines into chat chunks; shared by the sync and async streams."""

    def __init__(self) -> None:
        self.decoder = SSEDecoder()

    def feed(self, line: str) -> list[m.ChatCompletionChunk]:
        return [self._chunk(p) for p in self.decoder.feed(line)]

    def close(self) -> list[m.ChatCompletionChunk]:
        """The last chunks; raises if the stream ended without ``[DONE]``: the gateway always sends it, so its absence
        means the connection was cut and the answer is truncated, which the caller must not take for a whole one."""
        chunks = [self._chunk(p) for p in self.decoder.close()]
        if not self.decoder.done:
            raise APIConnectionError("the chat stream ended before [DONE]: the answer is incomplete")
        return chunks

    @staticmethod
    def _chunk(payload: Any) -> m.ChatCompletionChunk:
        try:
            return m.ChatCompletionChunk.model_validate(payload)
        except PydanticValidationError:
            raise _unexpected_shape(None) from None


class ChatStream:
    """Iterator of :class:`~cloakr.sdk.models.ChatCompletionChunk`; ``headers`` has Cloakr's redaction counts.

    The request is sent when the stream is created, so a refused request (auth, residency) raises at the call site,
    not at the first ``next()``.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.headers = response.headers

    def __iter__(self) -> Iterator[m.ChatCompletionChunk]:
        chunks = _Chunks()
        try:
            for line in self.response.iter_lines():
                yield from chunks.feed(line)
                if chunks.decoder.done:
                    return
            yield from chunks.close()
        except httpx.TransportError as exc:
            raise transport_error(exc) from exc
        finally:
            self.close()

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatStream:
    """Async iterator of chunks; see :class:`ChatStream`."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.headers = response.headers

    async def __aiter__(self) -> AsyncIterator[m.ChatCompletionChunk]:
        chunks = _Chunks()
        try:
            async for line in self.response.aiter_lines():
                for chunk in chunks.feed(line):
                    yield chunk
                if chunks.decoder.done:
                    return
            for chunk in chunks.close():
                yield chunk
        except httpx.TransportError as exc:
            raise transport_error(exc) from exc
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Client(ApiMethods):
    """Synchronous Cloakr client.

    ``Client()`` reads ``CLOAKR_API_KEY`` and ``CLOAKR_BASE_URL``/``CLOAKR_REGION``; with only a key, the key's
    region prefix picks the regional endpoint (see ``docs/sdk.md``).
    """

    def __init__(self, api_key: str | None = None, *, region: str | None = None, base_url: str | None = None,
                 timeout: float | None = None, max_retries: int | None = None,
                 default_headers: Mapping[str, str] | None = None, webhook_secret: str | None = None,
                 http_client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(webhook_secret)
        self._options = resolve_options(api_key, region, base_url, timeout, max_retries, default_headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self._options.timeout)
        self._sleep = sleep

    def _send(self, request_spec: RequestSpec) -> httpx.Response:
        return run_sync(exchange(self._options, request_spec), self._http, self._sleep)

    def _execute(self, call: Call[Any]) -> Any:
        return _parse(call, self._send(call.spec))

    def chat_stream(self, *, model: str, messages: Sequence[Mapping[str, Any]], idempotency_key: str | None = None,
                    **options: Any) -> ChatStream:
        return ChatStream(self._send(self._chat_stream_spec(model, messages, options, idempotency_key)))

    def list_audit_events(self, *, start: When = None, end: When = None, action: str | None = None,
                          user_id: str | None = None, category: str | None = None,
                          page_size: int | None = None) -> Iterator[m.AuditEvent]:
        """Every matching event, fetching pages lazily as the iterator is consumed."""
        filters = self._audit_filters(start, end, action, user_id, category, page_size)
        token: str | None = None
        while True:
            page = self._execute(self._audit_page(filters, token))
            yield from page.events
            token = page.next_token
            if not token:
                return

    def download_audit_logs(self, export_id: str, path: str | os.PathLike[str], *, wait: float = 300.0,
                            poll_interval: float = 2.0, progress: Progress | None = None) -> Path:
        """Wait up to ``wait`` seconds for the export, then stream its presigned URL to ``path``."""
        flow = self._export_url_flow(export_id, wait, poll_interval)
        try:
            step = next(flow)
            while True:
                step = flow.send(self._sleep(step.seconds) if isinstance(step, Sleep) else self._execute(step))
        except StopIteration as ready:
            url = ready.value
        return self._stream_to(url, path, progress)

    def download_compliance_report(self, report_id: str, path: str | os.PathLike[str], *,
                                   progress: Progress | None = None) -> Path:
        """Stream a stored report to ``path`` through a fresh presigned link."""
        return self._stream_to(_report_link(self.get_compliance_report(report_id)), path, progress)

    def _stream_to(self, url: str, path: str | os.PathLike[str], progress: Progress | None) -> Path:
        response = self._send(_download_spec(url))
        try:
            with _Download(path, response, progress) as sink:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
        finally:
            response.close()
        return sink.path

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(ApiMethods):
    """Asynchronous Cloakr client: the same methods as :class:`Client`, each returning an awaitable
    (``chat_stream`` returns an :class:`AsyncChatStream`, ``list_audit_events`` an async iterator)."""

    def __init__(self, api_key: str | None = None, *, region: str | None = None, base_url: str | None = None,
                 timeout: float | None = None, max_retries: int | None = None,
                 default_headers: Mapping[str, str] | None = None, webhook_secret: str | None = None,
                 http_client: httpx.AsyncClient | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        super().__init__(webhook_secret)
        self._options = resolve_options(api_key, region, base_url, timeout, max_retries, default_headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self._options.timeout)
        self._sleep = sleep

    async def _send(self, request_spec: RequestSpec) -> httpx.Response:
        return await run_async(exchange(self._options, request_spec), self._http, self._sleep)

    async def _execute(self, call: Call[Any]) -> Any:  # type: ignore[override]
        return _parse(call, await self._send(call.spec))

    async def chat_stream(self, *, model: str, messages: Sequence[Mapping[str, Any]],  # type: ignore[override]
                          idempotency_key: str | None = None, **options: Any) -> AsyncChatStream:
        return AsyncChatStream(await self._send(self._chat_stream_spec(model, messages, options, idempotency_key)))

    async def list_audit_events(self, *, start: When = None, end: When = None, action: str | None = None,
                                user_id: str | None = None, category: str | None = None,
                                page_size: int | None = None) -> AsyncIterator[m.AuditEvent]:
        filters = self._audit_filters(start, end, action, user_id, category, page_size)
        token: str | None = None
        while True:
            page = await self._execute(self._audit_page(filters, token))
            for event in page.events:
                yield event
            token = page.next_token
            if not token:
                return

    async def download_audit_logs(self, export_id: str, path: str | os.PathLike[str], *,  # type: ignore[override]
                                  wait: float = 300.0, poll_interval: float = 2.0,
                                  progress: Progress | None = None) -> Path:
        flow = self._export_url_flow(export_id, wait, poll_interval)
        try:
            step = next(flow)
            while True:
                step = flow.send(await (self._sleep(step.seconds) if isinstance(step, Sleep) else self._execute(step)))
        except StopIteration as ready:
            url = ready.value
        return await self._stream_to(url, path, progress)

    async def download_compliance_report(self, report_id: str, path: str | os.PathLike[str], *,
                                         progress: Progress | None = None) -> Path:
        """Stream a stored report to ``path`` through a fresh presigned link."""
        return await self._stream_to(_report_link(await self.get_compliance_report(report_id)), path, progress)

    async def _stream_to(self, url: str, path: str | os.PathLike[str], progress: Progress | None) -> Path:
        response = await self._send(_download_spec(url))
        try:
            with _Download(path, response, progress) as sink:
                async for chunk in response.aiter_bytes():
                    sink.write(chunk)
        finally:
            await response.aclose()
        return sink.path

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
