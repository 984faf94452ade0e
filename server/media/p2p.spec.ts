import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '#lib/server/log.ts';
import type { MediaAssignment } from '#lib/session/media-policy.ts';
import type { MediaBackend } from './backend.ts';
import { createP2PBackend } from './p2p.ts';

const NOW = new Date(1_700_000_000_000);
const deps = { clock: { now: () => NOW }, log: createLogger('silent') };
const peer = (id: string, otherSide: boolean) => ({
	id,
	name: id,
	role: 'party',
	canSpeak: true,
	sendsVideo: true,
	audioOnly: false,
	otherSide
});
const inJointRoom: MediaAssignment = {
	room: 'joint',
	canSpeak: true,
	sendsVideo: true,
	audioOnly: false,
	peers: [peer('staff:m', false), peer('support', false), peer('offender', true)]
};
const HOST = 'candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host';

let backend: MediaBackend | undefined;
afterEach(() => backend?.stop?.());

describe('browser-to-browser media', () => {
	it('with TURN, has each browser reach the other side through relays only, with its own credential', async () => {
		backend = await createP2PBackend(
			{
				kind: 'p2p',
				iceServers: [{ urls: 'stun:stun.example.org' }],
				turnRest: { urls: ['turn:198.51.100.9'], secret: 'a-long-shared-secret' },
				turnUrls: ['turn:198.51.100.9']
			},
			deps
		);
		const transport = backend.transportFor('meeting', 'victim', 'Vera', inJointRoom);
		expect(transport).toMatchObject({
			kind: 'p2p',
			relayOnly: ['offender'],
			iceServers: [
				{ urls: 'stun:stun.example.org' },
				{ urls: ['turn:198.51.100.9'], username: `${1_700_043_200}:victim` }
			]
		});
		expect(backend.signalAcrossSides!({ candidate: { candidate: HOST } })).toBeNull();
		expect(
			backend.transportFor('meeting', 'victim', 'Vera', { ...inJointRoom, room: null })
		).toBeNull();
	});

	it('without TURN, lets the sides connect directly (and Mend warns at start)', async () => {
		backend = await createP2PBackend(
			{ kind: 'p2p', iceServers: [], turnRest: null, turnUrls: [] },
			deps
		);
		expect(backend.transportFor('meeting', 'victim', 'Vera', inJointRoom)).toEqual({
			kind: 'p2p',
			iceServers: [],
			relayOnly: []
		});
		const payload = { candidate: { candidate: HOST } };
		expect(backend.signalAcrossSides!(payload)).toBe(payload);
	});
});
