from collections.abc import Iterator

import pytest

from tests.alerts.receivers import HttpReceiver, SmtpReceiver
from tests.cluster_fixtures import pg_url, shared_redis, start_node  # noqa: F401
from tests.server_fixtures import database_url, http, peers, server, start_server  # noqa: F401


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    s = SmtpReceiver().start()
    yield s
    s.stop()
