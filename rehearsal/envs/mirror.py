"""The customer mirror of one run: images, containers and networks, Ansible converge.

It knows the profile but no scenario, so ``rehearsal env up`` and a full run build
environments the same way.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.ansible import HostVars, run_playbook
from rehearsal.envs.apt_source import package_source
from rehearsal.envs.docker import (
    DockerEnvironment,
    EnvironmentSpec,
    NetworkSpec,
    NodeSpec,
    docker_client,
)
from rehearsal.envs.fidelity import Fact, check_fidelity
from rehearsal.envs.images import ensure_base_image
from rehearsal.envs.keys import KeyPair, generate_key_pair
from rehearsal.envs.labhost import LabAccess, LabHost, LabHostEnvironment
from rehearsal.envs.mixed import MixedEnvironment
from rehearsal.envs.reaper import release, start_reaper
from rehearsal.envs.roles import ensure_role_images, role_image
from rehearsal.envs.routes import Route, engine_route
from rehearsal.envs.snapshots import (
    NodeMaterial,
    SnapshotProblem,
    bound_bytes,
    commit_set,
    find_set,
    mentions,
    restorer,
    snapshot_keys,
    snapshot_tag,
    touch,
)
from rehearsal.envs.snapshots import prune as prune_snapshots
from rehearsal.envs.volumes import VolumeHost, VolumeSpec
from rehearsal.errors import EnvironmentFailure
from rehearsal.journal.writer import Journal
from rehearsal.models.catalog import RoleInfo
from rehearsal.models.loading import catalog_of, playbooks_dir
from rehearsal.models.node_files import render_all
from rehearsal.models.profile import Node, Profile
from rehearsal.models.role_params import image_packages, node_path, shipped
from rehearsal.secrets.redaction import MASK, redactor_for, scrub_folder

Progress = Callable[[str], None]


class Mirror:
    def __init__(
        self,
        profile: Profile,
        run_id: str,
        run_dir: Path,
        journal: Journal,
        keep: bool,
        stack: ExitStack,
        progress: Progress,
        capabilities: dict[str, frozenset[str]] | None = None,
        lost: Callable[[str], None] | None = None,
        volumes: VolumeHost | None = None,
        snapshots: bool = True,
        work_dir: Path | None = None,
    ) -> None:
        self.profile = profile
        self.snapshots = snapshots
        """Start from converged snapshots when there are, and make them after a converge;
        off (``--fresh``), every mirror converges as it always did."""
        self.volumes = volumes or VolumeHost()
        """Where the nodes' data volumes are made, and whether loop devices work there."""
        self.run_id = run_id
        self.run_dir = run_dir
        self.work_dir = work_dir or run_dir
        """Where converge keeps Ansible's files: a parallel attempt's mirror has its own."""
        self.journal = journal
        self.keep = keep
        self.stack = stack
        self.progress = progress
        self.capabilities = capabilities or {}
        """Per node, what the scenario's faults need beyond Docker's default set (its role's
        own needs are added to it)."""
        self.lost = lost
        """Told when the mirror breaks under us (a node removed from outside, engine gone)."""
        self.labels = L.owner_labels(run_id, keep, run_dir)
        self.env: MixedEnvironment | None = None
        self.containers = [node for node in profile.nodes if node.lab_host is None]
        self.lab_hosts = [node for node in profile.nodes if node.lab_host is not None]
        self.client: Any = None
        self.keys: KeyPair | None = None
        self.route: Route = engine_route()
        """How nodes are reached: directly, or through a remote engine's host."""
        self.catalog = catalog_of(profile)
        """The roles the profile's nodes use: shipped, and the customer's own."""
        self.backing = self.volumes.backing(self.route.engine)
        """What the nodes' volumes are made of: loop devices, or the tmpfs fallback."""
        self._images: dict[str, str] = {}
        self._reaper: subprocess.Popen[bytes] | None = None
        self._keys: dict[str, str] = {}
        """Per node, its snapshot key (empty: this mirror is not snapshotted)."""
        self._free_keys: dict[str, str] = {}
        """Per node, its key without the mirror's addresses: a set whose files name none of
        them is saved under these, so a mirror on other addresses (a parallel attempt, a
        concurrent run) restores it too."""
        self.restored: dict[str, str] = {}
        """Per node, the snapshot it was made from (empty: it is converged)."""
        self._why_converged = ""
        self.owns_key = True
        """Its final teardown removes the run's SSH key (not a parallel attempt's mirror)."""

    def prepare_images(self) -> None:
        self.keys = generate_key_pair(self.run_dir / "ssh", f"rehearsal-{self.run_id}")
        if self.snapshots:
            bound_bytes()  # a bad REHEARSAL_SNAPSHOT_MAX_GB is told before anything is built
        if not self.containers:
            self.journal.record("images.ready", base=None, nodes={})
            return
        self.client = docker_client()
        self.stack.callback(self.route.close)
        self.guard()
        source = package_source(self.profile.lab.apt)
        if source.setting:
            self.progress(f"packages from {source.folder or source.mirror} ({source.setting})")
        base = ensure_base_image(self.client, self.progress, source)
        wanted = {node.name: role_image(node, self.catalog[node.role]) for node in self.containers}
        self.progress(f"role images for {', '.join(sorted({w.role for w in wanted.values()}))}")
        workdir = self.run_dir / "ansible-images"
        try:
            tags = ensure_role_images(
                self.client,
                set(wanted.values()),
                playbooks_dir(),
                self.keys,
                self.labels,
                workdir,
                self.route,
                source,
            )
        finally:
            # ansible-runner writes this process's whole environment there: a secret's too.
            scrub_folder(workdir, redactor_for(self.profile))
        self._images = {node: tags[image] for node, image in wanted.items()}
        self.journal.record("images.ready", base=base, nodes=self._images)

    def for_attempt(self, attempt: int, journal: Journal, keep: bool) -> Mirror:
        """A mirror of its own for one attempt of a parallel reproduction, from this one's
        images and key: its containers, networks and reaper are labelled with
        ``<run-id>.<attempt>``, so attempts up at once neither clash nor remove each other."""
        mirror = Mirror(
            self.profile,
            f"{self.run_id}.{attempt}",
            self.run_dir,
            journal,
            keep,
            ExitStack(),
            self.progress,
            self.capabilities,
            self.lost,
            self.volumes,
            self.snapshots,
            work_dir=self.run_dir / "attempts" / str(attempt),
        )
        mirror.keys, mirror.client, mirror._images = self.keys, self.client, self._images
        mirror.owns_key = False  # the run's key: the other attempts still log in with it
        return mirror

    def restorable_anywhere(self) -> bool:
        """Whether a snapshot set that holds no address is there for this mirror, so that
        mirrors on any addresses can start from it (call after ``prepare_images``)."""
        if not self.snapshots or self._not_snapshotted() or not self.containers:
            return False
        keys = self._snapshot_keys({n.name: {} for n in self.containers})
        try:
            find_set(self.client, keys)
        except SnapshotProblem:
            return False
        return True

    def environment_up(self) -> None:
        assert self.keys is not None
        lab = self._lab_hosts()
        containers = None
        if self.containers:
            containers = DockerEnvironment(
                self.client, self._spec(lab), self.keys, self.route, self.volumes
            )
        order = [node.name for node in self.profile.nodes]
        self.env = MixedEnvironment(self.run_id, containers, lab, order, self.keys.private_path)
        self.stack.callback(self.teardown)
        backing = self.backing
        sized = [(n.name, v) for n in self.containers for v in n.volumes]
        if sized and backing.kind == "tmpfs":
            self.progress(f"volumes: {backing.described()}")
        if containers is not None:
            containers.create_networks()
            self._start_nodes(containers)
        if lab is not None:
            self.progress(f"reaching {len(self.lab_hosts)} lab host(s) over SSH")
            lab.reach()
        if self.lost is not None:
            self.env.watch(self.lost)
        self.journal.record(
            "environment.up",
            nodes=self.env.addresses(),
            prefix=self.env.prefix,
            lab_hosts=[self._lab_host_record(node) for node in self.lab_hosts],
            owner=self.labels,
            engine=self.route.engine if self.containers else None,
            volumes=[
                {
                    "node": node,
                    "path": volume.path,
                    "size": volume.size,
                    "backing": backing.described(),
                    "seconds": round(containers.volume_seconds.get(node, 0.0), 3)
                    if containers
                    else None,
                }
                for node, volume in sized
            ],
        )

    def _start_nodes(self, containers: DockerEnvironment) -> None:
        """Start the nodes from their snapshots when the whole set is there; a snapshot
        that does not come up is told, and the nodes start from their role images."""
        self._plan_snapshots(containers)
        try:
            containers.start_nodes(self.progress)
        except EnvironmentFailure as failure:
            if not self.restored:
                raise
            self._why_converged = f"its snapshots did not start ({failure}), so it converged"
            self.restored = {}
            containers.remove_nodes()
            containers.spec = self._spec(None)  # snapshotted mirrors have no lab hosts
            containers.on_create = lambda _node, _container: None
            containers.start_nodes(self.progress)

    def _plan_snapshots(self, containers: DockerEnvironment) -> None:
        self.restored, self._keys = {}, {}
        if not self.snapshots:
            self._why_converged = "--fresh: snapshots not used"
            return
        reason = self._not_snapshotted()
        if reason:
            self._why_converged = reason
            return
        self._keys = self._snapshot_keys(
            {n.name: containers.planned_addresses(n.name) for n in self.containers}
        )
        self._free_keys = self._snapshot_keys({n.name: {} for n in self.containers})
        try:
            found = find_set(self.client, self._keys)
        except SnapshotProblem as problem:
            try:
                found = find_set(self.client, self._free_keys)
            except SnapshotProblem as free:
                self._why_converged = f"{problem}; keyed without its addresses, {free}"
                return
            self._keys = self._free_keys
        touch(self.client, found.values())
        restore = restorer(self._secrets())
        containers.spec = replace(
            containers.spec,
            nodes=tuple(replace(n, image=str(found[n.name].id)) for n in containers.spec.nodes),
        )
        containers.on_create = lambda node, container: restore(found[node.name], container)
        self.restored = {node: snapshot_tag(key) for node, key in self._keys.items()}
        self.progress(f"starting from converged snapshots ({self.set_key()})")

    def _snapshot_keys(self, addresses: dict[str, dict[str, str]]) -> dict[str, str]:
        """Each node's key, with the addresses given (none: the address-free key)."""
        materials = {
            n.name: NodeMaterial(
                n.name,
                self._images[n.name],
                self.catalog[n.role].folder,
                self._variables(n),
                addresses[n.name],
            )
            for n in self.containers
        }
        converge = playbooks_dir() / "converge.yml"
        return snapshot_keys(self.client, materials, converge, self._secrets())

    def _not_snapshotted(self) -> str:
        """Why this mirror cannot be snapshotted ("" when it can)."""
        if self.lab_hosts:
            return "a mirror with lab hosts converges every run"
        with_volumes = [n.name for n in self.containers if n.volumes]
        if with_volumes:
            return f"{with_volumes[0]} has volumes, whose data a snapshot does not hold"
        return ""

    def set_key(self) -> str:
        """The mirror's key: its nodes' keys together (shortened, for people)."""
        joined = "\0".join(f"{node}={key}" for node, key in sorted(self._keys.items()))
        return hashlib.sha256(joined.encode()).hexdigest()[:12] if self._keys else ""

    def _variables(self, node: Node) -> dict[str, Any]:
        info = self.catalog[node.role]
        return {
            "node": node.name,
            "role": node.role,
            "version": node.version or "",
            "params": info.variables(node.params) | converge_vars(node, info),
        }

    def _secrets(self) -> list[str]:
        replacements = redactor_for(self.profile).replacements
        return [value for value, shown in replacements.items() if shown == MASK]

    def _save_snapshots(self) -> None:
        """Commit the converged mirror as its snapshots; a failure is told, never fatal."""
        import docker.errors

        if not self._keys:
            return
        assert self.env is not None and self.env.containers is not None
        self.progress("saving converged snapshots")
        started = time.monotonic()
        docker_env = self.env.containers
        containers = {node: docker_env.container(node) for node in self._keys}
        try:
            addressed = mentions(containers.values(), docker_env.subnet_stems())
            if not addressed:
                self._keys = self._free_keys
            tags = commit_set(self.client, containers, self._keys, self._images, self._secrets())
        except (SnapshotProblem, docker.errors.APIError) as problem:
            self.journal.record("snapshot.saved", key=self.set_key(), error=str(problem))
            return
        removed = prune_snapshots(self.client, limit_bytes=bound_bytes())
        self.journal.record(
            "snapshot.saved",
            key=self.set_key(),
            nodes=tags,
            seconds=round(time.monotonic() - started, 2),
            removed=[snapshot.tag for snapshot in removed],
            addresses=bool(addressed),
        )

    def _spec(self, lab: LabHostEnvironment | None) -> EnvironmentSpec:
        """The containers; each resolves the lab hosts' node names, as the customer's do."""
        names = tuple((node, lab.address(node)) for node in lab.nodes()) if lab else ()
        return EnvironmentSpec(
            run_id=self.run_id,
            nodes=tuple(
                NodeSpec(
                    n.name,
                    self._images[n.name],
                    tuple(n.networks),
                    n.resources.cpus,
                    n.resources.memory,
                    capabilities=tuple(
                        sorted(
                            {*self.capabilities.get(n.name, ()), *self.catalog[n.role].capabilities}
                        )
                    ),
                    extra_hosts=names,
                    volumes=tuple(VolumeSpec(v.path, v.size, v.size_bytes) for v in n.volumes),
                )
                for n in self.containers
            ),
            networks=tuple(
                NetworkSpec(n.name, n.internal, n.subnet) for n in self.profile.networks
            ),
            labels=self.labels,
            backing=self.backing,
            plan=address_plan(self.profile),
        )

    def _lab_hosts(self) -> LabHostEnvironment | None:
        if not self.lab_hosts:
            return None
        return lab_environment(self.run_id, self.lab_hosts)

    @staticmethod
    def _lab_host_record(node: Node) -> dict[str, Any]:
        """Where the node lives, for ``recover`` and ``env check`` (no secret: a key's path)."""
        assert node.lab_host is not None
        return {"node": node.name, "networks": node.networks, **node.lab_host.model_dump()}

    def hosts(self) -> list[HostVars]:
        """Each node as converge's inventory host: its params as its role's variables."""
        assert self.env is not None
        hosts = []
        for n in self.profile.nodes:
            address, port = self.env.endpoint(n.name, 22)
            login = self.env.login(n.name)
            info = self.catalog[n.role]
            params = info.variables(n.params) | converge_vars(n, info)
            hosts.append(HostVars(n.name, address, n.role, n.version or "", params, login, port))
        return hosts

    def converge(self) -> None:
        """Configure the nodes with Ansible, or nothing when they started converged; the
        fidelity check runs either way, and a converged mirror that matches is snapshotted."""
        assert self.env is not None and self.keys is not None
        hosts = self.hosts()
        if self.restored:
            self.journal.record(
                "mirror.source", source="snapshot", key=self.set_key(), nodes=self.restored
            )
            summary = f"skipped: restored from snapshots {self.set_key()}"
        else:
            self.journal.record(
                "mirror.source",
                source="converge",
                key=self.set_key(),
                reason=self._why_converged or "no snapshots for this mirror yet",
            )
            summary = self._run_converge(hosts)
        backends = ["docker"] if self.containers else []
        backends += [f"{len(self.lab_hosts)} lab host(s) over SSH"] if self.lab_hosts else []
        facts = {
            "backend": " + ".join(backends),
            "engine": self.route.engine if self.containers else "none",
            "nodes": str(len(hosts)),
            "converge": summary,
        }
        facts.update({f"node {name}": image for name, image in self._images.items()})
        facts.update({f"node {name}": tag for name, tag in self.restored.items()})
        if any(n.volumes for n in self.containers):
            facts["volumes"] = self.backing.described()
        facts.update(
            {f"node {n.name}": f"lab host {self.env.address(n.name)}" for n in self.lab_hosts}
        )
        self.journal.record("environment.ready", facts=facts)
        found = self.check_fidelity()
        if not self.restored and not any(not fact.matches for fact in found):
            self._save_snapshots()

    def _run_converge(self, hosts: list[HostVars]) -> str:
        assert self.keys is not None
        self.progress("configuring nodes with Ansible")
        report = run_playbook(
            playbooks_dir() / "converge.yml",
            hosts,
            self.keys.private_path,
            self.work_dir / "ansible",
            self.catalog.folders,
            after=partial(scrub_folder, redactor=redactor_for(self.profile)),
        )
        self.journal.record(
            "converge.finished",
            duration_s=round(report.duration_s, 2),
            changed=report.changed,
            ok=report.ok,
        )
        return f"{report.duration_s:.1f} s, {sum(report.changed.values())} changes"

    def check_fidelity(self) -> list[Fact]:
        """Compare the converged nodes with the profile; the journal keeps every fact."""
        assert self.env is not None
        self.progress("checking the mirror against the profile")
        found = check_fidelity(self.env, self.profile, self.catalog)
        self.journal.record(
            "fidelity.checked",
            facts=[fact.as_dict() for fact in found],
            differences=sum(not fact.matches for fact in found),
        )
        return found

    def guard(self) -> None:
        """Start the run's reaper (once): from here on, a killed run leaks nothing."""
        if self._reaper is None:
            # Its folder: where the run's key is (a parallel attempt's has none, since the
            # other attempts still use it) and where its Ansible inputs are.
            self._reaper = start_reaper({**self.labels, L.RUN_DIR: str(self.work_dir)})

    def release(self) -> None:
        """The run is over: its reaper sweeps once and exits (a kept mirror has none)."""
        release(self._reaper)
        self._reaper = None

    def teardown(self, final: bool = True) -> None:
        """Remove the mirror (or keep it, for the last one of a ``--keep`` run); safe to call
        again, and a new mirror can be brought up afterwards (a reproduction's next try)."""
        env, self.env = self.env, None
        if env is None:
            return
        if self.keep and final:
            env.close()
            self.journal.record("environment.kept", prefix=env.prefix)
            return
        self.progress("tearing the environment down")
        env.down()
        if final:
            self.forget_key()
        # lab hosts are not ours to remove: they stay as converged, their faults reverted
        self.journal.record("environment.removed", lab_hosts_left=[n.name for n in self.lab_hosts])

    def forget_key(self) -> None:
        """Remove the run's SSH key: no mirror of the run needs it any more."""
        if self.owns_key:
            shutil.rmtree(self.run_dir / "ssh", ignore_errors=True)


