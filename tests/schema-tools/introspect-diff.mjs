// What a partner's schema tooling sees of the running server, compared with the committed
// api/schema.graphql. Run by tests/tests/schema_tooling.rs.
//
// 1. graphql-inspector `introspect` (graphql-tools' URL loader sends graphql-js's
//    introspection query over HTTP) writes the served SDL; graphql-inspector `diff` lists
//    the changes from the committed file.
// 2. graphql-js's standard introspection query with every option on (what GraphiQL and
//    code generators send; it asks for `specifiedByURL` too, which graphql-inspector
//    7 does not), turned back into a schema with `buildClientSchema`.
//
// Each served schema must print (`printSchema(lexicographicSortSchema(…))`, graphql-js)
// exactly as the committed file does, descriptions included; for (1) the committed file
// is printed without `@specifiedBy`, which that tool does not ask for.
// usage: node introspect-diff.mjs http://127.0.0.1:PORT/graphql path/to/schema.graphql
// Prints the tools' output, then one line `RESULT {json}`; exits 1 when a schema differs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  validateSchema,
} from 'graphql';

const [url, committedPath] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const inspector = join(here, 'node_modules', '.bin', 'graphql-inspector');
const scratch = mkdtempSync(join(tmpdir(), 'maillage-introspect-'));
const servedPath = join(scratch, 'served.graphql');

function inspect(args) {
  try {
    return { ok: true, out: execFileSync(inspector, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    return { ok: false, out: `${e.stdout || ''}${e.stderr || ''}` || e.message };
  }
}

const print = (schema) => printSchema(lexicographicSortSchema(schema));

// The first lines where two printed schemas differ (at most 20).
function differences(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 20; i++) {
    if (a[i] !== b[i]) out.push({ line: i + 1, committed: a[i] ?? null, served: b[i] ?? null });
  }
  return out;
}

const committedText = readFileSync(committedPath, 'utf8');
const committed = buildSchema(committedText);
const result = { invalid: validateSchema(committed).map((e) => `committed: ${e.message}`) };
try {
  // 1. graphql-inspector.
  const introspect = inspect(['introspect', url, '--write', servedPath]);
  console.log(`graphql-inspector introspect ${url}:\n${introspect.out}`);
  result.inspector = { introspected: introspect.ok };
  if (!introspect.ok) {
    result.inspector.error = introspect.out.slice(0, 2000);
  } else {
    const diff = inspect(['diff', committedPath, servedPath]);
    console.log(`graphql-inspector diff ${committedPath} <served>:\n${diff.out}`);
    const served = buildSchema(readFileSync(servedPath, 'utf8'));
    result.invalid.push(...validateSchema(served).map((e) => `graphql-inspector's: ${e.message}`));
    const withoutSpecifiedBy = buildSchema(committedText.replace(/ @specifiedBy\(url: "[^"]*"\)/g, ''));
    result.inspector.types = Object.keys(served.getTypeMap()).length;
    result.inspector.differing = differences(print(withoutSpecifiedBy), print(served));
    result.inspector.diff = diff.out.slice(0, 4000);
  }

  // 2. graphql-js's standard introspection query, every option on.
  const query = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query }),
  });
  const body = await response.json();
  result.standard = { status: response.status, errors: body.errors ?? [] };
  if (body.data) {
    // async-graphql 7 answers `__schema { description }` with a fixed sentence about
    // GraphQL schemas in general (its `__Schema` type's own description), which no SDL
    // printer writes: not part of this API's schema, so not compared.
    body.data.__schema.description = null;
    const served = buildClientSchema(body.data);
    result.invalid.push(...validateSchema(served).map((e) => `standard query's: ${e.message}`));
    result.standard.types = Object.keys(served.getTypeMap()).length;
    result.standard.differing = differences(print(committed), print(served));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
result.identical =
  result.invalid.length === 0 &&
  result.inspector.introspected &&
  result.inspector.differing.length === 0 &&
  result.standard.errors.length === 0 &&
  result.standard.differing?.length === 0;
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.identical ? 0 : 1);
