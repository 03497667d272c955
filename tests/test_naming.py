"""krm_fn.naming: the operator's names and labels, and the API server's name rules at their limits."""

from __future__ import annotations

import pytest

from krm_fn import naming

BASE = {"app.kubernetes.io/name": "m", "app.kubernetes.io/part-of": "otterscale-system",
        "app.kubernetes.io/managed-by": "model-operator"}


@pytest.mark.parametrize(("check", "value", "ok"), [
    (naming.is_dns1123_label, "a" * 63, True), (naming.is_dns1123_label, "a" * 64, False),
    (naming.is_dns1123_label, "0a-b", True), (naming.is_dns1123_label, "a.b", False),
    (naming.is_dns1123_label, "-a", False), (naming.is_dns1123_label, "a-", False),
    (naming.is_dns1123_label, "A", False), (naming.is_dns1123_label, "", False),
    (naming.is_dns1035_label, "a" * 63, True), (naming.is_dns1035_label, "a" * 64, False),
    (naming.is_dns1035_label, "a0", True), (naming.is_dns1035_label, "0a", False),
    (naming.is_dns1123_subdomain, ("a" * 63 + ".") * 3 + "a" * 61, True),
    (naming.is_dns1123_subdomain, ("a" * 63 + ".") * 3 + "a" * 62, False),
    (naming.is_dns1123_subdomain, "a.b-c.d", True), (naming.is_dns1123_subdomain, "a..b", False),
    (naming.is_label_value, "", True), (naming.is_label_value, "A" * 63, True),
    (naming.is_label_value, "A" * 64, False), (naming.is_label_value, "a_b.c-D", True),
    (naming.is_label_value, "_a", False), (naming.is_label_value, "a.", False),
    (naming.is_label_key, "disk", True), (naming.is_label_key, "a", True), (naming.is_label_key, "x.io/a", True), (naming.is_label_key, "a" * 63, True), (naming.is_label_key, "a" * 64, False),
    (naming.is_label_key, "", False), (naming.is_label_key, "example.com/disk", True),
    (naming.is_label_key, "Example.com/disk", False), (naming.is_label_key, "/disk", False),
    (naming.is_label_key, "example.com/", False), (naming.is_label_key, "a/b/c", False),
    (naming.is_label_key, "a" * 253 + "/" + "b" * 63, True), (naming.is_label_key, "a" * 254 + "/b", False),
])
def test_the_api_server_s_name_rules_at_their_limits(check: object, value: str, ok: bool) -> None:
    assert check(value) is ok  # type: ignore[operator]


@pytest.mark.parametrize(("name", "sanitised"), [
    ("llama", "llama"), ("Llama.3_1", "llama-3-1"), ("a..b", "a-b"), ("-a-", "a"), ("8b", "m-8b"),
    ("a@b", "ab"), ("@@@", "modelservice"), ("", "modelservice"), ("a-.-b", "a-b"), ("ÄB", "b"),
    ("9-", "m-9"), ("AZ", "az"), ("X", "x"), ("@A", "a"),
])
def test_sanitize_dns1035_label(name: str, sanitised: str) -> None:
    assert naming.sanitize_dns1035_label(name) == sanitised
    assert naming.is_dns1035_label(sanitised) or len(sanitised) > 63


def test_object_names() -> None:
    assert [naming.decode_name("m"), naming.prefill_name("m"), naming.pod_monitor_name("m", "decode"),
            naming.inference_pool_name("m"), naming.http_route_name("m"), naming.epp_name("m"),
            naming.epp_config_map_name("m-epp"), naming.epp_secret_name("m-epp"),
            naming.epp_service_monitor_name("m-epp"), naming.epp_cluster_rbac_name("ns", "m-epp")] == [
        "m-decode", "m-prefill", "m-decode", "m", "m", "m-epp", "m-epp-config", "m-epp-sa-metrics-reader-secret",
        "m-epp", "ns-m-epp"]


def test_standard_labels_carry_the_version_only_when_set() -> None:
    assert naming.standard("m", "epp", "") == {**BASE, "app.kubernetes.io/component": "epp"}
    assert naming.standard("m", "epp", "1.0") == {**BASE, "app.kubernetes.io/component": "epp",
                                                  "app.kubernetes.io/version": "1.0"}
    assert naming.epp_labels("m", "1.0") == naming.standard("m", "epp", "1.0")
    assert naming.epp_selector_labels("m") == {**BASE, "app.kubernetes.io/component": "epp"}


def test_serving_labels_before_and_after_llm_d() -> None:
    decode = {**BASE, "app.kubernetes.io/component": "model-decode", "app.kubernetes.io/version": "v"}
    assert naming.serving_metadata_labels("m", "model-decode", "v", llmd=False) == {
        **decode, "llm-d.ai/inference-serving": "true"}
    assert naming.serving_metadata_labels("m", "model-decode", "v", llmd=True) == decode
    assert naming.serving_pod_labels("m", "model-decode", "v", "decode", llmd=False) == {
        **decode, "llm-d.ai/inference-serving": "true", "llm-d.ai/role": "decode"}
    assert naming.serving_pod_labels("m", "model-decode", "v", "decode", llmd=True) == {
        **decode, "llm-d.ai/inferenceServing": "true", "llm-d.ai/role": "decode", "llm-d.ai/model": "m"}
    selector = {**BASE, "app.kubernetes.io/component": "model-decode"}
    assert naming.serving_selector("m", "model-decode", "decode", llmd=False) == selector
    assert naming.serving_selector("m", "model-decode", "decode", llmd=True) == {
        **selector, "llm-d.ai/inferenceServing": "true", "llm-d.ai/model": "m", "llm-d.ai/role": "decode"}


def test_pool_and_gateway_labels_before_and_after_llm_d() -> None:
    assert naming.inference_pool_selector_labels("m", llmd=False) == {**BASE, "llm-d.ai/inference-serving": "true"}
    assert naming.inference_pool_selector_labels("m", llmd=True) == {
        **BASE, "llm-d.ai/inferenceServing": "true", "llm-d.ai/model": "m"}
    assert naming.gateway_labels("m", "v", llmd=False) == {
        **BASE, "app.kubernetes.io/component": "model-decode", "app.kubernetes.io/version": "v",
        "llm-d.ai/inference-serving": "true"}
    assert naming.gateway_labels("m", "v", llmd=True) == {
        **BASE, "app.kubernetes.io/component": "epp", "app.kubernetes.io/version": "v"}
