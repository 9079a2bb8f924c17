import { ApolloClient, HttpLink, InMemoryCache, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";

import { GRAPHQL_URL, GRAPHQL_WS_URL } from "./config";

/**
 * Subscriptions over graphql-transport-ws (graphql-ws), on the same path as the queries. The
 * socket opens with the first subscription (`lazy`) and reconnects by itself; the gateway's first
 * message is always the current answer, so nothing is missed while it was away. An API key would
 * go in `connectionParams: { authorization: "Bearer ..." }`.
 */
const wsLink = new GraphQLWsLink(createClient({ url: GRAPHQL_WS_URL, lazy: true }));

/**
 * The whole client set-up. Every object the gateway returns has a schema-wide unique `id`, so
 * InMemoryCache's default identity (`__typename` + `id`) normalizes it: no `typePolicies`, no
 * `keyFields`, and no `update` functions after mutations or subscription messages.
 * `clientAwareness` sends `apollographql-client-name` / `-version`, which the gateway's CORS
 * policy allows.
 */
export const client = new ApolloClient({
  link: split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    wsLink,
    new HttpLink({ uri: GRAPHQL_URL }),
  ),
  cache: new InMemoryCache(),
  clientAwareness: { name: "reference-storefront", version: "1.0.0" },
});
