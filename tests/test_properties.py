"""Properties over random valid ModelServices and EPPConfigs (hypothesis).

For every valid input: the run succeeds; every generated object is valid for Kubernetes 1.35 or
its CRD (``tests/support/schemas.py``); names and labels are valid; the objects fit together
(selectors select, references resolve, ports line up, the config checksum is the ConfigMap's);
exactly the objects the operator's gating table calls for are generated; the same input gives
the same bytes, a second run on the output changes nothing, and the order of unrelated items
does not matter. For near-valid input: an error result naming the field, or valid output,
never anything else.

Profiles: ``ci`` (default, all property tests together well under a minute on 2 cores, fixed
examples) and ``thorough`` (``HYPOTHESIS_PROFILE=thorough``: many more, random examples).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Iterable
from typing import Any

import hypothesis.errors
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from krm_fn import fn, yamlio
from krm_fn.assemble import OWNER_ANNOTATION

from .support.schemas import validate

# --------------------------------------------------------------------------- profiles

settings.register_profile(
    "ci", max_examples=80, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=1500, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _profile() -> settings:
    try:
        return settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
    except hypothesis.errors.InvalidArgument:  # a profile registered elsewhere, or a typo
        return settings.get_profile("ci")


PROFILE = _profile()


def scaled(n: int) -> settings:
    """The profile with ``n`` times its examples (cheap properties run more)."""
    return settings(PROFILE, max_examples=max(1, int(PROFILE.max_examples * n)))


# --------------------------------------------------------------------------- Kubernetes formats

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")


def is_label(s: Any) -> bool:
    return isinstance(s, str) and len(s) <= 63 and DNS1123_LABEL.fullmatch(s) is not None


SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def is_subdomain(s: Any) -> bool:
    """As the API server's IsDNS1123Subdomain: 253 at most, no limit per dot-separated part."""
    return isinstance(s, str) and 0 < len(s) <= 253 and SUBDOMAIN.fullmatch(s) is not None


def is_label_value(s: Any) -> bool:
    return isinstance(s, str) and (s == "" or (len(s) <= 63 and QUALIFIED.fullmatch(s) is not None))


def is_label_key(s: Any) -> bool:
    if not isinstance(s, str):
        return False
    prefix, slash, name = s.rpartition("/")
    return (not slash or is_subdomain(prefix)) and 0 < len(name) <= 63 and QUALIFIED.fullmatch(name) is not None


# --------------------------------------------------------------------------- strategies

label = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
short_label = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?\Z")
dns1035 = st.from_regex(r"\A[a-z]([-a-z0-9]{0,57}[a-z0-9])?\Z")  # <= 59: room for "-epp"
subdomain63 = st.lists(short_label, min_size=1, max_size=4).map(".".join).filter(lambda s: len(s) <= 63)
text = st.text(st.characters(codec="utf-8"), max_size=30)
nonempty_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
image = st.from_regex(
    r"\A[a-z0-9]+(\.[a-z0-9]+)*(:[0-9]{2,5})?(/[a-z0-9][a-z0-9._-]{0,12}){1,3}"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}|@sha256:[0-9a-f]{64})?\Z")
port = st.integers(1, 65535)
epp_port = st.integers(1, 65535).filter(lambda p: p not in (9003, 9090))  # see test_epp_port_collisions
label_key = st.one_of(
    st.sampled_from(["disk", "kubernetes.io/arch", "node.kubernetes.io/instance-type", "gpu.nvidia.com/class"]),
    st.from_regex(r"\A([a-z0-9]{1,8}(\.[a-z0-9]{1,8}){0,2}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?\Z"),
)
label_value = st.from_regex(r"\A(([A-Za-z0-9][-A-Za-z0-9_.]{0,30})?[A-Za-z0-9])?\Z")
quantity = st.sampled_from(["1", "250m", "2", "1.5", "8Gi", "512Mi", "100M", "1e3", 2, 4])


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(["cpu", "memory", "ephemeral-storage"]), unique=True, max_size=3))
    values = {k: draw(quantity) for k in keys}
    shape = draw(st.sampled_from(["requests", "limits", "both", "empty-requests"]))
    if shape == "empty-requests":
        return {"requests": {}}
    out: dict[str, Any] = {}
    if shape in ("requests", "both"):
        out["requests"] = dict(values)
    if shape in ("limits", "both"):
        out["limits"] = dict(values)  # equal to the requests: never below them
    return out


