"""Runtime adapters, one sub-package per runtime kind (docs/protocol/runtimes.md); `build_adapter`
picks the seam.

Which runtimes exist, and what each accepts, is declared in `moltnet.runtimes` (one module per runtime,
registered in `moltnet.runtimes.registry`); each declaration names its adapter here by a dotted path, which
is imported only when a node runs that runtime. Adapters own their runtime's local wire protocol; they
must not decide which runtimes exist or what config they accept (that is the declaration's), and, as
part of the node, never import a server package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

from moltnet.runtimes import registry
from node.client import AttachmentClient
from node.config import BridgeConfig
from node.runtimes.base import Adapter

AdapterFactory = Callable[[BridgeConfig, AttachmentClient, "Mapping[str, str] | None"], Adapter]


def adapter_factory(kind: str) -> AdapterFactory:
    """The registered adapter class or builder for `kind`, imported on first use."""
    spec = registry.lookup(kind)
    if spec is None:
        raise ValueError(f'bridge config runtime.kind "{kind}" is unsupported')
    module, _, name = spec.adapter.partition(":")
    return getattr(import_module(module), name)


def build_adapter(cfg: BridgeConfig, client: AttachmentClient, environ: Mapping[str, str] | None = None) -> Adapter:
    """The adapter for `runtime.kind`, honouring seam precedence (docs/protocol/runtimes.md §1.4, decided by the
    runtime's package)."""
    return adapter_factory(cfg.runtime.kind)(cfg, client, environ)
