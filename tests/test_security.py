"""Security: every generated pod meets the Pod Security Standard "restricted" profile, and the
EPP's RBAC grants exactly what the operator's spec lists (spec/epp.md §3.3, §3.4), nothing more.

The profile is encoded here from the Pod Security Standards as of Kubernetes 1.35
(https://kubernetes.io/docs/concepts/security/pod-security-standards/), baseline controls
included, because restricted is cumulative.

Image volumes: ALLOWED by the restricted profile since Kubernetes 1.33. kubernetes/kubernetes
PR #130394 ("Allow ImageVolume for Restricted PSA profiles", merged for v1.33) added
``volume.Image`` to the allowed cases of pod-security-admission's ``restrictedVolumes`` check;
the documentation page had not caught up (kubernetes/website issue #55370, "Update docs to
indicate `image` volume types are permitted by the Restricted policy"). The serving pods' model
volume is an image volume (beta, on by default in 1.35), so it must pass.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from .test_fidelity import CORPUS as FIDELITY
from .test_hostile import FULL
from .test_properties import PROFILE, by_owner, effective, resource_list, run, scenarios

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- the restricted profile

RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret", "image"}  # image: see the module docstring
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                         "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _containers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for field in ("initContainers", "containers", "ephemeralContainers"):
        out += [(f"{field}[{c.get('name')}]", c) for c in spec.get(field) or []]
    return out


def restricted_violations(pod_meta: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Every way a pod breaks the restricted profile (Linux pods), as "control: where"."""
    out: list[str] = []
    psc = spec.get("securityContext") or {}
    containers = _containers(spec)
    # baseline: HostProcess, host namespaces, host path volumes, sysctls, AppArmor, SELinux, seccomp
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        out.append("HostProcess: pod")
    for ns in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(ns):
            out.append(f"Host Namespaces: {ns}")
    for s in psc.get("sysctls") or []:
        if s.get("name") not in SAFE_SYSCTLS:
            out.append(f"Sysctls: {s.get('name')}")
    for key, value in (pod_meta.get("annotations") or {}).items():
        if key.startswith(APPARMOR_ANNOTATION) and not (value == "runtime/default" or value.startswith("localhost/")):
            out.append(f"AppArmor: {key}")
    scopes = [("pod", psc)] + [(where, c.get("securityContext") or {}) for where, c in containers]
    for where, sc in scopes:
        if (sc.get("appArmorProfile") or {}).get("type") not in (None, "RuntimeDefault", "Localhost"):
            out.append(f"AppArmor: {where}")
        se = sc.get("seLinuxOptions") or {}
        if se.get("type", "") not in SELINUX_TYPES or se.get("user") or se.get("role"):
            out.append(f"SELinux: {where}")
        if sc.get("runAsUser") == 0:
            out.append(f"Running as Non-root user: {where}")
        if sc.get("runAsNonRoot") is False:
            out.append(f"Running as Non-root: {where} sets runAsNonRoot false")
        seccomp = (sc.get("seccompProfile") or {}).get("type")
        if seccomp is not None and seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"Seccomp: {where} is {seccomp}")
    for v in spec.get("volumes") or []:
        kinds = set(v) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            out.append(f"Volume Types: {v.get('name')} uses {sorted(kinds - RESTRICTED_VOLUMES)}")
    # restricted: non-root and seccomp at pod level or on every container
    if psc.get("runAsNonRoot") is not True and not all(
            (c.get("securityContext") or {}).get("runAsNonRoot") is True for _, c in containers):
        out.append("Running as Non-root: runAsNonRoot is not true")
    if (psc.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost") and not all(
            ((c.get("securityContext") or {}).get("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost")
            for _, c in containers):
        out.append("Seccomp: no RuntimeDefault or Localhost profile")
    for where, c in containers:
        sc = c.get("securityContext") or {}
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            out.append(f"HostProcess: {where}")
        if sc.get("privileged"):
            out.append(f"Privileged Containers: {where}")
        if sc.get("procMount") not in (None, "Default"):
            out.append(f"/proc Mount Type: {where}")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"Privilege Escalation: {where}")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"Capabilities: {where} does not drop ALL")
        added = set(caps.get("add") or [])
        if added - {"NET_BIND_SERVICE"}:
            out.append(f"Capabilities: {where} adds {sorted(added - {'NET_BIND_SERVICE'})}")
        if added - BASELINE_CAPABILITIES:
            out.append(f"Capabilities (baseline): {where}")
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                out.append(f"Host Ports: {where}")
        handlers = [c.get(k) or {} for k in ("livenessProbe", "readinessProbe", "startupProbe")]
        handlers += [h or {} for h in (c.get("lifecycle") or {}).values()]
        for h in handlers:
            for action in ("httpGet", "tcpSocket"):
                if (h.get(action) or {}).get("host"):
                    out.append(f"Host Probes / Lifecycle Hooks: {where}")
    return out


