from pathlib import Path

from tests.fixtures.tiers import _rollback, marker_hook  # noqa: F401  (overrides the unit tier's)

pytest_collection_modifyitems = marker_hook(Path(__file__).parent, "integration")
