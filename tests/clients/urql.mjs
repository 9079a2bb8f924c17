// urql 6 (@urql/core with Graphcache, the persisted exchange) against a served gateway.
// Usage: GATEWAY_GRAPHQL_URL=http://127.0.0.1:PORT/graphql node urql.mjs <scenario>
import { Client, fetchExchange, gql } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { persistedExchange } from "@urql/exchange-persisted";
import { GRAPHQL_URL, exchanges, introspection, main, recordingFetch, settle } from "./harness.mjs";
import * as op from "./operations.mjs";

/** A client with the normalized cache (Graphcache, schema-aware, no updaters at all). */
function client(extra = []) {
  return new Client({
    url: GRAPHQL_URL,
    fetch: recordingFetch,
    exchanges: [cacheExchange({ schema: introspection() }), ...extra, fetchExchange],
  });
}

/** Subscribe to ``query``: the results it emitted, the first of them as a promise. */
function watch(urql, query, variables) {
  const results = [];
  let first;
  const firstResult = new Promise((resolve) => (first = resolve));
  const subscription = urql.query(gql(query), variables).subscribe((result) => {
    results.push(result);
    first();
  });
  return { results, firstResult, stop: () => subscription.unsubscribe() };
}

const scenarios = {
  /** Two queries over the same promotions: two requests, both complete from the cache. */
  async normalization() {
    const urql = client();
    const variables = { customerId: op.CUSTOMER };
    const names = watch(urql, op.LISTING_NAMES, variables);
    await names.firstResult;
    await urql.query(gql(op.LISTING_STATUSES), variables).toPromise();
    await settle(300);
    names.stop();
    const cached = (query) => {
      const result = urql.readQuery(gql(query), variables);
      return { data: result?.data ?? null, stale: result?.stale ?? null, partial: result?.operation?.context?.meta?.cacheOutcome ?? null };
    };
    return {
      names: cached(op.LISTING_NAMES),
      statuses: cached(op.LISTING_STATUSES),
      watcherResults: names.results.length,
    };
  },

  /** A redemption updates both cached listing variants through the normalized cache alone. */
  async redemption() {
    const urql = client();
    const watchers = [false, true].map((includeSupplementary) =>
      watch(urql, op.LISTING_LIMITS, { customerId: op.CUSTOMER, includeSupplementary }),
    );
    await Promise.all(watchers.map((w) => w.firstResult));
    const remaining = () => watchers.map((w) => op.customerRemaining(w.results.at(-1).data, op.PROMOTION));
    const before = remaining();
    const requestsBefore = exchanges.length;
    const mutation = await urql.mutation(gql(op.REDEEM), op.redemption(op.PROMOTION, "urql-redeem-1")).toPromise();
    await settle();
    const after = remaining();
    watchers.forEach((w) => w.stop());
    return { before, after, requestsBefore, result: mutation.data?.redeemCartPromotion ?? null, error: mutation.error?.message ?? null };
  },

  /** @defer over GET: the listing arrives first, its restrictions in a later part. */
  async defer() {
    const urql = client();
    const variables = { customerId: op.CUSTOMER };
    const deferred = watch(urql, op.LISTING_DEFERRED, variables);
    await deferred.firstResult;
    process.stdout.write("FIRST_PART\n");
    for (let i = 0; i < 200 && !done(deferred.results.at(-1)); i++) await settle(50);
    deferred.stop();
    const whole = await new Client({ url: GRAPHQL_URL, fetch: recordingFetch, exchanges: [fetchExchange] })
      .query(gql(op.LISTING_WHOLE), variables)
      .toPromise();
    return {
      emitted: deferred.results.map((r) => ({
        hasNext: r.hasNext ?? null,
        error: r.error?.message ?? null,
        promotions: r.data?.cartPromotions?.length ?? null,
        withRestrictions: hasRestrictions(r),
      })),
      deferred: strip(deferred.results.at(-1).data),
      whole: strip(whole.data),
    };
  },

  /** Automatic persisted queries, hashed queries over GET. */
  async apq() {
    const persisted = () => persistedExchange({ preferGetForPersistedQueries: true });
    const variables = { customerId: op.CUSTOMER };
    const first = await client([persisted()]).query(gql(op.NAMES_ONLY), variables).toPromise();
    const second = await client([persisted()]).query(gql(op.NAMES_ONLY), variables).toPromise();
    return { first: strip(first.data), second: strip(second.data), errors: [first.error?.message ?? null, second.error?.message ?? null] };
  },

  /** Errors reach the application with their extensions.code; refusals stay data. */
  async errors() {
    const urql = client();
    const validation = await urql.query(gql(op.UNKNOWN_FIELD), {}).toPromise();
    const badInput = await urql.mutation(gql(op.REDEEM_OUTCOME), op.redemption(op.PROMOTION, "urql-bad", "-1")).toPromise();
    const refused = await urql.mutation(gql(op.REDEEM_OUTCOME), op.redemption("acme-birthday", "urql-refused")).toPromise();
    return {
      validation: describe(validation),
      badInput: describe(badInput),
      refused: strip(refused.data?.redeemCartPromotion ?? null),
      refusedErrors: refused.error?.message ?? null,
    };
  },
};

function hasRestrictions(result) {
  const listing = result?.data?.cartPromotions;
  return Boolean(listing?.length) && listing.every((p) => p.restrictions !== undefined);
}

function done(result) {
  return hasRestrictions(result) && !result.hasNext;
}

function strip(data) {
  return JSON.parse(JSON.stringify(data, (key, value) => (key === "__typename" ? undefined : value)));
}

function describe(result) {
  const error = result.error;
  return {
    graphQLErrors: (error?.graphQLErrors ?? []).map(({ message, extensions }) => ({ message, code: extensions?.code ?? null })),
    networkError: error?.networkError?.message ?? null,
    status: error?.response?.status ?? null,
    data: result.data ?? null,
  };
}

await main(scenarios);
