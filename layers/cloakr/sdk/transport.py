"""The only code that touches the network: drivers that run :func:`cloakr.sdk._core.exchange` on httpx.

Kept to the bare interpretation of ``Send``/``Sleep`` actions so that the sync and async clients cannot drift in
behaviour; retry, error and parsing decisions all live in the core.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator

import httpx

from cloakr.sdk._core import Action, Outcome, Send, Sleep


def run_sync(flow: Generator[Action, Outcome, httpx.Response], client: httpx.Client,
             sleep: Callable[[float], None] = time.sleep) -> httpx.Response:
    try:
        action = next(flow)
        while True:
            if isinstance(action, Sleep):
                sleep(action.seconds)
                action = flow.send(None)
                continue
            try:
                response = client.send(action.request, stream=action.stream)
                if action.stream and response.status_code >= 400:
                    response.read()  # the core reads the error body; a stream would leave it unread
            except httpx.TransportError as exc:
                action = flow.send(exc)
            else:
                action = flow.send(response)
    except StopIteration as done:
        return done.value


async def run_async(flow: Generator[Action, Outcome, httpx.Response], client: httpx.AsyncClient,
                    sleep: Callable[[float], object] = asyncio.sleep) -> httpx.Response:
    try:
        action = next(flow)
        while True:
            if isinstance(action, Send):
                try:
                    response = await client.send(action.request, stream=action.stream)
                    if action.stream and response.status_code >= 400:
                        await response.aread()
                except httpx.TransportError as exc:
                    action = flow.send(exc)
                else:
                    action = flow.send(response)
            else:
                await sleep(action.seconds)  # type: ignore[misc]
                action = flow.send(None)
    except StopIteration as done:
        return done.value
