"""The multi-instance production set-up (tests/cluster.py), once per test session."""
from __future__ import annotations

import os

import pytest

from bot.storage.seed import seed_demo
from tests.servers import write_support


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    from tests.cluster import create_database, drop_database, nginx_binary, start_cluster

    try:
        nginx_binary()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))  # CI installs it: a missing nginx is a broken set-up
        pytest.skip(str(exc))
    db_url = create_database()
    try:
        running = start_cluster(tmp_path_factory.mktemp("cluster"), db_url)
        try:
            yield running
        finally:
            running.stop()
            running.sessions.kw["bind"].dispose()
    finally:
        drop_database(db_url)


@pytest.fixture
def fresh_cluster(cluster):
    """The cluster with the demo data re-seeded and support hours open."""
    seed_demo(cluster.sessions, reset=True)
    write_support(cluster.support_file)
    return cluster
