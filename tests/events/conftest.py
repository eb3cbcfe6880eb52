from tests.attach.conftest import bearer_server, none_server, open_server  # noqa: F401 - shared live servers
