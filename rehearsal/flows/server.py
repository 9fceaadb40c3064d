"""Whether a Prefect server is configured: without ``PREFECT_API_URL`` Prefect starts a
temporary server of its own, which no other machine sees, so there is nothing to share
through it and no reason to load Prefect."""

from __future__ import annotations

import os


def prefect_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))
