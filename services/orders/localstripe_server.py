"""Run localstripe, Stripe's stateful fake, on loopback only and without its disk file.

Its own entry point binds every interface and keeps state in one fixed pickle file
in /tmp shared by every run; here each run starts empty and only localhost can reach it.
"""

from __future__ import annotations

import argparse
import logging
import os

from aiohttp import web
from localstripe import resources
from localstripe.server import app


def main() -> None:
    if os.environ.get("TONGNAN_ENVIRONMENT") == "production":
        raise SystemExit("error: localstripe is Stripe's fake for development and tests; production talks to Stripe")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    resources.store.dump_to_disk = lambda: None
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
