"""The customer mirror of one run: images, containers and networks, Ansible converge.

It knows the profile but no scenario, so ``rehearsal env up`` and a full run build
environments the same way.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

from rehearsal.envs import labels as L
from rehearsal.envs.ansible import HostVars, run_playbook
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
from rehearsal.envs.reaper import release, start_reaper
from rehearsal.envs.roles import RoleImage, ensure_role_images
from rehearsal.envs.routes import Route, engine_route
from rehearsal.journal import Journal
from rehearsal.models.catalog import roles
from rehearsal.models.loading import playbooks_dir
from rehearsal.models.profile import Profile
from rehearsal.redaction import redactor_for, scrub_folder

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
    ) -> None:
        self.profile = profile
        self.run_id = run_id
        self.run_dir = run_dir
        self.journal = journal
        self.keep = keep
        self.stack = stack
        self.progress = progress
        self.capabilities = capabilities or {}
        """Per node, what the scenario's faults need beyond Docker's default set."""
        self.lost = lost
        """Told when the mirror breaks under us (a node removed from outside, engine gone)."""
        self.labels = L.owner_labels(run_id, keep, run_dir)
        self.env: DockerEnvironment | None = None
        self.client: Any = None
        self.keys: KeyPair | None = None
        self.route: Route = engine_route()
        """How nodes are reached: directly, or through a remote engine's host."""
        self._images: dict[str, str] = {}
        self._reaper: subprocess.Popen[bytes] | None = None

    def prepare_images(self) -> None:
        self.client = docker_client()
        self.stack.callback(self.route.close)
        self.guard()
        base = ensure_base_image(self.client, self.progress)
        self.keys = generate_key_pair(self.run_dir / "ssh", f"rehearsal-{self.run_id}")
        catalog = roles(playbooks_dir() / "roles")
        wanted = {
            node.name: RoleImage(node.role, catalog[node.role].version(node.version))
            for node in self.profile.nodes
        }
        self.progress(f"role images for {', '.join(sorted({w.role for w in wanted.values()}))}")
        tags = ensure_role_images(
            self.client,
            set(wanted.values()),
            playbooks_dir(),
            self.keys,
            self.labels,
            self.run_dir / "ansible-images",
            self.route,
        )
        self._images = {node: tags[image] for node, image in wanted.items()}
        self.journal.record("images.ready", base=base, nodes=self._images)

    def environment_up(self) -> None:
        assert self.keys is not None
        spec = EnvironmentSpec(
            run_id=self.run_id,
            nodes=tuple(
                NodeSpec(
                    n.name,
                    self._images[n.name],
                    tuple(n.networks),
                    n.resources.cpus,
                    n.resources.memory,
                    capabilities=tuple(sorted(self.capabilities.get(n.name, ()))),
                )
                for n in self.profile.nodes
            ),
            networks=tuple(
                NetworkSpec(n.name, n.internal, n.subnet) for n in self.profile.networks
            ),
            labels=self.labels,
        )
        self.env = DockerEnvironment(self.client, spec, self.keys, self.route)
        self.stack.callback(self.teardown)
        self.env.up(self.progress)
        if self.lost is not None:
            self.env.watch(self.lost)
        self.journal.record(
            "environment.up",
            nodes=self.env.addresses(),
            prefix=self.env.prefix,
            engine=self.route.engine,
        )

    def converge(self) -> None:
        assert self.env is not None and self.keys is not None
        hosts = []
        for n in self.profile.nodes:
            address, port = self.env.endpoint(n.name, 22)
            hosts.append(HostVars(n.name, address, n.role, n.version or "", n.params, port))
        self.progress("configuring nodes with Ansible")
        report = run_playbook(
            playbooks_dir() / "converge.yml",
            hosts,
            self.keys.private_path,
            self.run_dir / "ansible",
            after=partial(scrub_folder, redactor=redactor_for(self.profile)),
        )
        self.journal.record(
            "converge.finished",
            duration_s=round(report.duration_s, 2),
            changed=report.changed,
            ok=report.ok,
        )
        facts = {
            "backend": "docker",
            "engine": self.route.engine,
            "nodes": str(len(hosts)),
            "converge": f"{report.duration_s:.1f} s, {sum(report.changed.values())} changes",
        }
        facts.update({f"node {name}": image for name, image in self._images.items()})
        self.journal.record("environment.ready", facts=facts)
        self.check_fidelity()

    def check_fidelity(self) -> list[Fact]:
        """Compare the converged nodes with the profile; the journal keeps every fact."""
        assert self.env is not None
        self.progress("checking the mirror against the profile")
        found = check_fidelity(self.env, self.profile, playbooks_dir() / "roles")
        self.journal.record(
            "fidelity.checked",
            facts=[fact.as_dict() for fact in found],
            differences=sum(not fact.matches for fact in found),
        )
        return found

    def guard(self) -> None:
        """Start the run's reaper (once): from here on, a killed run leaks nothing."""
        if self._reaper is None:
            self._reaper = start_reaper(self.labels)

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
            env.disconnect()
            self.journal.record("environment.kept", prefix=env.prefix)
            return
        self.progress("tearing the environment down")
        env.down()
        if final:
            shutil.rmtree(self.run_dir / "ssh", ignore_errors=True)
        self.journal.record("environment.removed")
