import { describe, expect, it } from 'vitest';
import type { Envelope } from '#lib/session/transition.ts';
import storedBeforeVersions from '../../tests/fixtures/session-log-v1.json' with { type: 'json' };
import { entryHash, verifyChain, type LoggedEntry } from './session-log.ts';

const MEETING = '6d1f3c8e-0000-4000-8000-000000000001';

function chain(versions: number[]): LoggedEntry[] {
	let prevHash: string | null = null;
	return versions.map((rulesVersion, i) => {
		const seq = i + 1;
		const envelope: Envelope = {
			actor: 'system',
			at: 1_000 + seq,
			command: { type: 'connectionsReset' }
		};
		const hash = entryHash(MEETING, prevHash, seq, envelope, rulesVersion);
		const entry = { seq, envelope, rulesVersion, prevHash, hash };
		prevHash = hash;
		return entry;
	});
}

describe('the hash of a log entry', () => {
	it('is, for rules version 1, the hash entries were stored with before versions were recorded', () => {
		const { meeting, rows } = storedBeforeVersions;
		const entries: LoggedEntry[] = rows.map((row) => ({
			seq: row.seq,
			rulesVersion: 1,
			prevHash: row.prev_hash,
			hash: row.hash,
			envelope: {
				actor: row.actor,
				at: Date.parse(row.at),
				command: row.command as Envelope['command']
			}
		}));
		expect(verifyChain(meeting.id, entries)).toBeNull();
	});

	it('covers the rules version: an entry cannot be passed off as one of another version', () => {
		const log = chain([1, 2, 2]);
		expect(verifyChain(MEETING, log)).toBeNull();
		expect(
			verifyChain(
				MEETING,
				log.map((e) => (e.seq === 2 ? { ...e, rulesVersion: 1 } : e))
			)
		).toBe(2);
		expect(
			verifyChain(
				MEETING,
				log.map((e) => (e.seq === 1 ? { ...e, rulesVersion: 2 } : e))
			)
		).toBe(1);
	});

	it('chains from the entry before the first one checked', () => {
		const log = chain([1, 1, 1, 1]);
		expect(verifyChain(MEETING, log.slice(2), log[1]!.hash)).toBeNull();
		expect(verifyChain(MEETING, log.slice(2), log[0]!.hash)).toBe(3);
		expect(verifyChain(MEETING, log.slice(2))).toBe(3);
	});
});
