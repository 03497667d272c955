"""`modelservice-fn status --cluster` end to end against a local fake API server.

The server answers the list calls the real `kubernetes` client makes with recorded
API responses from tests/data/status/api/.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from krm_fn.status_cli import main

pytest.importorskip("kubernetes")

API = Path(__file__).parent / "data" / "status" / "api"
NOW = "2026-03-21T10:30:00Z"
TOKEN = "test-token"

MS_PATH = "/apis/model.otterscale.io/v1alpha1"
DEP_PATH = "/apis/apps/v1"

TABLE_LLM = """\
NAMESPACE   NAME      PHASE     READY   DECODE   PREFILL   MESSAGE
llm         llama3    Running   False   1/3      -         1/3 replicas ready
llm         mistral   Pending   False   0/0      -         Decode Deployment has not been created yet
llm         qwen3     Ready     True    3/2      1/1       All 4 replicas are ready
"""

TABLE_ALL = (
    TABLE_LLM
    + """\
team-b      gemma     Ready     True    0/0      0/0       All 0 replicas are ready
team-b      phi       Running   False   0/1      -         Waiting for serving pods to become ready
"""
)


def status_body(code: int, reason: str, message: str) -> bytes:
    return json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    ).encode()


def empty_list(api_version: str, kind: str) -> bytes:
    return json.dumps(
        {
            "apiVersion": api_version,
            "items": [],
            "kind": kind,
            "metadata": {"resourceVersion": "922014"},
        }
    ).encode()


class FakeAPI:
    """Routes (path -> status, body) served on 127.0.0.1; records what was asked."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {
            f"{MS_PATH}/modelservices": (200, (API / "modelservices-all.json").read_bytes()),
            f"{MS_PATH}/namespaces/llm/modelservices": (
                200,
                (API / "modelservices-llm.json").read_bytes(),
            ),
            f"{DEP_PATH}/deployments": (200, (API / "deployments-all.json").read_bytes()),
            f"{DEP_PATH}/namespaces/llm/deployments": (
                200,
                (API / "deployments-llm.json").read_bytes(),
            ),
        }
        self.requests: list[tuple[str, str | None]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                api.requests.append((path, self.headers.get("Authorization")))
                code, body = api.routes.get(
                    path,
                    (
                        404,
                        status_body(
                            404, "NotFound", "the server could not find the requested resource"
                        ),
                    ),
                )
                self.send_response(code)
                ctype = "application/json" if body.startswith(b"{") else "text/plain; charset=utf-8"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    fake = FakeAPI()
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        thread.join(timeout=5)


def write_kubeconfig(path: Path, server: str, current: str = "dev") -> Path:
    contexts = {"dev": "llm", "ops": None, "teamb": "team-b"}
    entries = []
    for name, namespace in contexts.items():
        ctx = {"cluster": "fake", "user": "tester"}
        if namespace:
            ctx["namespace"] = namespace
        entries.append({"name": name, "context": ctx})
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": server}}],
        "users": [{"name": "tester", "user": {"token": TOKEN}}],
        "contexts": entries,
        "current-context": current,
    }
    path.write_text(json.dumps(config))  # JSON is valid kubeconfig YAML
    return path


