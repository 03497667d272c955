"""krm_fn.inputs, the one edge where bytes become text, and every reader that goes through it.

Only regular files are read (a FIFO, socket, device or directory is refused by name, never
waited on); reading is bounded; text is UTF-8 with its leading byte-order marks dropped once.
The FIFO cases run the real program in a subprocess with a timeout, since a regression there
would block forever.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from krm_fn import cli, inputs, yamlio

ROOT = Path(__file__).resolve().parent.parent
MS = ("apiVersion: model.otterscale.io/v1alpha1\nkind: ModelService\nmetadata:\n  name: llm\n  namespace: ml\n"
      "spec:\n  model: {name: m, image: 'reg/m:1'}\n  engine: {}\n  accelerator: {type: cpu}\n  decode: {}\n")
CONFIG = "apiVersion: fn.model.otterscale.io/v1alpha1\nkind: EPPConfig\nmetadata:\n  name: c\nprovider: none\n"
RESOURCE_LIST = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
                 "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep  # comment\n  data:\n    a: on\n")
BOM = "\ufeff".encode()


def run_cli(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """The real program; a FIFO that it waited on would make this time out."""
    proc = subprocess.run([sys.executable, "-m", "krm_fn", *args], input=stdin, capture_output=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str],
               stdin: bytes = b"") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock.yaml"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        yield path


# --------------------------------------------------------------------------- the edge itself


def test_the_size_limit_is_the_documented_64_mib() -> None:
    assert inputs.MAX_INPUT_BYTES == 64 * 2**20


def test_only_regular_files_are_read(fifo: Path, unix_socket: Path, tmp_path: Path) -> None:
    for path, kind in ((fifo, "a FIFO"), (unix_socket, "a socket"), (tmp_path, "a directory"),
                       (Path("/dev/null"), "a character device")):
        with pytest.raises(inputs.InputError, match=rf"^not a regular file \({kind}\)$") as e:
            inputs.read_file(str(path))
        assert not e.value.os_error
    regular = tmp_path / "a.yaml"
    regular.write_bytes(b"a: 1\n")
    assert inputs.read_file(str(regular)) == b"a: 1\n"


def test_a_missing_file_is_a_system_error(tmp_path: Path) -> None:
    with pytest.raises(inputs.InputError, match="^No such file or directory$") as e:
        inputs.read_file(str(tmp_path / "nope.yaml"))
    assert e.value.os_error
    assert e.value.sentence("x.yaml") == "cannot read x.yaml: No such file or directory"
    assert inputs.InputError("not UTF-8 text").sentence("input") == "input is not UTF-8 text"


def test_reading_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 10)
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 10)  # the last accepted size
    assert inputs.read_file(str(path)) == b"x" * 10
    assert inputs.read_stream(io.BytesIO(b"y" * 10)) == b"y" * 10
    path.write_bytes(b"x" * 11)  # the first refused
    with pytest.raises(inputs.InputError, match="^larger than 64 MiB, the input size limit$"):
        inputs.read_file(str(path))
    with pytest.raises(inputs.InputError, match="^larger than 64 MiB"):
        inputs.read_stream(io.BytesIO(b"y" * 11))


@pytest.mark.parametrize(("data", "text"), [
    (b"a: 1\n", "a: 1\n"),
    (BOM + b"a: 1\n", "a: 1\n"),
    (BOM + BOM + b"a: 1\n", "a: 1\n"),
    (BOM * 3 + b"a: \xef\xbb\xbf1\n", "a: \ufeff1\n"),  # only the leading ones are the edge's
])
def test_leading_byte_order_marks_are_dropped_at_the_edge(data: bytes, text: str) -> None:
    assert inputs.decode(data) == text


def test_bytes_that_are_not_utf8_name_their_offset() -> None:
    with pytest.raises(inputs.InputError, match=r"^not UTF-8 text \(invalid byte at offset 3\)$"):
        inputs.decode(b"a: \xff\n")


def test_the_parser_never_sees_a_byte_order_mark() -> None:
    """libyaml drops a leading one without counting it, which would shift every copied span."""
    with pytest.raises(yamlio.YAMLInputError, match="^line 1 column 1: a byte-order mark"):
        yamlio.read_documents("\ufeffa: 1\n")


# --------------------------------------------------------------------------- every reader, every mode


def test_a_fifo_in_a_render_directory_is_an_error_naming_it(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "ms.yaml").write_text(MS)
    os.mkfifo(pkg / "pipe.yaml")
    code, out, err = run_cli(["render", str(pkg)])
    assert (code, out) == (1, "")
    assert err == f"modelservice-fn: {pkg.as_posix()}/pipe.yaml: not a regular file (a FIFO)\n"


@pytest.mark.parametrize("mode", ["render FILE", "render --config FILE", "status FILE", "legacy CONFIG_FILE"])
def test_a_fifo_given_by_name_is_an_error_never_a_hang(mode: str, fifo: Path, tmp_path: Path) -> None:
    (tmp_path / "ms.yaml").write_text(MS)
    args, stdin = {
        "render FILE": (["render", str(fifo)], b""),
        "render --config FILE": (["render", "--config", str(fifo), str(tmp_path / "ms.yaml")], b""),
        "status FILE": (["status", str(fifo)], b""),
        "legacy CONFIG_FILE": ([str(fifo)], MS.encode()),
    }[mode]
    code, out, err = run_cli(args, stdin)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and f"{fifo}: not a regular file (a FIFO)" in err, err


def test_a_socket_given_to_render_is_an_error(unix_socket: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = in_process(monkeypatch, capsys, ["render", str(unix_socket)])
    assert (code, out, err) == (1, "", f"modelservice-fn: {unix_socket}: not a regular file (a socket)\n")


def test_a_legacy_config_that_is_not_utf8_is_one_clear_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(CONFIG.encode() + b"flags: {v: \xe9}\n")
    code, out, err = in_process(monkeypatch, capsys, [str(config)], MS.encode())
    offset = len(CONFIG) + len("flags: {v: ")
    assert (code, out) == (1, "")
    assert err == f"modelservice-fn: cannot read config file {config}: not UTF-8 text (invalid byte at offset {offset})\n"


def test_a_legacy_config_that_is_missing_or_a_directory(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = in_process(monkeypatch, capsys, [str(tmp_path / "nope.yaml")], MS.encode())
    assert (code, out, err) == (1, "", (f"modelservice-fn: cannot read config file {tmp_path}/nope.yaml: "
                                        "No such file or directory\n"))
    code, out, err = in_process(monkeypatch, capsys, [str(tmp_path)], MS.encode())
    assert (code, out, err) == (1, "", (f"modelservice-fn: cannot read config file {tmp_path}: "
                                        "not a regular file (a directory)\n"))


def test_stdin_past_the_size_limit_is_refused(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", len(RESOURCE_LIST))
    code, out, err = in_process(monkeypatch, capsys, [], RESOURCE_LIST.encode())
    assert (code, err) == (0, "")
    code, out, err = in_process(monkeypatch, capsys, [], RESOURCE_LIST.encode() + b"\n")
    assert code == 1
    assert err == "modelservice-fn: 1 error: input is larger than 64 MiB, the input size limit\n"
    assert out.startswith("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n")


def test_two_byte_order_marks_on_stdin_keep_every_span(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = in_process(monkeypatch, capsys, [], BOM + BOM + RESOURCE_LIST.encode())
    assert (code, err) == (0, "")
    assert out.startswith(RESOURCE_LIST + "results:\n")
    assert in_process(monkeypatch, capsys, [], out.encode()) == (0, out, "")


def test_two_byte_order_marks_in_legacy_mode_give_a_stable_stream(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(BOM + BOM + CONFIG.encode())
    stream = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep  # comment\n---\n" + MS
    code, first, err = in_process(monkeypatch, capsys, [str(config)], BOM + BOM + stream.encode())
    assert (code, err) == (0, "")
    assert first.startswith("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep  # comment\n---\n" + MS)
    assert in_process(monkeypatch, capsys, [str(config)], first.encode()) == (0, first, "")


def test_byte_order_marks_in_render_and_status_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ms.yaml").write_bytes(BOM + BOM + MS.encode())
    code, out, err = in_process(monkeypatch, capsys, ["render", str(tmp_path / "ms.yaml")])
    assert code == 0 and out.startswith(MS + "---\n") and err.startswith("modelservice-fn: note: no EPPConfig")
    code, out, err = in_process(monkeypatch, capsys, ["status", "-o", "yaml", str(tmp_path / "ms.yaml")])
    assert (code, err) == (0, "") and "name: llm" in out


def test_only_byte_order_marks_are_dropped() -> None:
    assert inputs.decode(BOM + b"X: 1\n") == "X: 1\n"


@pytest.mark.skipif(not os.path.exists("/dev/loop0") or not __import__("stat").S_ISBLK(os.stat("/dev/loop0").st_mode),
                    reason="no block device /dev/loop0 here")
def test_a_block_device_is_named() -> None:
    with pytest.raises(inputs.InputError, match=r"^not a regular file \(a block device\)$"):
        inputs.read_file("/dev/loop0")


def test_a_stream_that_fails_is_a_system_error() -> None:
    class Broken(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(inputs.InputError) as e:
        inputs.read_stream(Broken())
    assert (str(e.value), e.value.os_error) == ("Input/output error", True)
    assert e.value.sentence("input") == "cannot read input: Input/output error"


@pytest.mark.parametrize(("args", "stdout_start", "stderr"), [
    ([], "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n",
     "modelservice-fn: 1 error: cannot read input: standard input is closed\n"),
    (["status"], "", "modelservice-fn status: error: cannot read stdin: standard input is closed\n"),
])
def test_a_closed_stdin_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                         args: list[str], stdout_start: str, stderr: str) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python gives a process started with stdin closed
    assert cli.main(args) == 1
    out, err = capsys.readouterr()
    assert out.startswith(stdout_start) and (out == "") == (stdout_start == "")
    assert err == stderr


def test_a_closed_stdin_in_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "krm_fn"], stdin=subprocess.DEVNULL, capture_output=True,
                          check=False, close_fds=True, preexec_fn=lambda: os.close(0))
    assert done.returncode == 1
    assert done.stderr == b"modelservice-fn: 1 error: cannot read input: standard input is closed\n"
