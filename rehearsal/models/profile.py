"""The customer system profile: what the customer runs, how it is built, how it is operated."""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from rehearsal.models.alerts import Monitor, Notify
from rehearsal.models.base import Name, Regex, Strict, Text
from rehearsal.models.calendar import Calendar
from rehearsal.models.durations import Duration
from rehearsal.models.escalation import OnCall
from rehearsal.models.mail import Address, EmailChannel
from rehearsal.models.probes import CommandCheck, HttpCheck, LogCheck, SqlCheck, TcpCheck
from rehearsal.models.sizes import VolumeSize, size_bytes

Criticality = Literal["low", "medium", "high", "critical"]
DEBIAN_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+")


def _debian_package(name: str) -> str:
    if not DEBIAN_PACKAGE.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a Debian package name: lower-case letters, digits, '+', '-' and "
            "'.', at least two (apt-cache search WORD in a node finds the name)"
        )
    return name


DebianPackage = Annotated[
    str,
    Field(max_length=128, description="a Debian package name, e.g. postgresql-client"),
    AfterValidator(_debian_package),
]


class Customer(Strict):
    name: Text
    account_manager: Text | None = None
    contacts: list[Address] = Field(
        default=[], description="who the customer notice is addressed to (`rehearsal notice`)"
    )