@pytest.fixture
def kubeconfig(api: FakeAPI, tmp_path: Path) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", api.url)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv, now=NOW)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(result: tuple[int, str, str], *parts: str) -> None:
    code, out, err = result
    assert (code, out) == (1, "")
    assert err.startswith("modelservice-fn status: error: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    for part in parts:
        assert part in err


# ---------------------------------------------------------------- success


def test_context_namespace(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys) == (0, TABLE_LLM, "")
    assert api.requests == [
        (f"{MS_PATH}/namespaces/llm/modelservices", f"Bearer {TOKEN}"),
        (f"{DEP_PATH}/namespaces/llm/deployments", f"Bearer {TOKEN}"),
    ]


def test_all_namespaces(api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--cluster", "-A", "--kubeconfig", str(kubeconfig)], capsys) == (0, TABLE_ALL, "")
    assert api.paths == [f"{MS_PATH}/modelservices", f"{DEP_PATH}/deployments"]


def test_all_namespaces_matches_file_input(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = str(API.parent / "kubectl-get.yaml")
    for fmt in ("table", "yaml", "json"):
        from_cluster = run(["--cluster", "-A", "--kubeconfig", str(kubeconfig), "-o", fmt], capsys)
        from_file = run([fixture, "-o", fmt], capsys)
        assert from_cluster[0] == 0
        assert from_cluster == from_file


def test_namespace_flag_overrides_context(
    api: FakeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_kubeconfig(tmp_path / "kc", api.url, current="teamb")
    assert run(["--cluster", "--kubeconfig", str(config), "--namespace", "llm"], capsys) == (
        0,
        TABLE_LLM,
        "",
    )
    assert api.paths == [
        f"{MS_PATH}/namespaces/llm/modelservices",
        f"{DEP_PATH}/namespaces/llm/deployments",
    ]


def test_context_without_namespace_uses_default(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.routes[f"{MS_PATH}/namespaces/default/modelservices"] = (
        200,
        empty_list(f"{MS_PATH[6:]}", "ModelServiceList"),
    )
    api.routes[f"{DEP_PATH}/namespaces/default/deployments"] = (
        200,
        empty_list("apps/v1", "DeploymentList"),
    )
    result = run(["--cluster", "--kubeconfig", str(kubeconfig), "--context", "ops"], capsys)
    assert result == (0, "", "No ModelServices found.\n")
    assert api.paths == [
        f"{MS_PATH}/namespaces/default/modelservices",
        f"{DEP_PATH}/namespaces/default/deployments",
    ]


def test_kubeconfig_from_environment(
    api: FakeAPI,
    kubeconfig: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "missing"
    monkeypatch.setenv("KUBECONFIG", f"{missing}:{kubeconfig}")  # a list, as kubectl reads it
    assert run(["--cluster"], capsys) == (0, TABLE_LLM, "")


def test_check_and_json(api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["--cluster", "-A", "--kubeconfig", str(kubeconfig), "-o", "json", "--check"], capsys
    )
    assert (code, err) == (3, "")
    items = json.loads(out)["items"]
    assert [(i["kind"], i["metadata"]["name"], i["status"]["phase"]) for i in items] == [
        ("ModelService", "llama3", "Running"),
        ("ModelService", "mistral", "Pending"),
        ("ModelService", "qwen3", "Ready"),
        ("ModelService", "gemma", "Ready"),
        ("ModelService", "phi", "Running"),
    ]


# ---------------------------------------------------------------- API errors


def test_crd_not_installed(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an API group the server does not serve: plain-text 404
    api.routes[f"{MS_PATH}/namespaces/llm/modelservices"] = (404, b"404 page not found\n")
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys),
        "the server has no modelservices.model.otterscale.io/v1alpha1 resource "
        "(is the ModelService CRD installed?)",
    )


def test_crd_not_installed_all_namespaces(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del api.routes[f"{MS_PATH}/modelservices"]  # default route: a NotFound Status
    assert_one_line_error(
        run(["--cluster", "-A", "--kubeconfig", str(kubeconfig)], capsys),
        "is the ModelService CRD installed?",
    )


def test_forbidden(api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = (
        'deployments.apps is forbidden: User "system:serviceaccount:llm:viewer" cannot list '
        'resource "deployments" in API group "apps" in the namespace "llm"'
    )
    api.routes[f"{DEP_PATH}/namespaces/llm/deployments"] = (
        403,
        status_body(403, "Forbidden", message),
    )
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys),
        f"listing deployments: HTTP 403: {message}",
    )


def test_unauthorized(api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api.routes[f"{MS_PATH}/namespaces/llm/modelservices"] = (
        401,
        status_body(401, "Unauthorized", "Unauthorized"),
    )
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys),
        "listing modelservices: HTTP 401: Unauthorized",
    )


def test_server_error_without_status_body(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.routes[f"{DEP_PATH}/namespaces/llm/deployments"] = (500, b"internal error\n")
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys),
        "listing deployments: HTTP 500: Internal Server Error",
    )


def test_garbage_response(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.routes[f"{DEP_PATH}/namespaces/llm/deployments"] = (200, b"<html>proxy login</html>")
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys),
        "listing deployments: unexpected response",
    )


# ---------------------------------------------------------------- connection / kubeconfig


def test_unreachable_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(config)], capsys),
        f"cannot reach the cluster at http://127.0.0.1:{port}",
        "Connection refused",
    )


def test_missing_kubeconfig_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(missing)], capsys), f"kubeconfig not found: {missing}"
    )


def test_no_kubeconfig_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert_one_line_error(
        run(["--cluster", "-A"], capsys),
        f"no kubeconfig found (looked at {tmp_path}/.kube/config); use --kubeconfig FILE",
    )


def test_unknown_context(kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(
        run(["--cluster", "--kubeconfig", str(kubeconfig), "--context", "prod"], capsys),
        'context "prod" not found in kubeconfig',
    )


@pytest.mark.parametrize(
    "content",
    ["", "not: [valid", "apiVersion: v1\nkind: Config\ncontexts: []\n", "- just\n- a list\n"],
    ids=["empty", "bad-yaml", "no-current-context", "not-a-mapping"],
)
def test_invalid_kubeconfig(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kc"
    config.write_text(content)
    code, out, err = run(["--cluster", "--kubeconfig", str(config)], capsys)
    assert_one_line_error((code, out, err))
    assert "kubeconfig" in err


# ---------------------------------------------------------------- exact lines


def test_unreachable_server_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")
    assert run(["--cluster", "--kubeconfig", str(config)], capsys) == (
        1, "", (f"modelservice-fn status: error: cannot reach the cluster at http://127.0.0.1:{port}: "
               "[Errno 111] Connection refused\n"))


def test_deployments_of_all_namespaces_that_cannot_be_listed(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.routes[f"{DEP_PATH}/deployments"] = (403, status_body(403, "Forbidden", "no, \n not\tyou"))
    assert run(["--cluster", "-A", "--kubeconfig", str(kubeconfig)], capsys) == (
        1, "", "modelservice-fn status: error: listing deployments: HTTP 403: no, not you\n")


def test_a_status_without_a_message_gives_the_http_reason(
    api: FakeAPI, kubeconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.routes[f"{DEP_PATH}/namespaces/llm/deployments"] = (500, json.dumps({"kind": "Status", "code": 500}).encode())
    assert run(["--cluster", "--kubeconfig", str(kubeconfig)], capsys) == (
        1, "", "modelservice-fn status: error: listing deployments: HTTP 500: Internal Server Error\n")


def test_invalid_kubeconfig_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kc"
    config.write_text("not: [valid")
    code, out, err = run(["--cluster", "--kubeconfig", str(config)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"modelservice-fn status: error: invalid kubeconfig {config}: while parsing a flow sequence")
    assert err.count("\n") == 1
