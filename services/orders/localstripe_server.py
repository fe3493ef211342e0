"""Run localstripe, Stripe's stateful fake, on loopback only and without its disk file.

Its own entry point binds every interface and keeps state in one fixed pickle file
in /tmp shared by every run; here each run starts empty and only localhost can reach it,
unless `--state-file` names a file of its own: then its objects and webhook endpoints are
written there before every response and read back on start, so a run killed and started
again comes back with what it knew, as Stripe does after an outage.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
from pathlib import Path

from aiohttp import web
from localstripe import resources, webhooks
from localstripe.server import app


def keep_state_in(path: Path) -> None:
    if path.exists():
        objects, endpoints = pickle.loads(path.read_bytes())
        resources.store.update(objects)
        webhooks._webhooks.update(endpoints)

    async def save(_: web.Request, __: web.StreamResponse) -> None:
        # Before the response leaves: whatever a caller was told is on disk.
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps((dict(resources.store), webhooks._webhooks)))
        temporary.replace(path)

    app.on_response_prepare.append(save)


def main() -> None:
    if os.environ.get("TONGNAN_ENVIRONMENT") == "production":
        raise SystemExit("error: localstripe is Stripe's fake for development and tests; production talks to Stripe")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state-file", type=Path, help="keep state across restarts in this file")
    args = parser.parse_args()
    resources.store.dump_to_disk = lambda: None
    if args.state_file is not None:
        keep_state_in(args.state_file)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
