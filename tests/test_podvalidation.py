"""krm_fn.podvalidation: what the generated pods take from a ModelService, as the API server checks it.

Every rule is pinned by a boundary pair, the last value the server accepts and the first it
rejects, through ``parse_model_service`` (so that the one call from the model is covered too).
The rules come from k8s.io/kubernetes pkg/apis/core/validation for Kubernetes 1.35.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from krm_fn import podvalidation, releases, serving
from krm_fn.model import parse_model_service
from krm_fn.profile import Profile
from tests.conftest import BASELINE, profile

SPEC: dict[str, Any] = {"model": {"name": "m", "image": "reg/m:1"}, "engine": {}, "accelerator": {"type": "cpu"},
                        "decode": {}}


def spec_with(path: str, value: Any) -> dict[str, Any]:
    """SPEC with ``value`` at a dotted ``path`` (``engine.env``, ``decode.resources``)."""
    spec = copy.deepcopy(SPEC)
    target = spec
    *parents, last = path.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value
    return spec


def problems(spec: dict[str, Any], p: Profile = BASELINE) -> list[tuple[str, str]]:
    ms, found = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                     "metadata": {"name": "llm", "namespace": "ml"}, "spec": spec}, p)
    assert (ms is None) == bool(found)
    return [(path, m) for path, m, _ in found]


def env(value_from: dict[str, Any] | None = None, name: str = "E", **extra: Any) -> dict[str, Any]:
    var: dict[str, Any] = {"name": name, **extra}
    if value_from is not None:
        var["valueFrom"] = value_from
    return spec_with("engine.env", [var])


def resources(res: dict[str, Any], role: str = "decode") -> dict[str, Any]:
    return spec_with(f"{role}.resources", res)


def toleration(**t: Any) -> dict[str, Any]:
    return spec_with("decode.tolerations", [t])


ENV = "spec.engine.env[0]"
VF = f"{ENV}.valueFrom"
RES = "spec.decode.resources"
TOL = "spec.decode.tolerations[0]"
CM, SK, FK, FR, RF = (f"{VF}.{s}" for s in ("configMapKeyRef", "secretKeyRef", "fileKeyRef", "fieldRef",
                                             "resourceFieldRef"))
SUBDOMAIN_253 = ".".join(["a" * 63] * 3 + ["a" * 61])
KEY_OK, FILE_OK = {"key": "k"}, {"key": "K", "path": "env", "volumeName": "model"}

# (rule, last accepted, first rejected, (field path, message prefix) of the rejection)
BOUNDARIES = [
    # image pull policy: empty is omitted and defaulted by the server (issue 11 finding 7)
    ("pull-policy-empty", spec_with("engine.imagePullPolicy", ""), spec_with("engine.imagePullPolicy", " "),
     ("spec.engine.imagePullPolicy", "must be one of Always, IfNotPresent, Never")),
    ("pull-policy-case", spec_with("engine.imagePullPolicy", "Never"), spec_with("engine.imagePullPolicy", "never"),
     ("spec.engine.imagePullPolicy", "must be one of Always, IfNotPresent, Never")),
    # env names: printable ASCII other than '='
    ("env-name-last-printable", env(name="~", value="x"), env(name="\x7f", value="x"),
     (f"{ENV}.name", "must consist only of printable ASCII characters")),
    ("env-name-first-printable", env(name=" ", value="x"), env(name="\x1f", value="x"),
     (f"{ENV}.name", "must consist only of printable ASCII characters")),
    ("env-name-non-ascii", env(name="A.b-c_1", value="x"), env(name="é", value="x"),
     (f"{ENV}.name", "must consist only of printable ASCII characters")),
    ("env-name-equals", env(name="A", value="x"), env(name="A=", value="x"),
     (f"{ENV}.name", "must be a non-empty name without '='")),
    ("env-name-empty", env(name="x", value="x"), env(name="", value="x"),
     (f"{ENV}.name", "must be a non-empty name without '='")),
    # valueFrom: exactly one source, and no value beside it
    ("value-from-one-source", env({"fieldRef": {"fieldPath": "metadata.name"}}), env({}),
     (VF, "must set one of configMapKeyRef, fieldRef, fileKeyRef, resourceFieldRef or secretKeyRef")),
    ("value-from-two-sources", env({"secretKeyRef": {"name": "s", **KEY_OK}}),
     env({"secretKeyRef": {"name": "s", **KEY_OK}, "configMapKeyRef": {"name": "c", **KEY_OK}}),
     (VF, "must set only one source, not configMapKeyRef and secretKeyRef")),
    ("value-from-and-value", env({"fieldRef": {"fieldPath": "metadata.name"}}, value=""),
     env({"fieldRef": {"fieldPath": "metadata.name"}}, value="x"), (VF, "must not be set when value is not empty")),
    # configMapKeyRef / secretKeyRef: a ConfigMap or Secret name, a valid key (issue 11 finding 6)
    ("configmap-name-empty", env({"configMapKeyRef": {"name": "a", **KEY_OK}}),
     env({"configMapKeyRef": {"name": "", **KEY_OK}}),
     (f"{CM}.name", "must be the name of a ConfigMap: a lowercase DNS-1123 subdomain")),
    ("configmap-name-defaulted-empty", env({"configMapKeyRef": {"name": "a", **KEY_OK}}),
     env({"configMapKeyRef": KEY_OK}), (f"{CM}.name", "must be the name of a ConfigMap")),
    ("configmap-name-length", env({"configMapKeyRef": {"name": SUBDOMAIN_253, **KEY_OK}}),
     env({"configMapKeyRef": {"name": SUBDOMAIN_253 + "a", **KEY_OK}}), (f"{CM}.name", "must be the name of")),
    ("secret-name-case", env({"secretKeyRef": {"name": "a.b-c", **KEY_OK}}),
     env({"secretKeyRef": {"name": "A", **KEY_OK}}),
     (f"{SK}.name", "must be the name of a Secret: a lowercase DNS-1123 subdomain")),
    ("configmap-key-empty", env({"configMapKeyRef": {"name": "c", "key": "a"}}),
     env({"configMapKeyRef": {"name": "c", "key": ""}}), (f"{CM}.key", "must not be empty")),
    ("configmap-key-length", env({"configMapKeyRef": {"name": "c", "key": "k" * 253}}),
     env({"configMapKeyRef": {"name": "c", "key": "k" * 254}}), (f"{CM}.key", "must be a ConfigMap key")),
    ("configmap-key-chars", env({"configMapKeyRef": {"name": "c", "key": "a-b_c.D9"}}),
     env({"configMapKeyRef": {"name": "c", "key": "a/b"}}), (f"{CM}.key", "must be a ConfigMap key")),
    ("secret-key-dots", env({"secretKeyRef": {"name": "s", "key": ".a"}}),
     env({"secretKeyRef": {"name": "s", "key": "..a"}}), (f"{SK}.key", "must be a Secret key")),
    ("secret-key-dotdot", env({"secretKeyRef": {"name": "s", "key": "a.."}}),
     env({"secretKeyRef": {"name": "s", "key": ".."}}), (f"{SK}.key", "must be a Secret key")),
    # fileKeyRef: a valid key and path, and an emptyDir volume of the pod (finding 6)
    ("file-key-volume-is-no-emptydir", env({"fieldRef": {"fieldPath": "metadata.name"}}), env({"fileKeyRef": FILE_OK}),
     (f"{FK}.volumeName", "must name an emptyDir volume of the generated pods, and they have none")),
    ("file-key-volume-missing", env({"fieldRef": {"fieldPath": "metadata.name"}}),
     env({"fileKeyRef": {**FILE_OK, "volumeName": "nowhere"}}),
     (f"{FK}.volumeName", "must name an emptyDir volume of the generated pods")),
    ("file-key-volume-label", env({"fieldRef": {"fieldPath": "metadata.name"}}),
     env({"fileKeyRef": {**FILE_OK, "volumeName": "Model"}}), (f"{FK}.volumeName", "must be a lowercase DNS-1123")),
    # fieldRef: v1, and a field the downward API offers to env
    ("field-ref-version", env({"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIPs"}}),
     env({"fieldRef": {"apiVersion": "v2", "fieldPath": "status.podIPs"}}), (f"{FR}.apiVersion", "must be v1")),
    ("field-ref-path", env({"fieldRef": {"fieldPath": "spec.serviceAccountName"}}),
     env({"fieldRef": {"fieldPath": "status.phase"}}), (f"{FR}.fieldPath", "must be one of metadata.name")),
    ("field-ref-unsubscripted-labels", env({"fieldRef": {"fieldPath": "metadata.labels['app']"}}),
     env({"fieldRef": {"fieldPath": "metadata.labels"}}), (f"{FR}.fieldPath", "must be one of")),
    ("field-ref-label-key", env({"fieldRef": {"fieldPath": "metadata.labels['example.com/app']"}}),
     env({"fieldRef": {"fieldPath": "metadata.labels['a b']"}}),
     (f"{FR}.fieldPath", "must name a valid key in metadata.labels['...']")),
    ("field-ref-annotation-key-case", env({"fieldRef": {"fieldPath": "metadata.annotations['Example.COM/A']"}}),
     env({"fieldRef": {"fieldPath": "metadata.annotations['-a']"}}),
     (f"{FR}.fieldPath", "must name a valid key in metadata.annotations['...']")),
    ("field-ref-subscript", env({"fieldRef": {"fieldPath": "spec.host"}}),
     env({"fieldRef": {"fieldPath": "spec.nodeName['x']"}}), (f"{FR}.fieldPath", "must be one of")),
    ("field-ref-empty", env({"fieldRef": {"fieldPath": "metadata.uid"}}), env({"fieldRef": {"fieldPath": ""}}),
     (f"{FR}.fieldPath", "must not be empty")),
    # resourceFieldRef: a container resource, and a divisor the server supports for it
    ("resource-field", env({"resourceFieldRef": {"resource": "requests.hugepages-2Mi"}}),
     env({"resourceFieldRef": {"resource": "limits.nvidia.com/gpu"}}),
     (f"{RF}.resource", "must be one of limits.cpu")),
    ("resource-field-empty", env({"resourceFieldRef": {"resource": "limits.memory"}}),
     env({"resourceFieldRef": {"resource": ""}}), (f"{RF}.resource", "must not be empty")),
    ("cpu-divisor", env({"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1000m"}}),
     env({"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1e-3"}}),
     (f"{RF}.divisor", "must be 1m or 1 for limits.cpu")),
    ("cpu-divisor-milli", env({"resourceFieldRef": {"resource": "requests.cpu", "divisor": "0.001"}}),
     env({"resourceFieldRef": {"resource": "requests.cpu", "divisor": "2m"}}), (f"{RF}.divisor", "must be 1m or 1")),
    ("memory-divisor", env({"resourceFieldRef": {"resource": "limits.memory", "divisor": "1024Ki"}}),
     env({"resourceFieldRef": {"resource": "limits.memory", "divisor": "1024"}}),
     (f"{RF}.divisor", "must be 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi or 1Ei for limits.memory")),
    ("memory-divisor-exponent", env({"resourceFieldRef": {"resource": "limits.ephemeral-storage", "divisor": 1000}}),
     env({"resourceFieldRef": {"resource": "limits.ephemeral-storage", "divisor": "1e3"}}),
     (f"{RF}.divisor", "must be 1, 1k")),
    ("divisor-unset", env({"resourceFieldRef": {"resource": "limits.cpu", "divisor": "0"}}),
     env({"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1e2.5"}}), (f"{RF}.divisor", "must be a quantity")),
    # tolerations: label key and value, operators of the default feature gates
    ("toleration-key", toleration(key="example.com/" + "k" * 63, operator="Exists"),
     toleration(key="example.com/" + "k" * 64, operator="Exists"), (f"{TOL}.key", "must be a valid label key")),
    ("toleration-key-slashes", toleration(key="a/b", operator="Exists"), toleration(key="a/b/c", operator="Exists"),
     (f"{TOL}.key", "must be a valid label key")),
    ("toleration-value", toleration(key="k", value="v" * 63), toleration(key="k", value="v" * 64),
     (f"{TOL}.value", "must be a valid label value")),
    ("toleration-operator", toleration(key="k", operator="Exists"), toleration(key="k", operator="Lt", value="1"),
     (f"{TOL}.operator", "must be Equal or Exists")),
    ("toleration-exists-value", toleration(key="k", operator="Exists", value=""),
     toleration(key="k", operator="Exists", value="v"), (f"{TOL}.value", "must be empty when operator is Exists")),
    ("toleration-empty-key", toleration(operator="Exists"), toleration(operator=""),
     (f"{TOL}.operator", "must be Exists when key is empty")),
    ("toleration-seconds", toleration(key="k", effect="NoExecute", tolerationSeconds=1),
     toleration(key="k", effect="PreferNoSchedule", tolerationSeconds=1),
     (f"{TOL}.tolerationSeconds", "is only allowed with effect NoExecute")),
    # nodeSelector: labels
    ("node-selector-key", spec_with("decode.nodeSelector", {"k" * 63: "v"}),
     spec_with("decode.nodeSelector", {"k" * 64: "v"}), ("spec.decode.nodeSelector[" + "k" * 64 + "]",
                                                        "must be a valid label key and value")),
    ("node-selector-value", spec_with("prefill.nodeSelector", {"k": "v" * 63}),
     spec_with("prefill.nodeSelector", {"k": "v" * 64}), ("spec.prefill.nodeSelector[k]", "must be a valid label")),
    # resources: names
    ("resource-name-standard", resources({"limits": {"ephemeral-storage": "1Gi"}}),
     resources({"limits": {"cpus": "1"}}), (f"{RES}.limits[cpus]", "must be cpu, memory, ephemeral-storage")),
    ("resource-name-quota-only", resources({"requests": {"cpu": "1"}}), resources({"requests": {"requests.cpu": "1"}}),
     (f"{RES}.requests[requests.cpu]", "must be cpu, memory")),
    ("resource-name-extended", resources({"limits": {"example.com/gpu": "1"}}),
     resources({"limits": {"requests.example.com/gpu": "1"}}), (f"{RES}.limits[requests.example.com/gpu]", "must be")),
    ("resource-name-native", resources({"limits": {"kubernetes.io/thing": "1"}}),
     resources({"limits": {"example.com/": "1"}}), (f"{RES}.limits[example.com/]", "must be cpu")),
    # resources: quantities
    ("quantity-sign", resources({"requests": {"cpu": "0"}}), resources({"requests": {"cpu": "-1n"}}),
     (f"{RES}.requests[cpu]", "must not be negative")),
    ("quantity-exponent", resources({"limits": {"memory": "1e9"}}), resources({"limits": {"memory": "1e9.5"}}),
     (f"{RES}.limits[memory]", "must be a quantity")),
    ("extended-whole", resources({"limits": {"example.com/gpu": "1000m"}}),
     resources({"limits": {"example.com/gpu": "1001m"}}),
     (f"{RES}.limits[example.com/gpu]", "must be a whole number")),
    ("extended-equal", resources({"requests": {"example.com/gpu": "2"}, "limits": {"example.com/gpu": "2000m"}}),
     resources({"requests": {"example.com/gpu": "2"}, "limits": {"example.com/gpu": "3"}}),
     (f"{RES}.requests[example.com/gpu]", "must equal the limit 3: example.com/gpu cannot be overcommitted")),
    ("extended-limit-missing", resources({"limits": {"example.com/gpu": "1"}}),
     resources({"requests": {"example.com/gpu": "1"}}),
     (f"{RES}.limits[example.com/gpu]", "must be set, equal to the request")),
    ("request-above-limit", resources({"requests": {"cpu": "1"}, "limits": {"cpu": "1000m"}}),
     resources({"requests": {"cpu": "1001m"}, "limits": {"cpu": "1"}}),
     (f"{RES}.requests[cpu]", "must be less than or equal to the limit 1")),
    ("request-above-limit-nanos", resources({"requests": {"cpu": "1.0000000005"}, "limits": {"cpu": "1.0000000001"}}),
     resources({"requests": {"cpu": "1.000000002"}, "limits": {"cpu": "1.0000000001"}}),
     (f"{RES}.requests[cpu]", "must be less than or equal to the limit 1.0000000001")),
    ("hugepages-multiple", resources({"limits": {"hugepages-2Mi": "4Mi", "memory": "1Gi"},
                                      "requests": {"hugepages-2Mi": "4Mi"}}),
     resources({"limits": {"hugepages-2Mi": "3Mi", "memory": "1Gi"}}),
     (f"{RES}.limits[hugepages-2Mi]", "must be a multiple of the page size 2Mi")),
    ("hugepages-need-cpu-or-memory", resources({"limits": {"hugepages-1Gi": "1Gi", "cpu": "1"}}),
     resources({"limits": {"hugepages-1Gi": "1Gi", "ephemeral-storage": "1"}}),
     (RES, "must request or limit cpu or memory as well as hugepages")),
    ("claims", resources({"claims": []}), resources({"claims": [{"name": "c"}]}),
     (f"{RES}.claims", "is not supported: the generated pods declare no resourceClaims")),
    ("epp-resources-used", spec_with("inferencePool.endpointPicker.resources", {"claims": [{"name": "c"}]}),
     spec_with("inferencePool.endpointPicker.resources", {"claims": [{"name": "c"}], "limits": {}}),
     ("spec.inferencePool.endpointPicker.resources.claims", "is not supported")),
    # fields the CRD bounds already: ports
    ("engine-port", spec_with("engine.port", 65535), spec_with("engine.port", 65536),
     ("spec.engine.port", "must be less than or equal to 65535")),
    ("proxy-port", spec_with("routingProxy.targetPort", 1), spec_with("routingProxy.targetPort", 0),
     ("spec.routingProxy.targetPort", "must be greater than or equal to 1")),
    ("epp-port", spec_with("inferencePool.endpointPicker.port", 65535),
     spec_with("inferencePool.endpointPicker.port", 65536),
     ("spec.inferencePool.endpointPicker.port", "must be less than or equal to 65535")),
]


@pytest.mark.parametrize(("accepted", "rejected", "expected"), [pytest.param(*b[1:], id=b[0]) for b in BOUNDARIES])
def test_each_rule_at_its_boundary(accepted: dict[str, Any], rejected: dict[str, Any],
                                   expected: tuple[str, str]) -> None:
    assert problems(accepted) == []
    (found,) = problems(rejected)
    assert found[0] == expected[0] and found[1].startswith(expected[1]), found


SCRATCH = {**FILE_OK, "volumeName": "scratch"}
FILE_BOUNDARIES = [  # with an emptyDir volume, as later operator releases give the pods
    ("key", {**SCRATCH, "key": "~ !"}, {**SCRATCH, "key": "a=b"},
     (f"{FK}.key", "must consist only of printable ASCII characters other than '='")),
    ("key-ascii", {**SCRATCH, "key": " "}, {**SCRATCH, "key": "\x1f"}, (f"{FK}.key", "must consist only")),
    ("key-empty", {**SCRATCH, "key": "k"}, {**SCRATCH, "key": ""}, (f"{FK}.key", "must not be empty")),
    ("path", {**SCRATCH, "path": "a/.../b"}, {**SCRATCH, "path": "a/../b"}, (f"{FK}.path", "must not contain '..'")),
    ("path-backslash", {**SCRATCH, "path": "a\\..\\b"}, {**SCRATCH, "path": "../b"},
     (f"{FK}.path", "must not contain '..'")),
    ("path-empty", {**SCRATCH, "path": "p"}, {**SCRATCH, "path": ""}, (f"{FK}.path", "must not be empty")),
    ("volume-empty", SCRATCH, {**SCRATCH, "volumeName": ""}, (f"{FK}.volumeName", "must not be empty")),
]


@pytest.mark.parametrize(("accepted", "rejected", "expected"),
                         [pytest.param(*b[1:], id=b[0]) for b in FILE_BOUNDARIES])
def test_each_file_key_ref_rule_at_its_boundary(accepted: dict[str, Any], rejected: dict[str, Any],
                                                expected: tuple[str, str]) -> None:
    volumes = {"model": "image", "scratch": "emptyDir"}
    assert podvalidation.problems(env({"fileKeyRef": accepted}), BASELINE, volumes=volumes) == []
    (found,) = podvalidation.problems(env({"fileKeyRef": rejected}), BASELINE, volumes=volumes)
    assert found[0] == expected[0] and found[1].startswith(expected[1]), found


def test_a_file_key_ref_to_an_empty_dir_volume_passes() -> None:
    spec = env({"fileKeyRef": {**FILE_OK, "volumeName": "scratch"}})["engine"]
    full = {**SPEC, "engine": spec}
    volumes = {"model": "emptyDir", "scratch": "emptyDir", "docker-config": "secret"}
    assert podvalidation.problems(full, BASELINE, volumes=volumes) == []
    full["engine"]["env"][0]["valueFrom"]["fileKeyRef"]["volumeName"] = "docker-config"
    assert [p[:2] for p in podvalidation.problems(full, BASELINE, volumes=volumes)] == [(
        f"{FK}.volumeName", "must name an emptyDir volume of the generated pods, one of model, scratch")]


@pytest.mark.parametrize("tag", releases.TAGS)
@pytest.mark.parametrize("secrets", [False, True])
def test_the_serving_volumes_are_those_the_builder_emits(tag: str, secrets: bool) -> None:
    p = profile(operatorVersion=tag)
    spec = spec_with("model.imagePullSecrets", [{"name": "regcred"}]) if secrets else SPEC
    ms, found = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                     "metadata": {"name": "llm", "namespace": "ml"}, "spec": spec}, p)
    assert ms is not None, found
    pod = serving.build_decode_deployment(ms, p)["spec"]["template"]["spec"]
    assert {v["name"]: next(k for k in v if k != "name") for v in pod["volumes"]} == podvalidation.serving_volumes(
        p.release.kit_unpack, secrets)


def test_the_accelerator_resource_is_overwritten_so_never_checked() -> None:
    spec = resources({"requests": {"nvidia.com/gpu": "0.5"}, "limits": {"nvidia.com/gpu": "-1"}})
    spec["accelerator"] = {"type": "nvidia"}
    assert problems(spec) == []
    spec["accelerator"] = {"type": "amd"}  # nvidia.com/gpu is now the user's own extended resource
    assert [p for p, _ in problems(spec)] == [f"{RES}.limits[nvidia.com/gpu]", f"{RES}.requests[nvidia.com/gpu]"]


def test_pull_secret_names_are_not_checked_by_the_server() -> None:
    assert problems(spec_with("model.imagePullSecrets", [{"name": ""}, {"name": "Not_A_Name"}])) == []


def test_an_empty_pull_policy_is_omitted_from_the_container() -> None:
    ms, found = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                     "metadata": {"name": "llm", "namespace": "ml"},
                                     "spec": spec_with("engine.imagePullPolicy", "")}, BASELINE)
    assert found == [] and ms is not None
    vllm = serving.build_decode_deployment(ms, BASELINE)["spec"]["template"]["spec"]["containers"][0]
    assert "imagePullPolicy" not in vllm


def test_every_problem_of_one_env_var_is_reported() -> None:
    found = problems(env({"configMapKeyRef": {"name": "", "key": ""}, "fileKeyRef": {**FILE_OK, "path": ".."}}))
    assert [p for p, _ in found] == [f"{CM}.name", f"{CM}.key", f"{FK}.volumeName", f"{FK}.path", VF]


KIT = profile(operatorVersion="v0.9.0")  # model-unpack and emptyDir volumes
V1 = profile(operatorVersion="v1.0.0")  # and role annotations on the pod templates
ANN = "spec.decode.annotations"

KIT_BOUNDARIES = [  # (rule, profile, last accepted, first rejected, (path, message))
    ("pull-secret-name", KIT, spec_with("model.imagePullSecrets", [{"name": "s"}, {"name": ""}]),
     spec_with("model.imagePullSecrets", [{"name": ""}, {"name": "s"}]),
     ("spec.model.imagePullSecrets[0].name", "must not be empty: it names the Secret of the docker-config volume")),
    ("mount-path-model-tmp", KIT, spec_with("model.mountPath", "/tmp/model-oci/"),
     spec_with("model.mountPath", "/tmp/model-oci"),
     ("spec.model.mountPath", "must differ from /tmp/model-oci, where the model-unpack init container")),
    ("mount-path-docker", KIT, spec_with("model.mountPath", "/.docker"),
     {**spec_with("model.mountPath", "/.docker"), "model": {"name": "m", "image": "reg/m:1", "mountPath": "/.docker",
                                                              "imagePullSecrets": [{"name": "s"}]}},
     ("spec.model.mountPath", "must differ from /tmp/model-oci and /.docker")),
    ("file-key-emptydir", KIT, env({"fileKeyRef": {**FILE_OK, "volumeName": "model-tmp"}}),
     env({"fileKeyRef": {**FILE_OK, "volumeName": "models"}}),
     (f"{FK}.volumeName", "must name an emptyDir volume of the generated pods, one of model, model-tmp")),
    ("annotation-key", V1, spec_with("decode.annotations", {"Example.COM/A": "v"}),
     spec_with("decode.annotations", {"a/b/c": "v"}), (f"{ANN}[a/b/c]", "must be a qualified name")),
    ("annotation-size", V1, spec_with("decode.annotations", {"k": "é" * (131072 - 1)}),
     spec_with("decode.annotations", {"k": "é" * 131072}), (ANN, "must have at most 262144 bytes")),
    ("deletion-cost", V1, spec_with("decode.annotations", {"controller.kubernetes.io/pod-deletion-cost": "-2147483648"}),
     spec_with("decode.annotations", {"controller.kubernetes.io/pod-deletion-cost": "2147483648"}),
     (f"{ANN}[controller.kubernetes.io/pod-deletion-cost]", "must be a 32-bit integer")),
    ("deletion-cost-zero", V1, spec_with("decode.annotations", {"controller.kubernetes.io/pod-deletion-cost": "0"}),
     spec_with("decode.annotations", {"controller.kubernetes.io/pod-deletion-cost": "07"}),
     (f"{ANN}[controller.kubernetes.io/pod-deletion-cost]", "must be a 32-bit integer")),
    ("deletion-cost-sign", V1, spec_with("decode.annotations", {"controller.kubernetes.io/pod-deletion-cost": "-07"}),
     spec_with("decode.annotations", {"controller.kubernetes.io/pod-deletion-cost": "+7"}),
     (f"{ANN}[controller.kubernetes.io/pod-deletion-cost]", "must be a 32-bit integer")),
    ("mirror", V1, spec_with("decode.annotations", {"kubernetes.io/config.mirrors": "x"}),
     spec_with("decode.annotations", {"kubernetes.io/config.mirror": "x"}),
     (f"{ANN}[kubernetes.io/config.mirror]", "is not allowed")),
    ("seccomp-pod", V1, spec_with("decode.annotations", {"seccomp.security.alpha.kubernetes.io/pod": "docker/default"}),
     spec_with("decode.annotations", {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}),
     (f"{ANN}[seccomp.security.alpha.kubernetes.io/pod]", "must be runtime/default (or docker/default)")),
    ("seccomp-container", V1,
     spec_with("decode.annotations", {"container.seccomp.security.alpha.kubernetes.io/vllm": "localhost/a/b"}),
     spec_with("decode.annotations", {"container.seccomp.security.alpha.kubernetes.io/vllm": "localhost/../b"}),
     (f"{ANN}[container.seccomp.security.alpha.kubernetes.io/vllm]", "must be runtime/default, docker/default")),
    ("apparmor-container", V1,
     spec_with("decode.annotations", {"container.apparmor.security.beta.kubernetes.io/model-unpack": "unconfined"}),
     spec_with("decode.annotations", {"container.apparmor.security.beta.kubernetes.io/routing-proxy": "unconfined"}),
     (f"{ANN}[container.apparmor.security.beta.kubernetes.io/routing-proxy]", "must name a container of the pod")),
    ("apparmor-profile", V1,
     spec_with("decode.annotations", {"container.apparmor.security.beta.kubernetes.io/vllm": "localhost/p"}),
     spec_with("decode.annotations", {"container.apparmor.security.beta.kubernetes.io/vllm": "local/p"}),
     (f"{ANN}[container.apparmor.security.beta.kubernetes.io/vllm]", "must be runtime/default, unconfined")),
]


@pytest.mark.parametrize(("p", "accepted", "rejected", "expected"),
                         [pytest.param(*b[1:], id=b[0]) for b in KIT_BOUNDARIES])
def test_each_rule_of_later_releases_at_its_boundary(p: Profile, accepted: dict[str, Any], rejected: dict[str, Any],
                                                     expected: tuple[str, str]) -> None:
    assert problems(accepted, p) == []
    (found,) = problems(rejected, p)
    assert found[0] == expected[0] and found[1].startswith(expected[1]), found


def test_release_rules_apply_only_where_the_release_emits_the_field() -> None:
    assert problems(spec_with("model.imagePullSecrets", [{"name": ""}])) == []  # no docker-config volume
    assert problems(spec_with("model.mountPath", "/tmp/model-oci")) == []  # no model-unpack
    assert problems(spec_with("model.mountPath", "/tmp/model-oci"), profile(operatorVersion="v0.9.0", kitImage="")) == []


@pytest.mark.parametrize(("spec", "accepted", "rejected", "expected"), [
    (SPEC, "m" * 63, "m" * 64, ("metadata.name", "must be no more than 63 characters")),
    ({**SPEC, "inferencePool": {"endpointPicker": {}}}, "m" * 59, "m" * 60, ("metadata.name", "gives the EPP Service name")),
])
def test_generated_names_at_their_boundary(spec: dict[str, Any], accepted: str, rejected: str,
                                           expected: tuple[str, str]) -> None:
    def named(name: str) -> list[tuple[str, str]]:
        _, found = parse_model_service({"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
                                        "metadata": {"name": name, "namespace": "ml"}, "spec": spec}, BASELINE)
        return [(path, m) for path, m, _ in found]

    assert named(accepted) == []
    (found,) = named(rejected)
    assert found[0] == expected[0] and found[1].startswith(expected[1]), found
