"""The role ``rehearsal role new NAME`` writes: a tiny HTTP service that works as written.

It shows each part of the contract once: packages installed by ``tasks/install.yml`` (baked
into the image), a converge that downloads nothing, a SysV script enabled with
``update-rc.d`` (the node's init starts ``/etc/rc2.d/S*`` at boot, so the service is back
after a container restart), commented params and one read-back through the running service.
``ROLE`` stands for the role's name, ``PREFIX`` for its params' prefix and ``COMM`` for the
server's process name as the kernel keeps it.
"""

from __future__ import annotations

from pathlib import Path

FILES = {
    "defaults/main.yml": """\
---
# The role's params: a node's `params:` may set any of these (and nothing else).
# TCP port the service listens on inside the node.
PREFIX_port: 8080
# Text the service answers at /; the fidelity check reads it back from the running service.
PREFIX_greeting: hello from ROLE
""",
    "meta/rehearsal.yml": """\
---
# Read by rehearsal at validate (Ansible ignores this file).
default_version: ""
versions: {}
packages: [python3, curl]
also_accepts: []
# how `rehearsal profile capture` recognises the service on a server (every one given)
recognise:
  binary: /usr/local/bin/ROLE-server
  service: ROLE
readback:
  # asks the running service, so a config it did not load shows as a difference
  PREFIX_greeting: >-
    curl -fsS "http://127.0.0.1:$(sed -n 's/^port=//p' /etc/ROLE/ROLE.conf)/"
""",
    "meta/main.yml": """\
---
galaxy_info:
  role_name: PREFIX
  author: your team
  description: ROLE, a service of the customer's system, as a role for rehearsal.
  license: MIT
  min_ansible_version: "2.17"
  platforms:
    - name: Debian
      versions: [bookworm]
dependencies: []
""",
    "tasks/install.yml": """\
---
# Needs the network: run once when the role's image is baked, never at converge.
- name: Install the service's packages
  ansible.builtin.apt:
    name: [python3, curl]
    state: present
    update_cache: true
    install_recommends: false

- name: Install the service's program
  ansible.builtin.copy:
    src: ROLE-server.py
    dest: /usr/local/bin/ROLE-server
    owner: root
    group: root
    mode: "0755"
""",
    "tasks/main.yml": """\
---
# Runs at every converge on networks without internet: nothing is downloaded here.
- name: Check that the service's program is installed
  ansible.builtin.stat:
    path: /usr/local/bin/ROLE-server
  register: PREFIX_program

- name: Install the service (only when the image lacks it, as on a lab host)
  ansible.builtin.include_tasks: install.yml
  when: not PREFIX_program.stat.exists

- name: Check the params
  ansible.builtin.assert:
    that:
      - PREFIX_port | int > 0
      - PREFIX_port | int < 65536
    fail_msg: "PREFIX_port is a TCP port, 1 to 65535 (got {{ PREFIX_port }})"
    quiet: true

- name: Create the config folder
  ansible.builtin.file:
    path: /etc/ROLE
    state: directory
    owner: root
    group: root
    mode: "0755"

- name: Configure the service
  ansible.builtin.template:
    src: ROLE.conf.j2
    dest: /etc/ROLE/ROLE.conf
    owner: root
    group: root
    mode: "0644"
  notify: Restart ROLE

- name: Install the SysV init script
  ansible.builtin.template:
    src: ROLE.init.j2
    dest: /etc/init.d/ROLE
    owner: root
    group: root
    mode: "0755"
  notify: Restart ROLE

- name: Start the service at boot (the node's init runs /etc/rc2.d/S*)
  ansible.builtin.command: update-rc.d ROLE defaults
  args:
    creates: /etc/rc2.d/S01ROLE

- name: Apply a changed configuration before checking the service
  ansible.builtin.meta: flush_handlers

- name: Start the service
  ansible.builtin.command: /etc/init.d/ROLE start
  register: PREFIX_started
  changed_when: "'already running' not in PREFIX_started.stdout"

- name: Wait until the service answers
  ansible.builtin.wait_for:
    port: "{{ PREFIX_port }}"
    host: 127.0.0.1
    timeout: 20
""",
    "handlers/main.yml": """\
---
- name: Restart ROLE
  ansible.builtin.command: /etc/init.d/ROLE restart
  changed_when: true
""",
    "templates/ROLE.conf.j2": """\
# Managed by rehearsal (role ROLE); edits are overwritten at converge.
port={{ PREFIX_port }}
greeting={{ PREFIX_greeting }}
""",
    "templates/ROLE.init.j2": """\
#!/bin/sh
### BEGIN INIT INFO
# Provides:          ROLE
# Required-Start:    $network
# Required-Stop:     $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: ROLE (port {{ PREFIX_port }})
### END INIT INFO
# Managed by rehearsal (role ROLE); edits are overwritten at converge.

NAME=ROLE
PIDFILE=/run/ROLE.pid
# the name is the kernel's (15 characters at most): a stale pidfile after a restart
# whose pid another process now has does not count as running
MATCH="--pidfile $PIDFILE --name COMM"

running() {
    start-stop-daemon --status $MATCH
}

do_start() {
    if running; then
        echo "$NAME is already running"
        return 0
    fi
    start-stop-daemon --start --quiet --background --make-pidfile $MATCH \\
        --startas /usr/local/bin/ROLE-server -- /etc/ROLE/ROLE.conf || return 1
    echo "$NAME started"
}

do_stop() {
    start-stop-daemon --stop --quiet --retry TERM/10/KILL/5 $MATCH --remove-pidfile
    rm -f "$PIDFILE"
}

case "$1" in
    start) do_start ;;
    stop) do_stop ;;
    restart|force-reload) do_stop; do_start ;;
    status) running ;;
    *) echo "Usage: /etc/init.d/$NAME {start|stop|restart|status}" >&2; exit 2 ;;
esac
""",
    "files/ROLE-server.py": """\
#!/usr/bin/python3
\"\"\"ROLE: answers every GET with the configured greeting (replace with the real service).\"\"\"

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def settings(path):
    pairs = (line.split("=", 1) for line in open(path) if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


class Greeting(BaseHTTPRequestHandler):
    def do_GET(self):
        body = CONFIG["greeting"].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


CONFIG = settings(sys.argv[1])
ThreadingHTTPServer(("", int(CONFIG["port"])), Greeting).serve_forever()
""",
}


def write_role(name: str, folder: Path) -> Path:
    """Write role ``name`` under ``folder``; refuse to overwrite a role already there."""
    target = folder / name
    if target.exists():
        raise FileExistsError(target)
    prefix = name.replace("-", "_")
    for relative, text in FILES.items():
        path = target / relative.replace("ROLE", name)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = text.replace("COMM", f"{name}-server"[:15])
        path.write_text(text.replace("PREFIX", prefix).replace("ROLE", name))
        if relative.startswith("files/"):
            path.chmod(0o755)
    return target
