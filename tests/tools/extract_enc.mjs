// extract_enc.mjs - print the `enc` of master key N of type T (age|pgp) from
// a sops file (YAML or JSON), raw, so the test can feed it to `age -d` or
// `gpg -d`. usage: node extract_enc.mjs NPMDIR FILE T N
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [npmdir, file, type, n] = process.argv.slice(2);
const YAML = (await import(pathToFileURL(path.join(npmdir, "node_modules/yaml/dist/index.js")).href)).default;
const text = readFileSync(file, "utf8");
const doc = file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
const keys = doc.sops[type] || doc.sops.key_groups.flatMap((g) => g[type] || []);
process.stdout.write(keys[Number(n)].enc);
