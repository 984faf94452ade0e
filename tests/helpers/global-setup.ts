import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { TestProject } from 'vitest/node';

const MIGRATIONS_FOLDER = path.resolve('drizzle');

/**
 * The template's file, named after the migrations it holds: git worktrees of Mend can share one
 * node_modules, and a run of a branch with other migrations must not hand its template to this
 * one (its tests would find tables missing, or too many).
 */
async function templateFile(): Promise<string> {
	const hash = createHash('sha256');
	for (const file of (await readdir(MIGRATIONS_FOLDER, { recursive: true })).sort())
		if (file.endsWith('.sql') || file.endsWith('.json'))
			hash.update(file).update(await readFile(path.join(MIGRATIONS_FOLDER, file)));
	const key = hash.digest('hex').slice(0, 16);
	return path.resolve(`node_modules/.cache/mend-test/pglite-template-${key}.tar`);
}

/**
 * PGlite's first start (initdb) takes seconds; a migrated database is made once per run and
 * each test loads a copy of it in memory.
 */
export default async function setup(project: TestProject) {
	if (process.env.DATABASE_URL) return;
	const client = await PGlite.create();
	await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
	const dump = await client.dumpDataDir('none');
	await client.close();
	const file = await templateFile();
	await mkdir(path.dirname(file), { recursive: true });
	// Written aside, then renamed: another run reading the same template never sees half of it.
	const partial = `${file}.${process.pid}`;
	await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
	await rename(partial, file);
	project.provide('pgliteTemplate', file);
}

declare module 'vitest' {
	export interface ProvidedContext {
		pgliteTemplate: string;
	}
}