def _percent(value: Any) -> Any:
    """``99.9%`` or ``99.9``: an availability is written both ways."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return value.strip()[:-1].strip()
    return value


class Targets(Strict):
    rto: Duration = Field(description="recovery time objective: longest tolerable outage")
    rpo: Duration | None = Field(default=None, description="recovery point objective")
    sla: Annotated[float, BeforeValidator(_percent)] | None = Field(
        default=None,
        gt=0,
        lt=100,
        description="availability promised, per cent of a 30-day month, e.g. 99.9%",
    )


class BusinessService(Strict):
    name: Name
    impact: Text = Field(description="what the business loses while it is down, in plain words")
    probe: Name = Field(description="the probe that tells whether the service is up")
    criticality: Criticality | None = None
    depends_on: list[Name] = Field(
        default=[], description="business services this one needs (no cycles)"
    )


class Business(Strict):
    hours: Text | None = None
    criticality: Criticality | None = Field(
        default=None, description="how much the customer's business depends on this system"
    )
    targets: Targets
    services: list[BusinessService] = []


class Resources(Strict):
    """Limits applied to the node's container, like the customer server's size."""

    cpus: float | None = Field(default=None, gt=0, le=64, description="CPU cores, e.g. 0.5")
    memory: str | None = Field(
        default=None, pattern=r"^[0-9]+[kmg]$", description="memory limit, e.g. 512m or 2g"
    )


class NodeFile(Strict):
    """A file of the customer's parameter design, written after the role has run.

    ``template`` is a Jinja2 file (relative to the profile file that names it) rendered with
    the node's params, the file's ``vars`` and ``node`` (its name); ``content`` is the text
    itself, written as it is; ``copy`` is a file beside the profile, copied byte for byte
    (a binary too). A file that changes can reload or restart the service it belongs to.
    """

    dest: str = Field(pattern=r"^/[^\x00]*$", max_length=4096, description="absolute path")
    template: str | None = Field(default=None, description="a Jinja2 template file")
    content: Text | None = Field(default=None, description="the file's text")
    copy_: str | None = Field(
        default=None,
        alias="copy",
        description="a file beside the profile, copied as it is (no templating; binary-safe)",
    )
    vars: dict[str, Any] = Field(
        default_factory=dict, description="names the template uses besides the node's params"
    )
    mode: str = Field(default="0644", pattern=r"^0?[0-7]{3}$")
    owner: str = Field(default="root", pattern=r"^[a-z_][a-z0-9_-]*$")
    group: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_-]*$")
    then: str | None = Field(
        default=None,
        pattern=r"^(reload|restart) [a-z0-9][a-z0-9@._-]*$",
        description="'reload SERVICE' or 'restart SERVICE' when the file changed",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [s for s in (self.template, self.content, self.copy_) if s is not None]
        if len(given) != 1:
            raise ValueError(
                f"a file has exactly one of 'template:', 'content:' or 'copy:' ({len(given)} given)"
            )
        return self


class LabHostSpec(Strict):
    """An existing machine the node lives on, reached over SSH, instead of a container.

    Login is by key file or, without one, the SSH agent: never a password. The host key is
    checked against ``known_hosts``: ``strict`` (the default: a lab host is a known machine),
    ``accept-new`` (record a host seen for the first time, refuse a changed key) or ``off``.
    """

    address: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9][A-Za-z0-9.:-]*$")
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(
        default="root",
        pattern=r"^[a-z_][a-z0-9_-]*$",
        description="who logs in; not root: Ansible and faults use sudo without a password",
    )
    key_file: str | None = Field(
        default=None, description="private key; relative to the profile's folder; else the agent"
    )
    known_hosts: str = Field(default="~/.ssh/known_hosts")
    host_keys: Literal["strict", "accept-new", "off"] = "strict"


def _mount_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"path {value!r} is not absolute; write it from the root, like /{value}")
    if value.rstrip("/") == "" or ".." in value.split("/"):
        raise ValueError(f"path {value!r} cannot hold a volume; name a folder, like /var/lib/data")
    return value.rstrip("/")


class Volume(Strict):
    """A data disk of its own size at ``path`` in the node, like the customer server's data
    disk: filling it fills it, not the host's disk. What the node's image holds there is
    copied in before the node starts."""

    path: Annotated[str, AfterValidator(_mount_path)] = Field(
        max_length=4096, description="absolute path in the node, e.g. /var/lib/postgresql"
    )
    size: VolumeSize

    @property
    def size_bytes(self) -> int:
        return size_bytes(self.size)


class Node(Strict):
    name: Name
    role: Name = Field(
        description="an Ansible role: shipped in playbooks/roles, or the customer's own "
        "(roles/ beside the profile, or under roles_path)"
    )
    version: str | None = Field(default=None, description="product version the role installs")
    os: Literal["debian-12"] = Field(
        default="debian-12", description="OS release; nodes are Debian 12 (bookworm)"
    )
    resources: Resources = Resources()
    networks: list[Name] = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict, description="the parameter design")
    labels: dict[str, str] = Field(default_factory=dict, description="for selecting nodes")
    lab_host: LabHostSpec | None = Field(
        default=None, description="place the node on an existing machine reached over SSH"
    )
    files: list[NodeFile] = Field(
        default=[], description="configuration files from the parameter design"
    )
    packages: list[DebianPackage] = Field(
        default=[],
        description="extra Debian packages (tools such as postgresql-client), baked into "
        "the node's image",
    )
    volumes: list[Volume] = Field(
        default=[], description="data disks of a given size, e.g. {path: /var/lib/data, size: 2g}"
    )


class Network(Strict):
    name: Name
    internal: bool = Field(default=False, description="no route out, like a back-end segment")
    subnet: IPv4Network | None = Field(
        default=None, description="the segment's addresses, e.g. 10.20.1.0/24 (default: any free)"
    )


class AptSource(Strict):
    """Where image builds take Debian's packages from, for a lab without Debian's mirror."""

    mirror: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        max_length=2048,
        description="a Debian mirror or an apt-cacher-ng style proxy in place of "
        "http://deb.debian.org/debian, e.g. http://10.0.0.5:3142/deb.debian.org/debian "
        "(security updates from the same URL with -security appended)",
    )
    folder: str | None = Field(
        default=None,
        description="a folder of .deb files beside the profile, made into the only "
        "repository of role image builds (no network needed)",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.mirror is None) == (self.folder is None):
            raise ValueError("lab.apt takes exactly one of 'mirror:' or 'folder:'")
        return self


class Lab(Strict):
    """How this machine's lab reaches what image builds need."""

    apt: AptSource | None = Field(
        default=None,
        description="the package source of image builds (else REHEARSAL_APT_MIRROR, "
        "else Debian's mirror)",
    )


