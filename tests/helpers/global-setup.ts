import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { TestProject } from 'vitest/node';

export const TEMPLATE_FILE = path.resolve('node_modules/.cache/mend-test/pglite-template.tar');

/**
 * PGlite's first start (initdb) takes seconds; a migrated database is made once per run and
 * each test loads a copy of it in memory.
 */
export default async function setup(project: TestProject) {
	if (process.env.DATABASE_URL) return;
	const client = await PGlite.create();
	await migrate(drizzle({ client }), { migrationsFolder: path.resolve('drizzle') });
	const dump = await client.dumpDataDir('none');
	await client.close();
	await mkdir(path.dirname(TEMPLATE_FILE), { recursive: true });
	await writeFile(TEMPLATE_FILE, Buffer.from(await dump.arrayBuffer()));
	project.provide('pgliteTemplate', TEMPLATE_FILE);
}

declare module 'vitest' {
	export interface ProvidedContext {
		pgliteTemplate: string;
	}
}
