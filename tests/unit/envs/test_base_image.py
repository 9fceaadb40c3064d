"""The base image is current only when it is made of today's package set and init."""

from __future__ import annotations

from types import SimpleNamespace

import docker.errors
import pytest

from rehearsal.envs import images
from rehearsal.envs.images import KEY_LABEL, base_image_present, base_key


class Images:
    def __init__(self, labels: dict[str, str] | None) -> None:
        self.labels = labels

    def get(self, name: str) -> SimpleNamespace:
        if self.labels is None:
            raise docker.errors.ImageNotFound(name)
        return SimpleNamespace(labels=self.labels, id="sha256:base")


def test_an_image_with_todays_key_is_present_and_one_without_it_is_stale() -> None:
    def client(labels: dict[str, str] | None) -> SimpleNamespace:
        return SimpleNamespace(images=Images(labels))

    assert base_image_present(client({KEY_LABEL: base_key()}))
    assert not base_image_present(client({"rehearsal.image": "base"})), "made before the key"
    assert not base_image_present(client({KEY_LABEL: "0" * 12}))
    assert not base_image_present(client(None))


def test_adding_a_package_changes_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    before = base_key()
    monkeypatch.setattr(images, "PACKAGES", (*images.PACKAGES, "jq"))
    assert base_key() != before
