"""The gateway's public GraphQL contract, checked from this repository wherever it is cloned.

Two checks of the exported schema (`schema.graphql`, which `tongnan schema --check` holds equal
to the code), run by `make contract`:

- the public contract (`contract/public.graphql`, the names integrators build on): every type,
  field, argument, input field and enum value of it exists with the same named type and list
  shape. The schema may be stricter where that cannot break a client: an output the contract
  allows to be null may be non-null; an argument or input field the contract requires may be
  optional. Anything the schema adds must not break a contract client: an added argument or
  input field must be optional.
- the released schema (`contract/released.graphql`, the schema as last released): graphql-core's
  `find_breaking_changes(released, current)` must find nothing. Its dangerous changes (an added
  enum value, an optional argument added, a changed default) are printed and pass.

    python -m gateway.contract            # both checks; exit 1 with one line per breach
    python -m gateway.contract --release  # record the current schema as the released one

Needs only graphql-core, no service or database.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
    GraphQLUnionType,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)
from graphql.pyutils import Undefined

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema.graphql"
PUBLIC = ROOT / "contract" / "public.graphql"
RELEASED = ROOT / "contract" / "released.graphql"

RELEASED_HEADER = """\
# The gateway's schema as last released to integrators: CI fails on any change that breaks it
# (graphql-core's find_breaking_changes, gateway/contract.py). A deliberate release records the
# new schema with `make release-schema`; never edit this file by hand.

