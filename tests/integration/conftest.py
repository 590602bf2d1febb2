"""Integration tests drive the resolver with API Gateway events against moto (the shared ``services`` fixture)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def aws(services):
    """Every integration test runs against moto; returns role -> table name."""
    return services.tables


@pytest.fixture
def authorized_event(services):
    """An event from the test tenant's admin key, as the authorizer passes it on."""
    return services.event
