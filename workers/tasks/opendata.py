from commissioning.opendata.operations import publish_releases
from workers.base import task


@task("opendata.publish_releases", max_retries=3)
def publish_ocds_releases():
    """Store a new OCDS release for each procurement whose public state changed since its last one."""
    return publish_releases()
