// Compose subgraph SDL files into a supergraph with one of two composers.
// usage: node compose.mjs apollo|guild OUT.graphql name=url=path.graphql [...]
// Exit 0 and write OUT on success; exit 1 and print the composer's errors otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "graphql";

const [composer, out, ...specs] = process.argv.slice(2);
const services = specs.map((spec) => {
  const [name, url, path] = spec.split("=");
  return { name, url, typeDefs: parse(readFileSync(path, "utf8")) };
});

const { composeServices } =
  composer === "apollo"
    ? await import("@apollo/composition")
    : await import("@theguild/federation-composition");

const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) console.error(`${composer}: ${error.message}`);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
console.log(`${composer}: composed ${services.length} subgraphs into ${out}`);
