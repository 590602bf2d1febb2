"""The sans-IO core shared by ``Client`` and ``AsyncClient``.

Everything that decides *what* to send and *what a response means* lives here: configuration resolution, request
building, retry decisions, error mapping, response parsing and server-sent-event decoding. The two clients only move
bytes (``httpx.Client`` / ``httpx.AsyncClient``) and sleep (``time.sleep`` / ``asyncio.sleep``), so a behaviour is
written, and tested, once.

The retry loop is a generator (:func:`exchange`) that yields :class:`Send` and :class:`Sleep` actions and receives
responses or transport errors; the sync and async drivers in ``transport.py`` each interpret it in a dozen lines.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from cloakr import __version__
from cloakr.constants import KEY_REGION_CODES, SUPPORTED_REGIONS
from cloakr.sdk import errors

T = TypeVar("T")

ENV_API_KEY = "CLOAKR_API_KEY"
ENV_BASE_URL = "CLOAKR_BASE_URL"
ENV_BASE_URL_TEMPLATE = "CLOAKR_BASE_URL_TEMPLATE"
ENV_REGION = "CLOAKR_REGION"
ENV_TIMEOUT = "CLOAKR_TIMEOUT"
ENV_MAX_RETRIES = "CLOAKR_MAX_RETRIES"
#: Where a region's gateway lives when no base URL is given. Deployments put their own custom domain here through
#: ``CLOAKR_BASE_URL_TEMPLATE`` (e.g. ``https://cloakr.{region}.corp.example``); ``{region}`` is the AWS region.
DEFAULT_BASE_URL_TEMPLATE = "https://api.{region}.cloakr.example"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 3
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Retried statuses: throttling, and server-side failures that may be transient (Cloakr fails closed, so a 5xx
#: means nothing was forwarded and the call can be made again).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: 409 codes that mean "try again shortly" rather than "this conflicts for good": the gateway answers
#: ``request_in_progress`` (with ``Retry-After``) while the first request with the same Idempotency-Key still runs.
RETRYABLE_CONFLICT_CODES = frozenset({"request_in_progress"})
#: Methods HTTP defines as idempotent; POSTs are retried only when they carry an ``Idempotency-Key``.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def region_from_api_key(api_key: str) -> str | None:
    """The home region encoded in a key (``ck_<code>_<id>_<secret>``), or None for a key of another shape."""
    parts = api_key.split("_")
    if len(parts) >= 3 and parts[0] == "ck":
        return KEY_REGION_CODES.get(parts[1])
    return None


def base_url_for_region(region: str, template: str | None = None) -> str:
    template = template or os.environ.get(ENV_BASE_URL_TEMPLATE) or DEFAULT_BASE_URL_TEMPLATE
    if "{region}" not in template:
        raise errors.CloakrError(f"base URL template {template!r} must contain '{{region}}'")
    return template.format(region=region)


@dataclass(frozen=True)
class Options:
    """Resolved client configuration. Built once per client by :func:`resolve_options`."""

    base_url: str
    api_key: str | None
    region: str | None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    #: First back-off delay in seconds; attempt n waits a random time in [0, min(cap, base * 2**n)] ("full jitter").
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    #: Longest ``Retry-After`` the client will honour by sleeping; longer hints raise ``RateLimitError`` at once.
    max_retry_after: float = 60.0
    default_headers: Mapping[str, str] = field(default_factory=dict)


def resolve_options(api_key: str | None = None, region: str | None = None, base_url: str | None = None,
                    timeout: float | None = None, max_retries: int | None = None,
                    default_headers: Mapping[str, str] | None = None, **tuning: float) -> Options:
    """Explicit arguments win over the environment; the region falls back to the one named in the key.

    Base URL precedence: ``base_url=`` > the URL of an explicit ``region=`` (from the template) > ``CLOAKR_BASE_URL``
    > the URL of ``CLOAKR_REGION`` or of the key's region. An explicit region must not be silently overridden by an
    environment variable: ``client.region`` would then name a region the requests do not go to.
    """
    api_key = clean_api_key(api_key or os.environ.get(ENV_API_KEY))
    explicit_region = region
    region = region or os.environ.get(ENV_REGION) or (region_from_api_key(api_key) if api_key else None)
    if region is not None and region not in SUPPORTED_REGIONS:
        raise errors.CloakrError(f"unknown region {region!r}; Cloakr runs in {', '.join(SUPPORTED_REGIONS)}")
    if not base_url and explicit_region:
        base_url = base_url_for_region(explicit_region)
    base_url = base_url or os.environ.get(ENV_BASE_URL)
    if not base_url:
        if region is None:
            raise errors.CloakrError(
                "no endpoint: pass base_url=, region=, or set CLOAKR_BASE_URL / CLOAKR_REGION "
                "(or use an API key whose prefix names its region)")
        base_url = base_url_for_region(region)
    base_url = base_url.rstrip("/")
    base_url = base_url.removesuffix("/v1")  # accept the OpenAI-style base URL too
    try:
        timeout = timeout if timeout is not None else _env_number(ENV_TIMEOUT, float)
        max_retries = max_retries if max_retries is not None else _env_number(ENV_MAX_RETRIES, int)
    except ValueError as exc:
        raise errors.CloakrError(str(exc)) from None
    if timeout is not None and timeout <= 0:
        raise errors.CloakrError("timeout must be positive")
    if max_retries is not None and max_retries < 0:
        raise errors.CloakrError("max_retries must be zero or more")
    return Options(base_url=base_url, api_key=api_key, region=region,
                   timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
                   max_retries=DEFAULT_MAX_RETRIES if max_retries is None else int(max_retries),
                   default_headers=dict(default_headers or {}), **tuning)


def clean_api_key(api_key: str | None) -> str | None:
    """The key without surrounding whitespace (a trailing newline from ``$(cat key.txt)`` or a secret file is the
    usual case), or None when empty.

    A key that still holds characters an HTTP header cannot carry is refused here, at construction: sent as is, httpx
    would fail with an error quoting the whole ``Authorization`` header, and the retry loop would mistake it for a
    connection failure. The message never repeats the key.
    """
    if api_key is None:
        return None
    if not isinstance(api_key, str):
        raise errors.AuthenticationError("the API key must be a string", code="invalid_api_key")
    api_key = api_key.strip()
    if not api_key:
        return None
    if not all("!" <= ch <= "~" for ch in api_key):
        raise errors.AuthenticationError(
            "the API key contains spaces, control or non-ASCII characters; check how it was copied (value not shown)",
            code="invalid_api_key")
    return api_key


def _env_number(name: str, kind: type) -> Any:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


@dataclass(frozen=True)
class RequestSpec:
    """One logical API call, before any I/O. ``auth=False`` for absolute URLs (presigned S3 links)."""

    method: str
    path: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    stream: bool = False
    auth: bool = True
    idempotency_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def retry_safe(self) -> bool:
        return self.method in IDEMPOTENT_METHODS or self.idempotency_key is not None


def spec(method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None,
         stream: bool = False, auth: bool = True, idempotency_key: str | None = None,
         headers: Mapping[str, str] | None = None) -> RequestSpec:
    """A spec for a gateway route. Every POST gets an ``Idempotency-Key`` (caller's or a fresh UUID) so it may be
    retried: the gateway answers a repeated key with the first answer instead of acting twice."""
    if method == "POST" and idempotency_key is None:
        idempotency_key = str(uuid.uuid4())
    clean_params = {k: v for k, v in (params or {}).items() if v is not None} or None
    return RequestSpec(method, path, body, clean_params, stream, auth, idempotency_key, dict(headers or {}))


def segment(value: str) -> str:
    """A path segment from a caller-supplied id, escaped so ``../`` or ``/`` cannot change the route."""
    if not value:
        raise errors.CloakrError("an id must not be empty")
    return quote(value, safe="")


def build_request(options: Options, request: RequestSpec) -> httpx.Request:
    headers = {"Accept": "text/event-stream" if request.stream else "application/json",
               "User-Agent": f"cloakr-python/{__version__}", **options.default_headers, **request.headers}
    if request.auth:
        if not options.api_key:
            raise errors.AuthenticationError("no API key: pass api_key= or set CLOAKR_API_KEY")
        headers["Authorization"] = f"Bearer {options.api_key}"
    if request.idempotency_key:
        headers[IDEMPOTENCY_HEADER] = request.idempotency_key
    url = options.base_url + request.path if request.path.startswith("/") else request.path
    return httpx.Request(request.method, url, params=request.params, json=request.json, headers=headers)


# --- the retry loop ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Send:
    request: httpx.Request
    stream: bool


@dataclass(frozen=True)
class Sleep:
    seconds: float


Action = Send | Sleep
Outcome = httpx.Response | httpx.TransportError | None


def backoff_delay(options: Options, attempt: int, retry_after: float | None,
                  rand: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential back-off; a server ``Retry-After`` hint is a floor, never shortened."""
    jittered = rand() * min(options.backoff_cap, options.backoff_base * (2 ** attempt))
    return max(jittered, retry_after) if retry_after is not None else jittered


def transport_error(exc: httpx.TransportError) -> errors.CloakrError:
    """The SDK error for a transport failure. The message names the failure's type and, at most, the operating
    system's reason (``Connection refused``): httpx's own text can quote request headers, the API key included."""
    if isinstance(exc, httpx.TimeoutException):
        return errors.APITimeoutError(f"request timed out ({type(exc).__name__})")
    if isinstance(exc, httpx.LocalProtocolError):
        return errors.ValidationError("the request could not be sent: a header value is not allowed in HTTP "
                                      "(values not shown)", code="invalid_request")
    reason = _os_reason(exc)
    return errors.APIConnectionError(f"could not reach the Cloakr gateway: {type(exc).__name__}"
                                     + (f" ({reason})" if reason else ""))


def _os_reason(exc: BaseException) -> str | None:
    """The ``strerror`` of the first OSError behind ``exc`` (e.g. ``Connection refused``), which carries no data."""
    seen: BaseException | None = exc
    for _ in range(10):  # a bounded walk: a chain can loop
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            return None
        if isinstance(seen, OSError) and isinstance(seen.strerror, str):
            return seen.strerror
    return None


def _retryable_conflict(response: httpx.Response) -> bool:
    """A 409 whose code says the conflict is temporary (see ``RETRYABLE_CONFLICT_CODES``)."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return False
    error = body.get("error") if isinstance(body, Mapping) else None
    return isinstance(error, Mapping) and (error.get("code") in RETRYABLE_CONFLICT_CODES
                                           or error.get("retryable") is True)


def _may_retry(request: RequestSpec, outcome: httpx.Response | httpx.TransportError) -> bool:
    if isinstance(outcome, httpx.Response):
        # 429 means the request was refused before any work: always safe. Other statuses need idempotency.
        if outcome.status_code == 409:
            return request.retry_safe and _retryable_conflict(outcome)
        return outcome.status_code == 429 or (outcome.status_code in RETRY_STATUSES and request.retry_safe)
    if isinstance(outcome, httpx.LocalProtocolError):
        return False  # the request itself cannot be encoded: sending it again fails the same way
    # A connection that was never made cannot have had an effect.
    return isinstance(outcome, (httpx.ConnectError, httpx.ConnectTimeout)) or request.retry_safe


def exchange(options: Options, request: RequestSpec,
             rand: Callable[[], float] = random.random) -> Generator[Action, Outcome, httpx.Response]:
    """Drive one call: send, and on a retryable outcome sleep and send again, up to ``max_retries`` times.

    Returns the successful response; raises the mapped :mod:`~cloakr.sdk.errors` exception otherwise. Drivers must
    have read the body of any error response before sending it back in (streaming calls included).
    """
    http_request = build_request(options, request)
    attempt = 0
    while True:
        outcome = yield Send(http_request, request.stream)
        assert outcome is not None
        if isinstance(outcome, httpx.Response) and outcome.status_code < 400:
            return outcome
        retry_after = None
        if isinstance(outcome, httpx.Response):
            retry_after = errors.parse_retry_after(outcome.headers.get("retry-after"))
        hint_too_long = retry_after is not None and retry_after > options.max_retry_after
        if attempt >= options.max_retries or hint_too_long or not _may_retry(request, outcome):
            if isinstance(outcome, httpx.LocalProtocolError):
                raise transport_error(outcome) from None  # its text quotes the offending header value
            if isinstance(outcome, httpx.TransportError):
                raise transport_error(outcome) from outcome
            raise error_for(outcome)
        yield Sleep(backoff_delay(options, attempt, retry_after, rand))
        attempt += 1


def error_for(response: httpx.Response) -> errors.APIError:
    try:
        body: Any = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    return errors.error_from_response(response.status_code, body, response.headers)


def parse_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise errors.APIError("the gateway answered with a body that is not JSON", status=response.status_code) from None


# --- an operation: a spec plus how to read its answer -----------------------------------------------------------
@dataclass(frozen=True)
class Call(Generic[T]):
    spec: RequestSpec
    parse: Callable[[Any], T]


def identity(data: Any) -> Any:
    return data


# --- server-sent events -------------------------------------------------------------------------------------------
class SSEDecoder:
    """Incremental decoder for ``text/event-stream`` lines; yields each event's JSON data until ``[DONE]``.

    An ``event: error`` (or a data payload shaped ``{"error": {...}}``) mid-stream becomes the mapped exception:
    the gateway fails closed mid-stream too, and the caller must not mistake a truncated answer for a whole one.
    """

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self.done = False

    def feed(self, line: str) -> Iterator[Any]:
        line = line.rstrip("\r")
        if line == "":
            yield from self._dispatch()
        elif line.startswith(":"):
            return
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value

    def close(self) -> Iterator[Any]:
        yield from self._dispatch()

    def _dispatch(self) -> Iterator[Any]:
        if not self._data:
            self._event = ""
            return
        data, event = "\n".join(self._data), self._event
        self._data, self._event = [], ""
        if data.strip() == "[DONE]":
            self.done = True
            return
        try:
            payload = json.loads(data)
        except ValueError:
            raise errors.APIError("malformed event in the chat stream") from None
        if event == "error" or (isinstance(payload, Mapping) and "error" in payload and "choices" not in payload):
            detail = payload.get("error") if isinstance(payload, Mapping) else None
            status = detail.get("status", 500) if isinstance(detail, Mapping) else 500
            raise errors.error_from_response(int(status) if isinstance(status, int) else 500, payload)
        yield payload


def decode_lines(lines: Iterable[str], decoder: SSEDecoder) -> Iterator[Any]:
    for line in lines:
        yield from decoder.feed(line)
        if decoder.done:
            return
    yield from decoder.close()
