"""llm-d generations as data: the llm-d-facing parts of the output (images, flags, plugin files, Role).

Each generation is written once, as its difference from the one before (``_CHANGES``).
Everything the operator derives (names, labels, ports, gating) stays with the operator release;
the generation decides only what talks to llm-d's binaries. Sources are cited as
``repo:path@tag``; llm-d-router is the renamed llm-d-inference-scheduler (same history and tags),
and up to v0.8 its EPP runner is gateway-api-inference-extension (GAIE) at the version in go.mod.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import data_text
from .releases import apply_changes

GENERATIONS = ("v0.6", "v0.7", "v0.8", "v0.9", "v0.10")
DEFAULT_GENERATION = GENERATIONS[0]

X_K8S_CONFIG_API = "inference.networking.x-k8s.io/v1alpha1"
LLMD_CONFIG_API = "llm-d.ai/v1alpha1"  # llm-d/llm-d-router:pkg/epp/config/loader/configloader.go@v0.9.0

# llm-d/llm-d-router:deploy/config/pd-epp-config.yaml@v0.6.0 with ${PRIMARY_PORT} = 0, its comment
# line dropped, as internal/modelservice/epp_configmap.go@v0.9.0-alpha.1 (model-operator) carries it
PD_PLUGINS_V06 = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates:
- prepareDataPlugins
plugins:
- type: prefill-header-handler
- type: prefix-cache-scorer
  parameters:
    maxPrefixBlocksToMatch: 256
    lruCapacityPerServer: 31250
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters:
    nonCachedTokens: 16
- type: pd-profile-handler
  parameters:
    primaryPort: 0
    deciderPluginName: prefix-based-pd-decider
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
"""

# llm-d/llm-d-router:deploy/config/pd-epp-config.yaml@v0.7.1 (= v0.7.0), comment line dropped:
# disagg-headers-handler, disagg-profile-handler with deciders
PD_PLUGINS_V07 = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
featureGates:
- prepareDataPlugins
plugins:
- type: disagg-headers-handler
- type: prefix-cache-scorer
  parameters:
    maxPrefixBlocksToMatch: 256
    lruCapacityPerServer: 31250
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters:
    nonCachedTokens: 16
- type: disagg-profile-handler
  parameters:
    deciders:
      prefill: prefix-based-pd-decider
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
"""

# deploy/config/pd-epp-config.yaml@v0.8.0 is v0.7's text, but GAIE v1.5.0 no longer registers the
# prepareDataPlugins gate (cmd/epp/runner/runner.go@v1.5.0) and an unknown gate stops the EPP: dropped
PD_PLUGINS_V08 = PD_PLUGINS_V07.replace("featureGates:\n- prepareDataPlugins\n", "", 1)

# llm-d/llm-d-router:deploy/config/pd-epp-config.yaml@v0.9.0, comment line dropped: llm-d.ai config
# API, strictly decoded parameters, so the prefix parameters move to approx-prefix-cache-producer
PD_PLUGINS_V09 = """\
apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: approx-prefix-cache-producer
  parameters:
    maxPrefixBlocksToMatch: 256
    lruCapacityPerServer: 31250
- type: prefix-cache-scorer
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-based-pd-decider
  parameters:
    nonCachedTokens: 16
- type: disagg-profile-handler
  parameters:
    deciders:
      prefill: prefix-based-pd-decider
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
"""

# llm-d/llm-d-router:deploy/config/pd-epp-config.yaml@v0.10.0, comment line dropped
PD_PLUGINS_V010 = """\
apiVersion: llm-d.ai/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: approx-prefix-cache-producer
  parameters:
    maxPrefixTokensToMatch: 16384
    lruCapacityPerServer: 31250
- type: prefix-cache-scorer
- type: queue-scorer
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: disagg-profile-handler
  parameters:
    deciders:
      prefill: prefix-based-pd-decider
- type: prefix-based-pd-decider
  parameters:
    nonCachedTokens: 16
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: max-score-picker
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: queue-scorer
    weight: 1
