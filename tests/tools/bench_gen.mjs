// bench_gen.mjs - write the plaintext of a realistic GitOps repository for
// the benchmarks (scripts/bench.sh): N application folders spread over three
// clusters, each with a Kubernetes Secret (20 stringData values), a
// Deployment and a kustomization.yaml; every 10th app also has a dotenv
// secret (+ ConfigMap), every 10th another a JSON secret (+ Service); one
// Secret with 200 values (clusters/prod/bulk) for the save benchmark.
// Secrets are written the way `sops decrypt` prints them (YAML with 4-space
// indentation, JSON with tabs) so that the plaintext tree is exactly the
// decrypted view of the encrypted tree. Values are pseudo-random but
// deterministic (seeded), plain YAML strings that never look like numbers.
//
// usage: node bench_gen.mjs N OUTDIR [AGE-RECIPIENT]
// (with a recipient, a .sops.yaml with Flux-style creation rules is added)
// writes OUTDIR/plain/..., OUTDIR/sops.list (SOPS files, relative paths,
// NUL-separated), OUTDIR/plain.list (other files), OUTDIR/all.list, and
// prints a JSON summary (counts, bytes, the values the benchmarks look for).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const n = parseInt(process.argv[2], 10);
const out = process.argv[3];
const recipient = process.argv[4];
if (!(n > 0) || !out) {
	console.error("usage: node bench_gen.mjs N OUTDIR");
	process.exit(2);
}
const plainRoot = path.join(out, "plain");

// xorshift32: deterministic values, same repo for the same N.
let seed = 0x9e3779b9 ^ n;
function rnd() {
	seed ^= seed << 13; seed >>>= 0;
	seed ^= seed >>> 17;
	seed ^= seed << 5; seed >>>= 0;
	return seed;
}
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function token(len) {
	let s = ALNUM[rnd() % 52];	// a letter first: always a YAML string
	while (s.length < len)
		s += ALNUM[rnd() % ALNUM.length];
	return s;
}

const CLUSTERS = ["prod", "staging", "dev"];
const SECRET_KEYS = [
	"DATABASE_URL", "DB_PASSWORD", "REDIS_URL", "REDIS_PASSWORD", "API_KEY",
	"JWT_SECRET", "SESSION_SECRET", "SMTP_PASSWORD", "S3_ACCESS_KEY_ID",
	"S3_SECRET_ACCESS_KEY", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "SENTRY_DSN",
	"STRIPE_SECRET_KEY", "GITHUB_TOKEN", "SLACK_WEBHOOK_URL", "ENCRYPTION_KEY",
	"LICENSE_KEY", "AMQP_URL", "ADMIN_PASSWORD",
];

const files = { sops: [], plain: [] };
let bytes = { sops: 0, plain: 0 };
function put(rel, text, isSops) {
	const abs = path.join(plainRoot, rel);
	mkdirSync(path.dirname(abs), { recursive: true });
	writeFileSync(abs, text);
	(isSops ? files.sops : files.plain).push(rel);
	bytes[isSops ? "sops" : "plain"] += Buffer.byteLength(text);
}

function secretValue(key, app, ns) {
	if (key.endsWith("_URL") && key !== "SLACK_WEBHOOK_URL") {
		const scheme = key.startsWith("REDIS") ? "redis" : key.startsWith("AMQP") ? "amqp" : "postgres";
		return `${scheme}://${app}:${token(20)}@${app}-${scheme}.${ns}.svc.cluster.local/${app}`;
	}
	if (key === "SLACK_WEBHOOK_URL")
		return `https://hooks.slack.com/services/${token(9)}/${token(11)}/${token(24)}`;
	if (key === "SENTRY_DSN")
		return `https://${token(32)}@o${rnd() % 900000 + 100000}.ingest.sentry.io/${rnd() % 9000000 + 1000000}`;
	return token(24 + (rnd() % 24));
}

function k8sSecret(name, ns, pairs) {
	let s = "apiVersion: v1\nkind: Secret\nmetadata:\n" +
		`    name: ${name}\n    namespace: ${ns}\n    labels:\n` +
		`        app.kubernetes.io/name: ${name}\n        app.kubernetes.io/part-of: bench\n` +
		"type: Opaque\nstringData:\n";
	for (const [k, v] of pairs)
		s += `    ${k}: ${v}\n`;
	return s;
}

