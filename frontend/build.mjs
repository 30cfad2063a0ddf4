// Builds WeServe's front-end assets into src/weserve/static/weserve/ (committed there,
// so running WeServe needs no Node):
//   css/app.css    Tailwind CSS 3.4 + the MYDS preset, minified
//   fonts/*.woff2  Inter (body) and Poppins (headings), latin subset, with their licence
//   js/htmx.min.js htmx 2.0.x
// Usage: npm ci && npm run build
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = join(here, "..", "src", "weserve", "static", "weserve");

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`  ${to.replace(out + "/", "")} (${statSync(to).size} bytes)`);
}

console.log("Fonts and htmx:");
const fonts = {
  inter: [400, 500, 600, 700],
  poppins: [500, 600],
};
for (const [family, weights] of Object.entries(fonts)) {
  for (const weight of weights) {
    const name = `${family}-latin-${weight}-normal.woff2`;
    copy(join(modules, "@fontsource", family, "files", name), join(out, "fonts", name));
  }
  copy(join(modules, "@fontsource", family, "LICENSE"), join(out, "fonts", `${family}-LICENSE.txt`));
}
copy(join(modules, "htmx.org", "dist", "htmx.min.js"), join(out, "js", "htmx.min.js"));

console.log("CSS:");
execFileSync(
  join(modules, ".bin", "tailwindcss"),
  ["-c", "tailwind.config.js", "-i", "src/app.css", "-o", join(out, "css", "app.css"), "--minify"],
  { cwd: here, stdio: "inherit" },
);
console.log(`  css/app.css (${statSync(join(out, "css", "app.css")).size} bytes)`);
