// The GraphQL-over-HTTP conformance audit of graphql-http (its `serverAudits`), against a
// running server. Run by tests/tests/graphql_over_http.rs.
// usage: node audit.mjs http://127.0.0.1:PORT/graphql [bearer-token]
// Prints one line per audit, then one line `RESULT {json}` with the counts by level and
// status and the audits that did not pass.
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
const fetchFn = token
  ? (input, init = {}) =>
      fetch(input, {
        ...init,
        headers: { ...Object.fromEntries(new Headers(init.headers || {})), authorization: `Bearer ${token}` },
      })
  : fetch;
const counts = {};
const failures = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const level = audit.name.split(' ')[0];
  let result;
  try {
    result = await audit.fn();
  } catch (e) {
    result = { status: 'error', reason: `threw: ${e.message}` };
  }
  counts[level] ??= {};
  counts[level][result.status] = (counts[level][result.status] || 0) + 1;
  let detail = '';
  if (result.status !== 'ok') {
    detail = result.reason;
    if (result.response) {
      try {
        const body = await result.response.clone().text();
        detail += ` || HTTP ${result.response.status} ${result.response.headers.get('content-type')} ${body.slice(0, 200)}`;
      } catch {}
    }
    failures.push({ id: audit.id, level, name: audit.name, status: result.status, detail });
  }
  console.log(`${result.status.padEnd(6)} ${audit.id} ${audit.name}${detail ? `\n         -> ${detail}` : ''}`);
}
console.log(`RESULT ${JSON.stringify({ counts, failures })}`);
