// Tiny build helper (no dependencies).
//   node scripts/static.mjs clean  -> remove dist/
//   node scripts/static.mjs copy   -> copy the static files from public/ into dist/
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const STATIC_FILES = ["index.html", "styles.css"];

const command = process.argv[2];
if (command === "clean") {
  rmSync(dist, { recursive: true, force: true });
} else if (command === "copy") {
  mkdirSync(dist, { recursive: true });
  for (const name of STATIC_FILES) {
    const source = [join(root, "public", name), join(root, "src", name)].find((p) => existsSync(p));
    if (!source) {
      console.error(`static.mjs: ${name} not found in public/ or src/`);
      process.exit(1);
    }
    copyFileSync(source, join(dist, name));
    console.log(`copied ${source.slice(root.length + 1)} -> dist/${name}`);
  }
} else {
  console.error("usage: node scripts/static.mjs clean|copy");
  process.exit(2);
}