toleration = st.one_of(
    st.fixed_dictionaries({"key": label_key, "operator": st.just("Equal"), "value": label_value},
                          optional={"effect": st.sampled_from(["NoSchedule", "PreferNoSchedule"])}),
    st.fixed_dictionaries({"operator": st.just("Exists")}),
    st.fixed_dictionaries({"key": label_key, "operator": st.just("Exists"), "effect": st.just("NoExecute"),
                           "tolerationSeconds": st.integers(0, 3600)}),
)
role = st.fixed_dictionaries({}, optional={
    "replicas": st.integers(0, 8),
    "parallelism": st.fixed_dictionaries({}, optional={
        "tensor": st.integers(1, 8), "data": st.integers(1, 4), "dataLocal": st.integers(1, 4)}),
    "resources": resources(),
    "nodeSelector": st.dictionaries(label_key, label_value, max_size=3),
    "tolerations": st.lists(toleration, max_size=3),
})
env_var = st.one_of(
    st.fixed_dictionaries({"name": st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,15}\Z"), "value": text}),
    st.fixed_dictionaries({"name": st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,15}\Z"), "valueFrom": st.fixed_dictionaries(
        {"fieldRef": st.fixed_dictionaries({"fieldPath": st.sampled_from(["status.podIP", "metadata.name"])})})}),
    st.fixed_dictionaries({"name": st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,15}\Z"), "valueFrom": st.fixed_dictionaries(
        {"secretKeyRef": st.fixed_dictionaries({"name": short_label, "key": st.from_regex(r"\A[a-z]{1,8}\Z")})})}),
)
routing_proxy = st.fixed_dictionaries({}, optional={
    "image": image, "connector": st.sampled_from(["nixlv2", "lmcache", ""]), "targetPort": port,
    "zapEncoder": st.sampled_from(["json", "console"]), "zapLogLevel": st.sampled_from(["info", "debug", "3"]),
    "secureProxy": st.booleans(), "prefillerUseTLS": st.booleans(), "certPath": st.sampled_from(["/certs", "/tls"]),
})
endpoint_picker = st.fixed_dictionaries({}, optional={
    "image": image, "replicas": st.integers(0, 4), "resources": resources(), "port": epp_port,
    "failureMode": st.sampled_from(["FailOpen", "FailClose"]),
})
hostname = st.one_of(subdomain63, subdomain63.map(lambda s: "*." + s))
http_route = st.fixed_dictionaries({"gatewayRef": st.fixed_dictionaries({"name": subdomain63}, optional={
    "namespace": st.one_of(label, st.just("SAME"))})}, optional={
    "hostnames": st.lists(hostname, max_size=4, unique=True)})
pod_monitor = st.fixed_dictionaries({}, optional={
    "portName": st.sampled_from(["http", "metrics"]), "path": st.sampled_from(["/metrics", "/stats"]),
    "interval": st.sampled_from(["30s", "1m", "15s", "1h30m"])})
monitoring = st.one_of(  # mostly on: the PodMonitors and the ServiceMonitor are what it gates
    pod_monitor.map(lambda pm: {"podMonitor": {"enabled": True, **pm}}),
    pod_monitor.map(lambda pm: {"podMonitor": {"enabled": True, **pm}}),
    st.fixed_dictionaries({}, optional={"podMonitor": st.fixed_dictionaries({}, optional={
        "enabled": st.just(False)})}),
)


