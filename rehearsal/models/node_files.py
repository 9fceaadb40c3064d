"""A node's files from the parameter design, rendered here so that a template that needs a
parameter the node does not give is a ``validate`` error with its line, not a half-built
mirror, and so that the fidelity check knows what each file should hold.

Templates see the node's params, the file's ``vars`` and ``node`` (its name); undefined
names are errors.
Ansible writes the result as it is (no second templating). A ``copy:`` file is not rendered:
Ansible copies it from beside the profile byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rehearsal.models.profile import Node, NodeFile


class TemplateProblem(ValueError):
    """A template that cannot be rendered for a node; the message says why."""


@dataclass(frozen=True)
class RenderedFile:
    dest: str
    content: str
    mode: str
    owner: str
    group: str | None
    then: str | None
    source: str | None = None
    """A ``copy:`` file's absolute path here; ``content`` is then empty."""

    @property
    def sha256(self) -> str:
        if self.source is None:
            return hashlib.sha256(self.content.encode()).hexdigest()
        try:
            with open(self.source, "rb") as file:
                return hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            return "missing"

    def as_vars(self) -> dict[str, Any]:
        """What converge.yml's file tasks read: the text in base64, so Ansible cannot
        template it a second time, or the path of the file Ansible copies as it is."""
        return {
            "dest": self.dest,
            "src": self.source,
            "content_b64": None
            if self.source is not None
            else base64.b64encode(self.content.encode()).decode(),
            "mode": self.mode,
            "owner": self.owner,
            "group": self.group,
            "then": self.then.split() if self.then else None,
        }


def render(node: Node, file: NodeFile) -> RenderedFile:
    if file.copy_ is not None:
        return RenderedFile(file.dest, "", file.mode, file.owner, file.group, file.then, file.copy_)
    return RenderedFile(file.dest, _text(node, file), file.mode, file.owner, file.group, file.then)


def render_all(node: Node) -> list[RenderedFile]:
    return [render(node, file) for file in node.files]


def _text(node: Node, file: NodeFile) -> str:
    if file.content is not None:
        return file.content
    assert file.template is not None
    import jinja2

    path = Path(file.template)
    try:
        source = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateProblem(f"template {path} cannot be read ({error})") from None
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    try:
        return environment.from_string(source).render(
            {**node.params, **file.vars, "node": node.name}
        )
    except jinja2.UndefinedError as error:
        raise TemplateProblem(
            f"template {path.name}: {error.message}; give it in the node's params"
        ) from None
    except jinja2.TemplateError as error:
        raise TemplateProblem(f"template {path.name}: {error}") from None
