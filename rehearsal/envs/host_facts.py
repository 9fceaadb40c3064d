"""What one shell script prints about a host, read into facts: OS release, size, addresses,
mounts, packages, services, listening ports with their processes, cron and timers.

Kept apart from the SSH and the role recognition (rehearsal/envs/capture.py), so what a
host's answers mean is tested without a host.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from ipaddress import IPv4Interface
from pathlib import Path

from rehearsal.envs.capture_targets import Target
from rehearsal.models.captured import CapturedHost, CronEntry, Listener, Mount

# Read-only: every command prints, none writes (a GET / on each listening port is the one
# thing a product sees, and may log). Roles' binaries and services come as "$@", split by --.
FACTS_SCRIPT = r"""
part() { printf '\n@@%s\n' "$1"; }
part os; cat /etc/os-release 2>/dev/null
part hostname; hostname
part nproc; nproc
part meminfo; grep MemTotal /proc/meminfo
part cpumax; cat /sys/fs/cgroup/cpu.max 2>/dev/null
part memmax; cat /sys/fs/cgroup/memory.max 2>/dev/null
part addr; ip -o -4 addr show scope global 2>/dev/null
part route; ip -o -4 route show default 2>/dev/null
part hosts; cat /etc/hosts 2>/dev/null
part df; df -B1 --output=target,size,fstype 2>/dev/null | while read -r path size kind; do
  [ -d "$path" ] && printf '%s %s %s\n' "$path" "$size" "$kind"; done
part packages; dpkg-query -W -f='${Package}\t${Version}\t${db:Status-Abbrev}\n' 2>/dev/null
part rc; ls /etc/rc2.d 2>/dev/null
part systemd; systemctl list-unit-files --state=enabled --type=service --no-legend 2>/dev/null
part listen; ss -Htlnp 2>/dev/null
part procs
for pid in $(ss -Htlnp 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  printf '%s\t%s\t%s\n' "$pid" "$(readlink /proc/$pid/exe)" "$(tr '\0' ' ' < /proc/$pid/cmdline)"
done
part owners
exes=$(for pid in $(ss -Htlnp 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  readlink /proc/$pid/exe; done | sort -u)
[ -n "$exes" ] && dpkg -S $exes 2>/dev/null
part http
for where in $(ss -Htln 2>/dev/null | awk '{print $4}' | sort -u); do
  port=${where##*:}; host=${where%:*}
  case "$host" in 0.0.0.0|\*|\[::\]|::) host=127.0.0.1 ;; esac
  case "$host" in *:*) continue ;; esac
  [ "$port" = 22 ] && continue
  printf '%s\t%s\n' "$port" "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$host:$port/")"
