"""The probe protocol: a monitor that says, when asked, whether a service is up."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Protocol

from pydantic import BaseModel


class AddressBook(Protocol):
    """What a probe needs from an environment: where a node can be reached from here."""

    def address(self, node: str) -> str: ...


@dataclass(frozen=True)
class Sample:
    ok: bool
    latency_s: float
    detail: str


class Probe(ABC):
    """One kind of check; ``key`` is the YAML key that selects it (``http:``)."""

    key: ClassVar[str]
    Spec: ClassVar[type[BaseModel]]

    def __init__(self, spec: BaseModel, nodes: AddressBook) -> None:
        self.spec = spec
        self.nodes = nodes

    @abstractmethod
    def sample(self) -> Sample:
        """Check once; never raise for a failing service, report it."""
