"""The customer system profile: what the customer runs, how it is built, how it is operated."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from rehearsal.models.base import Name, Regex, Strict, Text
from rehearsal.models.durations import Duration
from rehearsal.scenarios.probes import HttpCheck, TcpCheck


class Customer(Strict):
    name: Text
    account_manager: Text | None = None


class Targets(Strict):
    rto: Duration = Field(description="recovery time objective: longest tolerable outage")
    rpo: Duration | None = Field(default=None, description="recovery point objective")


class BusinessService(Strict):
    name: Name
    impact: Text = Field(description="what the business loses while it is down, in plain words")
    probe: Name = Field(description="the probe that tells whether the service is up")


class Business(Strict):
    hours: Text | None = None
    targets: Targets
    services: list[BusinessService] = []


class Node(Strict):
    name: Name
    role: Name = Field(description="an Ansible role in playbooks/roles")
    version: str | None = Field(default=None, description="product version the role installs")
    networks: list[Name] = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict, description="the parameter design")
    labels: dict[str, str] = Field(default_factory=dict, description="for selecting nodes")


class Network(Strict):
    name: Name
    internal: bool = Field(default=False, description="no route out, like a back-end segment")


class ProbeSpec(Strict):
    name: Name
    http: HttpCheck | None = None
    tcp: TcpCheck | None = None
    interval: Duration = Field(default=0.5, ge=0.1, description="100ms at the finest")

    @model_validator(mode="after")
    def _one_check(self) -> Self:
        kinds = [key for key in ("http", "tcp") if getattr(self, key) is not None]
        if len(kinds) != 1:
            raise ValueError("a probe has exactly one check: 'http:' or 'tcp:'")
        return self

    @property
    def kind(self) -> str:
        return "http" if self.http is not None else "tcp"

    @property
    def check(self) -> HttpCheck | TcpCheck:
        check = self.http or self.tcp
        assert check is not None
        return check


class RunbookStep(Strict):
    say: Text = Field(description="the instruction, as the runbook words it")
    run: Text | None = Field(default=None, description="the command the operator types")
    on: Name | None = Field(default=None, description="the node the command runs on")
    timeout: Duration | None = Field(default=None, description="the step's time budget")
    expect_exit: int = 0
    expect_output: Regex | None = Field(
        default=None, description="the expected result: a regular expression on the output"
    )

    @model_validator(mode="after")
    def _command_needs_node(self) -> Self:
        if self.run is not None and self.on is None:
            raise ValueError("a runbook step with 'run:' needs 'on:' (the node it runs on)")
        return self


class SecretSource(Strict):
    """Where a secret parameter's value comes from at run time, so the profile never holds it."""

    param: str = Field(description="the node parameter that receives the value")
    env: str | None = Field(default=None, description="an environment variable's name")
    prefect_secret: str | None = Field(default=None, description="a Prefect Secret block's name")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.env is None) == (self.prefect_secret is None):
            raise ValueError(
                f"secret {self.param!r}: give exactly one source, 'env:' or 'prefect_secret:'"
            )
        return self


class Profile(Strict):
    customer: Customer
    business: Business
    nodes: list[Node] = Field(min_length=1)
    networks: list[Network] = Field(min_length=1)
    probes: list[ProbeSpec] = []
    runbooks: dict[Name, list[RunbookStep]] = {}
    secrets: list[str | SecretSource] = Field(
        default=[],
        description="node params whose values must never appear in a journal or report; "
        "params named *password, *token or *secret are secret without being listed; an "
        "entry with 'env:' or 'prefect_secret:' fills the param at run time on every node "
        "that lists it",
    )

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def probe(self, name: str) -> ProbeSpec:
        return next(probe for probe in self.probes if probe.name == name)
