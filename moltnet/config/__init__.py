"""The `Moltnet` server config file: discovery, strict decoding, defaults, validation, env overrides
(docs/protocol/config.md).

`model` holds the dataclasses and constants, `typed` decodes YAML/JSON into typed values as Go
does, `decode` reads and merges a file, `validate` checks it with the Go server's messages,
`startable` is what start-up refuses beyond the file rules, `hints` adds line/column and "did you
mean", `load` is what `moltnet start` and `moltnet validate` call.

A base package: it imports only other base modules (Go compatibility, ids, room rules), never an app, a
transport or a program, and it never touches the database — start-up applies the config.
"""

from moltnet.config.decode import SCHEMA, apply_document, find_config_file, read_document
from moltnet.config.load import (
    apply_environment,
    load_checked,
    load_file,
    load_server_config,
    locate_config,
    resolve_relative,
)
from moltnet.config.model import (
    CONFIG_CANDIDATES,
    DEFAULT_NODE_FILE,
    DEFAULT_SERVER_FILE,
    NODE_CONFIG_CANDIDATES,
    SCOPES,
    VISIBILITIES,
    WRITE_POLICIES,
    ConfigError,
    EmptyDocumentError,
    PairingConfig,
    RoomConfig,
    ServerConfig,
    TokenConfig,
    quoted,
)
from moltnet.config.startable import check_startable, parse_listen_addr
from moltnet.config.validate import (
    check_private_file,
    has_embedded_secrets,
    validate_analytics,
    validate_auth,
    validate_document,
    validate_pairing,
)

__all__ = [
    "CONFIG_CANDIDATES", "DEFAULT_NODE_FILE", "DEFAULT_SERVER_FILE", "NODE_CONFIG_CANDIDATES", "SCOPES",
    "VISIBILITIES", "WRITE_POLICIES", "ConfigError", "EmptyDocumentError", "PairingConfig", "RoomConfig",
    "ServerConfig", "TokenConfig", "SCHEMA", "apply_document", "apply_environment", "check_private_file",
    "check_startable", "find_config_file", "has_embedded_secrets", "load_checked", "load_file", "load_server_config",
    "locate_config", "parse_listen_addr", "quoted", "read_document", "resolve_relative",
    "validate_analytics", "validate_auth", "validate_document", "validate_pairing",
]
