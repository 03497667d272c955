"""Deterministic, seeded inputs for the benchmark: ResourceLists written the way kpt sends them.

Every generator takes a ``random.Random`` (or a seed) so that the same arguments always give the
same text, byte for byte. The unrelated items are of realistic size: Deployments with probes,
env and volumes, Services, ConfigMaps holding configuration files, CRDs with nested
openAPIV3Schemas, PrometheusRules and VirtualServices, ServiceAccounts and Secrets. Each item carries
the annotations kpt adds (``config.kubernetes.io/path``/``index``, their ``internal.`` twins and
``internal.config.kubernetes.io/id``/``config.k8s.io/id``), and the YAML is written in kyaml's
style: two-space indent, block sequences not indented under their key, ``'0'`` for strings that
would read as numbers, ``|`` blocks for multi-line strings, items before functionConfig.

Run ``python bench/inputs.py N_MS N_OTHER`` to print one to stdout.
"""

from __future__ import annotations

import hashlib
import random
import sys
from typing import Any

import yaml

GENERATOR_VERSION = 1  # bump when the generated text changes, to invalidate cached inputs

NAMESPACES = ["ml-serving", "team-search", "team-chat", "research", "prod-llm", "staging-llm",
              "team-vision", "batch", "platform", "edge-ai"]
FAMILIES = [("qwen", "Qwen/Qwen3-{size}B", (8, 14, 32, 72)),
            ("llama", "meta-llama/Llama-3.1-{size}B-Instruct", (8, 70, 405)),
            ("mistral", "mistralai/Mistral-{size}B-Instruct-v0.3", (7, 22)),
            ("gemma", "google/gemma-3-{size}b-it", (4, 12, 27)),
            ("deepseek", "deepseek-ai/DeepSeek-R1-Distill-Qwen-{size}B", (7, 14, 32))]
ACCELERATORS = ["nvidia", "nvidia", "nvidia", "amd", "intel-gaudi", "google", "cpu"]
APPS = ["api", "web", "worker", "scheduler", "gateway", "cache", "indexer", "ingest", "billing",
        "auth", "search", "notifier", "exporter", "frontend", "backend", "metrics", "proxy"]
WORDS = ["alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "orbit", "pixel", "quartz",
         "river", "sierra", "tango", "umbra", "vector", "whisky", "yield", "zephyr"]

FUNCTION_CONFIG: dict[str, Any] = {
    "apiVersion": "fn.model.otterscale.io/v1alpha1",
    "kind": "EPPConfig",
    "metadata": {"name": "modelservice-fn",
                 "annotations": {"config.kubernetes.io/local-config": "true"}},
    "provider": "istio",
    "metricsEndpointAuth": True,
    "tracing": {"enabled": True, "otelExporterEndpoint": "http://otel-collector.observability:4317"},
}


# --- kpt annotations ----------------------------------------------------------------------

class _Ids:
    """The per-ResourceList counters kpt uses for ids and per-file indexes."""

    def __init__(self) -> None:
        self.next_id = 0
        self.file_index: dict[str, int] = {}

    def annotate(self, obj: dict[str, Any], path: str) -> dict[str, Any]:
        index = self.file_index.get(path, 0)
        self.file_index[path] = index + 1
        ident = str(self.next_id)
        self.next_id += 1
        ann = obj["metadata"].setdefault("annotations", {})
        ann.update({
            "config.kubernetes.io/index": str(index),
            "config.kubernetes.io/path": path,
            "internal.config.kubernetes.io/index": str(index),
            "internal.config.kubernetes.io/path": path,
            "internal.config.kubernetes.io/id": ident,
            "config.k8s.io/id": ident,
        })
        return obj


# --- ModelServices ------------------------------------------------------------------------

def _resources(rng: random.Random, big: bool) -> dict[str, Any]:
    cpu = rng.choice(["4", "8", "16", "32"] if big else ["500m", "1", "2"])
    mem = rng.choice(["32Gi", "64Gi", "128Gi", "256Gi"] if big else ["512Mi", "1Gi", "2Gi"])
    out: dict[str, Any] = {"requests": {"cpu": cpu, "memory": mem}}
    if rng.random() < 0.6:
        out["limits"] = {"cpu": cpu, "memory": mem}
    return out