done
part cron
for f in /etc/crontab /etc/cron.d/*; do [ -f "$f" ] && { echo "#file $f"; cat "$f"; }; done
part cronowned; dpkg -S /etc/cron.d/* 2>/dev/null
part usercron
for f in /var/spool/cron/crontabs/*; do [ -f "$f" ] && { echo "#file $f"; cat "$f"; }; done
part timers
for f in /etc/systemd/system/*.timer; do
  [ -f "$f" ] || continue
  unit=$(sed -n 's/^Unit=//p' "$f"); unit=${unit:-$(basename "$f" .timer).service}
  service=/etc/systemd/system/$unit
  printf '%s\t%s\t%s\t%s\n' "$f" "$(sed -n 's/^OnCalendar=//p' "$f" | head -n 1)" \
    "$(sed -n 's/^ExecStart=//p' "$service" 2>/dev/null | head -n 1)" \
    "$(sed -n 's/^User=//p' "$service" 2>/dev/null | head -n 1)"
done
part binaries
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  for path in $1; do [ -e "$path" ] && printf '%s\t%s\n' "$1" "$path"; done; shift
done
[ $# -gt 0 ] && shift
part services
for name in "$@"; do
  if [ -e "/etc/init.d/$name" ] || [ -e "/lib/systemd/system/$name.service" ] \
    || [ -e "/etc/systemd/system/$name.service" ]; then echo "$name"; fi
done
"""
_PART = re.compile(r"^@@([a-z]+)$", re.MULTILINE)
_USERS = re.compile(r'\("([^"]+)",pid=(\d+)')
_SYSTEM_MOUNTS = ("/proc", "/sys", "/dev", "/run", "/boot", "/etc/", "/tmp", "/usr/")
_HOSTNAME = re.compile(r"[^a-z0-9-]+")
_DEBIAN_CRON = ("run-parts", "anacron", "/etc/cron.")
WAY_IN = 22
"""sshd: how capture reached the host, not a product of the customer's."""


def split_parts(output: str) -> Iterator[tuple[str, str]]:
    marks = list(_PART.finditer(output))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(output)
        yield mark[1], output[mark.end() : end].strip("\n")


def tab_pairs(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, _, value = line.partition("\t")
        found.setdefault(key, []).append(value)
    return found


def host_facts(target: Target, parts: dict[str, str]) -> CapturedHost:
    release = dict(
        (key, value.strip('"'))
        for key, _, value in (line.partition("=") for line in parts.get("os", "").splitlines())
    )
    cpus, memory, source = _size(parts)
    interfaces = tuple(
        IPv4Interface(fields[3])
        for fields in (line.split() for line in parts.get("addr", "").splitlines())
        if len(fields) > 3 and fields[2] == "inet"
    )
    routed_devices = {
        fields[fields.index("dev") + 1]
        for fields in (line.split() for line in parts.get("route", "").splitlines())
        if "dev" in fields[:-1]
    }
    routed = tuple(
        IPv4Interface(fields[3])
        for fields in (line.split() for line in parts.get("addr", "").splitlines())
        if len(fields) > 3 and fields[2] == "inet" and fields[1] in routed_devices
    )
    hostname = _HOSTNAME.sub("-", parts.get("hostname", "").strip().lower()).strip("-")
    return CapturedHost(
        node=target.name if target.named or not hostname else hostname[:63],
        address=target.login,
        os_id=release.get("ID", "unknown"),
        os_version=release.get("VERSION_ID", ""),
        os_like=tuple(release.get("ID_LIKE", "").split()),
        cpus=cpus,
        memory_bytes=memory,
        limits_source=source,
        mounts=_mounts(parts.get("df", "")),
        interfaces=interfaces,
        routed=routed,
        etc_hosts=_etc_hosts(parts.get("hosts", "")),
        services=_services(parts.get("rc", ""), parts.get("systemd", "")),
        listeners=_listeners(parts),
        cron=_cron(parts),
        groups=target.groups,
    )


def _size(parts: dict[str, str]) -> tuple[float | None, int | None, str]:
    """Cores and memory: the cgroup's limits where the host is a container given some, else
    the machine's (nproc, MemTotal)."""
    cpu_max = parts.get("cpumax", "").split()
    memory_max = parts.get("memmax", "").strip()
    nproc = parts.get("nproc", "").strip()
    meminfo = parts.get("meminfo", "").split()
    cpus = float(nproc) if nproc.isdigit() else None
    memory = int(meminfo[1]) * 1024 if len(meminfo) > 1 and meminfo[1].isdigit() else None
    limited = False
    if len(cpu_max) == 2 and cpu_max[0].isdigit() and cpu_max[1].isdigit():
        cpus, limited = round(int(cpu_max[0]) / int(cpu_max[1]), 2), True
    if memory_max.isdigit():
        memory, limited = int(memory_max), True
    return cpus, memory, "cgroup limits" if limited else "nproc and /proc/meminfo"


def _mounts(text: str) -> tuple[Mount, ...]:
    """File systems of their own, not the system's (/, /proc, /dev, a container's /etc/hosts)."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 3 or not fields[1].isdigit():
            continue
        path, size, kind = fields
        if path == "/" or path.startswith(_SYSTEM_MOUNTS) or kind in ("overlay", "devtmpfs"):
            continue
        found.append(Mount(path, int(size), kind))
    return tuple(found)


def _etc_hosts(text: str) -> tuple[tuple[str, str], ...]:
    found = []
    for line in text.splitlines():
        fields = line.split("#")[0].split()
        if len(fields) < 2 or fields[0].startswith(("127.", "::1", "fe00", "ff0")):
            continue
        found += [(fields[0], name) for name in fields[1:]]
    return tuple(found)


def _services(rc: str, systemd: str) -> tuple[str, ...]:
    sysv = {re.sub(r"^S\d+", "", name) for name in rc.split() if name.startswith("S")}
    units = {line.split()[0].removesuffix(".service") for line in systemd.splitlines() if line}
    return tuple(sorted(sysv | units))


def _listeners(parts: dict[str, str]) -> tuple[Listener, ...]:
    procs = {
        fields[0]: fields[1:]
        for fields in (line.split("\t") for line in parts.get("procs", "").splitlines())
        if len(fields) == 3
    }
    owners = {
        path.strip(): package.split(",")[0].split(":")[0].strip()
        for package, _, path in (
            line.partition(": ") for line in parts.get("owners", "").splitlines()
        )
    }
    http = {
        int(port): int(code)
        for port, _, code in (line.partition("\t") for line in parts.get("http", "").splitlines())
        if port.isdigit() and code.isdigit() and code != "000"
    }
    found: dict[int, Listener] = {}
    for line in parts.get("listen", "").splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        address, _, port_text = fields[3].rpartition(":")
        if not port_text.isdigit() or int(port_text) == WAY_IN:
            continue
        port = int(port_text)
        users = _USERS.findall(line)
        process, pid = users[0] if users else ("", "")
        exe, command = (procs.get(pid) or ["", ""])[:2]
        if port in found and not found[port].loopback_only:
            continue
        found[port] = Listener(
            port,
            address.strip("[]"),
            process,
            command.strip() or exe,
            owners.get(exe, ""),
            http.get(port),
        )
    return tuple(found[port] for port in sorted(found))


def _cron(parts: dict[str, str]) -> tuple[CronEntry, ...]:
    """The customer's cron lines and systemd timers; Debian's own (run-parts, a package's
    /etc/cron.d file) are left out."""
    owned = {line.partition(": ")[2].strip() for line in parts.get("cronowned", "").splitlines()}
    found = []
    for system, text in ((True, parts.get("cron", "")), (False, parts.get("usercron", ""))):
        source = ""
        for line in text.splitlines():
            if line.startswith("#file "):
                source = line.removeprefix("#file ")
                continue
            entry = _cron_line(line, source, system)
            if entry is not None and source not in owned:
                found.append(entry)
    for line in parts.get("timers", "").splitlines():
        fields = line.split("\t")
        if len(fields) == 4 and fields[1] and fields[2]:
            found.append(CronEntry(fields[1], fields[2], fields[3] or "root", fields[0]))
    return tuple(found)


def _cron_line(line: str, source: str, system: bool) -> CronEntry | None:
    text = line.strip()
    if not text or text.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", text):
        return None
    fields = text.split()
    when_count = 1 if fields[0].startswith("@") else 5
    user_count = 1 if system else 0
    if len(fields) <= when_count + user_count:
        return None
    schedule = " ".join(fields[:when_count])
    user = fields[when_count] if system else Path(source).name
    command = " ".join(fields[when_count + user_count :])
    if any(word in command for word in _DEBIAN_CRON):
        return None
    return CronEntry(schedule, command, user, source)


def installed_packages(text: str) -> dict[str, str]:
    """Installed packages (dpkg status ``ii``) and their versions."""
    found = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[2].startswith("ii"):
            found[fields[0]] = fields[1]
    return found