"""

KIND: dict[type, str] = {
    GraphQLObjectType: "type",
    GraphQLInterfaceType: "interface",
    GraphQLInputObjectType: "input",
    GraphQLEnumType: "enum",
    GraphQLScalarType: "scalar",
    GraphQLUnionType: "union",
}


def _shape(t: GraphQLType) -> tuple[str, str]:
    """(the wrapping as a string like '[!]!', the named type)."""
    marks = ""
    while True:
        if isinstance(t, GraphQLNonNull):
            marks += "!"
            t = t.of_type
        elif isinstance(t, GraphQLList):
            marks += "["
            t = t.of_type
        else:
            assert isinstance(t, GraphQLNamedType)
            return marks, t.name


def output_ok(want: GraphQLType, have: GraphQLType) -> bool:
    """have may add non-null anywhere want has it nullable."""
    wm, wn = _shape(want)
    hm, hn = _shape(have)
    if wn != hn or wm.replace("!", "") != hm.replace("!", ""):
        return False
    w, h = want, have
    while True:
        if isinstance(w, GraphQLNonNull) and not isinstance(h, GraphQLNonNull):
            return False
        w = w.of_type if isinstance(w, GraphQLNonNull) else w
        h = h.of_type if isinstance(h, GraphQLNonNull) else h
        if isinstance(w, GraphQLList) and isinstance(h, GraphQLList):
            w, h = w.of_type, h.of_type
            continue
        return True


def input_ok(want: GraphQLType, have: GraphQLType) -> bool:
    """have may drop non-null anywhere want has it (it accepts more)."""
    return output_ok(have, want)


def _required(t: GraphQLType, default: object) -> bool:
    return isinstance(t, GraphQLNonNull) and default is Undefined


def contract_breaches(schema_sdl: str, contract_sdl: str) -> list[str]:
    """One line per way the schema fails the contract; empty when it holds."""
    schema, contract = build_schema(schema_sdl), build_schema(contract_sdl)
    breaches: list[str] = []
    for name, want in contract.type_map.items():
        if name.startswith("__"):
            continue
        have = schema.type_map.get(name)
        if have is None:
            if isinstance(want, GraphQLScalarType) and name in ("Date", "DateTime"):
                continue  # scalars are checked through the fields that use them
            breaches.append(f"{name}: missing")
            continue
        if type(have) is not type(want):
            breaches.append(f"{name}: is a {KIND[type(have)]}, the contract has a {KIND[type(want)]}")
            continue
        if isinstance(want, (GraphQLObjectType, GraphQLInterfaceType)):
            assert isinstance(have, (GraphQLObjectType, GraphQLInterfaceType))
            for iface in want.interfaces:
                if iface.name not in {i.name for i in have.interfaces}:
                    breaches.append(f"{name}: does not implement {iface.name}")
            for fname, wf in want.fields.items():
                hf = have.fields.get(fname)
                if hf is None:
                    breaches.append(f"{name}.{fname}: missing")
                    continue
                if not output_ok(wf.type, hf.type):
                    breaches.append(f"{name}.{fname}: type {hf.type}, the contract has {wf.type}")
                for aname, wa in wf.args.items():
                    ha = hf.args.get(aname)
                    if ha is None:
                        breaches.append(f"{name}.{fname}({aname}): missing argument")
                    elif not input_ok(wa.type, ha.type):
                        breaches.append(f"{name}.{fname}({aname}): type {ha.type}, the contract has {wa.type}")
                for aname, ha in hf.args.items():
                    if aname not in wf.args and _required(ha.type, ha.default_value):
                        breaches.append(f"{name}.{fname}({aname}): added as required; contract clients do not send it")
        elif isinstance(want, GraphQLInputObjectType):
            assert isinstance(have, GraphQLInputObjectType)
            for fname, wi in want.fields.items():
                hi = have.fields.get(fname)
                if hi is None:
                    breaches.append(f"{name}.{fname}: missing input field")
                elif not input_ok(wi.type, hi.type):
                    breaches.append(f"{name}.{fname}: type {hi.type}, the contract has {wi.type}")
            for fname, hi in have.fields.items():
                if fname not in want.fields and _required(hi.type, hi.default_value):
                    breaches.append(f"{name}.{fname}: added as required; contract clients do not send it")
        elif isinstance(want, GraphQLEnumType):
            assert isinstance(have, GraphQLEnumType)
            for value in want.values:
                if value not in have.values:
                    breaches.append(f"{name}.{value}: missing enum value")
    return breaches


def release_changes(released_sdl: str, current_sdl: str) -> tuple[list[str], list[str]]:
    """(breaking, dangerous) changes from the released schema to the current one, one line each,
    as graphql-core names them (`FIELD_REMOVED: Field Part.sku was removed.`)."""
    released, current = build_schema(released_sdl), build_schema(current_sdl)
    breaking = [f"{c.type.name}: {c.description}" for c in find_breaking_changes(released, current)]
    dangerous = [f"{c.type.name}: {c.description}" for c in find_dangerous_changes(released, current)]
    return breaking, dangerous


def check(schema_path: Path = SCHEMA, public_path: Path = PUBLIC, released_path: Path = RELEASED) -> int:
    schema_sdl = schema_path.read_text(encoding="utf-8")
    status = 0
    breaches = contract_breaches(schema_sdl, public_path.read_text(encoding="utf-8"))
    for line in breaches:
        print(f"contract: {line}")
    if breaches:
        print(f"contract: {len(breaches)} breaches of {public_path.name}")
        status = 1
    else:
        print(f"contract: {public_path.name} holds")
    breaking, dangerous = release_changes(released_path.read_text(encoding="utf-8"), schema_sdl)
    for line in dangerous:
        print(f"released schema, dangerous (passes): {line}")
    for line in breaking:
        print(f"released schema, breaking: {line}")
    if breaking:
        print(
            f"released schema: {len(breaking)} breaking changes against {released_path.name}; "
            "a deliberate release records the schema with `make release-schema`"
        )
        status = 1
    else:
        print(f"released schema: no breaking change against {released_path.name}")
    return status


def release(schema_path: Path = SCHEMA, released_path: Path = RELEASED) -> int:
    released_path.write_text(RELEASED_HEADER + schema_path.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"{released_path} now records {schema_path}; commit it with the release")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.contract", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--schema", type=Path, default=SCHEMA, help="the exported schema (default: schema.graphql)")
    parser.add_argument("--release", action="store_true", help="record the schema as released instead of checking it")
    args = parser.parse_args(argv)
    return release(args.schema) if args.release else check(args.schema)


if __name__ == "__main__":
    sys.exit(main())
