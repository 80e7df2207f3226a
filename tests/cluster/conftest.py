from tests.cluster_fixtures import pg_url, private_redis, shared_redis, start_node  # noqa: F401
from tests.server_fixtures import peers  # noqa: F401
