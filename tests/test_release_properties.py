"""Properties of every operator release and llm-d generation over random valid ModelServices.

Whatever the release: the output is valid for Kubernetes 1.35 and the CRDs, a second run
changes nothing, and the objects fit together (selectors select exactly their pods, references
name objects that exist, every mount names a volume).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from krm_fn import fn, llmd, releases, yamlio
from krm_fn.assemble import OWNER_ANNOTATION

from .support.schemas import validate
from .test_properties import PROFILE, label, model_services, resource_list, selects

configs = st.fixed_dictionaries({
    "apiVersion": st.just("fn.model.otterscale.io/v1alpha1"), "kind": st.just("EPPConfig"),
    "operatorVersion": st.sampled_from(releases.TAGS[1:]), "llmd": st.sampled_from(llmd.GENERATIONS),
    "version": st.just("devel"),
}, optional={"provider": st.sampled_from(["istio", "gke", "none"]), "metricsEndpointAuth": st.booleans(),
             "tracing": st.fixed_dictionaries({"enabled": st.booleans()}),
             "defaultGatewayName": st.sampled_from(["", "gw"]), "kitImage": st.sampled_from(["", "kit:1"])})


def without_unknown_fields(ms: dict[str, Any], tag: str) -> dict[str, Any]:
    """The ModelService as that release's API has it (annotations exist from API v1.0.0)."""
    if releases.release(tag).api != "v1.0.0":
        for role in ("decode", "prefill"):
            if isinstance(ms["spec"].get(role), dict):
                ms["spec"][role].pop("annotations", None)
    return ms


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    cfg = draw(configs)
    ns = draw(label)
    services = draw(st.lists(model_services(namespace=ns), min_size=1, max_size=2,
                             unique_by=lambda m: m["metadata"]["name"]))
    names = [m["metadata"]["name"] for m in services]
    if len({n.replace(".", "-") for n in names}) < len(names):  # a.b and a-b share their EPP
        services = services[:1]
    if draw(st.booleans()) and releases.release(cfg["operatorVersion"]).role_annotations:
        services[0]["spec"]["decode"] = {**services[0]["spec"]["decode"],
                                         "annotations": {"example.com/team": draw(label)}}
    return [without_unknown_fields(m, cfg["operatorVersion"]) for m in services], cfg


def children(stdout: str) -> list[dict[str, Any]]:
    (doc,) = yamlio.read_documents(stdout)
    return [i for i in doc.value["items"] if OWNER_ANNOTATION in (i["metadata"].get("annotations") or {})]


def pods(objs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(o, o["spec"]["template"]) for o in objs if o["kind"] == "Deployment"]


@PROFILE
@given(scenarios())
def test_every_release_gives_valid_idempotent_coherent_output(scenario: Any) -> None:
    services, cfg = scenario
    text = resource_list(services, cfg)
    first = fn.process_resource_list(text)
    if first.exit_code == 1:  # only a name the release cannot use is refused: the sanitised EPP name's length
        assert "gives the EPP name" in first.stderr, first.stderr
        return
    objs = children(first.stdout)
    problems = [f"{o['kind']}/{o['metadata']['name']}: {p}" for o in objs for p in validate(o)]
    assert problems == []
    second = fn.process_resource_list(first.stdout)
    assert (second.exit_code, second.stdout) == (0, first.stdout)

    by_key = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objs}
    deployments = pods(objs)
    for d, template in deployments:
        # each Deployment selects its own pods and no other Deployment's
        assert selects(d["spec"]["selector"]["matchLabels"], template["metadata"]["labels"])
        for other, other_template in deployments:
            if other is not d:
                assert not selects(d["spec"]["selector"]["matchLabels"], other_template["metadata"]["labels"])
        volumes = {v["name"] for v in template["spec"].get("volumes", [])}
        for c in template["spec"].get("initContainers", []) + template["spec"]["containers"]:
            assert {m["name"] for m in c.get("volumeMounts", [])} <= volumes
        sa = template["spec"].get("serviceAccountName")
        if sa:
            assert ("ServiceAccount", d["metadata"]["namespace"], sa) in by_key
    for o in objs:
        ns = o["metadata"].get("namespace", "")
        if o["kind"] == "InferencePool":
            ref = o["spec"]["endpointPickerRef"]
            svc = by_key[("Service", ns, ref["name"])]
            assert ref["port"]["number"] in [p["port"] for p in svc["spec"]["ports"]]
            serving = [t for d, t in deployments if d["metadata"]["namespace"] == ns and
                       t["metadata"]["labels"].get("app.kubernetes.io/name") == o["metadata"]["name"]]
            assert serving and all(selects(o["spec"]["selector"]["matchLabels"], t["metadata"]["labels"])
                                   for t in serving)
            assert not any(selects(o["spec"]["selector"]["matchLabels"], t["metadata"]["labels"])
                           for d, t in deployments if t not in serving)
        if o["kind"] == "Service":
            selected = [t for d, t in deployments if selects(o["spec"]["selector"], t["metadata"]["labels"])]
            assert len(selected) == 1 and selected[0]["spec"]["containers"][0]["name"] == "epp"
        if o["kind"] == "HTTPRoute":
            for rule in o["spec"]["rules"]:
                for backend in rule["backendRefs"]:
                    assert ("InferencePool", ns, backend["name"]) in by_key
        if o["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            for subject in o["subjects"]:
                assert ("ServiceAccount", subject["namespace"], subject["name"]) in by_key
            role_kind = o["roleRef"]["kind"]
            assert (role_kind, ns if role_kind == "Role" else "", o["roleRef"]["name"]) in by_key
