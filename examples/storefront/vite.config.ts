import { defineConfig } from "vite";

// Plain Vite: esbuild compiles the TSX (React's automatic runtime), no plugin needed.
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: { sourcemap: true },
});
