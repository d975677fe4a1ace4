// PostGraphile v5 (Grafast) config for the peer benchmark.
// Amber preset + V4 compatibility preset so the schema (field names, *List
// "simple collections") matches the v4 CLI run and the same query works on both.
// Loopback only; DSN / schema / port come from the environment (bench/postgraphile.sh).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makeV4Preset } from "postgraphile/presets/v4";
import { makePgService } from "postgraphile/adaptors/pg";

const schemas = (process.env.PEER_PG_SCHEMA || "c360").split(",");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [
    PostGraphileAmberPreset,
    makeV4Preset({ simpleCollections: "both", disableDefaultMutations: true }),
  ],
  pgServices: [
    makePgService({
      connectionString: process.env.PEER_DSN,
      schemas,
      poolConfig: { max: Number(process.env.PEER_PG_POOL || 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PEER_V5_PORT || 5001),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};
export default preset;
