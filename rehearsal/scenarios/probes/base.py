"""The probe protocol: a monitor that says, when asked, whether a service is up."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar, get_args, runtime_checkable

from pydantic import BaseModel

from rehearsal.envs.base import CommandResult
from rehearsal.envs.routes import Stream


class AddressBook(Protocol):
    """What a probe needs from an environment: where a node can be reached from here."""

    def address(self, node: str) -> str: ...

    def endpoint(self, node: str, port: int) -> tuple[str, int]:
        """Where a socket here reaches the node's port; KeyError for an unknown node."""
        ...

    def connect(self, node: str, port: int, timeout_s: float) -> Stream:
        """A connection to the node's port; OSError when refused, KeyError when unknown."""
        ...


@runtime_checkable
class NodeShell(AddressBook, Protocol):
    """What command, log and SQL probes need: a shell on a node (SSH, as a monitor agent)."""

    def run_command(self, node: str, command: str, timeout_s: float) -> CommandResult: ...


@dataclass(frozen=True)
class Sample:
    ok: bool
    latency_s: float
    detail: str


C = TypeVar("C", bound=BaseModel, covariant=True)
"""A probe's check spec; covariant, so ``Probe[BaseModel]`` is any probe."""


class Probe(ABC, Generic[C]):
    """One kind of check; ``key`` is the YAML key that selects it (``http:``). Generic over
    its spec, so ``self.spec`` has the check's own fields."""

    key: ClassVar[str]
    Spec: ClassVar[type[BaseModel]]
    """The spec class, taken from ``Probe[XCheck]`` when the class is made."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            spec = next(iter(get_args(base)), None)
            if isinstance(spec, type) and issubclass(spec, BaseModel):
                cls.Spec = spec

    def __init__(self, spec: C, nodes: AddressBook) -> None:
        self.spec = spec
        self.nodes = nodes

    @abstractmethod
    def sample(self) -> Sample:
        """Check once; never raise for a failing service, report it."""

    def shell(self) -> NodeShell:
        if not isinstance(self.nodes, NodeShell):
            raise TypeError(f"a {self.key} probe needs an environment that runs commands")
        return self.nodes


AnyProbe = Probe[BaseModel]
"""A probe of any kind: what the sampler and the engine hold."""
