"""The EPPConfig resolved once into what the builders read: release and llm-d features, values."""

from __future__ import annotations

from dataclasses import dataclass

from . import naming
from .config import EPPConfig, Tracing
from .llmd import Generation, generation
from .releases import ENGINE_IMAGE, Release, release


@dataclass(frozen=True)
class Profile:
    release: Release
    llmd: Generation
    version: str  # app.kubernetes.io/version ("" omits it)
    provider: str
    metrics_auth: bool
    flags: dict[str, str]
    tracing: Tracing
    # image defaults for absent fields (and, from v0.9.0-alpha.2, for "" fields too)
    engine_image: str
    epp_image: str
    routing_proxy_image: str
    kit_image: str  # "" means no model-unpack init container (kit_unpack releases)
    default_gateway_name: str  # "" means no default HTTPRoute (route_needs_pool False releases)
    # llm-d-facing parts that both the release and the generation shape
    epp_pool_group_arg: bool
    default_plugins: str
    pd_plugins: str

    def epp_name(self, ms_name: str) -> str:
        """The name of the EPP Deployment, Service, ServiceAccount, Role, ... of a ModelService."""
        base = naming.sanitize_dns1035_label(ms_name) if self.release.sanitized_epp_names else ms_name
        return naming.epp_name(base)

    def epp_label_name(self, ms_name: str) -> str:
        """The app.kubernetes.io/name of EPP objects: the ModelService, or (sanitised) the EPP."""
        return self.epp_name(ms_name) if self.release.sanitized_epp_names else ms_name


def resolve(cfg: EPPConfig) -> Profile:
    rel, gen = release(cfg.operatorVersion), generation(cfg.llmd)
    images = cfg.defaultImages
    return Profile(
        release=rel,
        llmd=gen,
        version=cfg.version,
        provider=cfg.provider,
        metrics_auth=cfg.metricsEndpointAuth,
        flags=cfg.flags,
        tracing=cfg.tracing,
        engine_image=_pick(images.engine if images else None, ENGINE_IMAGE),
        epp_image=_pick(images.epp if images else None, gen.epp_image),
        routing_proxy_image=_pick(images.routingProxy if images else None, gen.sidecar_image),
        kit_image=_pick(cfg.kitImage, rel.kit_image),
        default_gateway_name=_pick(cfg.defaultGatewayName, rel.default_gateway_name),
        epp_pool_group_arg=rel.epp_pool_group_arg or gen.epp_pool_group_arg,
        default_plugins=gen.default_plugins(rel.default_plugins),
        pd_plugins=gen.pd_plugins,
    )


def _pick(given: str | None, default: str) -> str:
    return default if given is None else given
