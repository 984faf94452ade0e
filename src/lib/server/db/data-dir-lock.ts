import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The embedded database serves one process. PGlite does not lock its folder: a second process
 * opening it writes over the first one's files (tried: the second's first CREATE TABLE failed
 * on a duplicate catalog key, and what each saw was no longer what the other wrote). So the
 * folder holds a lock file naming the process that has it; a second Mend on the same folder is
 * refused with the reason. A lock left by a process that no longer runs (killed, the machine
 * restarted) is taken over.
 */

export const LOCK_FILE = 'mend.lock';

export class DataDirInUseError extends Error {
	constructor(dataDir: string, pid: number) {
		super(
			`Another Mend process (pid ${pid}) is using the embedded database in ${dataDir}. ` +
				'The embedded database serves one process: stop the other one, or run several ' +
				'processes on PostgreSQL (DATABASE_URL) as docs/DEPLOYING.md explains.'
		);
		this.name = 'DataDirInUseError';
	}
}

/** Whether a process with this id runs on this machine (and is not this one). */
function running(pid: number): boolean {
	if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it runs, as another user.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** Takes the folder for this process; returns what gives it back. */
export function lockDataDir(dataDir: string): () => void {
	const file = path.join(dataDir, LOCK_FILE);
	for (;;) {
		try {
			writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		let holder = NaN;
		try {
			holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
		} catch {
			// Removed meanwhile: try again.
		}
		if (running(holder)) throw new DataDirInUseError(dataDir, holder);
		// Left by a process that is gone; another starting at this instant may race for it, and
		// only one of the two creates the file anew.
		rmSync(file, { force: true });
	}
	return () => {
		try {
			if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file);
		} catch {
			// Already gone.
		}
	};
}