@st.composite
def model_services(draw: st.DrawFn, namespace: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "model": draw(st.fixed_dictionaries({"name": nonempty_text, "image": image}, optional={
            "mountPath": st.from_regex(r"\A(/[a-z0-9_-]{1,10}){1,3}\Z"),
            "imagePullSecrets": st.lists(st.fixed_dictionaries({"name": subdomain63}), max_size=2)})),
        "engine": draw(st.fixed_dictionaries({}, optional={
            "image": image, "imagePullPolicy": st.sampled_from(["Always", "IfNotPresent", "Never"]),
            "args": st.lists(text, max_size=4), "env": st.lists(env_var, max_size=3), "port": port})),
        "accelerator": {"type": draw(st.sampled_from(["nvidia", "amd", "intel-gaudi", "google", "cpu"]))},
        "decode": draw(role),
    }
    optional = {"prefill": role, "routingProxy": routing_proxy,
                "inferencePool": st.fixed_dictionaries({"endpointPicker": endpoint_picker}),
                "httpRoute": http_route, "monitoring": monitoring}
    for key, strategy in optional.items():
        if draw(st.sampled_from([True, True, False])):  # two in three: the combinations matter
            spec[key] = draw(strategy)
    name = draw(dns1035 if "inferencePool" in spec else st.one_of(dns1035, subdomain63))
    ns = namespace or draw(label)
    if spec.get("httpRoute", {}).get("gatewayRef", {}).get("namespace") == "SAME":
        spec["httpRoute"]["gatewayRef"]["namespace"] = ns
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if draw(st.booleans()):
        meta["annotations"] = {"config.kubernetes.io/path": f"models/{name}.yaml",
                               "internal.config.kubernetes.io/path": f"models/{name}.yaml"}
    if draw(st.integers(0, 3)) == 0:
        meta["uid"] = draw(st.uuids()).hex
    return {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService", "metadata": meta, "spec": spec}


flag_name = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,15}\Z")
typed_config = st.fixed_dictionaries(
    {"apiVersion": st.just("fn.model.otterscale.io/v1alpha1"), "kind": st.just("EPPConfig"),
     "metadata": st.just({"name": "modelservice-fn",
                          "annotations": {"config.kubernetes.io/local-config": "true"}})},
    optional={
        "provider": st.sampled_from(["istio", "gke", "none"]), "metricsEndpointAuth": st.booleans(),
        "flags": st.dictionaries(flag_name, text, max_size=3),
        "tracing": st.fixed_dictionaries({}, optional={
            "enabled": st.booleans(), "otelExporterEndpoint": st.sampled_from(["", "http://otel:4317"]),
            "sampler": st.sampled_from(["", "always_on", "parentbased_traceidratio"]),
            "samplerArg": st.sampled_from(["", "0.5", "1"])}),
        "version": st.one_of(st.just(""), label_value),
    })


def as_config_map(cfg: dict[str, Any]) -> dict[str, Any]:
    """The same settings in the ConfigMap form (kpt's ``-- key=value``)."""
    data: dict[str, str] = {}
    for key in ("provider", "version"):
        if key in cfg:
            data[key] = cfg[key]
    if "metricsEndpointAuth" in cfg:
        data["metricsEndpointAuth"] = str(cfg["metricsEndpointAuth"]).lower()
    for key, value in cfg.get("tracing", {}).items():
        data[f"tracing.{key}"] = str(value).lower() if isinstance(value, bool) else value
    for key, value in cfg.get("flags", {}).items():
        data[f"flags.{key}"] = value
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "modelservice-fn"}, "data": data}


function_configs = st.one_of(st.none(), typed_config, typed_config.map(as_config_map))

unrelated = st.one_of(
    st.fixed_dictionaries({"apiVersion": st.just("v1"), "kind": st.just("ConfigMap"),
                           "metadata": st.fixed_dictionaries({"name": subdomain63}, optional={"namespace": label}),
                           "data": st.dictionaries(st.from_regex(r"\A[-._a-zA-Z0-9]{1,12}\Z"), text, max_size=3)}),
    st.fixed_dictionaries({"apiVersion": st.just("example.com/v1"), "kind": st.just("Widget"),
                           "metadata": st.fixed_dictionaries({"name": subdomain63}),
                           "spec": st.dictionaries(st.sampled_from(["on", "yes", "0755", "a"]),
                                                   st.one_of(text, st.integers(), st.booleans(), st.none()),
                                                   max_size=3)}),
)


@st.composite
def scenarios(draw: st.DrawFn, max_services: int = 2) -> dict[str, Any]:
    """A ResourceList: ModelServices (distinct namespace/name), unrelated items, a functionConfig."""
    ns = draw(label)
    services = draw(st.lists(model_services(namespace=draw(st.sampled_from([ns, None]))), min_size=1,
                             max_size=max_services, unique_by=lambda m: (m["metadata"]["namespace"],
                                                                          m["metadata"]["name"])))
    others = draw(st.lists(unrelated, max_size=3))
    order = draw(st.permutations(list(range(len(services) + len(others)))))
    items = [(services + others)[i] for i in order]
    return {"items": items, "config": draw(function_configs), "seed": draw(st.integers(0, 2**32 - 1))}


def resource_list(items: Iterable[Any], config: dict[str, Any] | None) -> str:
    body = "".join(yamlio.dump([item]) for item in items)
    out = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n" + (f"items:\n{body}" if body else "items: []\n")
    if config is not None:
        out += yamlio.dump({"functionConfig": config})
    return out


# --------------------------------------------------------------------------- running


def run(text_in: str) -> tuple[fn.Run, dict[str, Any]]:
    result = fn.process_resource_list(text_in)
    (doc,) = yamlio.read_documents(result.stdout)
    return result, doc.value


def is_ours(obj: Any) -> bool:
    return isinstance(obj, dict) and OWNER_ANNOTATION in (obj.get("metadata", {}).get("annotations") or {})