function deployment(app, ns, envFrom) {
	let s = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  namespace: ${ns}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  replicas: ${1 + (rnd() % 3)}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${app}
    spec:
      containers:
        - name: ${app}
          image: registry.example.com/${app}:1.${rnd() % 40}.${rnd() % 10}
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          envFrom:
`;
	for (const e of envFrom)
		s += `            - secretRef:\n                name: ${e}\n`;
	return s;
}

function kustomization(resources, extra) {
	let s = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n";
	for (const r of resources)
		s += `  - ${r}\n`;
	return s + (extra || "");
}

const clusterApps = { prod: [], staging: [], dev: [] };
let probe = null;	// the value grep looks for
let toggleFile = null;
for (let k = 1; k <= n; k++) {
	const app = "app" + String(k).padStart(5, "0");
	const ns = CLUSTERS[k % 3];
	const dir = `clusters/${ns}/apps/${app}`;
	clusterApps[ns].push(`apps/${app}`);
	const pairs = SECRET_KEYS.map((key) => [key, secretValue(key, app, ns)]);
	if (k === 1) {
		// The value `sed -i` toggles (last character x <-> y).
		pairs[1][1] = token(23) + "x";
		toggleFile = `${dir}/secret.yaml`;
	}
	if (k === Math.ceil(n / 2))
		probe = pairs[5][1];
	put(`${dir}/secret.yaml`, k8sSecret(`${app}-secret`, ns, pairs), true);
	const resources = ["deployment.yaml", "secret.yaml"];
	const envFrom = [`${app}-secret`];
	let gen = "";
	if (k % 10 === 1) {
		let env = "";
		for (let i = 0; i < 20; i++)
			env += `${SECRET_KEYS[i]}=${secretValue(SECRET_KEYS[i], app, ns)}\n`;
		put(`${dir}/app.env`, env, true);
		put(`${dir}/configmap.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}-config\n  namespace: ${ns}\ndata:\n  LOG_LEVEL: info\n  LISTEN: ":8080"\n  FEATURE_FLAGS: "a,b,c"\n`, false);
		resources.push("configmap.yaml");
		gen += `  - name: ${app}-env\n    namespace: ${ns}\n    envs:\n      - app.env\n`;
		envFrom.push(`${app}-env`);
	}
	if (k % 10 === 2) {
		const t = (l) => JSON.stringify(token(l));
		const json = `{\n\t"database": {\n\t\t"host": "${app}-db.${ns}.svc",\n\t\t"port": 5432,\n\t\t"user": "${app}",\n\t\t"password": ${t(28)}\n\t},\n` +
			`\t"apiKeys": [\n\t\t${t(32)},\n\t\t${t(32)}\n\t],\n\t"oauth": {\n\t\t"clientId": ${t(20)},\n\t\t"clientSecret": ${t(40)}\n\t},\n` +
			`\t"signingKey": ${t(44)}\n}\n`;
		put(`${dir}/config.json`, json, true);
		put(`${dir}/service.yaml`, `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}\n  namespace: ${ns}\nspec:\n  selector:\n    app.kubernetes.io/name: ${app}\n  ports:\n    - port: 80\n      targetPort: 8080\n`, false);
		resources.push("service.yaml");
		gen += `  - name: ${app}-json\n    namespace: ${ns}\n    files:\n      - config.json\n`;
	}
	put(`${dir}/deployment.yaml`, deployment(app, ns, envFrom), false);
	const extra = gen ? "generatorOptions:\n  disableNameSuffixHash: true\nsecretGenerator:\n" + gen : "";
	put(`${dir}/kustomization.yaml`, kustomization(resources, extra), false);
}

// The 200-value Secret a script rewrites (values end in x or y).
const bulk = [];
for (let i = 0; i < 200; i++)
	bulk.push([`BULK_VALUE_${String(i).padStart(3, "0")}`, token(31) + "x"]);
put("clusters/prod/bulk/secret.yaml", k8sSecret("bulk-secret", "prod", bulk), true);
put("clusters/prod/bulk/kustomization.yaml", kustomization(["secret.yaml"]), false);
clusterApps.prod.push("bulk");

for (const c of CLUSTERS)
	put(`clusters/${c}/kustomization.yaml`, kustomization(clusterApps[c]), false);
put("kustomization.yaml", kustomization(CLUSTERS.map((c) => `clusters/${c}`)), false);
if (recipient)
	put(".sops.yaml", "creation_rules:\n" +
		`  - path_regex: secret\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    age: ${recipient}\n` +
		`  - path_regex: \\.(env|json)$\n    age: ${recipient}\n`, false);

const nul = (l) => l.map((x) => x + "\0").join("");
writeFileSync(path.join(out, "sops.list"), nul(files.sops));
writeFileSync(path.join(out, "plain.list"), nul(files.plain));
writeFileSync(path.join(out, "all.list"), nul([...files.sops, ...files.plain].sort()));
console.log(JSON.stringify({
	n, sops_files: files.sops.length, plain_files: files.plain.length,
	sops_bytes: bytes.sops, plain_bytes: bytes.plain,
	probe, toggle_file: toggleFile, bulk_file: "clusters/prod/bulk/secret.yaml",
}));
