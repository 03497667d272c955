"""krm_fn.identity: an item meant to be ours, misspelled, is an error that says what was meant."""

from __future__ import annotations

import pytest

from krm_fn.identity import problem

MS = "model.otterscale.io/v1alpha1"
CFG = "fn.model.otterscale.io/v1alpha1"


@pytest.mark.parametrize(("api", "kind", "expected"), [
    (MS, "Modelservice", ("kind", ("unknown kind Modelservice in model.otterscale.io: did you mean kind: "
                                  "ModelService?"), "Modelservice")),
    (MS, "MODELSERVICE", ("kind", ("unknown kind MODELSERVICE in model.otterscale.io: did you mean kind: "
                                  "ModelService?"), "MODELSERVICE")),
    (MS, "ModelServce", ("kind", ("unknown kind ModelServce in model.otterscale.io: did you mean kind: "
                                 "ModelService?"), "ModelServce")),
    (MS, "Model", ("kind", ("unknown kind Model in model.otterscale.io: this function reads ModelService "
                           "(model.otterscale.io/v1alpha1) only"), "Model")),
    ("model.otterscale.io/v1beta1", "ModelService", (
        "apiVersion", ("unsupported version model.otterscale.io/v1beta1 of ModelService: did you mean apiVersion: "
        "model.otterscale.io/v1alpha1?"), "model.otterscale.io/v1beta1")),
    ("model.otterscale.io/v1beta1", "Modelservice", (
        "kind", ("unknown kind Modelservice in model.otterscale.io: did you mean apiVersion: "
        "model.otterscale.io/v1alpha1 and kind: ModelService?"), "Modelservice")),
    ("models.otterscale.io/v1alpha1", "ModelService", (
        "apiVersion", ("models.otterscale.io/v1alpha1 ModelService is not read by this function: did you mean "
        "apiVersion: model.otterscale.io/v1alpha1?"), "models.otterscale.io/v1alpha1")),
    ("model.otterscale.io", "ModelService", (
        "apiVersion", ("model.otterscale.io ModelService is not read by this function: did you mean apiVersion: "
        "model.otterscale.io/v1alpha1?"), "model.otterscale.io")),
    ("v1alpha1", "ModelService", (
        "apiVersion", ("v1alpha1 ModelService is not read by this function: did you mean apiVersion: "
        "model.otterscale.io/v1alpha1?"), "v1alpha1")),
    (CFG, "EppConfig", ("kind", "unknown kind EppConfig in fn.model.otterscale.io: did you mean kind: EPPConfig?",
                        "EppConfig")),
    ("fn.model.otterscale.io/v1", "EPPConfig", (
        "apiVersion", ("unsupported version fn.model.otterscale.io/v1 of EPPConfig: did you mean apiVersion: "
        "fn.model.otterscale.io/v1alpha1?"), "fn.model.otterscale.io/v1")),
    (CFG, "ModelService", ("apiVersion", ("unsupported version fn.model.otterscale.io/v1alpha1 of ModelService: "
                                         "did you mean apiVersion: model.otterscale.io/v1alpha1?"), CFG)),
    ("fn.model.otterscale.ai/v1alpha1", "EPPConfigs", (
        "apiVersion", ("fn.model.otterscale.ai/v1alpha1 EPPConfigs is not read by this function: did you mean "
        "apiVersion: fn.model.otterscale.io/v1alpha1 and kind: EPPConfig?"), "fn.model.otterscale.ai/v1alpha1")),
])
def test_typos(api: str, kind: str, expected: tuple[str, str, str]) -> None:
    assert problem({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}}) == expected


@pytest.mark.parametrize("obj", [
    {"apiVersion": MS, "kind": "ModelService"},
    {"apiVersion": CFG, "kind": "EPPConfig"},
    {"apiVersion": "v1", "kind": "ConfigMap"},
    {"apiVersion": "apps/v1", "kind": "Deployment"},
    {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ModelService"},  # someone else's kind, far from ours
    {"apiVersion": "models.otterscale.io/v1alpha1", "kind": "Deployment"},
    {"kind": "ModelService"}, {"apiVersion": 1, "kind": "ModelService"}, {"resources": ["a.yaml"]}, "text",
])
def test_what_is_not_ours_passes(obj: object) -> None:
    assert problem(obj) is None
