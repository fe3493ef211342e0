"""Relay global ids: base64 of `Type:uuid`. Raw UUIDs are accepted where a type is known."""

from __future__ import annotations

import uuid

from strawberry import relay

from services.common.errors import BadInput


def node_uuid(value: str | relay.GlobalID, type_name: str, *, field: str) -> str:
    """The UUID inside a global id of `type_name` (or a bare UUID), or BAD_USER_INPUT naming the field."""
    if isinstance(value, relay.GlobalID):
        gid = value
    else:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
        try:
            gid = relay.GlobalID.from_id(value)
        except Exception:
            raise BadInput(f"not a {type_name} id", field=field) from None
    if gid.type_name != type_name:
        raise BadInput(f"not a {type_name} id", field=field)
    try:
        return str(uuid.UUID(gid.node_id))
    except ValueError:
        raise BadInput(f"not a {type_name} id", field=field) from None


def global_id(type_name: str, node_id: str) -> str:
    return str(relay.GlobalID(type_name, node_id))
