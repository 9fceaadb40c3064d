#!/usr/bin/python3
"""booking-api: Northwind Clinics' appointment booking service.

POST /bookings {"patient": ..., "clinic": ..., "slot": ..., "notes": ...} stores an appointment in
PostgreSQL; GET /bookings/count counts them; GET /health answers 200 when the database
answers; GET /config/KEY reads back a setting the running process loaded.
"""

import json
import logging
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2


def settings(path):
    pairs = (line.split("=", 1) for line in open(path) if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


CONFIG = settings(sys.argv[1])
logging.basicConfig(
    filename=CONFIG["log_file"],
    level=logging.INFO,
    format="%(asctime)s booking-api %(levelname)s %(message)s",
)
LOG = logging.getLogger("booking-api")
SCHEMA = """CREATE TABLE IF NOT EXISTS appointments (
    id bigserial PRIMARY KEY,
    patient text NOT NULL,
    clinic text NOT NULL,
    slot text NOT NULL,
    notes text NOT NULL DEFAULT '',
    booked_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())"""


def connect():
    conn = psycopg2.connect(
        host=CONFIG["db_host"],
        dbname=CONFIG["db_name"],
        user=CONFIG["db_user"],
        password=CONFIG["db_password"],
        connect_timeout=2,
        options="-c statement_timeout=5000",
    )
    conn.autocommit = True
    return conn


def query(sql, args=()):
    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(SCHEMA)
            cur.execute(sql, args)
            return cur.fetchone()
    finally:
        conn.close()


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, payload):
        body = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # access log off: the log holds events
        pass

    def do_GET(self):
        if self.path.startswith("/config/"):
            key = self.path[len("/config/") :]
            if key in CONFIG and "password" not in key:
                return self.reply(200, {key: CONFIG[key]})
            return self.reply(404, {"error": "no such setting"})
        try:
            if self.path == "/health":
                query("SELECT 1")
                return self.reply(200, {"node": CONFIG["node"], "db": "ok"})
            if self.path == "/bookings/count":
                (count,) = query("SELECT count(*) FROM appointments")
                return self.reply(200, {"node": CONFIG["node"], "count": count})
        except psycopg2.Error as error:
            LOG.error("database error on %s: %s", self.path, str(error).strip())
            return self.reply(503, {"node": CONFIG["node"], "db": "error"})
        return self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/bookings":
            return self.reply(404, {"error": "not found"})
        try:
            length = int(self.headers.get("Content-Length") or 0)
            booking = json.loads(self.rfile.read(length) or b"{}")
            patient, clinic, slot = booking["patient"], booking["clinic"], booking["slot"]
            notes = str(booking.get("notes", ""))
        except (ValueError, KeyError) as error:
            return self.reply(400, {"error": f"bad booking: {error}"})
        try:
            (booking_id,) = query(
                "INSERT INTO appointments (patient, clinic, slot, notes, booked_by)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (patient, clinic, slot, notes, CONFIG["node"]),
            )
        except psycopg2.Error as error:
            LOG.error("booking failed: %s", str(error).strip().replace("\n", " "))
            return self.reply(503, {"node": CONFIG["node"], "error": "booking failed"})
        return self.reply(201, {"node": CONFIG["node"], "id": booking_id})


LOG.info(
    "listening on port %s, database %s on %s", CONFIG["port"], CONFIG["db_name"], CONFIG["db_host"]
)
ThreadingHTTPServer(("", int(CONFIG["port"])), Handler).serve_forever()