PROBE_KINDS = ("http", "tcp", "command", "log", "sql")


class ProbeSpec(Strict):
    name: Name
    http: HttpCheck | None = None
    tcp: TcpCheck | None = None
    command: CommandCheck | None = None
    log: LogCheck | None = None
    sql: SqlCheck | None = None
    interval: Duration = Field(default=0.5, ge=0.1, description="100ms at the finest")

    @model_validator(mode="after")
    def _one_check(self) -> Self:
        kinds = [key for key in PROBE_KINDS if getattr(self, key) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a probe has exactly one check: " + ", ".join(f"'{k}:'" for k in PROBE_KINDS)
            )
        return self

    @property
    def kind(self) -> str:
        return next(key for key in PROBE_KINDS if getattr(self, key) is not None)

    @property
    def check(self) -> HttpCheck | TcpCheck | CommandCheck | LogCheck | SqlCheck:
        check = getattr(self, self.kind)
        assert check is not None
        return check  # type: ignore[no-any-return]


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


class Job(Strict):
    """A batch job or scheduled operation the customer runs (a nightly export, a backup)."""

    name: Name
    say: Text = Field(description="what the job does, in plain words")
    schedule: Text = Field(description="when it runs, e.g. cron '0 2 * * *' or 'daily 02:00'")
    on: Name = Field(description="the node it runs on")
    run: Text | None = Field(default=None, description="the command it runs")
    timeout: Duration | None = Field(default=None, description="how long it may take")


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

    @property
    def kind(self) -> str:
        """The key naming the source, which picks the reader that fetches it."""
        return "env" if self.env is not None else "prefect_secret"


class Profile(Strict):
    include: list[str] = Field(
        default=[],
        description="profile fragments this one is laid over (see rehearsal/models/includes.py)",
    )
    roles_path: list[str] = Field(
        default=[],
        description="more folders of the customer's own roles, each relative to the file that "
        "names it; roles/ beside the profile and beside each included fragment is looked in "
        "without being named; a loaded profile holds every such folder, absolute",
    )
    customer: Customer
    business: Business
    nodes: list[Node] = Field(min_length=1)
    networks: list[Network] = Field(min_length=1)
    probes: list[ProbeSpec] = []
    runbooks: dict[Name, list[RunbookStep]] = {}
    monitors: list[Monitor] = Field(default=[], description="alerts raised from probes")
    on_call: OnCall | None = Field(default=None, description="people, escalation, targets")
    calendar: Calendar | None = None
    jobs: list[Job] = Field(default=[], description="batch jobs and scheduled operations")
    lab: Lab = Field(default=Lab(), description="where image builds get their packages")
    secrets: list[str | SecretSource] = Field(
        default=[],
        description="node params whose values must never appear in a journal or report; "
        "params named *password, *token or *secret are secret without being listed; an "
        "entry with 'env:' or 'prefect_secret:' fills the param at run time on every node "
        "that lists it",
    )

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def lab_hosts(self) -> list[str]:
        """``address:port`` of each lab host the profile's nodes live on: one run at a time."""
        return [
            f"{node.lab_host.address}:{node.lab_host.port}"
            for node in self.nodes
            if node.lab_host is not None
        ]

    def notify_entries(self) -> list[Notify]:
        """Every way an alert is sent: the monitors' and the escalation tiers'."""
        tiers = self.on_call.escalation if self.on_call is not None else []
        return [n for m in self.monitors for n in m.notify] + [n for t in tiers for n in t.notify]

    def email_channels(self) -> list[EmailChannel]:
        return [n.email for n in self.notify_entries() if n.email is not None]

    def probe(self, name: str) -> ProbeSpec:
        return next(probe for probe in self.probes if probe.name == name)
