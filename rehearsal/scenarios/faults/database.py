"""Data is lost: a PostgreSQL table dropped, or rows deleted.

A ``pg_dump`` of the table is taken in the node first and restored on revert (the table
is dropped and restored whole, indexes included). A table that other tables reference by
foreign key cannot be dropped; say ``where:`` to delete rows instead.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from rehearsal.errors import FaultFailure
from rehearsal.scenarios.faults.base import Fault, FaultSpec
from rehearsal.scenarios.faults.node import STATE_DIR, attempt, run, tag

_IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"


class DbDropSpec(FaultSpec):
    type: Literal["db.drop"]
    database: str = Field(pattern=_IDENTIFIER)
    table: str = Field(pattern=_IDENTIFIER, description="a table in the public schema")
    where: str | None = Field(
        default=None, max_length=2000, description="SQL condition: delete these rows instead"
    )
    user: str = Field(default="postgres", pattern=_IDENTIFIER, description="OS user")


class DbDrop(Fault[DbDropSpec]):
    """Drops ``table`` (or deletes the rows matching ``where``) after dumping it."""

    kind: ClassVar[str] = "db.drop"
    example: ClassVar[dict[str, Any]] = {
        "type": "db.drop",
        "target": "n1",
        "database": "postgres",
        "table": "rehearsal_example",
    }
    needs: ClassVar[str | None] = "a PostgreSQL node (role postgresql) with the table"

    @property
    def _dump(self) -> str:
        return f"{STATE_DIR}/dumps/{tag(self.kind, self.spec.model_dump_json())}.dump"

    def _as_user(self, *argv: str) -> list[str]:
        return ["runuser", "-u", self.spec.user, "--", *argv]

    def _sql(self, node: str, sql: str) -> str:
        argv = self._as_user("psql", "-XqAt", "-v", "ON_ERROR_STOP=1", "-d", self.spec.database)
        return run(self.env, node, [*argv, "-c", sql], 120).strip()

    def _exists(self, node: str) -> bool:
        return (
            self._sql(node, f"SELECT to_regclass('public.\"{self.spec.table}\"') IS NOT NULL")
            == "t"
        )

    def inject(self) -> None:
        spec = self.spec
        for node in self.targets:
            if not self._exists(node):
                raise FaultFailure(f"{node}: no table {spec.table!r} in database {spec.database!r}")
            run(self.env, node, ["install", "-d", "-o", spec.user, f"{STATE_DIR}/dumps"])
            if not attempt(self.env, node, ["test", "-s", self._dump]).ok:
                dump = self._as_user("pg_dump", "-Fc", "-t", f'public."{spec.table}"')
                run(self.env, node, [*dump, "-f", self._dump, spec.database], 600)
            if spec.where is None:
                self._sql(node, f'DROP TABLE public."{spec.table}"')
            else:
                self._sql(node, f'DELETE FROM public."{spec.table}" WHERE {spec.where}')

    def is_injected(self) -> bool:
        spec = self.spec
        for node in self.targets:
            if spec.where is None and self._exists(node):
                return False
            if spec.where is not None:
                left = self._sql(
                    node, f'SELECT count(*) FROM public."{spec.table}" WHERE {spec.where}'
                )
                if left != "0":
                    return False
        return True

    def revert(self) -> None:
        spec = self.spec
        for node in self.targets:
            if not attempt(self.env, node, ["test", "-s", self._dump]).ok:
                continue
            self._sql(node, f'DROP TABLE IF EXISTS public."{spec.table}"')
            restore = self._as_user("pg_restore", "-d", spec.database, self._dump)
            run(self.env, node, restore, 600)
            run(self.env, node, ["rm", "-f", self._dump])

    def is_reverted(self) -> bool:
        return all(
            self._exists(node) and not attempt(self.env, node, ["test", "-e", self._dump]).ok
            for node in self.targets
        )
