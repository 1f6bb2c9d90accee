// bench_sopsage.mjs - the "script without a mount" baseline of
// scripts/bench.sh: one node process reads every file of the repository,
// decrypting each SOPS file with the npm package sops-age (data key
// unwrapped per file) and reading the others as they are.
// With --verify PLAINROOT it also compares every decrypted document with
// the plaintext twin (parsed with the same yaml/dotenv parsers) and prints
// the number of files that differ (exit 1 if any).
//
// usage: node bench_sopsage.mjs NPMDIR AGEKEY ROOT SOPSLIST PLAINLIST [--verify PLAINROOT]
// (lists: NUL-separated paths relative to ROOT)
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [npmdir, agekey, root, sopsList, plainList, flag, plainRoot] = process.argv.slice(2);
const mod = (name, sub) => pathToFileURL(path.join(npmdir, "node_modules", name, sub)).href;
const { decryptSops } = await import(mod("sops-age", "dist/index.js"));

const secretKey = readFileSync(agekey, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"));
const list = (f) => readFileSync(f, "utf8").split("\0").filter(Boolean);
const typeOf = (rel) => (rel.endsWith(".env") ? "env" : rel.endsWith(".json") ? "json" : "yaml");

let parse = null;
if (flag === "--verify") {
	const YAML = (await import(mod("yaml", "dist/index.js"))).default;
	const dotenv = (await import(mod("dotenv", "lib/main.js"))).default;
	parse = { yaml: (t) => YAML.parse(t), json: (t) => JSON.parse(t), env: (t) => dotenv.parse(t) };
}

let bytes = 0, bad = 0;
for (const rel of list(plainList))
	bytes += readFileSync(path.join(root, rel)).length;
for (const rel of list(sopsList)) {
	const type = typeOf(rel);
	let doc;
	try {
		doc = await decryptSops(readFileSync(path.join(root, rel), "utf8"), { secretKey, fileType: type });
	} catch (e) {
		console.error(`sops-age: ${rel}: ${e.message}`);
		bad++;
		continue;
	}
	if (parse) {
		const want = parse[type](readFileSync(path.join(plainRoot, rel), "utf8"));
		if (JSON.stringify(doc) !== JSON.stringify(want)) {
			console.error(`sops-age: ${rel}: decrypted document differs from the plaintext twin`);
			bad++;
		}
	}
}
if (parse)
	console.log(`${bad} of ${list(sopsList).length} SOPS files differ`);
process.exit(bad ? 1 : 0);
