// What every client script shares: the gateway's URL, a fetch that records each HTTP exchange,
// the schema for clients that want it, console capture, and one JSON report on stdout.
import { readFileSync } from "node:fs";
import { buildSchema, introspectionFromSchema } from "graphql";

export const GRAPHQL_URL = process.env.GATEWAY_GRAPHQL_URL;
if (!GRAPHQL_URL) throw new Error("GATEWAY_GRAPHQL_URL is not set");

const TIME_LIMIT_MS = Number(process.env.CLIENT_TIME_LIMIT_MS ?? 30000);
setTimeout(() => {
  process.stderr.write(`scenario did not finish within ${TIME_LIMIT_MS} ms\n`);
  process.exit(2);
}, TIME_LIMIT_MS).unref();

/** Every request the client made: method, URL, operation, accept header, answer status and type. */
export const exchanges = [];

/** The global fetch, recording each request and the answer's status and content type. */
export async function recordingFetch(input, init = {}) {
  const url = typeof input === "string" ? input : input.url;
  const headers = new Headers(init.headers ?? {});
  const entry = {
    method: (init.method ?? "GET").toUpperCase(),
    url,
    accept: headers.get("accept"),
    clientName: headers.get("apollographql-client-name"),
    operationName: operationNameOf(url, init.body),
  };
  exchanges.push(entry);
  const response = await fetch(input, init);
  entry.status = response.status;
  entry.contentType = response.headers.get("content-type");
  return response;
}

function operationNameOf(url, body) {
  if (typeof body === "string") {
    try {
      return JSON.parse(body).operationName ?? null;
    } catch {
      return null;
    }
  }
  return new URL(url).searchParams.get("operationName");
}

/** The served schema as an introspection result (urql Graphcache's `schema` option). */
export function introspection() {
  const sdl = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
  return introspectionFromSchema(buildSchema(sdl, { assumeValidSDL: true }));
}

/** Warnings and errors the client library printed while the scenario ran. */
export const consoleMessages = [];
for (const level of ["warn", "error"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    consoleMessages.push(`${level}: ${args.map(String).join(" ")}`);
    original(...args);
  };
}

/** Resolve after the event loop has had ``ms`` milliseconds to deliver anything pending. */
export const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run the scenario named on the command line and print its report as one JSON line. */
export async function main(scenarios) {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios)}`);
  const report = await scenario();
  process.stdout.write(JSON.stringify({ ...report, exchanges, consoleMessages }) + "\n");
  process.exit(0);
}
