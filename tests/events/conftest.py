"""Events fixtures: the attach tests' live servers and their in-process networks."""

from tests.attach.conftest import (  # noqa: F401 - shared live servers and their in-process networks
    bearer_network,
    bearer_server,
    none_network,
    none_server,
    open_network,
    open_server,
    own_hub,
    public_none_network,
    public_none_server,
)
