import { describe, expect, it } from 'vitest';
import { mintTurnCredential, TURN_CREDENTIAL_TTL_MS } from './turn-credentials.ts';

const turn = { urls: ['turn:198.51.100.9:3478'], secret: 'a-long-shared-secret-1234' };

describe('TURN credentials minted per participant', () => {
	it('are what coturn computes from its static-auth-secret (checked against openssl)', () => {
		// echo -n "1700043200:victim-1" | openssl dgst -sha1 -hmac a-long-shared-secret-1234 -binary | base64
		expect(mintTurnCredential(turn, 'victim-1', new Date(1_700_000_000_000))).toEqual({
			urls: ['turn:198.51.100.9:3478'],
			username: '1700043200:victim-1',
			credential: 'RA1CuuRd1Ejm7Rn8XcPbLV2VQSI='
		});
	});

	it('expire after the TTL, and differ per participant', () => {
		const now = new Date();
		const victim = mintTurnCredential(turn, 'victim-1', now);
		const offender = mintTurnCredential(turn, 'offender-1', now);
		expect(Number(victim.username!.split(':')[0])).toBe(
			Math.floor((now.getTime() + TURN_CREDENTIAL_TTL_MS) / 1000)
		);
		expect(offender.credential).not.toBe(victim.credential);
		expect(TURN_CREDENTIAL_TTL_MS).toBeLessThanOrEqual(24 * 60 * 60_000);
	});
});