def pods(objs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for o in objs:
        if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
            template = o["spec"]["template"]
            out.append((o["metadata"]["name"], template.get("metadata") or {}, template["spec"]))
        elif o["kind"] == "Pod":
            out.append((o["metadata"]["name"], o.get("metadata") or {}, o["spec"]))
    return out


def assert_restricted(objs: list[dict[str, Any]]) -> int:
    found = pods(objs)
    problems = [f"{name}: {v}" for name, meta, spec in found for v in restricted_violations(meta, spec)]
    assert not problems, "\n".join(problems)
    return len(found)


# --------------------------------------------------------------------------- the checker itself


GOOD_POD = {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "image": "i", "securityContext": {
                "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}],
            "volumes": [{"name": "m", "image": {"reference": "r/m:1"}}, {"name": "e", "emptyDir": {}}]}


def _bad(path: str, value: Any) -> dict[str, Any]:
    pod = copy.deepcopy(GOOD_POD)
    target: Any = pod
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
    if isinstance(target, list):
        target.append(value)
    else:
        target[keys[-1]] = value
    return pod


@pytest.mark.parametrize(("path", "value", "control"), [
    ("hostNetwork", True, "Host Namespaces"),
    ("hostPID", True, "Host Namespaces"),
    ("volumes.x", {"name": "h", "hostPath": {"path": "/"}}, "Volume Types"),
    ("volumes.x", {"name": "n", "nfs": {"server": "s", "path": "/"}}, "Volume Types"),
    ("securityContext.runAsNonRoot", False, "Running as Non-root"),
    ("securityContext.runAsUser", 0, "Running as Non-root user"),
    ("securityContext.seccompProfile", {"type": "Unconfined"}, "Seccomp"),
    ("securityContext.sysctls", [{"name": "kernel.msgmax", "value": "1"}], "Sysctls"),
    ("containers.0.securityContext.privileged", True, "Privileged Containers"),
    ("containers.0.securityContext.allowPrivilegeEscalation", True, "Privilege Escalation"),
    ("containers.0.securityContext.capabilities", {"drop": ["NET_RAW"]}, "Capabilities"),
    ("containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}, "Capabilities"),
    ("containers.0.securityContext.procMount", "Unmasked", "/proc Mount Type"),
    ("containers.0.securityContext.seLinuxOptions", {"type": "spc_t"}, "SELinux"),
    ("containers.0.securityContext.appArmorProfile", {"type": "Unconfined"}, "AppArmor"),
    ("containers.0.ports", [{"containerPort": 80, "hostPort": 80}], "Host Ports"),
    ("containers.0.readinessProbe", {"httpGet": {"host": "10.0.0.1", "port": 80}}, "Host Probes"),
    ("initContainers", [{"name": "i", "image": "i"}], "Privilege Escalation"),
])
def test_the_checker_finds_each_violation(path: str, value: Any, control: str) -> None:
    assert restricted_violations({}, GOOD_POD) == []
    violations = restricted_violations({}, _bad(path, value))
    assert any(v.startswith(control) for v in violations), violations


def test_the_checker_allows_what_restricted_allows() -> None:
    pod = copy.deepcopy(GOOD_POD)
    pod["containers"][0]["securityContext"]["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    pod["securityContext"]["seccompProfile"] = {"type": "Localhost", "localhostProfile": "p.json"}
    pod["volumes"] += [{"name": v, v: {}} for v in sorted(RESTRICTED_VOLUMES - {"image", "emptyDir"})]
    assert restricted_violations({}, pod) == []


# --------------------------------------------------------------------------- generated pods


def _ours(text: str) -> list[dict[str, Any]]:
    result, out = run(text)
    assert result.exit_code == 0, result.stderr
    return [o for objs in by_owner(out["items"]).values() for o in objs]


@pytest.mark.parametrize("source", ["examples/resourcelist.yaml", "full", *[
    f"tests/fidelity/{p.name}" for p in sorted(FIDELITY.iterdir())]])
def test_every_generated_pod_is_restricted(source: str) -> None:
    if source == "full":
        text = resource_list([FULL], {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig",
                                      "tracing": {"enabled": True}})
    else:
        text = (ROOT / source).read_text()
    objs = _ours(text)
    if objs:
        assert assert_restricted(objs) >= 1


@PROFILE
@given(scenarios())
def test_every_generated_pod_is_restricted_whatever_the_input(scenario: dict[str, Any]) -> None:
    objs = _ours(resource_list(scenario["items"], scenario["config"]))
    assert assert_restricted(objs) >= len([i for i in scenario["items"] if i["kind"] == "ModelService"])
    for name, _, spec in pods(objs):
        if name.endswith(("-decode", "-prefill")):  # serving pods never get an API token
            assert spec["automountServiceAccountToken"] is False and "serviceAccountName" not in spec


# --------------------------------------------------------------------------- RBAC

READ = {"get", "list", "watch"}
RULES_ONE_REPLICA = [
    ("", "pods", READ),
    ("inference.networking.x-k8s.io", "inferenceobjectives", READ),
    ("inference.networking.x-k8s.io", "inferencemodelrewrites", READ),
    ("inference.networking.k8s.io", "inferencepools", READ),
]
RULES_HA = [
    ("coordination.k8s.io", "leases", {"get", "list", "watch", "create", "update", "patch", "delete"}),
    ("", "events", {"create", "patch"}),
]
CLUSTER_RULES = [
    ("authentication.k8s.io", "tokenreviews", {"create"}),
    ("authorization.k8s.io", "subjectaccessreviews", {"create"}),
]


def grants(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(apiGroup or "nonResource", resource or URL, verb) for every permission the rules give."""
    out = set()
    for rule in rules:
        for verb in rule["verbs"]:
            for url in rule.get("nonResourceURLs", []):
                out.add(("nonResource", url, verb))
            for group in rule.get("apiGroups", []):
                for resource in rule.get("resources", []):
                    out.add((group, resource, verb))
    return out


def expected(rules: list[tuple[str, str, set[str]]]) -> set[tuple[str, str, str]]:
    return {(g, r, v) for g, r, verbs in rules for v in verbs}


def check_rbac(objs: list[dict[str, Any]], ms: dict[str, Any], cfg: dict[str, Any]) -> None:
    n, ns = ms["metadata"]["name"], ms["metadata"]["namespace"]
    rbac = {(o["kind"], o["metadata"]["name"]): o for o in objs
            if o["apiVersion"].startswith("rbac.authorization.k8s.io/")}
    if "inferencePool" not in ms["spec"]:
        assert rbac == {}
        return
    replicas = ms["spec"]["inferencePool"]["endpointPicker"].get("replicas", 1)
    auth = cfg["metricsEndpointAuth"]
    names = {("Role", f"{n}-epp"), ("RoleBinding", f"{n}-epp")}
    if auth:
        names |= {("ClusterRole", f"{ns}-{n}-epp"), ("ClusterRoleBinding", f"{ns}-{n}-epp")}
    assert set(rbac) == names
    sa = {"kind": "ServiceAccount", "name": f"{n}-epp", "namespace": ns}
    for obj in rbac.values():
        for rule in obj.get("rules", []):
            assert "*" not in rule["verbs"] and "*" not in rule.get("resources", [])
            assert "*" not in rule.get("apiGroups", []) and "resourceNames" not in rule
            assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"])
        if obj["kind"].endswith("Binding"):
            assert obj["subjects"] == [sa]  # only the EPP's own ServiceAccount, in its namespace
            role_kind = obj["kind"].removesuffix("Binding")
            assert obj["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind,
                                      "name": obj["metadata"]["name"]}
    role = rbac[("Role", f"{n}-epp")]
    want = expected(RULES_ONE_REPLICA + (RULES_HA if replicas > 1 else []))
    assert grants(role["rules"]) == want  # exactly, in the namespace
    assert len(role["rules"]) == (5 if replicas > 1 else 3)
    if auth:
        cluster = rbac[("ClusterRole", f"{ns}-{n}-epp")]
        assert grants(cluster["rules"]) == expected(CLUSTER_RULES) | {("nonResource", "/metrics", "get")}
    for o in objs:  # the EPP runs as that ServiceAccount, and nothing else runs as it
        if o["kind"] == "Deployment":
            sa_name = o["spec"]["template"]["spec"].get("serviceAccountName")
            assert sa_name == (f"{n}-epp" if o["metadata"]["name"] == f"{n}-epp" else None)
    secret = [o for o in objs if o["kind"] == "Secret"]
    for s in secret:  # the only Secret is the EPP's own token, readable by nobody through our RBAC
        assert s["type"] == "kubernetes.io/service-account-token"
        assert s["metadata"]["annotations"]["kubernetes.io/service-account.name"] == f"{n}-epp"
    assert not any(r for o in rbac.values() for r in o.get("rules", []) if "secrets" in r.get("resources", []))


@pytest.mark.parametrize("replicas", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("auth", [True, False])
@pytest.mark.parametrize("provider", ["istio", "gke", "none"])
def test_epp_rbac_is_exactly_the_spec(replicas: int | None, auth: bool, provider: str) -> None:
    picker: dict[str, Any] = {} if replicas is None else {"replicas": replicas}
    ms = {"apiVersion": "model.otterscale.io/v1alpha1", "kind": "ModelService",
          "metadata": {"name": "rbac", "namespace": "team-a"},
          "spec": {"model": {"name": "m", "image": "r/m:1"}, "engine": {}, "accelerator": {"type": "cpu"},
                   "decode": {}, "inferencePool": {"endpointPicker": picker}}}
    cfg = {"apiVersion": "fn.model.otterscale.io/v1alpha1", "kind": "EPPConfig", "provider": provider,
           "metricsEndpointAuth": auth}
    objs = _ours(resource_list([ms], cfg))
    check_rbac(objs, ms, effective(cfg))
    epp_args = next(o for o in objs if o["metadata"]["name"] == "rbac-epp" and o["kind"] == "Deployment")[
        "spec"]["template"]["spec"]["containers"][0]["args"]
    assert ("--ha-enable-leader-election" in epp_args) == ((replicas or 1) > 1)  # leases only when used


@PROFILE
@given(scenarios())
def test_epp_rbac_is_exactly_the_spec_whatever_the_input(scenario: dict[str, Any]) -> None:
    _, out = run(resource_list(scenario["items"], scenario["config"]))
    children = by_owner(out["items"])
    cfg = effective(scenario["config"])
    for ms in scenario["items"]:
        if ms["kind"] == "ModelService":
            meta = ms["metadata"]
            check_rbac(children[f"ModelService/{meta['namespace']}/{meta['name']}"], ms, cfg)
