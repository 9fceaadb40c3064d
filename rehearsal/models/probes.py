"""The input schema of probes: what each probe type checks, as a profile declares it."""

from __future__ import annotations

from pydantic import Field

from rehearsal.models.base import Name, Regex, Strict, Text
from rehearsal.models.durations import Duration


class HttpCheck(Strict):
    url: str = Field(pattern=r"^https?://", description="a node name may stand as the host")
    method: str = "GET"
    expect_status: int = Field(default=200, ge=100, le=599)
    timeout: Duration = 2.0


class TcpCheck(Strict):
    host: str = Field(description="a node name, or an address")
    port: int = Field(ge=1, le=65535)
    timeout: Duration = 2.0


class CommandCheck(Strict):
    on: Name = Field(description="the node the command runs on")
    run: Text = Field(description="the command, as the monitoring agent runs it")
    expect_exit: int = 0
    expect_output: Regex | None = Field(default=None, description="a regular expression")
    timeout: Duration = 5.0


class LogCheck(Strict):
    on: Name = Field(description="the node whose log is watched")
    file: str = Field(pattern=r"^/", description="the log file (an absolute path)")
    pattern: Regex = Field(description="a line matching it is an alert")
    timeout: Duration = 5.0


class SqlCheck(Strict):
    on: Name = Field(description="the database node")
    query: Text = Field(description="an SQL query, e.g. SELECT count(*) FROM orders")
    database: Name = "postgres"
    expect_output: Regex | None = Field(default=None, description="a regular expression")
    timeout: Duration = 5.0
