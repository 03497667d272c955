"""The edge where bytes become text: every reader of stdin and of files goes through here.

- Only regular files are read. A FIFO, device, socket or directory is refused before it is
  opened, so nothing ever blocks on a pipe that no one writes to (the file is opened
  non-blocking and checked again, in case it was swapped in between).
- Reading is bounded: at most ``MAX_INPUT_BYTES`` per stream or file.
- Text is UTF-8. Every byte-order mark at the very start is dropped here and nowhere else, so
  the parser never sees one (libyaml would skip a leading one without counting it, shifting
  every copied text span by one character).
"""

from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

MAX_INPUT_BYTES = 64 * 2**20
_LIMIT = f"larger than {MAX_INPUT_BYTES // 2**20} MiB, the input size limit"
BOM = "\ufeff"

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class InputError(Exception):
    """Why an input cannot be read, as a short phrase; the caller names the input.

    ``os_error`` marks a failure of the system call itself (its phrase is the OS's, such as
    "No such file or directory"); the other phrases describe the input ("not a regular file
    (a FIFO)", "not UTF-8 text (invalid byte at offset 7)").
    """

    def __init__(self, phrase: str, os_error: bool = False) -> None:
        super().__init__(phrase)
        self.os_error = os_error

    def sentence(self, subject: str) -> str:
        """``subject is <phrase>``, or ``cannot read <subject>: <phrase>`` for a system error."""
        return f"cannot read {subject}: {self}" if self.os_error else f"{subject} is {self}"


def _os_error(e: OSError) -> InputError:
    return InputError(str(e.strerror or e), os_error=True)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise InputError(f"not a regular file ({_kind(mode)})")


def read_stream(stream: BinaryIO) -> bytes:
    """All of ``stream`` (stdin), or an InputError past the size limit."""
    try:
        data = stream.read(MAX_INPUT_BYTES + 1)
    except OSError as e:
        raise _os_error(e) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(_LIMIT)
    return data


def read_stdin() -> bytes:
    """All of standard input, or an InputError (also when the process was started without one)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("standard input is closed", os_error=True)
    return read_stream(stream)


def read_file(path: str) -> bytes:
    """The bytes of a regular file, or an InputError saying why not."""
    try:
        _regular(os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise _os_error(e) from None
    try:
        st = os.fstat(fd)
        _regular(st.st_mode)
        if st.st_size > MAX_INPUT_BYTES:
            raise InputError(_LIMIT)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return read_stream(f)
    except OSError as e:
        raise _os_error(e) from None
    finally:
        os.close(fd)


def decode(data: bytes) -> str:
    """UTF-8 text without its leading byte-order marks, or an InputError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text (invalid byte at offset {e.start})") from None
    return text.lstrip(BOM)
