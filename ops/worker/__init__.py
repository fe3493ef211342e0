"""`tongnan worker`: the outbox relays, the event consumers and the scheduled jobs."""
