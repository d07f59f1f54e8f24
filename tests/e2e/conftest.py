"""End-to-end tests talk to the running stack over the REST channel."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def bot(fresh_stack):
    """The running assistant, with the demo data freshly re-seeded for this test."""
    return fresh_stack


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"