def model_service(rng: random.Random, i: int, everything: bool = False) -> dict[str, Any]:
    """One ModelService; ``everything`` turns on prefill, routingProxy, pool, route and monitoring."""
    family, model_fmt, sizes = rng.choice(FAMILIES)
    size = rng.choice(sizes)
    name = f"{family}-{size}b-{rng.choice(WORDS)}-{i:04d}"
    ns = rng.choice(NAMESPACES)
    tensor = rng.choice([1, 1, 2, 4, 8])
    decode: dict[str, Any] = {"replicas": rng.randint(1, 6), "resources": _resources(rng, True)}
    if tensor > 1 or rng.random() < 0.3:
        decode["parallelism"] = {"tensor": tensor}
    if rng.random() < 0.5:
        decode["nodeSelector"] = {"node.kubernetes.io/instance-type": rng.choice(["a100-80g", "h100", "l40s"]),
                                  "topology.kubernetes.io/zone": f"zone-{rng.choice('abc')}"}
    if rng.random() < 0.4:
        decode["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    env: list[dict[str, Any]] = [{"name": "VLLM_LOGGING_LEVEL", "value": rng.choice(["INFO", "DEBUG"])}]
    if rng.random() < 0.5:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}})
    if rng.random() < 0.5:
        env.append({"name": "VLLM_NIXL_SIDE_CHANNEL_HOST",
                    "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
    spec: dict[str, Any] = {
        "model": {"name": model_fmt.format(size=size),
                  "image": f"registry.example.com/models/{family}-{size}b:v{rng.randint(1, 9)}"},
        "engine": {"image": f"vllm/vllm-openai:v0.{rng.randint(6, 9)}.{rng.randint(0, 3)}",
                   "args": [f"--max-model-len={rng.choice([4096, 8192, 32768])}",
                            f"--gpu-memory-utilization=0.{rng.randint(80, 95)}"],
                   "env": env},
        "accelerator": {"type": "nvidia" if everything else rng.choice(ACCELERATORS)},
        "decode": decode,
    }
    if rng.random() < 0.5:
        spec["model"]["imagePullSecrets"] = [{"name": "registry-creds"}]
    if rng.random() < 0.3:
        spec["engine"]["imagePullPolicy"] = rng.choice(["IfNotPresent", "Always"])
    disaggregated = everything or rng.random() < 0.35
    if disaggregated:
        spec["prefill"] = {"replicas": rng.randint(1, 3),
                           "parallelism": {"tensor": rng.choice([1, 2, 4]), "data": rng.choice([1, 2]),
                                           "dataLocal": rng.choice([1, 2])},
                           "resources": _resources(rng, True)}
        spec["routingProxy"] = {"connector": "nixlv2"}
    pool = everything or rng.random() < 0.7
    if pool:
        picker: dict[str, Any] = {"replicas": rng.randint(1, 3)}
        if rng.random() < 0.4:
            picker["resources"] = _resources(rng, False)
        spec["inferencePool"] = {"endpointPicker": picker}
        if everything or rng.random() < 0.7:
            spec["httpRoute"] = {"gatewayRef": {"name": "inference-gateway", "namespace": "gateway-system"},
                                 "hostnames": [f"{name}.{rng.choice(['example.com', 'llm.internal'])}"]}
    if everything or rng.random() < 0.6:
        spec["monitoring"] = {"podMonitor": {"enabled": True}}
    return {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
            "metadata": {"name": name, "namespace": ns, "labels": {"team": ns}}, "spec": spec}


# --- unrelated items ----------------------------------------------------------------------

def _labels(app: str, rng: random.Random) -> dict[str, str]:
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": f"{app}-{rng.choice(WORDS)}",
            "app.kubernetes.io/part-of": rng.choice(["platform", "storefront", "analytics"]),
            "app.kubernetes.io/managed-by": "kpt"}


def deployment(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    labels = _labels(name, rng)
    port = rng.choice([8080, 8443, 9090, 3000])
    containers = [{
        "name": name,
        "image": f"registry.example.com/{name}:{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "imagePullPolicy": "IfNotPresent",
        "args": [f"--port={port}", f"--log-level={rng.choice(['info', 'debug', 'warn'])}", "--metrics"],
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9102, "protocol": "TCP"}],
        "env": [{"name": f"{w.upper()}_ENABLED", "value": rng.choice(["true", "false", "on", "1"])}
                for w in rng.sample(WORDS, rng.randint(3, 8))]
        + [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
           {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{name}-db", "key": "password"}}}],
        "resources": _resources(rng, False),
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 10,
                           "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "initialDelaySeconds": 15,
                          "periodSeconds": 20},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }]
    if rng.random() < 0.3:
        containers.append({"name": "log-shipper", "image": "fluent/fluent-bit:3.1",
                           "args": ["-c", "/fluent-bit/etc/fluent-bit.conf"],
                           "resources": _resources(rng, False)})
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "replicas": rng.randint(1, 5),
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": dict(labels),
                             "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}},
                "spec": {
                    "serviceAccountName": name,
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": containers,
                    "volumes": [{"name": "config", "configMap": {"name": f"{name}-config"}},
                                {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}],
                    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "apps",
                                     "effect": "NoSchedule"}],
                },
            },
        },
    }


