// PostGraphile v5 configuration for bench/side_by_side.sh (not used by Maillage itself).
//
// The script copies this file next to the node_modules it installs with `npm ci` (so that
// the imports below resolve) and runs `postgraphile -C graphile.config.mjs` with the Node 22
// binary of the pinned `node` package. Settings come from the environment:
//   PGL_DATABASE_URL  connection string (the postgres superuser: no authorization, every row)
//   PGL_HOST, PGL_PORT  where to listen (loopback)
//   PGL_POOL_MAX       connections in the pool (default 10, as Maillage's MAILLAGE_MAX_CONNECTIONS)
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.PGL_DATABASE_URL;
if (!connectionString) {
  throw new Error("PGL_DATABASE_URL is not set");
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PGL_POOL_MAX ?? 10) },
      // No subscriptions: no LISTEN client.
      pubsub: false,
    }),
  ],
  grafserv: {
    host: process.env.PGL_HOST ?? "127.0.0.1",
    port: Number(process.env.PGL_PORT ?? 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