def address_plan(profile: Profile) -> str:
    """What names a profile's address plan: its customer, nodes and networks."""
    nodes = ",".join(f"{n.name}:{'/'.join(n.networks)}" for n in profile.nodes)
    networks = ",".join(n.name for n in profile.networks)
    return f"{profile.customer.name}\0{nodes}\0{networks}"


def converge_vars(node: Node, role: RoleInfo) -> dict[str, Any]:
    """What converge.yml reads besides the params: the node's files and extra packages, and
    the files its path params name, each param's variable then holding the file's path on
    the node."""
    files = shipped(node, role)
    return {
        "rehearsal_files": [f.as_vars() for f in render_all(node)],
        "rehearsal_packages": list(image_packages(node, role)),
        "rehearsal_shipped": [
            {"src": source, "dest": node_path(name, source)} for name, source in files.items()
        ],
        **{role.variable(name): node_path(name, source) for name, source in files.items()},
    }


def lab_environment(run_id: str, nodes: list[Node] | list[dict[str, Any]]) -> LabHostEnvironment:
    """The profile's lab-host nodes (or the journal's record of them) as one backend."""
    hosts = []
    for node in nodes:
        record = node if isinstance(node, dict) else Mirror._lab_host_record(node)
        access = LabAccess(
            key_file=Path(record["key_file"]) if record.get("key_file") else None,
            known_hosts=Path(record["known_hosts"]).expanduser(),
            host_keys=record["host_keys"],
        )
        hosts.append(
            LabHost(
                record["node"],
                record["address"],
                record["user"],
                record["port"],
                tuple(record["networks"]),
                access,
            )
        )
    return LabHostEnvironment(run_id, hosts, LabAccess())


def attach(
    client: Any, run_id: str, run_dir: Path, events: list[dict[str, Any]]
) -> MixedEnvironment:
    """The environment of a run that is already up (``recover``, ``env check``): its
    containers on this engine and the lab hosts its journal says it used."""
    up = next((e for e in events if e["event"] == "environment.up"), {})
    records = up.get("lab_hosts") or []
    lab = lab_environment(run_id, records) if records else None
    keys = KeyPair(run_dir / "ssh" / "id_ed25519", "")
    containers = None
    if client.containers.list(all=True, filters={"label": f"{L.RUN}={run_id}"}, sparse=True):
        containers = DockerEnvironment.attach(client, run_id, keys)
    found = [*(containers.nodes() if containers else []), *(lab.nodes() if lab else [])]
    order = [node for node in up.get("nodes") or found if node in found]
    return MixedEnvironment(run_id, containers, lab, order, keys.private_path)
