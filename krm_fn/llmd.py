"""llm-d generations as data: the llm-d-facing parts of the output (images, flags, plugin files).

Each generation is written once, as its difference from the one before (``_CHANGES``).
Everything the operator derives (names, labels, ports, gating) stays with the operator release.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

GENERATIONS = ("v0.6",)
DEFAULT_GENERATION = GENERATIONS[0]

# deploy/config/pd-epp-config.yaml@v0.6.0 with ${PRIMARY_PORT} = 0 and its comment line dropped,
# as internal/modelservice/epp_configmap.go@v0.9.0-alpha.1 carries it
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


@dataclass(frozen=True)
class Generation:
    """The llm-d-facing behaviour of one llm-d generation, as named features."""

    name: str
    epp_image: str
    sidecar_image: str
    pd_plugins: str = PD_PLUGINS_V06


_CHANGES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("v0.6", {"epp_image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.6.0",
              "sidecar_image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.6.0"}),
)


def generation(name: str) -> Generation:
    """The generation ``name`` (one of ``GENERATIONS``): v0.6 plus every change up to it."""
    if name not in GENERATIONS:
        raise KeyError(name)
    current: Generation | None = None
    for gen, changes in _CHANGES:
        current = Generation(name=gen, **changes) if current is None else replace(current, name=gen, **changes)
        if gen == name:
            break
    assert current is not None
    return current
