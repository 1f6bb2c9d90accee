// bench_encrypt.mjs - fallback encryptor for the benchmark repository, used
// by scripts/bench.sh only for the formats `sopsfs encrypt` cannot encrypt
// yet. It writes what sops 3.13.2 writes for the simple files bench_gen.mjs
// makes (docs/sops-format.md sections 1-3): a fresh data key per file
// wrapped to one age recipient (armored, with the age-encryption package),
// AES-256-GCM values with 32-byte IVs and the path as AAD, the SHA-512 MAC
// encrypted with lastmodified as AAD, and the metadata block in sorted key
// order. It understands only bench_gen.mjs' layouts: YAML made of
// `key: plain-string` lines indented by 4 (encrypted_regex
// ^(data|stringData)$, like Flux users), dotenv `KEY=value` lines, and JSON
// objects/arrays of strings and integers (written back with tabs).
//
// usage: node bench_encrypt.mjs NPMDIR RECIPIENT SRCROOT DSTROOT [FILE...]
// (FILEs relative to SRCROOT, else a NUL-separated list of them on stdin;
// output at the same paths under DSTROOT).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [npmdir, recipient, srcRoot, dstRoot, ...args] = process.argv.slice(2);
const age = await import(pathToFileURL(path.join(npmdir, "node_modules", "age-encryption", "dist", "index.js")).href);

const ENC_REGEX = /^(data|stringData)$/;

function encValue(key, plain, aad, type) {
	const iv = randomBytes(32);
	const c = createCipheriv("aes-256-gcm", key, iv);
	c.setAAD(Buffer.from(aad, "utf8"));
	const data = Buffer.concat([c.update(Buffer.from(plain, "utf8")), c.final()]);
	return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},` +
		`tag:${c.getAuthTag().toString("base64")},type:${type}]`;
}

// One file's crypto state: data key, MAC hash, wrapped key, timestamp.
async function newDoc() {
	const key = randomBytes(32);
	const e = new age.Encrypter();
	e.addRecipient(recipient);
	const armored = age.armor.encode(await e.encrypt(new Uint8Array(key)));
	return {
		key, armored, mac: createHash("sha512"),
		lastmodified: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
	};
}
function macValue(doc) {
	return encValue(doc.key, doc.mac.digest("hex").toUpperCase(), doc.lastmodified, "str");
}

function encryptYaml(doc, text) {
	const out = [];
	const stack = [];	// keys by indentation level
	for (const line of text.split("\n")) {
		if (line === "")
			continue;
		const m = /^( *)([^:]+):(?: (.*))?$/.exec(line);
		if (!m)
			throw new Error("unsupported YAML line: " + line);
		const level = m[1].length / 4;
		stack.length = level;
		stack.push(m[2]);
		if (m[3] === undefined) {
			out.push(line);
			continue;
		}
		doc.mac.update(m[3], "utf8");
		if (stack.some((k) => ENC_REGEX.test(k)))
			out.push(`${m[1]}${m[2]}: ${encValue(doc.key, m[3], stack.join(":") + ":", "str")}`);
		else
			out.push(line);
	}
	const enc = doc.armored.trimEnd().split("\n").map((l) => "            " + l).join("\n");
	out.push("sops:", "    age:", "        - enc: |", enc,
		`          recipient: ${recipient}`,
		"    encrypted_regex: ^(data|stringData)$",
		`    lastmodified: "${doc.lastmodified}"`,
		`    mac: ${macValue(doc)}`,
		"    version: 3.13.2");
	return out.join("\n") + "\n";
}

function encryptDotenv(doc, text) {
	const out = [];
	for (const line of text.split("\n")) {
		if (line === "")
			continue;
		const i = line.indexOf("=");
		const k = line.slice(0, i), v = line.slice(i + 1);
		doc.mac.update(v, "utf8");
		out.push(`${k}=${encValue(doc.key, v, k + ":", "str")}`);
	}
	out.push(`sops_age__list_0__map_enc=${doc.armored.replace(/\n/g, "\\n")}`,
		`sops_age__list_0__map_recipient=${recipient}`,
		`sops_lastmodified=${doc.lastmodified}`,
		`sops_mac=${macValue(doc)}`,
		"sops_unencrypted_suffix=_unencrypted",
		"sops_version=3.13.2");
	return out.join("\n") + "\n";
}

// JSON: walk in order; list indices are not part of the AAD.
function jsonLeaf(doc, v, p) {
	const type = typeof v === "string" ? "str" : Number.isInteger(v) ? "int" : null;
	if (type === null)
		throw new Error("unsupported JSON value");
	const s = String(v);
	doc.mac.update(s, "utf8");
	return JSON.stringify(encValue(doc.key, s, p.join(":") + ":", type));
}
function jsonNode(doc, v, p, ind) {
	const pad = "\t".repeat(ind + 1), end = "\t".repeat(ind);
	if (Array.isArray(v))
		return v.length === 0 ? "[]" : "[\n" + v.map((x) => pad + jsonNode(doc, x, p, ind + 1)).join(",\n") + "\n" + end + "]";
	if (v !== null && typeof v === "object") {
		const items = Object.entries(v).map(([k, x]) => pad + JSON.stringify(k) + ": " + jsonNode(doc, x, [...p, k], ind + 1));
		return items.length === 0 ? "{}" : "{\n" + items.join(",\n") + "\n" + end + "}";
	}
	return jsonLeaf(doc, v, p);
}
function encryptJson(doc, text) {
	const body = jsonNode(doc, JSON.parse(text), [], 0);
	const sops = "\t\"sops\": {\n\t\t\"age\": [\n\t\t\t{\n" +
		`\t\t\t\t"enc": ${JSON.stringify(doc.armored)},\n` +
		`\t\t\t\t"recipient": ${JSON.stringify(recipient)}\n\t\t\t}\n\t\t],\n` +
		`\t\t"lastmodified": "${doc.lastmodified}",\n` +
		`\t\t"mac": "${macValue(doc)}",\n` +
		"\t\t\"unencrypted_suffix\": \"_unencrypted\",\n\t\t\"version\": \"3.13.2\"\n\t}\n}";
	return body.replace(/\n}$/, ",\n" + sops) + "\n";
}

const list = args.length ? args : readFileSync(0, "utf8").split("\0").filter(Boolean);
for (const rel of list) {
	const text = readFileSync(path.join(srcRoot, rel), "utf8");
	const doc = await newDoc();
	const ext = path.extname(rel);
	const enc = ext === ".env" ? encryptDotenv(doc, text) : ext === ".json" ? encryptJson(doc, text) : encryptYaml(doc, text);
	const dst = path.join(dstRoot, rel);
	mkdirSync(path.dirname(dst), { recursive: true });
	writeFileSync(dst, enc);
}
