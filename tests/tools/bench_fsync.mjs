// bench_fsync.mjs - what a durable save costs on the backing disk, without
// any filesystem layer on top: write a temp file (SIZE bytes), fsync it,
// rename it over the target, fsync the directory (what sopsfs does at
// commit, docs/design.md "Drafts"). Prints the median in ms of RUNS saves.
//
// usage: node bench_fsync.mjs DIR [RUNS] [SIZE]
import { openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

const dir = process.argv[2];
const runs = parseInt(process.argv[3] || "21", 10);
const size = parseInt(process.argv[4] || "8192", 10);
const tmp = path.join(dir, ".bench-fsync.tmp"), dst = path.join(dir, ".bench-fsync");
const data = Buffer.alloc(size, 0x61);
const times = [];
for (let i = 0; i < runs; i++) {
	const t0 = process.hrtime.bigint();
	const fd = openSync(tmp, "w", 0o600);
	writeSync(fd, data);
	fsyncSync(fd);
	closeSync(fd);
	renameSync(tmp, dst);
	const d = openSync(dir, "r");
	fsyncSync(d);
	closeSync(d);
	times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
rmSync(dst, { force: true });
times.sort((a, b) => a - b);
const m = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
console.log(m.toFixed(3));
