"""Ships the top-level ``playbooks/`` inside the wheel, as ``rehearsal/playbooks``: an
installed (not editable) rehearsal has no checkout to find them in. Everything else is
configured in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PLAYBOOKS = Path("playbooks")


class BuildWithPlaybooks(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's playbooks/
            return
        target = Path(self.build_lib) / "rehearsal" / "playbooks"
        for source in sorted(PLAYBOOKS.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                destination = target / source.relative_to(PLAYBOOKS)
                self.mkpath(str(destination.parent))
                self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildWithPlaybooks})