def service(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": _labels(name, rng)},
            "spec": {"type": rng.choice(["ClusterIP", "ClusterIP", "NodePort"]),
                     "selector": {"app.kubernetes.io/name": name},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                               {"name": "metrics", "port": 9102, "targetPort": 9102, "protocol": "TCP"}]}}


def _properties_file(rng: random.Random) -> str:
    lines = [f"{rng.choice(WORDS)}.{rng.choice(WORDS)}.{rng.choice(['timeout', 'size', 'enabled', 'url'])}"
             f"={rng.choice(['30s', '1024', 'true', 'http://svc.local:8080/path', 'no', '0755'])}"
             for _ in range(rng.randint(8, 40))]
    return "\n".join(lines) + "\n"


def _nginx_conf(rng: random.Random) -> str:
    blocks = []
    for _ in range(rng.randint(2, 6)):
        w = rng.choice(WORDS)
        blocks.append(f"location /{w}/ {{\n    proxy_pass http://{w}.svc:8080;\n"
                      f"    proxy_read_timeout {rng.randint(5, 120)}s;\n    proxy_set_header Host $host;\n}}")
    return "server {\n  listen 8080;\n" + "\n".join(blocks) + "\n}\n"


def config_map(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    data: dict[str, str] = {
        "LOG_LEVEL": rng.choice(["info", "debug"]),
        "FEATURE_X": rng.choice(["on", "off", "yes", "true"]),
        "MAX_CONNECTIONS": str(rng.randint(10, 1000)),
        "FILE_MODE": "0755",
        "application.properties": _properties_file(rng),
    }
    if rng.random() < 0.5:
        data["nginx.conf"] = _nginx_conf(rng)
    if rng.random() < 0.3:
        data["settings.json"] = "{" + ", ".join(f'"{w}": {rng.randint(0, 99)}' for w in rng.sample(WORDS, 8)) + "}"
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"{name}-config", "namespace": ns, "labels": _labels(name, rng)}, "data": data}


def _schema(rng: random.Random, depth: int) -> dict[str, Any]:
    if depth == 0 or rng.random() < 0.25:
        t = rng.choice(["string", "integer", "boolean", "string"])
        out: dict[str, Any] = {"type": t, "description": f"The {rng.choice(WORDS)} of the {rng.choice(WORDS)}."}
        if t == "integer":
            out.update({"format": "int32", "minimum": 0})
        if t == "string" and rng.random() < 0.3:
            out["enum"] = rng.sample(WORDS, 3)
        return out
    if rng.random() < 0.25:
        return {"type": "array", "items": _schema(rng, depth - 1),
                "x-kubernetes-list-type": "atomic"}
    props = {w: _schema(rng, depth - 1) for w in rng.sample(WORDS, rng.randint(2, 4))}
    return {"type": "object", "description": "Nested settings.", "properties": props,
            "required": sorted(props)[:1]}


def crd(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    plural = f"{name}s"
    group = f"{rng.choice(WORDS)}.example.com"
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}", "labels": _labels(name, rng)},
            "spec": {"group": group, "scope": "Namespaced",
                     "names": {"kind": name.title().replace("-", ""), "plural": plural, "singular": name,
                               "listKind": name.title().replace("-", "") + "List"},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "subresources": {"status": {}},
                                   "schema": {"openAPIV3Schema": {
                                       "type": "object",
                                       "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                                      "metadata": {"type": "object"},
                                                      "spec": _schema(rng, 4),
                                                      "status": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}}}]}}


def prometheus_rule(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    rules = [{"alert": f"{name.title().replace('-', '')}{w.title()}",
              "expr": f'sum(rate(http_requests_total{{job="{name}",code=~"5.."}}[5m])) / '
                      f'sum(rate(http_requests_total{{job="{name}"}}[5m])) > 0.0{rng.randint(1, 9)}',
              "for": rng.choice(["5m", "10m", "15m"]),
              "labels": {"severity": rng.choice(["warning", "critical"]), "team": ns},
              "annotations": {"summary": f"{name} {w} error rate is high",
                              "runbook_url": f"https://runbooks.example.com/{name}/{w}"}}
             for w in rng.sample(WORDS, rng.randint(2, 5))]
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": f"{name}-alerts", "namespace": ns, "labels": _labels(name, rng)},
            "spec": {"groups": [{"name": f"{name}.rules", "interval": "30s", "rules": rules}]}}


