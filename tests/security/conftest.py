from tests.server_fixtures import database_url, http, peers, server, start_server  # noqa: F401
