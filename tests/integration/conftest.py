from pathlib import Path

import pytest

from tests.fixtures.tiers import _rollback, marker_hook  # noqa: F401  (overrides the unit tier's)
from tests import services

pytest_collection_modifyitems = marker_hook(Path(__file__).parent, "integration")


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own (tests/services.py), which it may stop, start and empty."""
    server = services.PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