def virtual_service(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    routes = [{"name": w, "match": [{"uri": {"prefix": f"/{w}/"}, "headers": {"x-tenant": {"exact": ns}}}],
               "route": [{"destination": {"host": f"{name}.{ns}.svc.cluster.local", "port": {"number": 80},
                                          "subset": rng.choice(["v1", "v2"])}, "weight": 100}],
               "retries": {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx,reset"},
               "timeout": f"{rng.randint(5, 60)}s"}
              for w in rng.sample(WORDS, rng.randint(1, 4))]
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": name, "namespace": ns, "labels": _labels(name, rng)},
            "spec": {"hosts": [f"{name}.example.com"], "gateways": ["istio-system/public"], "http": routes}}


def service_account(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": ns, "labels": _labels(name, rng)}}


def secret(rng: random.Random, name: str, ns: str) -> dict[str, Any]:
    token = hashlib.sha256(f"{name}{ns}{rng.random()}".encode()).hexdigest()
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": f"{name}-db", "namespace": ns, "labels": _labels(name, rng)},
            "stringData": {"username": name, "password": token[:32], "url": f"postgres://{name}.db:5432/{name}"}}


# (generator, weight): about a third Deployments and Services, a quarter ConfigMaps,
# the rest nested custom resources, CRDs and small objects
KINDS = [(deployment, 25), (service, 20), (config_map, 25), (crd, 5), (prometheus_rule, 7),
         (virtual_service, 8), (service_account, 6), (secret, 4)]


def unrelated_items(rng: random.Random, n: int) -> list[tuple[dict[str, Any], str]]:
    """``n`` unrelated objects, each with the file kpt would have read it from."""
    gens = [g for g, _ in KINDS]
    weights = [w for _, w in KINDS]
    out = []
    for i in range(n):
        gen = rng.choices(gens, weights)[0]
        app = f"{rng.choice(APPS)}-{i:05d}"
        ns = rng.choice(NAMESPACES)
        out.append((gen(rng, app, ns), f"apps/{ns}/{app.rsplit('-', 1)[0]}.yaml"))
    return out


# --- ResourceLists ------------------------------------------------------------------------

def resource_list(n_model_services: int, n_other: int, seed: int = 0,
                  everything: bool = False) -> dict[str, Any]:
    """A ResourceList: ModelServices spread evenly among the unrelated items, kpt annotations."""
    rng = random.Random(f"modelservice-fn-bench/{seed}/{n_model_services}/{n_other}/{everything}")
    services = [(model_service(rng, i, everything), "") for i in range(n_model_services)]
    services = [(ms, f"models/{ms['metadata']['namespace']}/{ms['metadata']['name']}.yaml")
                for ms, _ in services]
    others = unrelated_items(rng, n_other)
    mixed: list[tuple[dict[str, Any], str]] = []
    step = (n_other + 1) / (n_model_services + 1) if n_model_services else 0
    j = 0
    for k, entry in enumerate(services):
        upto = round((k + 1) * step)
        mixed += others[j:upto]
        j = max(j, upto)
        mixed.append(entry)
    mixed += others[j:]
    ids = _Ids()
    items = [ids.annotate(obj, path) for obj, path in mixed]
    return {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items,
            "functionConfig": FUNCTION_CONFIG}


class _KptDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """kyaml's look: literal blocks for multi-line strings, no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: Any, data: str) -> Any:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_KptDumper.add_representer(str, _represent_str)


def to_yaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_KptDumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=1 << 20, indent=2)


def resource_list_text(n_model_services: int, n_other: int, seed: int = 0, everything: bool = False) -> str:
    return to_yaml(resource_list(n_model_services, n_other, seed, everything))


def small_text(seed: int = 0) -> str:
    """The small scenario: one ModelService with everything on, plus 10 unrelated items."""
    return resource_list_text(1, 10, seed, everything=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: python bench/inputs.py N_MODELSERVICES N_OTHER [SEED]\n")
        return 2
    sys.stdout.write(resource_list_text(int(argv[0]), int(argv[1]), int(argv[2]) if len(argv) > 2 else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
