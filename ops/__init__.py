"""The ops layer: the `tongnan` command, the supervisor of `tongnan up` and the worker. It
composes the services, the gateway and the storefront; none of them imports it."""
