"""Every name an integrator sees in the gateway's schema says what it is.

Walks the built schema (graphql-core's view of it, the one `schema.graphql` is printed from) and
names every type, field, argument, input field and enum value with no description. Introspection
types and graphql-core's built-in scalars are the library's own and left out.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    introspection_types,
    specified_scalar_types,
)

from gateway.schema import schema


def undescribed(graphql_schema: GraphQLSchema) -> list[str]:
    """Schema coordinates ('Type', 'Type.field', 'Type.field(arg:)', 'Enum.VALUE') lacking a
    description; blank text counts as none."""

    def missing(description: str | None) -> bool:
        return not (description and description.strip())

    found: list[str] = []
    for name, named_type in sorted(graphql_schema.type_map.items()):
        if name in introspection_types or name in specified_scalar_types:
            continue
        if missing(named_type.description):
            found.append(name)
        if isinstance(named_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named_type.fields.items():
                if missing(field.description):
                    found.append(f"{name}.{field_name}")
                found.extend(
                    f"{name}.{field_name}({arg_name}:)"
                    for arg_name, arg in field.args.items()
                    if missing(arg.description)
                )
        elif isinstance(named_type, GraphQLInputObjectType):
            found.extend(
                f"{name}.{field_name}" for field_name, field in named_type.fields.items() if missing(field.description)
            )
        elif isinstance(named_type, GraphQLEnumType):
            found.extend(
                f"{name}.{value_name}" for value_name, value in named_type.values.items() if missing(value.description)
            )
    return found


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    lacking = undescribed(schema._schema)
    assert not lacking, f"{len(lacking)} without a description:\n" + "\n".join(lacking)


def test_the_walk_finds_what_lacks_a_description() -> None:
    sdl = '''
    """Described."""
    type Query {
      """Described."""
      a(x: Int, """Described.""" y: Int): Int
      b: E
    }
    enum E { """Described.""" ONE TWO }
    input I { z: Int }
    '''
    assert undescribed(build_schema(sdl)) == ["E", "E.TWO", "I", "I.z", "Query.a(x:)", "Query.b"]
