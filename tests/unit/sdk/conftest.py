"""A scripted fake gateway on ``httpx.MockTransport``: tests of the SDK's own logic (retries, errors, parsing).

The SDK against the real local gateway is tested in ``tests/e2e/test_sdk_*.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from cloakr.sdk import AsyncClient, Client


class Script:
    """Answers requests from a list of responses (or exceptions), recording every request it saw."""

    def __init__(self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, **kwargs) -> Client:
        return Client(api_key="ck_euc1_k1_secret", base_url="http://gateway.test", sleep=self.sleep,
                      http_client=httpx.Client(transport=httpx.MockTransport(self)), **kwargs)

    def async_client(self, **kwargs) -> AsyncClient:
        async def handler(request: httpx.Request) -> httpx.Response:
            return self(request)

        return AsyncClient(api_key="ck_euc1_k1_secret", base_url="http://gateway.test", sleep=self.asleep,
                           http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **kwargs)


def error(status: int, code: str, message: str = "refused", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}}, headers=headers)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLOAKR_API_KEY", "CLOAKR_BASE_URL", "CLOAKR_BASE_URL_TEMPLATE", "CLOAKR_REGION",
                 "CLOAKR_TIMEOUT", "CLOAKR_MAX_RETRIES"):
        monkeypatch.delenv(name, raising=False)