def effective(cfg: dict[str, Any] | None) -> dict[str, Any]:
    """The EPPConfig the function should apply: the contract's defaults under what was given."""
    typed: dict[str, Any] = {}
    if cfg is not None and cfg["kind"] == "EPPConfig":
        typed = cfg
    elif cfg is not None:
        for key, value in cfg["data"].items():
            if key in ("metricsEndpointAuth", "tracing.enabled"):
                value = value == "true"
            head, _, tail = key.partition(".")
            if tail:
                typed.setdefault(head, {})[tail] = value
            else:
                typed[head] = value
    tracing = {"enabled": False, "otelExporterEndpoint": "", "sampler": "parentbased_traceidratio",
               "samplerArg": "0.01", **typed.get("tracing", {})}
    return {"provider": typed.get("provider", "istio"), "metricsEndpointAuth": typed.get("metricsEndpointAuth", True),
            "flags": typed.get("flags", {}), "tracing": tracing, "version": typed.get("version")}


def by_owner(items: list[Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for obj in items:
        if is_ours(obj):
            out.setdefault(obj["metadata"]["annotations"][OWNER_ANNOTATION], []).append(obj)
    return out


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


# --------------------------------------------------------------------------- the checks


def expected_children(ms: dict[str, Any], cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) in the operator's reconcile order (spec/epp.md §4.2)."""
    n, ns, spec = ms["metadata"]["name"], ms["metadata"]["namespace"], ms["spec"]
    pool = "inferencePool" in spec
    pm = (spec.get("monitoring") or {}).get("podMonitor") or {}
    monitors = pm.get("enabled") is True
    out = [("Deployment", f"{n}-decode")]
    if "prefill" in spec:
        out.append(("Deployment", f"{n}-prefill"))
    if pool:
        out += [("ServiceAccount", f"{n}-epp"), ("ConfigMap", f"{n}-epp-config"), ("Deployment", f"{n}-epp"),
                ("Service", f"{n}-epp")]
        if cfg["metricsEndpointAuth"] and cfg["provider"] != "gke":
            out.append(("Secret", f"{n}-epp-sa-metrics-reader-secret"))
        out += [("Role", f"{n}-epp"), ("RoleBinding", f"{n}-epp")]
        if cfg["metricsEndpointAuth"]:
            out += [("ClusterRole", f"{ns}-{n}-epp"), ("ClusterRoleBinding", f"{ns}-{n}-epp")]
        out.append(("InferencePool", n))
        if "httpRoute" in spec:
            out.append(("HTTPRoute", n))
        if cfg["provider"] == "istio":
            out.append(("DestinationRule", f"{n}-epp"))
    if monitors:
        out.append(("PodMonitor", f"{n}-decode"))
        if "prefill" in spec:
            out.append(("PodMonitor", f"{n}-prefill"))
        if pool:
            out.append(("ServiceMonitor", f"{n}-epp"))
    return out


def check_names_and_labels(obj: dict[str, Any]) -> None:
    meta = obj["metadata"]
    if obj["kind"] == "Service":
        assert len(meta["name"]) <= 63 and DNS1035_LABEL.fullmatch(meta["name"]), meta["name"]
    elif obj["kind"] not in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"):
        assert is_subdomain(meta["name"]), meta["name"]
    else:
        assert meta["name"] and "/" not in meta["name"] and "%" not in meta["name"]
    maps = [meta.get("labels") or {}]
    spec = obj.get("spec") or {}
    if "template" in spec:
        maps.append(spec["template"]["metadata"].get("labels") or {})
    selector = spec.get("selector")
    if isinstance(selector, dict):
        maps.append(selector.get("matchLabels", selector))
    for labels in maps:
        for key, value in labels.items():
            assert is_label_key(key) and is_label_value(value), (key, value)


def pod_spec(deploy: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deploy["spec"]["template"]["spec"]
    return spec


def container_ports(pod: dict[str, Any]) -> dict[str, int]:
    out = {}
    for c in pod.get("initContainers", []) + pod["containers"]:
        for p in c.get("ports", []):
            out[p["name"]] = p["containerPort"]
    return out


def check_coherence(ms: dict[str, Any], cfg: dict[str, Any], objs: list[dict[str, Any]],
                    results: list[dict[str, Any]]) -> None:
    n, ns, spec = ms["metadata"]["name"], ms["metadata"]["namespace"], ms["spec"]
    by_kind: dict[tuple[str, str], dict[str, Any]] = {(o["kind"], o["metadata"]["name"]): o for o in objs}
    assert len(by_kind) == len(objs), "two generated objects share a kind and name"
    engine_port = spec["engine"].get("port", 8000)
    uid = ms["metadata"].get("uid")

    for obj in objs:  # placement and ownership
        meta = obj["metadata"]
        cluster = obj["kind"] in ("ClusterRole", "ClusterRoleBinding")
        assert meta.get("namespace") == (None if cluster else ns)
        assert meta["annotations"][OWNER_ANNOTATION] == f"ModelService/{ns}/{n}"
        refs = meta.get("ownerReferences")
        if uid and not cluster:
            assert refs == [{"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService", "name": n,
                             "uid": uid, "controller": True, "blockOwnerDeletion": True}]
        else:
            assert refs is None
        path = (ms["metadata"].get("annotations") or {}).get("config.kubernetes.io/path")
        if path:
            assert meta["annotations"]["config.kubernetes.io/path"] == f"models/{n}.generated.yaml"
        check_names_and_labels(obj)
        if cfg["version"] is not None:
            assert (meta.get("labels") or {}).get("app.kubernetes.io/version") == (cfg["version"] or None)

    deployments = {name: o for (kind, name), o in by_kind.items() if kind == "Deployment"}
    for d in deployments.values():  # Deployment selectors select their own pods
        assert selects(d["spec"]["selector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])
        pod = pod_spec(d)
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in pod.get("initContainers", []) + pod["containers"]:
            for mount in c.get("volumeMounts", []):
                assert mount["name"] in volumes  # every mount resolves
            numbers = [p["containerPort"] for p in c.get("ports", [])]
            assert len(numbers) == len(set(numbers)), c["name"]
    for d_name, d in deployments.items():  # selectors do not overlap across Deployments
        for other_name, other in deployments.items():
            if other_name != d_name:
                assert not selects(d["spec"]["selector"]["matchLabels"],
                                   other["spec"]["template"]["metadata"]["labels"])

    decode = deployments[f"{n}-decode"]
    prefill = deployments.get(f"{n}-prefill")
    serving = [d for d in (decode, prefill) if d is not None]
    decode_pod = pod_spec(decode)
    # the engine port is where traffic enters: the routing proxy when present, else vLLM
    entry = container_ports(decode_pod)["proxy" if "routingProxy" in spec else "http"]
    assert entry == engine_port
    if prefill is not None:
        assert container_ports(pod_spec(prefill))["http"] == engine_port
    for d in serving:
        vllm = pod_spec(d)["containers"][0]
        assert vllm["args"][3:5] == ["--served-model-name", spec["model"]["name"]]
        assert vllm["args"][1:3] == ["--port", str(container_ports(pod_spec(d))["http"])]
        assert vllm["args"][0] == vllm["volumeMounts"][0]["mountPath"] == spec["model"].get("mountPath", "/models")
        (model_volume,) = pod_spec(d)["volumes"]
        assert model_volume["image"]["reference"] == spec["model"]["image"]
        assert pod_spec(d).get("imagePullSecrets") == (spec["model"].get("imagePullSecrets") or None)

    if "inferencePool" in spec:
        pool = by_kind[("InferencePool", n)]
        epp = deployments[f"{n}-epp"]
        svc = by_kind[("Service", f"{n}-epp")]
        cm = by_kind[("ConfigMap", f"{n}-epp-config")]
        sa = by_kind[("ServiceAccount", f"{n}-epp")]
        epp_pod = pod_spec(epp)
        epp_labels = epp["spec"]["template"]["metadata"]["labels"]
        selector = pool["spec"]["selector"]["matchLabels"]
        for d in serving:  # the pool selects every serving pod, and only those
            assert selects(selector, d["spec"]["template"]["metadata"]["labels"])
        assert not selects(selector, epp_labels)
        assert pool["spec"]["targetPorts"] == [{"number": engine_port}]
        ref = pool["spec"]["endpointPickerRef"]  # names the EPP Service and one of its ports
        assert ref["name"] == svc["metadata"]["name"]
        (grpc,) = [p for p in svc["spec"]["ports"] if p["port"] == ref["port"]["number"]]
        assert grpc["name"] == "grpc-ext-proc" and "targetPort" not in grpc  # targetPort defaults to port
        assert container_ports(epp_pod)["grpc-ext-proc"] == grpc["port"]
        assert ref["failureMode"] == spec["inferencePool"]["endpointPicker"].get("failureMode", "FailOpen")
        svc_ports = [(p["port"], p["protocol"]) for p in svc["spec"]["ports"]]
        assert len(svc_ports) == len(set(svc_ports)), "duplicate Service ports"
        assert selects(svc["spec"]["selector"], epp_labels)
        for d in serving:
            assert not selects(svc["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        # the EPP reads its config from the ConfigMap, and the checksum is that ConfigMap's
        (key,) = cm["data"]
        assert key == ("pd-config.yaml" if "prefill" in spec else "default-plugins.yaml")
        args = epp_pod["containers"][0]["args"]
        mount = epp_pod["containers"][0]["volumeMounts"][0]
        volume = {v["name"]: v for v in epp_pod["volumes"]}[mount["name"]]
        assert volume["configMap"]["name"] == cm["metadata"]["name"]
        assert f"--config-file={mount['mountPath']}/{key}" in args
        assert f"--pool-name={pool['metadata']['name']}" in args and f"--pool-namespace={ns}" in args
        assert f"--grpc-port={grpc['port']}" in args
        digest = hashlib.sha256((key + cm["data"][key]).encode()).hexdigest()
        assert epp["spec"]["template"]["metadata"]["annotations"]["checksum/config"] == digest
        for flag, value in sorted(cfg["flags"].items()):
            assert f"--{flag}={value}" in args
        # RBAC: the bindings name the EPP's ServiceAccount in the ModelService's namespace
        assert epp_pod["serviceAccountName"] == sa["metadata"]["name"]
        bindings = [("RoleBinding", f"{n}-epp", "Role")]
        if cfg["metricsEndpointAuth"]:
            bindings.append(("ClusterRoleBinding", f"{ns}-{n}-epp", "ClusterRole"))
        for kind, name, role_kind in bindings:
            binding = by_kind[(kind, name)]
            assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"],
                                            "namespace": ns}]
            assert binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
            assert (binding["roleRef"]["kind"], binding["roleRef"]["name"]) in by_kind
            assert binding["roleRef"]["kind"] == role_kind
        secret = by_kind.get(("Secret", f"{n}-epp-sa-metrics-reader-secret"))
        if secret is not None:
            assert secret["metadata"]["annotations"]["kubernetes.io/service-account.name"] == sa["metadata"]["name"]
        if "httpRoute" in spec:
            route = by_kind[("HTTPRoute", n)]
            (rule,) = route["spec"]["rules"]
            assert rule["backendRefs"] == [{"group": "inference.networking.k8s.io", "kind": "InferencePool",
                                            "name": pool["metadata"]["name"]}]
            (parent,) = route["spec"]["parentRefs"]
            gw = spec["httpRoute"]["gatewayRef"]
            assert parent["name"] == gw["name"]
            assert parent.get("namespace") == (gw.get("namespace") if gw.get("namespace") not in (None, "", ns)
                                               else None)
            assert route["spec"].get("hostnames") == (spec["httpRoute"].get("hostnames") or None)
        if ("DestinationRule", f"{n}-epp") in by_kind:
            assert by_kind[("DestinationRule", f"{n}-epp")]["spec"]["host"] == (
                f"{svc['metadata']['name']}.{ns}.svc.cluster.local")
        monitor = by_kind.get(("ServiceMonitor", f"{n}-epp"))
        if monitor is not None:  # selects the EPP Service by its labels, on a named port
            assert selects(monitor["spec"]["selector"]["matchLabels"], svc["metadata"]["labels"])
            (endpoint,) = monitor["spec"]["endpoints"]
            assert endpoint["port"] in {p["name"] for p in svc["spec"]["ports"]}
            auth = endpoint.get("authorization")
            assert (auth is not None) == cfg["metricsEndpointAuth"]
            if auth is not None:
                if cfg["provider"] == "gke":  # reproduced operator quirk (A3): announced by a warning
                    assert any(r["severity"] == "warning" and "gke" in r["message"] for r in results)
                else:
                    assert auth["credentials"] == {"name": secret["metadata"]["name"], "key": "token"}

    for role_name, d in (("decode", decode), ("prefill", prefill)):
        pm = by_kind.get(("PodMonitor", f"{n}-{role_name}"))
        if pm is None or d is None:
            continue
        assert selects(pm["spec"]["selector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])
        for other in serving:
            if other is not d:
                assert not selects(pm["spec"]["selector"]["matchLabels"],
                                   other["spec"]["template"]["metadata"]["labels"])
        (endpoint,) = pm["spec"]["podMetricsEndpoints"]
        if endpoint["port"] == "http":
            assert "http" in container_ports(pod_spec(d))


def check_scenario(scenario: dict[str, Any]) -> tuple[fn.Run, dict[str, Any]]:
    text_in = resource_list(scenario["items"], scenario["config"])
    note(text_in)
    result, out = run(text_in)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    cfg = effective(scenario["config"])
    results = out.get("results") or []
    children = by_owner(out["items"])
    services = [i for i in scenario["items"] if i["kind"] == "ModelService"]
    assert len(children) == len(services)
    for ms in services:
        meta = ms["metadata"]
        objs = children[f"ModelService/{meta['namespace']}/{meta['name']}"]
        assert [(o["kind"], o["metadata"]["name"]) for o in objs] == expected_children(ms, cfg)
        errors = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in objs for e in validate(o)]
        assert not errors, "\n".join(errors)
        check_coherence(ms, cfg, objs, results)
    # each ModelService is followed by its children; the input items keep their order
    assert [i for i in out["items"] if not is_ours(i)] == scenario["items"]
    return result, out


# --------------------------------------------------------------------------- properties


@PROFILE
@given(scenarios())
def test_valid_input_gives_valid_coherent_objects(scenario: dict[str, Any]) -> None:
    check_scenario(scenario)


@PROFILE
@given(scenarios())
def test_same_input_same_bytes_and_a_second_run_changes_nothing(scenario: dict[str, Any]) -> None:
    text_in = resource_list(scenario["items"], scenario["config"])
    first = fn.process_resource_list(text_in)
    assert first.exit_code == 0, first.stderr
    assert fn.process_resource_list(text_in).stdout == first.stdout
    second = fn.process_resource_list(first.stdout)
    assert (second.exit_code, second.stdout) == (0, first.stdout)


@PROFILE
@given(scenarios())
def test_the_order_of_unrelated_items_does_not_matter(scenario: dict[str, Any]) -> None:
    items = scenario["items"]
    moved = [item for item in items if item["kind"] != "ModelService"]
    random.Random(scenario["seed"]).shuffle(moved)
    # unrelated items go elsewhere too: between, before or after the ModelServices
    services = [item for item in items if item["kind"] == "ModelService"]
    rng = random.Random(scenario["seed"] + 1)
    shuffled = list(services)
    for item in moved:
        shuffled.insert(rng.randrange(len(shuffled) + 1), item)
    _, a = run(resource_list(items, scenario["config"]))
    _, b = run(resource_list(shuffled, scenario["config"]))
    assert by_owner(a["items"]) == by_owner(b["items"])
    text_a = fn.process_resource_list(resource_list(items, scenario["config"])).stdout
    text_b = fn.process_resource_list(resource_list(shuffled, scenario["config"])).stdout
    assert _generated_text(text_a) == _generated_text(text_b)


def _generated_text(stdout: str) -> list[str]:
    """The text of each generated object, in output order."""
    (doc,) = yamlio.read_documents(stdout)
    spans = doc.item_spans["items"]
    return [stdout[s.start:s.end] for s, item in zip(spans, doc.value["items"]) if is_ours(item)]


@scaled(2)
@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=20), min_size=1, max_size=6),
       st.text(st.characters(codec="utf-8"), min_size=1, max_size=60))
@example(["x\n\n", "on", "0755"], "y\n\n")  # |+ at the end of a dump once ended the document ("...")
@example(["\u2028\n", "- a", "#", ": b"], "\x85 \ufeff")
def test_any_string_survives_the_round_trip(args: list[str], model_name: str) -> None:
    """Strings that look like numbers, booleans, YAML syntax or control characters come back intact."""
    ms = {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
          "metadata": {"name": "s", "namespace": "ml"},
          "spec": {"model": {"name": model_name, "image": "r/m:1"}, "engine": {"args": args},
                   "accelerator": {"type": "cpu"}, "decode": {}}}
    text_in = resource_list([ms], {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig",
                                   "flags": {"x": model_name}})
    result, out = run(text_in)
    assert result.exit_code == 0, result.stderr
    (decode,) = [o for o in out["items"] if o["kind"] == "Deployment"]
    vllm = decode["spec"]["template"]["spec"]["containers"][0]
    assert vllm["args"] == ["/models", "--port", "8000", "--served-model-name", model_name, *args]
    assert out["functionConfig"]["flags"] == {"x": model_name}
    assert fn.process_resource_list(result.stdout).stdout == result.stdout


# --------------------------------------------------------------------------- near-valid input


def _name_like(alphabet: str, max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(alphabet), min_size=1, max_size=max_size)


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario with a few values replaced by plausible mistakes."""
    ms = draw(model_services())
    spec, meta = ms["spec"], ms["metadata"]
    mutations = draw(st.lists(st.sampled_from([
        "name", "namespace", "hostname", "gateway-namespace", "interval", "node-selector", "env-name",
        "pull-policy", "version", "flag", "pool-on-dotted-name"]), min_size=1, max_size=3, unique=True))
    cfg = draw(typed_config)
    for m in mutations:
        if m == "name":
            meta["name"] = draw(_name_like("abcxyz0189.-_A", 70))
        elif m == "namespace":
            meta["namespace"] = draw(_name_like("abz09-.A_", 66))
        elif m == "hostname":
            spec.setdefault("httpRoute", {"gatewayRef": {"name": "gw"}})["hostnames"] = [
                draw(_name_like("ab0.-*_A ", 20))]
        elif m == "gateway-namespace":
            spec.setdefault("httpRoute", {"gatewayRef": {"name": "gw"}})["gatewayRef"]["namespace"] = draw(
                _name_like("ab0.-A_", 66))
        elif m == "interval":
            spec["monitoring"] = {"podMonitor": {"enabled": True, "interval": draw(
                st.sampled_from(["30 s", "1.5m", "-1s", "30S", "1h30", "m", "", "5m30s"]))}}
        elif m == "node-selector":
            spec["decode"]["nodeSelector"] = {draw(_name_like("ab/._-A!", 70)): draw(_name_like("ab._-A ", 70))}
        elif m == "env-name":
            spec["engine"]["env"] = [{"name": draw(st.sampled_from(["", "A=B", "=", "OK_NAME"])), "value": "x"}]
        elif m == "pull-policy":
            spec["engine"]["imagePullPolicy"] = draw(st.sampled_from(["always", "Sometimes", "", "Never"]))
        elif m == "version":
            cfg = {**cfg, "version": draw(_name_like("v1.0-_ +A", 70))}
        elif m == "flag":
            cfg = {**cfg, "flags": {draw(_name_like("ab-_=. 0", 10)): "v"}}
        elif m == "pool-on-dotted-name":
            spec["inferencePool"] = {"endpointPicker": {}}
    return {"ms": ms, "config": cfg}


@scaled(3)
@given(near_valid())
def test_near_valid_input_is_an_error_result_or_valid_output(case: dict[str, Any]) -> None:
    text_in = resource_list([case["ms"]], case["config"])
    note(text_in)
    result, out = run(text_in)
    assert result.exit_code in (0, 1)
    if result.exit_code == 0:
        assert result.stderr == ""
        for obj in out["items"]:
            if is_ours(obj):
                assert validate(obj) == [], (obj["kind"], validate(obj))
                check_names_and_labels(obj)
        return
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("modelservice-fn: ")
    assert [i for i in out["items"] if not is_ours(i)] == [case["ms"]] and not by_owner(out["items"])
    errors = [r for r in out["results"] if r["severity"] == "error"]
    assert errors
    for r in errors:
        assert r.get("resourceRef", {}).get("kind") in ("ModelService", "EPPConfig"), r
        assert r.get("field", {}).get("path"), r


# --------------------------------------------------------------------------- environment, known bugs


def test_output_does_not_depend_on_the_environment() -> None:
    """Same bytes whatever the time zone, locale, hash seed or working directory."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    data = (root / "examples" / "resourcelist.yaml").read_bytes()
    outputs = set()
    for env, cwd in (({"TZ": "UTC", "LANG": "C", "PYTHONHASHSEED": "0"}, root),
                     ({"TZ": "Asia/Tokyo", "LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8",
                       "PYTHONHASHSEED": "12345"}, root / "tests")):
        proc = subprocess.run([sys.executable, "-m", "krm_fn"], check=False, input=data, capture_output=True, cwd=cwd,
                              env={**os.environ, **env, "PYTHONPATH": str(root)}, timeout=60)
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1


def test_epp_port_collisions_are_reported() -> None:
    ms = {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
          "metadata": {"name": "clash", "namespace": "ml"},
          "spec": {"model": {"name": "m", "image": "r/m:1"}, "engine": {}, "accelerator": {"type": "cpu"},
                   "decode": {}, "inferencePool": {"endpointPicker": {"port": 9090}}}}
    result, out = run(resource_list([ms], None))
    if result.exit_code == 0:
        (svc,) = [o for o in out["items"] if o["kind"] == "Service"]
        ports = [(p["port"], p["protocol"]) for p in svc["spec"]["ports"]]
        assert len(ports) == len(set(ports)), f"EPP Service ports {ports}"
    else:
        (error,) = [r for r in out["results"] if r["severity"] == "error"]
        assert error["field"]["path"] == "spec.inferencePool.endpointPicker.port"
