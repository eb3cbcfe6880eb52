from tests.attach.conftest import (  # noqa: F401 - shared live servers
    bearer_server,
    none_server,
    open_server,
    public_none_server,
)
