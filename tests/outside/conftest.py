from tests.server_fixtures import database_url, http, server, start_server  # noqa: F401