"""


@dataclass(frozen=True)
class Generation:
    """The llm-d-facing behaviour of one llm-d generation, as named features."""

    name: str
    source_tag: str  # the llm-d-router tag its facts are read from
    epp_image: str
    sidecar_image: str
    # routing sidecar (cmd/pd-sidecar/main.go@v0.6.0, pkg/sidecar/proxy/options.go@v0.7.0 and later)
    sidecar_port_flag: str = "--vllm-port"
    sidecar_connector_flag: str = "--connector"
    sidecar_omit_empty_connector: bool = False  # "" fails validation; absent means nixlv2
    sidecar_enable_tls: bool = False  # --enable-tls=prefiller instead of --prefiller-use-tls=<bool>
    sidecar_tracing_flag: bool = False  # the sidecar traces only with --tracing=true
    # EPP
    epp_pool_group_arg: bool = False
    epp_refused_flags: tuple[str, ...] = ()  # flags the EPP defines but refuses when set
    role_llmd_rule: bool = False  # get/watch/list llm-d.ai inferenceobjectives, inferencemodelrewrites
    # EPP plugin files
    plugins_api_version: str = X_K8S_CONFIG_API
    drop_default_plugins: tuple[str, ...] = ()  # plugin types its EPP cannot load
    pd_plugins: str = PD_PLUGINS_V06

    def epp_flags(self) -> frozenset[str]:
        """Every flag its EPP binary defines (read only when EPPConfig flags need checking)."""
        text = data_text(f"llmd/epp-flags-{self.name}.txt")
        return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))

    def default_plugins(self, release_text: str) -> str:
        """The operator release's default plugins file as this generation's EPP loads it."""
        text = release_text
        for plugin in self.drop_default_plugins:
            text = _drop_plugin(text, plugin)
        return text.replace(X_K8S_CONFIG_API, self.plugins_api_version, 1)


def _drop_plugin(text: str, plugin: str) -> str:
    """``text`` without the ``- type: <plugin>`` entry of its plugins list (and its parameters)."""
    lines = text.splitlines(keepends=True)
    entry = f"- type: {plugin}\n"
    if entry not in lines:
        return text
    start = lines.index(entry)
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return "".join(lines[:start] + lines[end:])


_METRIC_FLAGS = ("total-queued-requests-metric", "total-running-requests-metric", "kv-cache-usage-percentage-metric",
                 "lora-info-metric", "cache-info-metric")

_CHANGES: tuple[tuple[str, dict[str, object]], ...] = (
    # llm-d-router v0.6.0 with GAIE fd30cb97714a; the operator's own choices
    ("v0.6", {"source_tag": "v0.6.0", "epp_image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0",
              "sidecar_image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0"}),
    # v0.7.1 (= v0.7.0 but go.mod) with GAIE v1.4.0: pflag sidecar options; --connector and
    # --prefiller-use-tls deprecated; core-metrics-extractor not registered before GAIE v1.5.0, so the
    # default file is GAIE v1.4.0's chart default (config/charts/inferencepool); metric flags refused
    ("v0.7", {"source_tag": "v0.7.1", "epp_image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.7.1",
              "sidecar_image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.7.1",
              "sidecar_connector_flag": "--kv-connector", "sidecar_omit_empty_connector": True,
              "sidecar_enable_tls": True, "epp_pool_group_arg": True, "epp_refused_flags": _METRIC_FLAGS,
              "drop_default_plugins": ("metrics-data-source", "core-metrics-extractor"),
              "pd_plugins": PD_PLUGINS_V07}),
    # v0.8.0 with GAIE v1.5.0 (pkg/epp/datalayer registers core-metrics-extractor)
    ("v0.8", {"source_tag": "v0.8.0", "epp_image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.8.0",
              "sidecar_image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.8.0", "drop_default_plugins": (),
              "pd_plugins": PD_PLUGINS_V08}),
    # v0.9.0: images renamed (Makefile EPP_IMAGE_NAME, SIDECAR_IMAGE_NAME), in-repo EPP runner,
    # sidecar --tracing (#1513), llm-d.ai objectives (config/charts/llm-d-router-gateway/templates/rbac.yaml)
    ("v0.9", {"source_tag": "v0.9.0", "epp_image": "ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.9.0",
              "sidecar_image": "ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.9.0", "sidecar_tracing_flag": True,
              "role_llmd_rule": True, "plugins_api_version": LLMD_CONFIG_API, "pd_plugins": PD_PLUGINS_V09}),
    # v0.10.0: --vllm-port deprecated for --model-server-port (#2142); --connector and
    # --prefiller-use-tls removed (#2054)
    ("v0.10", {"source_tag": "v0.10.0", "epp_image": "ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0",
               "sidecar_image": "ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0",
               "sidecar_port_flag": "--model-server-port", "pd_plugins": PD_PLUGINS_V010}),
)


_LLMD_IMAGE = re.compile(r"ghcr\.io/llm-d/(?:llm-d-inference-scheduler|llm-d-routing-sidecar|"
                         r"llm-d-router-endpoint-picker|llm-d-router-disagg-sidecar):(v\d+\.\d+)\.")


def image_generation(image: str) -> str:
    """The generation an llm-d EPP or sidecar image's tag belongs to ("" if not one of ours)."""
    m = _LLMD_IMAGE.match(image)
    return m.group(1) if m and m.group(1) in GENERATIONS else ""


def flag_warnings(gen: Generation, flags: dict[str, str]) -> list[tuple[str, str]]:
    """EPPConfig flags the generation's EPP would refuse at start: (field path, message)."""
    if not flags:
        return []
    known = gen.epp_flags()
    out = []
    for name in sorted(flags):
        if name not in known:
            out.append((f"flags.{name}", (f"--{name} is not a flag of the llm-d {gen.name} EPP ({gen.source_tag}), "
                        f"which exits on an unknown flag: remove flags.{name}, or set llmd to a generation that "
                        "has it")))
        elif name in gen.epp_refused_flags:
            out.append((f"flags.{name}", (f"--{name} is refused when set by the llm-d {gen.name} EPP "
                        f"({gen.source_tag}): configure metrics in the plugins file instead, and remove "
                        f"flags.{name}")))
    return out


def generation(name: str) -> Generation:
    """The generation ``name`` (one of ``GENERATIONS``): v0.6 plus every change up to it."""
    return apply_changes(Generation, _CHANGES, name)
