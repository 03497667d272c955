"""Identity typos: an item that was meant to be ours must never pass through unnoticed.

A misspelled ``kind: Modelservice`` or ``apiVersion: models.otterscale.io/v1alpha1`` would
otherwise be copied through untouched, and the model's objects would silently be missing
(in Argo CD with auto-prune, deleted from the cluster).
"""

from __future__ import annotations

from typing import Any

from . import naming
from .config import API_VERSION as CONFIG_API_VERSION
from .config import KIND as CONFIG_KIND
from .spelling import closest

# (apiVersion, kind) of every object this function reads
KNOWN = ((naming.MODELSERVICE_API_VERSION, naming.MODELSERVICE_KIND), (CONFIG_API_VERSION, CONFIG_KIND))
GROUPS = {api.partition("/")[0]: (api, kind) for api, kind in KNOWN}

Problem = tuple[str, str, Any]  # (field path, message, current value)


def _split(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def problem(obj: Any) -> Problem | None:
    """Why ``obj`` looks like a misspelled ModelService or EPPConfig, or None.

    An exact (apiVersion, kind) of ours is fine; so is anything far from ours.
    """
    if not isinstance(obj, dict):
        return None
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    if (api_version, kind) in KNOWN:
        return None
    group, version = _split(api_version)
    if group in GROUPS:  # one of our groups: the kind or the version is wrong
        for known_api, known_kind in KNOWN:
            if kind == known_kind:
                return ("apiVersion", (f"unsupported version {api_version} of {kind}: "
                        f"did you mean apiVersion: {known_api}?"), api_version)
        match = closest(kind, [k for _, k in KNOWN])
        known = GROUPS[group]
        if match is not None:
            api = {k: a for a, k in KNOWN}[match]
            fix = f"kind: {match}" if api == api_version else f"apiVersion: {api} and kind: {match}"
            return ("kind", f"unknown kind {kind} in {group}: did you mean {fix}?", kind)
        return ("kind", (f"unknown kind {kind} in {group}: this function reads {known[1]} "
                f"({known[0]}) only"), kind)
    # a group close to ours (or none at all: `apiVersion: v1alpha1`), and a kind close to ours
    if group and closest(group, GROUPS) is None:
        return None
    if not group and closest(version, GROUPS) is None and not version.startswith("v"):
        return None
    match = closest(kind, [k for _, k in KNOWN])
    if match is None:
        return None
    api = {k: a for a, k in KNOWN}[match]
    fix = f"apiVersion: {api}" if kind == match else f"apiVersion: {api} and kind: {match}"
    return ("apiVersion", f"{api_version} {kind} is not read by this function: did you mean {fix}?",
            api_version)
