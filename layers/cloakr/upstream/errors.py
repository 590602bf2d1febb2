"""The one error every provider raises: a stable code, a message safe to show, and the status to answer with."""

from __future__ import annotations


class UpstreamError(Exception):
    def __init__(self, code: str, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500
