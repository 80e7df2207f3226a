from tests.cluster_fixtures import start_node  # noqa: F401
from tests.server_fixtures import peers  # noqa: F401
