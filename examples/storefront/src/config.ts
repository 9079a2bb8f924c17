/**
 * Where the gateway is and whose store this is.
 *
 * `?endpoint=` and `?customer=` in the page's URL win (handy for demos and the browser test, which
 * serves the gateway on a free port); otherwise `VITE_GRAPHQL_URL` at build time, then the
 * gateway's local default. A real storefront takes the customer from its own session.
 */
const params = new URLSearchParams(window.location.search);

export const GRAPHQL_URL =
  params.get("endpoint") ?? import.meta.env.VITE_GRAPHQL_URL ?? "http://127.0.0.1:8000/graphql";

/** The same path over WebSocket (graphql-transport-ws): ws:// for http://, wss:// for https://. */
export const GRAPHQL_WS_URL = webSocketUrl(GRAPHQL_URL);

function webSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export const CUSTOMER_ID = params.get("customer") ?? "demo-b2c";
