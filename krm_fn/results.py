"""Structured results, as the KRM Functions Specification defines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class ResourceRef:
    api_version: str
    kind: str
    name: str
    namespace: str = ""

    def as_dict(self) -> dict[str, str]:
        d = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            d["namespace"] = self.namespace
        return d

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name}".strip()


@dataclass(frozen=True)
class Result:
    message: str
    severity: str = ERROR
    resource: ResourceRef | None = None
    field: str = ""
    current_value: Any = None
    file: str = ""
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"message": self.message, "severity": self.severity}
        if self.resource is not None:
            d["resourceRef"] = self.resource.as_dict()
            if self.field:
                f: dict[str, Any] = {"path": self.field}
                if isinstance(self.current_value, (str, int, float, bool)):
                    f["currentValue"] = self.current_value
                d["field"] = f
        if self.file:
            fd: dict[str, Any] = {"path": self.file}
            if self.index:
                fd["index"] = self.index
            d["file"] = fd
        return d

    def line(self) -> str:
        """One line for stderr: ``<resource> <field>: <message> (<file>)``."""
        parts = []
        if self.resource is not None:
            parts.append(str(self.resource))
        if self.field:
            parts.append(self.field)
        head = " ".join(parts)
        where = f" ({self.file})" if self.file else ""
        return f"{head}: {self.message}{where}" if head else f"{self.message}{where}"


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7f)}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, for stderr."""
    return text.translate(_CONTROL)


def exit_code(results: list[Result]) -> int:
    return 1 if any(r.severity == ERROR for r in results) else 0


def summary_line(results: list[Result]) -> str:
    """The single stderr line of a failed run."""
    errors = [r for r in results if r.severity == ERROR]
    noun = "error" if len(errors) == 1 else "errors"
    line = f"modelservice-fn: {len(errors)} {noun}: " + "; ".join(r.line() for r in errors)
    return one_line(line)  # names and paths may hold line breaks: stderr stays one line
