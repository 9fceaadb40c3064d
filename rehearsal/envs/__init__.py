"""Environments a run's nodes live in: Docker containers, lab hosts over SSH, or both; their
images, routes, Ansible converge, fidelity check, and the mirror that puts them together.

May import: ``rehearsal.errors``, ``rehearsal.models``, ``rehearsal.journal``,
``rehearsal.secrets``. Knows nothing of scenarios or Prefect.
"""
