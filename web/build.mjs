// Builds the app into dist/: the bundle (esbuild), the page and the styles. No config is baked in:
// the app reads /config.json at start (the local stack serves one, a deploy writes one).
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });
// amazon-chime-sdk-js depends on the AWS SDK (for messaging, which the app does not use), whose Node
// credential providers import node: built-ins. They never run in a browser: resolve them to nothing.
const nodeBuiltinsAreEmpty = {
  name: "node-builtins-are-empty",
  setup(builder) {
    builder.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "empty-node-builtin" }));
    builder.onLoad({ filter: /.*/, namespace: "empty-node-builtin" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

await build({
  entryPoints: [join(here, "src", "app.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outfile: join(out, "assets", "app.js"),
  legalComments: "linked",
  logLevel: "warning",
  plugins: [nodeBuiltinsAreEmpty],
});
cpSync(join(here, "public", "index.html"), join(out, "index.html"));
cpSync(join(here, "public", "styles.css"), join(out, "assets", "styles.css"));
console.log(`web app built into ${out}`);
