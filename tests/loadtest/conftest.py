from tests.cluster_fixtures import pg_url, shared_redis, start_node  # noqa: F401
