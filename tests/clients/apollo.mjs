// Apollo Client 3 (InMemoryCache, HttpLink, persisted-queries link) against a served gateway.
// Usage: GATEWAY_GRAPHQL_URL=http://127.0.0.1:PORT/graphql node apollo.mjs <scenario>
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { loadDevMessages, loadErrorMessages } from "@apollo/client/dev/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { GRAPHQL_URL, main, recordingFetch, settle } from "./harness.mjs";
import * as op from "./operations.mjs";

loadDevMessages();
loadErrorMessages();

function client(link = new HttpLink({ uri: GRAPHQL_URL, fetch: recordingFetch })) {
  return new ApolloClient({
    link,
    cache: new InMemoryCache(),
    clientAwareness: { name: "client-tests", version: "1.0.0" },
  });
}

/** Subscribe to ``query``; resolves the list of results it emitted so far, on demand. */
function watch(apollo, query, variables) {
  const results = [];
  let first;
  const firstResult = new Promise((resolve) => (first = resolve));
  const subscription = apollo.watchQuery({ query: gql(query), variables }).subscribe({
    next: (result) => {
      results.push(result);
      first();
    },
    error: (error) => {
      results.push({ error: String(error) });
      first();
    },
  });
  return { results, firstResult, stop: () => subscription.unsubscribe() };
}

function complete(apollo, query, variables) {
  const diff = apollo.cache.diff({ query: gql(query), variables, optimistic: false });
  return { complete: diff.complete, data: diff.result ?? null };
}

const scenarios = {
  /** Two queries over the same promotions: two requests, both complete from the cache. */
  async normalization() {
    const apollo = client();
    const variables = { customerId: op.CUSTOMER };
    const names = watch(apollo, op.LISTING_NAMES, variables);
    await names.firstResult;
    await apollo.query({ query: gql(op.LISTING_STATUSES), variables });
    await settle(300); // a watcher that lost fields would refetch now
    const entities = Object.keys(apollo.cache.extract()).filter((k) => k !== "ROOT_QUERY");
    names.stop();
    return {
      names: complete(apollo, op.LISTING_NAMES, variables),
      statuses: complete(apollo, op.LISTING_STATUSES, variables),
      watcherResults: names.results.length,
      entities,
      rootListing: apollo.cache.extract().ROOT_QUERY,
    };
  },

  /** A redemption updates both cached listing variants through the normalized cache alone. */
  async redemption() {
    const apollo = client();
    const plain = watch(apollo, op.LISTING_LIMITS, {
      customerId: op.CUSTOMER,
      includeSupplementary: false,
    });
    const supplementary = watch(apollo, op.LISTING_LIMITS, {
      customerId: op.CUSTOMER,
      includeSupplementary: true,
    });
    await Promise.all([plain.firstResult, supplementary.firstResult]);
    const before = [plain, supplementary].map((w) => op.customerRemaining(w.results.at(-1).data, op.PROMOTION));
    const requestsBefore = (await import("./harness.mjs")).exchanges.length;
    const mutation = await apollo.mutate({
      mutation: gql(op.REDEEM),
      variables: op.redemption(op.PROMOTION, "apollo-redeem-1"),
    });
    await settle();
    const after = [plain, supplementary].map((w) => op.customerRemaining(w.results.at(-1).data, op.PROMOTION));
    plain.stop();
    supplementary.stop();
    return {
      before,
      after,
      requestsBefore,
      result: mutation.data.redeemCartPromotion,
    };
  },

  /** @defer: the listing arrives first, its restrictions in a later part of one response. */
  async defer() {
    const apollo = client();
    const variables = { customerId: op.CUSTOMER };
    const deferred = watch(apollo, op.LISTING_DEFERRED, variables);
    await deferred.firstResult;
    process.stdout.write("FIRST_PART\n");
    for (let i = 0; i < 200 && !hasRestrictions(deferred.results.at(-1)); i++) await settle(50);
    deferred.stop();
    const whole = await client().query({ query: gql(op.LISTING_WHOLE), variables });
    return {
      emitted: deferred.results.map((r) => ({
        loading: r.loading ?? null,
        error: r.error ?? null,
        promotions: r.data?.cartPromotions?.length ?? null,
        withRestrictions: hasRestrictions(r),
      })),
      deferred: strip(deferred.results.at(-1).data),
      whole: strip(whole.data),
    };
  },

  /** Automatic persisted queries with hashed queries over GET (CDN-cacheable). */
  async apq() {
    const sha256 = (text) => createHash("sha256").update(text).digest("hex");
    const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: GRAPHQL_URL, fetch: recordingFetch }),
    );
    const variables = { customerId: op.CUSTOMER };
    const first = await client(link).query({ query: gql(op.NAMES_ONLY), variables });
    const second = await client(link).query({ query: gql(op.NAMES_ONLY), variables });
    return { first: first.data, second: second.data };
  },

  /** Errors reach the application with their extensions.code; refusals stay data. */
  async errors() {
    const apollo = client();
    const validation = await apollo.query({ query: gql(op.UNKNOWN_FIELD), errorPolicy: "all" }).catch((e) => ({ error: e }));
    const badInput = await apollo
      .mutate({ mutation: gql(op.REDEEM_OUTCOME), variables: op.redemption(op.PROMOTION, "apollo-bad", "-1"), errorPolicy: "all" })
      .catch((e) => ({ error: e }));
    const refused = await apollo.mutate({
      mutation: gql(op.REDEEM_OUTCOME),
      variables: op.redemption("acme-birthday", "apollo-refused"),
    });
    return {
      validation: describe(validation),
      badInput: describe(badInput),
      refused: refused.data.redeemCartPromotion,
      refusedErrors: refused.errors ?? null,
    };
  },
};

function hasRestrictions(result) {
  const listing = result?.data?.cartPromotions;
  return Boolean(listing?.length) && listing.every((p) => p.restrictions !== undefined);
}

function strip(data) {
  return JSON.parse(JSON.stringify(data, (key, value) => (key === "__typename" ? undefined : value)));
}

/** The errors an application sees, wherever Apollo put them (GraphQL errors or a server error). */
function describe(outcome) {
  const error = outcome.error ?? null;
  const graphQLErrors = outcome.errors ?? error?.graphQLErrors ?? [];
  const fromServer = error?.networkError?.result?.errors ?? [];
  return {
    graphQLErrors: graphQLErrors.map(({ message, extensions }) => ({ message, code: extensions?.code ?? null })),
    serverErrors: fromServer.map(({ message, extensions }) => ({ message, code: extensions?.code ?? null })),
    status: error?.networkError?.statusCode ?? null,
    data: outcome.data ?? null,
  };
}

await main(scenarios);
