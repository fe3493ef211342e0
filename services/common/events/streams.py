"""The JetStream streams every process agrees on, and the connection to them."""

from __future__ import annotations

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

# Every event: kept a week for consumers that were down, and replays.
EVENTS_STREAM = "TONGNAN"
EVENTS_SUBJECTS = ["tongnan.>"]
# The worker's clock: each tick of each job is one message, taken by one worker.
TICKS_STREAM = "TONGNAN_TICKS"
TICKS_PREFIX = "tongnan_ticks."
# How long the server remembers a message id to drop a second publish of it: longer than a
# relay takes to come back after dying between publishing and marking its rows published.
DUPLICATE_WINDOW_SECONDS = 15 * 60
EVENTS_MAX_AGE_SECONDS = 7 * 24 * 3600


async def connect(url: str, name: str) -> Client:
    """A connection that reconnects for ever: a NATS restart pauses events, it ends nothing."""
    return await nats.connect(url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5)


async def ensure_streams(js: JetStreamContext) -> None:
    """Creates the streams, or brings an existing one's settings up to these (idempotent, so
    every process may call it at start)."""
    for config in (
        StreamConfig(
            name=EVENTS_STREAM,
            subjects=EVENTS_SUBJECTS,
            storage=StorageType.FILE,
            max_age=EVENTS_MAX_AGE_SECONDS,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
        StreamConfig(
            name=TICKS_STREAM,
            subjects=[TICKS_PREFIX + ">"],
            storage=StorageType.FILE,
            retention=RetentionPolicy.WORK_QUEUE,
            max_age=24 * 3600,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        ),
    ):
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)
