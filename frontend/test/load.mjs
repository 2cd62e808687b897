// The compiled modules under test: DASHBOARD_DIST (set by tests/frontend_build) or ../dist (npm test).
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const dist = process.env.DASHBOARD_DIST ?? resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../dist");

export function load(name) {
  return import(pathToFileURL(resolve(dist, name)).href);
}
