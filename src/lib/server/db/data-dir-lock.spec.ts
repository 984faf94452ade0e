import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir, LOCK_FILE } from './data-dir-lock.ts';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const folder = () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'mend-lock-'));
	dirs.push(dir);
	return dir;
};

describe('the embedded database’s folder, one process at a time', () => {
	it('is refused while the process that holds it runs, and free once it gave it back', () => {
		const dir = folder();
		// A process that runs (the test runner's parent) holds it.
		writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
		expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
		rmSync(path.join(dir, LOCK_FILE));
		const unlock = lockDataDir(dir);
		expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
		unlock();
		expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
	});

	it('is taken over from a process that is gone (killed, or the machine restarted)', () => {
		const dir = folder();
		const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
		writeFileSync(path.join(dir, LOCK_FILE), `${gone}\n`);
		const unlock = lockDataDir(dir);
		expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
		unlock();
	});
});
