// graphql-schema-linter's configuration for api/schema.graphql, run by
// tests/tests/schema_tooling.rs (and by hand: `npx graphql-schema-linter` in this folder).
// Every rule of graphql-schema-linter 3.0.1 is on, except the four below.
module.exports = {
  schemaPaths: ['../../api/schema.graphql'],
  rules: [
    // Descriptions everywhere: partners read them in GraphiQL, Apollo Studio and code
    // generators, and must not have to guess units, bounds, defaults or errors.
    'types-have-descriptions',
    'fields-have-descriptions',
    'arguments-have-descriptions',
    'input-object-values-have-descriptions',
    'enum-values-have-descriptions',
    'descriptions-are-capitalized',
    'deprecations-have-a-reason',
    // Naming.
    'types-are-capitalized',
    'fields-are-camel-cased',
    'input-object-values-are-camel-cased',
    'enum-values-all-caps',
    // No dead types.
    'defined-types-are-used',
    // Relay: connections, their arguments and PageInfo as the Relay spec says.
    'relay-connection-types-spec',
    'relay-connection-arguments-spec',
    'relay-page-info-spec',
    // Off: type-fields-sorted-alphabetically, input-object-fields-sorted-alphabetically,
    // interface-fields-sorted-alphabetically and enum-values-sorted-alphabetically. The
    // order is part of the documentation: `id` first, then what identifies an object,
    // then its relations; inputs in the order a form asks for them; enum values in their
    // natural order (`Stage` from POTENTIAL to TRANSFORMATION, `MembershipStatus` from
    // PENDING to DENIED). Sorting would make the schema harder to read, and reordering
    // the existing API's enums would change nothing a client relies on but the docs.
  ],
};
