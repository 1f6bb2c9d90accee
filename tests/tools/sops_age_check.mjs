// sops_age_check.mjs - cross-check a file sopsfs wrote with the independent
// npm decoder `sops-age`: decrypt ENCFILE with it (age identity from
// AGEKEY), parse PLAINFILE (sopsfs' own plaintext) with the same parsers,
// and compare the two values deeply. Exit 0 if equal, 1 if not, 2 on error.
// usage: node sops_age_check.mjs NPMDIR TYPE ENCFILE PLAINFILE AGEKEY
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [npmdir, type, encfile, plainfile, agekey] = process.argv.slice(2);
const mod = (name, sub) => pathToFileURL(path.join(npmdir, "node_modules", name, sub)).href;

const { decryptSops } = await import(mod("sops-age", "dist/index.js"));
const YAML = (await import(mod("yaml", "dist/index.js"))).default;

const secretKey = readFileSync(agekey, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"));
let theirs;
try {
	theirs = await decryptSops(readFileSync(encfile, "utf8"), { secretKey, fileType: type });
} catch (e) {
	console.error("sops-age failed: " + e.message);
	process.exit(2);
}
const text = readFileSync(plainfile, "utf8");
// sops' dotenv rules: KEY=VALUE split at the first '=', '#' lines are
// comments, the two characters \n mean a line feed.
const sopsDotenv = (t) =>
	Object.fromEntries(t.split("\n").filter((l) => l !== "" && !l.startsWith("#"))
		.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).replaceAll("\\n", "\n")]));
const ours = type === "json" ? JSON.parse(text) : type === "yaml" ? YAML.parse(text) : sopsDotenv(text);

const norm = (v) => JSON.stringify(v, (k, x) => (x instanceof Date ? x.toISOString() : x));
if (norm(theirs) === norm(ours)) process.exit(0);
console.error("sops-age: " + norm(theirs).slice(0, 300));
console.error("sopsfs:   " + norm(ours).slice(0, 300));
process.exit(1);
