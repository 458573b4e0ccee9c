// Apollo Client (3.x) with its automatic persisted queries link, against Maillage:
//   node apq.mjs <url> [token]
// Runs two queries twice each, one over POST and one with `useGETForHashedQueries`, with
// a fetch that records what goes over the wire, and prints one line
// `RESULT {"runs": [...]}`: per query, the data Apollo returned and the requests sent
// (method, whether they carried the query text, the status and the error codes).
import { ApolloClient, InMemoryCache, HttpLink, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { createHash } from "node:crypto";

const [url, token] = process.argv.slice(2);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

async function run(name, useGETForHashedQueries, query) {
  const sent = [];
  const recordingFetch = async (uri, options) => {
    const response = await fetch(uri, options);
    const text = await response.clone().text();
    let codes = [];
    try {
      codes = (JSON.parse(text).errors ?? []).map((e) => e.extensions?.code);
    } catch {}
    const body = options.body ? JSON.parse(options.body) : null;
    const params = new URL(String(uri)).searchParams;
    sent.push({
      method: options.method ?? "GET",
      withQuery: Boolean(body?.query ?? params.get("query")),
      withHash: Boolean(body?.extensions?.persistedQuery ?? params.get("extensions")),
      status: response.status,
      codes,
    });
    return response;
  };
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch, headers: token ? { authorization: `Bearer ${token}` } : {} }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const results = [];
  for (let i = 0; i < 2; i++) {
    const { data } = await client.query({ query: gql(query), fetchPolicy: "network-only" });
    results.push(data);
  }
  return { name, results, sent };
}

const runs = [
  await run("post", false, "query Communities { communities(first: 5) { totalCount edges { node { slug } } } }"),
  await run("get", true, "query Organizations { organizations(first: 5) { edges { node { slug } } } }"),
];
console.log("RESULT " + JSON.stringify({ runs }));
