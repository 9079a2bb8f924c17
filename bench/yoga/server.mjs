// The cart server a team would write instead of the gateway, the peer `gateway bench` measures:
// GraphQL Yoga with hand-written resolvers, one DataLoader per batch and `pg`. It serves
// `cartPromotions(customerId, includeSupplementary)` with `restrictions` and
// `supplementaryCriteria` under the gateway's own field names and types, so the bench sends both
// the same query and compares their answers. Same batching as the gateway: the listing, then the
// restrictions and the programs of every listed promotion, each one query (three round trips).
//
// The SQL is the gateway's (a JSON file written by the bench: {listing, restrictions, programs}),
// so the comparison measures the server around the queries, not different queries.
//
//   DATABASE_URL=postgresql://... node server.mjs --port 4100 --queries queries.json
//   YOGA_COUNT_ROUND_TRIPS=1 adds `extensions.sqlRoundTrips` to every answer (tests).

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import DataLoader from "dataloader";
import { createSchema, createYoga } from "graphql-yoga";
import pg from "pg";

const { values: args } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    queries: { type: "string" },
  },
});
const SQL = JSON.parse(readFileSync(args.queries, "utf8"));
const COUNT_ROUND_TRIPS = process.env.YOGA_COUNT_ROUND_TRIPS === "1";

// timestamptz as PostgreSQL's text, turned into the gateway's ISO-8601 form below (a JS Date
// would drop the microseconds).
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (text) => text);

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 20, // the gateway's pool size per worker
  options: "-c TimeZone=UTC -c plan_cache_mode=force_generic_plan",
  application_name: "bench-yoga-peer",
});

/** "2030-12-31 00:00:00.5+00" -> "2030-12-31T00:00:00.500000+00:00" (Python's isoformat). */
function isoTime(text) {
  if (text === null) return null;
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d)(?::?(\d\d))?$/.exec(text);
  if (!match) throw new Error(`unexpected timestamp ${text}`);
  const [, day, time, fraction, hours, minutes] = match;
  const micros = fraction ? `.${fraction.padEnd(6, "0")}` : "";
  return `${day}T${time}${micros}${hours}:${minutes ?? "00"}`;
}

const MICRO = 1_000_000n;

/** A numeric's text as an integer count of millionths (exact for up to 6 decimals). */
function micros(text) {
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace("-", "").split(".");
  const value = BigInt(whole) * MICRO + BigInt(fraction.padEnd(6, "0").slice(0, 6));
  return negative ? -value : value;
}

