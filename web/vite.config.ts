import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// No inline script or style in the build (the Content-Security-Policy allows only 'self'), no source maps in
// what is served, and hashed asset names so a deploy can cache assets/ for a year.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
