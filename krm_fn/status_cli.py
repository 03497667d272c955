"""`modelservice-fn status`: the status the operator would write, without the operator.

Input is `kubectl get modelservices,deployments -A -o yaml|json` (a file or stdin) or,
with `--cluster`, the same objects listed live with the `kubernetes` client (an
optional extra, imported only on that path).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from krm_fn import inputs, yamlio
from krm_fn.status import has_prefill, observe, ready_condition, status_from

PROG = "modelservice-fn status"
GROUP, VERSION, PLURAL = "model.otterscale.io", "v1alpha1", "modelservices"
EXIT_ERROR = 1
EXIT_NOT_READY = 3
REQUEST_TIMEOUT = 30.0

Obj = dict[str, Any]


class CliError(Exception):
    """A one-line error for stderr (exit 1)."""


@dataclass(frozen=True)
class Row:
    """One ModelService with its computed status."""

    namespace: str
    name: str
    ms: Obj
    status: Obj
    prefill: bool

    @property
    def ready(self) -> bool:
        return ready_condition(self.status).get("status") == "True"


# ---------------------------------------------------------------- input


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_documents(text: str) -> list[Any]:
    """The documents of a YAML or JSON stream, read as the function reads its input."""
    if not text.strip():
        raise CliError("empty input: expected `kubectl get modelservices,deployments -o yaml`")
    try:
        docs = [d.value for d in yamlio.read_documents(text) if d.value is not None]
    except yamlio.YAMLInputError as exc:
        raise CliError(f"cannot parse input: {exc}") from None
    for number, doc in enumerate(docs, 1):
        found = yamlio.large_int_paths(doc)
        if found:  # no status field can hold it, and JSON output could not write it
            where = f" {found[0]}:" if found[0] else ""
            raise CliError(f"document {number}:{where} an integer with more than {yamlio.MAX_INT_DIGITS} digits")
    return docs


def flatten(docs: Iterable[Any]) -> list[Obj]:
    """Objects of a stream, with every `*List` expanded (List items lacking
    apiVersion/kind, as in API list responses, take them from the list)."""
    objects: list[Obj] = []
    for number, doc in enumerate(docs, 1):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise CliError(f"document {number}: expected an object, got {type(doc).__name__}")
        kind = str(doc.get("kind") or "")
        if not (kind.endswith("List") and isinstance(doc.get("items"), list)):
            objects.append(doc)
            continue
        item_kind = kind[: -len("List")] if kind != "List" else ""
        for index, item in enumerate(doc["items"]):
            if not isinstance(item, dict):
                raise CliError(f"document {number}: items[{index}] is not an object")
            if item_kind and "kind" not in item:
                item = {"apiVersion": doc.get("apiVersion"), "kind": item_kind, **item}
            objects.append(item)
    return objects


def _group(obj: Mapping[str, Any]) -> str:
    return str(obj.get("apiVersion") or "").rpartition("/")[0]


def _key(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def compute(objects: Iterable[Obj], now: str | None = None) -> list[Row]:
    """Match ModelServices with their Deployments (same namespace) and derive status."""
    services: dict[tuple[str, str], Obj] = {}
    deployments: dict[str, dict[str, Obj]] = {}
    for obj in objects:
        kind, group = obj.get("kind"), _group(obj)
        if kind == "ModelService" and group == GROUP:
            ns, name = _key(obj)
            if not name:
                raise CliError("a ModelService has no metadata.name")
            if (ns, name) in services:
                raise CliError(f"ModelService {ns}/{name} appears twice")
            services[ns, name] = obj
        elif kind == "Deployment" and group == "apps":
            ns, name = _key(obj)
            if name in deployments.setdefault(ns, {}):
                raise CliError(f"Deployment {ns}/{name} appears twice")
            deployments[ns][name] = obj
    rows = []
    for (ns, name), ms in sorted(services.items()):
        try:
            status = status_from(ms, observe(ms, deployments.get(ns, {})), now)
        except ValueError as exc:
            raise CliError(f"ModelService {ns}/{name}: {exc}") from None
        rows.append(Row(ns, name, ms, status, has_prefill(ms)))
    return rows


def _read_input(path: str | None) -> str:
    stdin = path is None or path == "-"
    try:
        return inputs.decode(inputs.read_stdin() if stdin else inputs.read_file(str(path)))
    except inputs.InputError as exc:
        raise CliError(f"cannot read {'stdin' if stdin else path}: {exc}") from None


EXTENSIONS = (".yaml", ".yml", ".json")


def _inputs(paths: list[str]) -> list[str | None]:
    """Each file to read, directories expanded (sorted, hidden entries skipped); None is stdin."""
    if not paths:
        return [None]
    out: list[str | None] = []
    for path in paths:
        if path == "-":
            out.append(None)
        elif os.path.isdir(path):
            found = sorted(
                os.path.join(root, f)
                for root, dirs, files in os.walk(path)
                for f in files
                if not f.startswith(".") and f.endswith(EXTENSIONS)
                and not any(part.startswith(".") for part in os.path.relpath(root, path).split(os.sep)
                            if part != ".")
            )
            if not found:
                raise CliError(f"{path}: no .yaml, .yml or .json files in this directory")
            out += found
        else:
            out.append(path)
    return out


def _parse(path: str | None) -> list[Any]:
    """The documents of one input; errors name the file."""
    try:
        return parse_documents(_read_input(path))
    except CliError as exc:
        if path is None or str(exc).startswith(f"cannot read {path}"):
            raise
        raise CliError(f"{path}: {exc}") from None


# ---------------------------------------------------------------- cluster


def _kubeconfig_path(explicit: str | None) -> str:
    if explicit:
        if not os.path.isfile(explicit):
            raise CliError(f"kubeconfig not found: {explicit}")
        return explicit
    path = os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    if not any(os.path.isfile(p) for p in path.split(os.pathsep) if p):
        raise CliError(f"no kubeconfig found (looked at {path}); use --kubeconfig FILE")
    return path


def _api_error(exc: Any, what: str) -> str:
    status = getattr(exc, "status", None)
    message = ""
    try:
        message = str(json.loads(exc.body).get("message") or "")
    except (TypeError, ValueError, AttributeError):
        pass
    if status == 404 and what == PLURAL:
        return (
            f"the server has no {PLURAL}.{GROUP}/{VERSION} resource "
            "(is the ModelService CRD installed?)"
        )
    if not status:  # raised by the client itself (TLS errors, ...)
        return f"listing {what}: {_one_line(str(getattr(exc, 'reason', exc)))}"
    detail = message or getattr(exc, "reason", "") or ""
    return _one_line(f"listing {what}: HTTP {status}: {detail}")


def _connection_error(exc: Exception, host: str) -> str:
    reason: object = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "Failed to establish a new connection: " in text:
        text = text.split("Failed to establish a new connection: ", 1)[1]
    return _one_line(f"cannot reach the cluster at {host}: {text}")


def read_cluster(
    namespace: str | None,
    all_namespaces: bool,
    kubeconfig: str | None,
    context: str | None,
) -> list[Obj]:
    """List ModelServices and Deployments (one namespace or all) from a live cluster."""
    try:
        client = importlib.import_module("kubernetes.client")
        config = importlib.import_module("kubernetes.config")
        urllib3 = importlib.import_module("urllib3")
    except ImportError:
        raise CliError(
            "--cluster needs the kubernetes package: pip install kubernetes "
            "(in a checkout of modelservice-fn: pip install '.[cluster]')"
        ) from None

    path = _kubeconfig_path(kubeconfig)
    try:
        contexts, active = config.list_kube_config_contexts(config_file=path)
        chosen = context or (active or {}).get("name")
        found = next((c for c in contexts or [] if c.get("name") == chosen), None)
        if found is None:
            raise CliError(f'context "{chosen}" not found in kubeconfig {path}')
        if not all_namespaces and not namespace:
            namespace = (found.get("context") or {}).get("namespace") or "default"
        cfg = client.Configuration()
        config.load_kube_config(
            config_file=path, context=chosen, client_configuration=cfg, persist_config=False
        )
    except CliError:
        raise
    except Exception as exc:  # noqa: BLE001 - ConfigException, YAML, bad files: one line
        raise CliError(_one_line(f"invalid kubeconfig {path}: {exc}")) from None
    cfg.retries = 0

    api_client = client.ApiClient(cfg)
    options = {"_preload_content": False, "_request_timeout": REQUEST_TIMEOUT}
    what = PLURAL
    try:
        custom = client.CustomObjectsApi(api_client)
        apps = client.AppsV1Api(api_client)
        if all_namespaces:
            services = custom.list_cluster_custom_object(
                group=GROUP, version=VERSION, plural=PLURAL, **options
            )
            what = "deployments"
            deps = apps.list_deployment_for_all_namespaces(**options)
        else:
            services = custom.list_namespaced_custom_object(
                group=GROUP, version=VERSION, namespace=namespace, plural=PLURAL, **options
            )
            what = "deployments"
            deps = apps.list_namespaced_deployment(namespace=namespace, **options)
        return flatten([json.loads(services.data), json.loads(deps.data)])
    except CliError:
        raise
    except client.exceptions.ApiException as exc:
        raise CliError(_api_error(exc, what)) from None
    except urllib3.exceptions.HTTPError as exc:
        raise CliError(_connection_error(exc, cfg.host)) from None
    except ValueError as exc:
        raise CliError(_one_line(f"listing {what}: unexpected response: {exc}")) from None
    except Exception as exc:  # noqa: BLE001 - anything else from the client: one line
        raise CliError(_one_line(f"listing {what}: {type(exc).__name__}: {exc}")) from None
    finally:
        api_client.close()


# ---------------------------------------------------------------- output


def format_table(rows: list[Row]) -> str:
    """kubectl-style columns: each padded to its widest cell plus 3 spaces."""
    table = [["NAMESPACE", "NAME", "PHASE", "READY", "DECODE", "PREFILL", "MESSAGE"]]
    for row in rows:
        s, cond = row.status, ready_condition(row.status)
        decode = f"{s.get('decodeReady', 0)}/{s.get('decodeReplicas', 0)}"
        prefill = f"{s.get('prefillReady', 0)}/{s.get('prefillReplicas', 0)}"
        table.append(
            [
                row.namespace,
                row.name,
                str(s.get("phase", "")),
                str(cond.get("status", "")),
                decode,
                prefill if row.prefill else "-",
                str(cond.get("message", "")),
            ]
        )
    widths = [max(len(line[i]) for line in table) + 3 for i in range(len(table[0]) - 1)]
    return "".join(
        "".join(cell.ljust(w) for cell, w in zip(line, widths)) + line[-1] + "\n" for line in table
    )


def as_list(rows: list[Row]) -> Obj:
    """A v1 List of the ModelServices, each with its computed `.status`."""
    items = [{**row.ms, "status": row.status} for row in rows]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def render(rows: list[Row], output: str) -> str:
    if output == "json":
        return json.dumps(as_list(rows), indent=4, ensure_ascii=False) + "\n"
    if output == "yaml":
        return yamlio.dump(as_list(rows))
    return format_table(rows) if rows else ""


# ---------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Show the status the model-operator would write for each ModelService, "
        "derived from its decode and prefill Deployments.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories holding `kubectl get modelservices,deployments -A -o yaml` "
        "output or manifests (YAML or JSON; directories: their .yaml/.yml/.json files; "
        "'-' or none: stdin)",
    )
    parser.add_argument("-o", "--output", choices=["table", "yaml", "json"], default="table")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 3 when any ModelService is not Ready, 1 when there is none",
    )
    cluster = parser.add_argument_group("live cluster (needs modelservice-fn[cluster])")
    cluster.add_argument("--cluster", action="store_true", help="read from the cluster")
    scope = cluster.add_mutually_exclusive_group()
    scope.add_argument(
        "-n", "--namespace", help="namespace (default: the context's namespace, or default)"
    )
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    cluster.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig file")
    cluster.add_argument("--context", metavar="NAME", help="kubeconfig context")
    return parser


def main(argv: list[str] | None = None, *, now: str | None = None) -> int:
    """Run `modelservice-fn status ARGV`; `now` (RFC 3339) is for reproducible output."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.cluster and args.paths:
            parser.error("PATH and --cluster cannot be combined")
        cluster_only = args.namespace or args.all_namespaces or args.kubeconfig or args.context
        if cluster_only and not args.cluster:
            parser.error("--namespace, -A, --kubeconfig and --context need --cluster")
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR

    try:
        if args.cluster:
            objects = read_cluster(
                args.namespace, args.all_namespaces, args.kubeconfig, args.context
            )
        else:
            objects = [o for path in _inputs(args.paths) for o in flatten(_parse(path))]
        rows = compute(objects, now)
        text = render(rows, args.output)
    except CliError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except RecursionError:
        print(f"{PROG}: error: input nested too deeply", file=sys.stderr)
        return EXIT_ERROR

    sys.stdout.write(text)
    if not rows and (args.output == "table" or args.check):
        print("No ModelServices found.", file=sys.stderr)
    if args.check and not rows:
        return EXIT_ERROR  # a gate that found nothing to check must not pass
    if args.check and not all(row.ready for row in rows):
        return EXIT_NOT_READY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
