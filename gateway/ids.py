"""Relay global ids: base64 of `Type:uuid`. Raw UUIDs are accepted where a type is known.

Every ID argument is decoded here, so that a malformed id, an id of another type or one
that does not hold a UUID is the client's mistake (BAD_USER_INPUT naming the argument)
wherever it is sent, and is refused before any service is asked.
"""

from __future__ import annotations

import uuid

from strawberry import relay
from strawberry.types import Info

from services.common.errors import BadInput


def decode_global_id(value: str | relay.GlobalID, *, field: str) -> relay.GlobalID:
    """The type name and UUID inside a global id, or BAD_USER_INPUT naming the field."""
    if isinstance(value, relay.GlobalID):
        gid = value
    else:
        try:
            gid = relay.GlobalID.from_id(value)
        except (ValueError, TypeError):  # base64 or the `Type:id` inside it
            raise BadInput("not a global id", field=field) from None
    try:
        node_id = str(uuid.UUID(gid.node_id))
    except ValueError:
        raise BadInput(f"not a {gid.type_name} id", field=field) from None
    return relay.GlobalID(gid.type_name, node_id)


def node_uuid(value: str | relay.GlobalID, type_name: str, *, field: str) -> str:
    """The UUID inside a global id of `type_name` (or a bare UUID), or BAD_USER_INPUT naming the field."""
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    try:
        gid = decode_global_id(value, field=field)
    except BadInput:
        raise BadInput(f"not a {type_name} id", field=field) from None
    if gid.type_name != type_name:
        raise BadInput(f"not a {type_name} id", field=field)
    return gid.node_id


def node_type(info: Info, gid: relay.GlobalID, *, field: str) -> type[relay.Node]:
    """The Node class that a decoded global id names, or BAD_USER_INPUT naming the field."""
    definition = info.schema.get_type_by_name(gid.type_name)
    origin = getattr(definition, "origin", None)
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        raise BadInput("not the id of anything in this API", field=field)
    return origin


def global_id(type_name: str, node_id: str) -> str:
    return str(relay.GlobalID(type_name, node_id))
