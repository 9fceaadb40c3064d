#!/usr/bin/python3
"""shop-app: the customer's small web shop service, as mirrored by rehearsal.

Endpoints:
  GET  /health    200 {"status": "ok", "node": ..., "db": "ok"} after SELECT 1; else 503 + reason
  GET  /products  the product list from the database
  GET  /orders    the number of orders and the 20 newest
  POST /orders    {"product_id": N, "quantity": N} -> 201 {"id": ...}

It starts without the database (health says 503) and recovers by itself when the database
comes back: pooled connections are checked before use and broken ones are replaced. On its
first connection it creates its tables (products, with the starting catalogue, and orders)
when they are missing, as the shop's own migrations would.
"""

import argparse
import configparser
import json
import logging
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import psycopg2.errors
import psycopg2.pool

log = logging.getLogger("shop-app")
DB_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
SCHEMA_LOCK = 7243  # pg_advisory_xact_lock key: app nodes starting together create it once
SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    price_cents integer NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id         serial PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO products (name, price_cents)
SELECT * FROM (VALUES ('Espresso beans 1kg', 2490), ('Pour-over kettle', 5900),
                      ('Ceramic mug', 1200), ('Paper filters x100', 450)) AS seed
WHERE NOT EXISTS (SELECT 1 FROM products);
"""


class PoolTimeout(Exception):
    """Every pooled connection stayed busy for pool_timeout seconds."""


class LazyPool(psycopg2.pool.ThreadedConnectionPool):
    """Opens connections on demand (so the app starts while the database is down) and keeps
    up to maxconn of them open. ThreadedConnectionPool opens minconn connections up front and
    closes any returned connection beyond minconn, so minconn is raised after construction."""

    def __init__(self, maxconn, **dsn):
        super().__init__(0, maxconn, **dsn)
        self.minconn = maxconn


class Database:
    """A ThreadedConnectionPool of pool_size connections, opened lazily and self-healing."""

    def __init__(self, section, node):
        timeout = section.getint("connect_timeout", 3)
        query_timeout_ms = int(section.getfloat("query_timeout", 5) * 1000)
        self.dsn = {
            "host": section.get("host", "localhost"),
            "port": section.getint("port", 5432),
            "dbname": section.get("name", "shop"),
            "user": section.get("user", "shop"),
            "password": section.get("password", ""),
            "connect_timeout": timeout,
            "application_name": f"shop-app@{node}",
            "options": f"-c statement_timeout={query_timeout_ms}",
            # Notice a vanished database host instead of waiting for TCP to give up.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
            "tcp_user_timeout": query_timeout_ms,
        }
        self.size = section.getint("pool_size", 10)
        self.pool_timeout = section.getfloat("pool_timeout", 5)
        self.slots = threading.BoundedSemaphore(self.size)
        self.pool = LazyPool(self.size, **self.dsn)
        self.schema_lock = threading.Lock()
        self.schema_ready = False

    def describe(self):
        d = self.dsn
        return f"{d['user']}@{d['host']}:{d['port']}/{d['dbname']} pool_size={self.size}"

    def _checked_out(self):
        """A live connection from the pool; stale ones (database restarted) are discarded."""
        for _ in range(self.size + 1):
            conn = self.pool.getconn()  # opens a new connection if none is idle; may raise
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                conn.rollback()
                self._ensure_schema(conn)
                return conn
            except DB_ERRORS as exc:
                log.warning("discarding a broken database connection: %s", _reason(exc))
                self.pool.putconn(conn, close=True)
        raise psycopg2.OperationalError("no usable database connection")

    def _ensure_schema(self, conn):
        """Create the tables when they are missing (once a process; a hot standby has them)."""
        if self.schema_ready:
            return
        with self.schema_lock:
            if self.schema_ready:
                return
            try:
                with conn.cursor() as cur:
                    cur.execute(
                        "SELECT to_regclass('public.products') IS NOT NULL"
                        " AND to_regclass('public.orders') IS NOT NULL"
                    )
                    if not cur.fetchone()[0]:
                        cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                        cur.execute(SCHEMA)
                        log.info("created the shop's tables")
                conn.commit()
                self.schema_ready = True
            except DB_ERRORS:
                raise
            except psycopg2.Error as exc:  # e.g. pointed at a read-only standby: next time
                conn.rollback()
                log.warning("could not create the shop's tables: %s", _reason(exc))

    def warm_up(self):
        """Connect once at start, as soon as the database answers (and create the tables)."""
        while True:
            try:
                self.run(lambda cur: None)
                return
            except (*DB_ERRORS, PoolTimeout):
                time.sleep(1)

    def run(self, work):
        """Run work(cursor) in a transaction on a pooled connection and return its result."""
        if not self.slots.acquire(timeout=self.pool_timeout):
            raise PoolTimeout(
                f"all {self.size} database connections busy for {self.pool_timeout:g}s"
            )
        try:
            conn = self._checked_out()
            broken = False
            try:
                with conn.cursor() as cur:
                    result = work(cur)
                conn.commit()
                return result
            except DB_ERRORS:
                broken = True
                raise
            except Exception:
                try:
                    conn.rollback()
                except DB_ERRORS:
                    broken = True
                raise
            finally:
                self.pool.putconn(conn, close=broken or bool(conn.closed))
        finally:
            self.slots.release()


def _reason(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


class Handler(BaseHTTPRequestHandler):
    server_version = "shop-app/1.0"
    protocol_version = "HTTP/1.1"

    def log_request(self, code="-", size="-"):  # we log in _reply, with the duration
        pass

    def log_message(self, fmt, *args):
        log.info("%s %s", self.client_address[0], fmt % args)

    def _reply(self, status, body):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        elapsed_ms = (time.monotonic() - self._started) * 1000
        log.info(
            '%s "%s" %d %d %.1fms',
            self.client_address[0],
            self.requestline,
            status,
            len(data),
            elapsed_ms,
        )

    def _db(self, work):
        """(True, result) or (False, None) after sending a 503 with the reason."""
        try:
            return True, self.server.db.run(work)
        except PoolTimeout as exc:
            reason = str(exc)
        except DB_ERRORS as exc:
            reason = _reason(exc)
        log.error("database unavailable: %s", reason)
        self._reply(
            503,
            {"status": "error", "node": self.server.node, "db": "unavailable", "reason": reason},
        )
        return False, None

    def do_GET(self):
        self._started = time.monotonic()
        path = self.path.split("?", 1)[0]
        if path == "/health":
            ok, _ = self._db(lambda cur: cur.execute("SELECT 1"))
            if ok:
                self._reply(
                    200,
                    {
                        "status": "ok",
                        "node": self.server.node,
                        "db": "ok",
                        "version": self.server.version,
                    },
                )
        elif path == "/products":

            def products(cur):
                cur.execute("SELECT id, name, price_cents FROM products ORDER BY id")
                return [{"id": i, "name": n, "price_cents": p} for i, n, p in cur.fetchall()]

            ok, rows = self._db(products)
            if ok:
                self._reply(200, rows)
        elif path == "/orders":

            def orders(cur):
                cur.execute("SELECT count(*) FROM orders")
                (count,) = cur.fetchone()
                cur.execute(
                    "SELECT id, product_id, quantity, created_at FROM orders"
                    " ORDER BY id DESC LIMIT 20"
                )
                latest = [
                    {"id": i, "product_id": p, "quantity": q, "created_at": c.isoformat()}
                    for i, p, q, c in cur.fetchall()
                ]
                return {"count": count, "latest": latest}

            ok, body = self._db(orders)
            if ok:
                self._reply(200, body)
        else:
            self._reply(404, {"error": "not found", "path": path})

    do_HEAD = do_GET

    def do_POST(self):
        self._started = time.monotonic()
        if self.path.split("?", 1)[0] != "/orders":
            self._reply(404, {"error": "not found"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            order = json.loads(self.rfile.read(length) or b"{}")
            product_id, quantity = order["product_id"], order["quantity"]
            if not (isinstance(product_id, int) and isinstance(quantity, int) and quantity > 0):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"error": 'expected JSON {"product_id": int, "quantity": int > 0}'})
            return

        def place(cur):
            cur.execute(
                "INSERT INTO orders (product_id, quantity) VALUES (%s, %s) RETURNING id",
                (product_id, quantity),
            )
            return cur.fetchone()[0]

        try:
            ok, order_id = self._db(place)
        except psycopg2.errors.ForeignKeyViolation:
            self._reply(422, {"error": f"unknown product {product_id}"})
            return
        if ok:
            self._reply(
                201,
                {
                    "id": order_id,
                    "product_id": product_id,
                    "quantity": quantity,
                    "node": self.server.node,
                },
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="/etc/shop-app/shop-app.conf")
    args = parser.parse_args()
    config = configparser.ConfigParser(interpolation=None)
    if not config.read(args.config):
        sys.exit(f"shop-app: cannot read {args.config}")
    app = config["app"]

    logging.basicConfig(
        filename=app.get("log_file", "/var/log/shop-app.log"),
        level=logging.INFO,
        format="%(asctime)s " + app.get("node", "-") + " %(levelname)s %(message)s",
    )
    sys.excepthook = lambda *exc: log.critical("crashed", exc_info=exc)

    server = ThreadingHTTPServer((app.get("listen", "0.0.0.0"), app.getint("port", 8080)), Handler)
    server.daemon_threads = True
    server.node = app.get("node", "-")
    server.version = app.get("version", "")
    server.db = Database(config["database"], server.node)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=server.db.warm_up, name="warm-up", daemon=True).start()
    log.info(
        "shop-app %s starting on %s:%s, database %s",
        server.version or "-",
        *server.server_address[:2],
        server.db.describe(),
    )
    try:
        server.serve_forever()
    finally:
        log.info("shop-app stopping")


if __name__ == "__main__":
    main()
