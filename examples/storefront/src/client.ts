import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";

import { GRAPHQL_URL } from "./config";

/**
 * The whole client set-up. Every object the gateway returns has a schema-wide unique `id`, so
 * InMemoryCache's default identity (`__typename` + `id`) normalizes it: no `typePolicies`, no
 * `keyFields`, and no `update` functions after mutations. `clientAwareness` sends
 * `apollographql-client-name` / `-version`, which the gateway's CORS policy allows.
 */
export const client = new ApolloClient({
  link: new HttpLink({ uri: GRAPHQL_URL }),
  cache: new InMemoryCache(),
  clientAwareness: { name: "reference-storefront", version: "1.0.0" },
});
