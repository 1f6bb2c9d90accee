// sops_age_tree.mjs - decrypt many YAML sops files with the independent npm
// decoder `sops-age` in one process (fast checks over a whole tree). Prints
// one line per file: "PATH<TAB>OK<TAB>user=..,password=.." or "PATH<TAB>FAIL".
// usage: node sops_age_tree.mjs NPMDIR AGEKEY FILE...
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [npmdir, agekey, ...files] = process.argv.slice(2);
const { decryptSops } = await import(
	pathToFileURL(path.join(npmdir, "node_modules", "sops-age", "dist/index.js")).href);
const secretKey = readFileSync(agekey, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"));
for (const f of files) {
	try {
		const v = await decryptSops(readFileSync(f, "utf8"), { secretKey, fileType: "yaml" });
		console.log(`${f}\tOK\tuser=${v.user},password=${v.password}`);
	} catch (e) {
		console.log(`${f}\tFAIL`);
	}
}
