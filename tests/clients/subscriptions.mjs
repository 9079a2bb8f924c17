// Subscriptions from real clients against a served gateway: Apollo Client's GraphQLWsLink
// (graphql-ws, graphql-transport-ws) and urql's subscriptionExchange over graphql-sse (GraphQL
// over SSE, distinct connections mode) and over graphql-ws.
// Usage: GATEWAY_GRAPHQL_URL=http://127.0.0.1:PORT/graphql node subscriptions.mjs <scenario>
// The script prints FIRST_PART when the first answer arrived; the test then redeems, and the
// script reports every answer it received within a few seconds.
import { ApolloClient, InMemoryCache, gql as apolloGql } from "@apollo/client/core/index.js";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions/index.js";
import { Client, gql, subscriptionExchange } from "@urql/core";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";
import { GRAPHQL_URL, main, settle } from "./harness.mjs";
import * as op from "./operations.mjs";

const LIMIT = "id level kpi maxLimit remainingRedemption productSku categoryId";
export const CART_CHANGED = `
  subscription CartChanged($customerId: ID!) {
    cartPromotionsChanged(customerId: $customerId) {
      id promotionId promotionName
      restrictions { id customer { ${LIMIT} } }
    }
  }`;
const AUTHORIZATION = process.env.GATEWAY_AUTHORIZATION;
const WAIT_MS = Number(process.env.CLIENT_WAIT_MS ?? 3000);

function wsClient() {
  return createWsClient({
    url: GRAPHQL_URL.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: AUTHORIZATION ? { authorization: AUTHORIZATION } : {},
    retryAttempts: 0,
  });
}

/** Collect answers; FIRST_PART at the first; resolve WAIT_MS after it (or at an error). */
function collector() {
  const answers = [];
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  return {
    answers,
    finished,
    next(answer) {
      answers.push(answer);
      if (answers.length === 1) {
        process.stdout.write("FIRST_PART\n");
        settle(WAIT_MS).then(done);
      }
    },
    error(error) {
      answers.push({ error: String(error?.message ?? JSON.stringify(error)) });
      done();
    },
  };
}

const remaining = (data) =>
  data ? op.customerRemaining({ cartPromotions: data.cartPromotionsChanged }, op.PROMOTION) : null;

function urqlScenario(forwardSubscription) {
  return async () => {
    const client = new Client({
      url: GRAPHQL_URL,
      exchanges: [subscriptionExchange({ forwardSubscription })],
    });
    const seen = collector();
    const { unsubscribe } = client
      .subscription(gql(CART_CHANGED), { customerId: op.CUSTOMER })
      .subscribe((result) =>
        result.error ? seen.error(result.error) : seen.next(result.data),
      );
    await seen.finished;
    unsubscribe();
    return {
      remaining: seen.answers.map((a) => (a.error ? a : remaining(a))),
      ids: seen.answers[0]?.cartPromotionsChanged?.map((p) => p.id) ?? [],
    };
  };
}

const scenarios = {
  /** Apollo Client: GraphQLWsLink; the update lands in its normalized cache by id. */
  async "apollo-ws"() {
    const link = new GraphQLWsLink(wsClient());
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const seen = collector();
    const subscription = client
      .subscribe({ query: apolloGql(CART_CHANGED), variables: { customerId: op.CUSTOMER } })
      .subscribe({
        next: (result) =>
          result.errors ? seen.error({ message: JSON.stringify(result.errors) }) : seen.next(result.data),
        error: (error) => seen.error(error),
      });
    await seen.finished;
    subscription.unsubscribe();
    const first = seen.answers[0]?.cartPromotionsChanged ?? [];
    const promotion = first.find((p) => p.promotionId === op.PROMOTION);
    const limit = promotion?.restrictions?.customer?.find((r) => r.kpi === "REDEMPTION");
    const cached = limit
      ? client.cache.extract()[client.cache.identify({ __typename: "Restriction", id: limit.id })]
      : null;
    await link.client.dispose();
    return {
      remaining: seen.answers.map((a) => (a.error ? a : remaining(a))),
      cachedRemaining: cached?.remainingRedemption ?? null,
    };
  },

  /** urql: subscriptionExchange forwarding to graphql-sse (distinct connections mode). */
  "urql-sse": urqlScenario((request) => {
    const sse = createSseClient({
      url: GRAPHQL_URL,
      headers: AUTHORIZATION ? { authorization: AUTHORIZATION } : {},
      retryAttempts: 0,
    });
    return {
      subscribe(sink) {
        const unsubscribe = sse.subscribe({ ...request, query: request.query ?? "" }, sink);
        return { unsubscribe };
      },
    };
  }),

  /** urql: subscriptionExchange forwarding to graphql-ws. */
  "urql-ws": urqlScenario((request) => {
    const ws = wsClient();
    return {
      subscribe(sink) {
        const unsubscribe = ws.subscribe({ ...request, query: request.query ?? "" }, sink);
        return { unsubscribe };
      },
    };
  }),
};

await main(scenarios);