/** Millionths rounded half-even to `places` decimals, as text (Python's Decimal.quantize). */
function shown(value, places) {
  const step = 10n ** BigInt(6 - places);
  let units = value / step;
  const rest = value % step;
  if (2n * rest > step || (2n * rest === step && units % 2n !== 0n)) units += 1n;
  if (places === 0) return units.toString();
  const digits = units.toString().padStart(places + 1, "0");
  return `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

function promotionStatus(row, now) {
  if (!row.is_active || (row.starts_at !== null && now < Date.parse(isoTime(row.starts_at)))) {
    return "INACTIVE";
  }
  if (row.ends_at !== null && now >= Date.parse(isoTime(row.ends_at))) return "EXPIRED";
  return "ACTIVE";
}

function earnedStatus(row, validTill, now) {
  if (validTill !== null && now >= Date.parse(validTill)) return "EXPIRED";
  return row.earned_status === "locked" ? "LOCKED" : "UNLOCKED";
}

function cartPromotion(row, now) {
  const validTill = isoTime(row.valid_till);
  return {
    promotionId: row.promotion_id,
    promotionName: row.name,
    customerId: row.customer_id,
    validTill,
    earnedType: row.earned_type.toUpperCase(),
    earnedStatus: earnedStatus(row, validTill, now),
    promotionStatus: promotionStatus(row, now),
    milestoneId: row.milestone_id,
    targetGroupId: row.target_group_id,
    applicationMode: row.application_mode.toUpperCase(),
    customFieldValues: row.custom_field_values,
    eventTime: isoTime(row.event_time),
    criteriaProgramId: row.criteria_program_id,
  };
}

function restriction(row) {
  const places = row.kpi === "discount" ? 2 : 0;
  const maxLimit = micros(row.max_limit);
  const left = maxLimit - micros(row.used);
  return {
    level: row.level.toUpperCase(),
    kpi: row.kpi.toUpperCase(),
    maxLimit: shown(maxLimit, places),
    remainingRedemption: shown(left > 0n ? left : 0n, places),
    productSku: row.product_sku,
    categoryId: row.category_id,
  };
}

/** Per-request loaders; each batch is one query, counted in `trips`. */
function loaders(now) {
  const trips = { count: 0 };
  const query = (name, values) => {
    trips.count += 1;
    return pool.query({ name, text: SQL[name], values });
  };
  const listing = new DataLoader(
    async (keys) => {
      const { rows } = await query("listing", [
        keys.map((k) => k.customerId),
        keys.map((k) => k.includeSupplementary),
        new Date(now),
        null,
      ]);
      const found = keys.map(() => []);
      for (const row of rows) found[Number(row.ord) - 1].push(cartPromotion(row, now));
      return found;
    },
    { cacheKeyFn: (k) => `${k.includeSupplementary ? 1 : 0}${k.customerId}` },
  );
  const restrictions = new DataLoader(
    async (keys) => {
      const { rows } = await query("restrictions", [
        keys.map((k) => k.customerId),
        keys.map((k) => k.promotionId),
        keys.map(() => null),
      ]);
      const found = keys.map(() => null);
      for (const row of rows) {
        const at = Number(row.ord) - 1;
        found[at] ??= { cart: [], customer: [], promotion: [], product: [], category: [] };
        found[at][row.level].push(restriction(row));
      }
      return found;
    },
    { cacheKeyFn: (k) => `${k.customerId}\u0000${k.promotionId}` },
  );
  const programs = new DataLoader(async (ids) => {
    const { rows } = await query("programs", [ids]);
    const byId = new Map(rows.map((row) => [row.program_id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (row === undefined) return null;
      return {
        loyaltyProgramId: row.program_id,
        programType: row.program_type.toUpperCase(),
        partnerProgramId: row.partner_program_id,
      };
    });
  });
  return { trips, listing, restrictions, programs };
}

const typeDefs = /* GraphQL */ `
  scalar DateTime
  scalar Decimal
  scalar JSON

  enum EarnedType { NONE TIER REWARD LOYALTY }
  enum EarnedStatus { LOCKED UNLOCKED EXPIRED }
  enum PromotionStatus { ACTIVE INACTIVE EXPIRED }
  enum ApplicationMode { DISCOUNT REWARD }
  enum RestrictionLevel { CART CUSTOMER PROMOTION PRODUCT CATEGORY }
  enum RestrictionKpi { REDEMPTION DISCOUNT TRANSACTION }
  enum ProgramType { DEFAULT SUPPLEMENTARY EXTERNAL }

  type Restriction {
    level: RestrictionLevel!
    kpi: RestrictionKpi!
    maxLimit: Decimal!
    remainingRedemption: Decimal!
    productSku: String
    categoryId: String
  }

  type PromotionRestrictions {
    cart: [Restriction!]!
    customer: [Restriction!]!
    promotion: [Restriction!]!
    product: [Restriction!]!
    category: [Restriction!]!
  }

  type SupplementaryCriteria {
    loyaltyProgramId: ID!
    programType: ProgramType!
    partnerProgramId: ID
  }

  type CartPromotion {
    promotionId: ID!
    promotionName: String!
    customerId: ID!
    validTill: DateTime
    earnedType: EarnedType!
    earnedStatus: EarnedStatus!
    promotionStatus: PromotionStatus!
    milestoneId: ID
    targetGroupId: ID
    applicationMode: ApplicationMode!
    customFieldValues: JSON!
    eventTime: DateTime
    restrictions: PromotionRestrictions
    supplementaryCriteria: SupplementaryCriteria
  }

  type Query {
    cartPromotions(customerId: ID!, includeSupplementary: Boolean = false): [CartPromotion!]!
  }
`;

const resolvers = {
  Query: {
    cartPromotions: (_, { customerId, includeSupplementary }, { loaders }) =>
      loaders.listing.load({ customerId, includeSupplementary }),
  },
  CartPromotion: {
    restrictions: (promotion, _, { loaders }) =>
      loaders.restrictions.load({
        customerId: promotion.customerId,
        promotionId: promotion.promotionId,
      }),
    supplementaryCriteria: (promotion, _, { loaders }) =>
      promotion.criteriaProgramId === null
        ? null
        : loaders.programs.load(promotion.criteriaProgramId),
  },
};

const countRoundTrips = {
  onExecute: () => ({
    onExecuteDone: ({ args: { contextValue }, result, setResult }) => {
      const extensions = { ...result.extensions, sqlRoundTrips: contextValue.loaders.trips.count };
      setResult({ ...result, extensions });
    },
  }),
};

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  context: () => ({ loaders: loaders(Date.now()) }),
  graphiql: false,
  landingPage: false,
  logging: "error",
  plugins: COUNT_ROUND_TRIPS ? [countRoundTrips] : [],
});

const server = createServer(yoga);
server.listen(Number(args.port), args.host, () => {
  console.log(`yoga peer on http://${args.host}:${args.port}/graphql`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    pool.end().finally(() => process.exit(0));
  });
}
