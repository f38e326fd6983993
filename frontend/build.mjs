// Builds the browser app into src/ortswissen/web/static/app (committed, so users need no Node.js).
//   npm run build   writes the bundle and manifest.json (hashes of the sources and of every output file)
//   npm run check   builds into a temporary folder and fails if the committed bundle differs
// The Python test suite checks, without Node.js, that manifest.json's source hash matches the sources.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "ortswissen", "web", "static", "app");
const check = process.argv.includes("--check");

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** sha256 over the sources that decide the bundle, in a fixed order (mirrored in tests/unit/test_frontend_bundle.py). */
export function sourcesHash() {
  const inputs = [...files(join(here, "src")), join(here, "package.json"), join(here, "package-lock.json"), join(here, "build.mjs")];
  const hash = createHash("sha256");
  for (const path of inputs.map((p) => relative(here, p).split("\\").join("/")).sort()) {
    hash.update(path + "\n");
    hash.update(readFileSync(join(here, path)).toString("utf8").replace(/\r\n/g, "\n"));
    hash.update("\n");
  }
  return hash.digest("hex");
}

async function bundle(out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { app: join(here, "src", "main.js") },
    bundle: true,
    format: "esm",
    target: ["es2022"],
    minify: true,
    splitting: true, // the charts (ECharts) load when first drawn, after the map
    chunkNames: "[name]-[hash]",
    legalComments: "external",
    outdir: out,
    loader: { ".css": "css" },
    logLevel: "warning",
  });
  // MapLibre starts its worker from a file beside the script that loaded it
  const dist = join(here, "node_modules", "maplibre-gl", "dist");
  cpSync(join(dist, "maplibre-gl-worker.mjs"), join(out, "maplibre-gl-worker.mjs"));
  const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
  const versions = Object.fromEntries(
    ["maplibre-gl", "echarts", "esbuild", "axe-core"].map((n) => [n, lock.packages[`node_modules/${n}`]?.version]),
  );
  const outputs = {};
  const whole = createHash("sha256");
  for (const path of files(out).map((p) => relative(out, p)).sort()) {
    const digest = createHash("sha256").update(readFileSync(join(out, path))).digest("hex");
    outputs[path] = digest;
    whole.update(`${path} ${digest}\n`);
  }
  const manifest = {
    note: "Built by `npm run build` in frontend/; do not edit the files here by hand.",
    sources_sha256: sourcesHash(),
    bundle_sha256: whole.digest("hex"),
    files: outputs,
    packages: versions,
  };
  writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** axe-core for the browser tests (they inject it into the pages; it is not part of the app). */
function copyAxe() {
  const dir = join(here, "..", "tests", "e2e", "vendor");
  mkdirSync(dir, { recursive: true });
  cpSync(join(here, "node_modules", "axe-core", "axe.min.js"), join(dir, "axe.min.js"));
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "ortswissen-bundle-"));
  const fresh = await bundle(tmp);
  const committed = JSON.parse(readFileSync(join(target, "manifest.json"), "utf8"));
  rmSync(tmp, { recursive: true, force: true });
  if (fresh.bundle_sha256 !== committed.bundle_sha256 || fresh.sources_sha256 !== committed.sources_sha256) {
    console.error("the committed bundle is out of date: run `npm run build` in frontend/ and commit the result");
    process.exit(1);
  }
  console.log("bundle up to date", fresh.bundle_sha256.slice(0, 12));
} else {
  const m = await bundle(target);
  copyAxe();
  console.log("built", Object.keys(m.files).length, "files, bundle", m.bundle_sha256.slice(0, 12));
}
