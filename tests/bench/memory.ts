/**
 * `npm run bench:memory` — resident memory of the Mend server process, on the embedded PGlite
 * database and, side by side, on PostgreSQL (the baseline: the database lives in another
 * process there). Measured after start-up, then after a burst of page views and sign-ins.
 * Needs a build (`npm run build`) and, for the PostgreSQL column, a server at
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { HttpClient } from '../helpers/http.ts';
import { startMendProcess, type MendProcess } from '../helpers/process.ts';

const ROUNDS = 200;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function memory(pid: number): Promise<{ rssMb: number; peakMb: number }> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0);
	return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function exercise(mend: MendProcess): Promise<void> {
	const staff = new HttpClient(mend.url);
	await staff.action('/login?/signIn', {
		email: 'coordinator@riverside.example',
		password: 'mend-demo-password'
	});
	const links = [...mend.output().matchAll(/\/join\/([A-Za-z0-9_-]{43})/g)].map((m) => m[0]);
	for (let i = 0; i < ROUNDS; i++) {
		await staff.page('/staff/riverside');
		await new HttpClient(mend.url).page(links[i % links.length]);
	}
}

async function measure(label: string, env: Record<string, string>) {
	const started = Date.now();
	const mend = await startMendProcess(
		{ PORT: '0', SEED_DEMO: 'true', LOG_LEVEL: 'warn', ...env },
		120_000
	);
	const startMs = Date.now() - started;
	const pid = mend.child.pid!;
	await new Promise((r) => setTimeout(r, 1000));
	const idle = await memory(pid);
	await exercise(mend);
	const loaded = await memory(pid);
	await mend.stop('SIGTERM');
	return { label, startMs, idle, loaded };
}

const dir = await mkdtemp(path.join(tmpdir(), 'mend-bench-'));
const dbName = `mend_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
const rows = [];
try {
	rows.push(await measure('PGlite (embedded)', { DATA_DIR: path.join(dir, 'data') }));
	await admin.connect();
	await admin.query(`create database ${dbName}`);
	const url = new URL(adminUrl);
	url.pathname = `/${dbName}`;
	rows.push(await measure('PostgreSQL (baseline)', { DATABASE_URL: url.href }));
} finally {
	await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
	await admin.end().catch(() => {});
	await rm(dir, { recursive: true, force: true });
}

console.log(`\nServer process memory, ${ROUNDS} staff page views + ${ROUNDS} join-page opens\n`);
console.log('| database | start-up | RSS idle | RSS after load | peak RSS |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows)
	console.log(
		`| ${r.label} | ${(r.startMs / 1000).toFixed(1)} s | ${r.idle.rssMb} MB | ${r.loaded.rssMb} MB | ${r.loaded.peakMb} MB |`
	);
const [lite, postgres] = rows;
console.log(
	`RESULT memory pglite_rss_mb=${lite.loaded.rssMb} pglite_peak_mb=${lite.loaded.peakMb} postgres_rss_mb=${postgres?.loaded.rssMb ?? 'n/a'} postgres_peak_mb=${postgres?.loaded.peakMb ?? 'n/a'} pglite_start_s=${(lite.startMs / 1000).toFixed(1)}`
);
