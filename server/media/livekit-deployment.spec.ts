import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { deploymentTag, isRoomOf, roomMetadata } from './livekit-deployment.ts';

const livekit = {
	LIVEKIT_URL: 'wss://livekit.example.org',
	LIVEKIT_API_KEY: 'APIkey',
	LIVEKIT_API_SECRET: 'a-secret-that-is-long-enough-for-livekit-tokens'
};
const tagOf = (env: Record<string, string>) => deploymentTag(loadConfig({ ...livekit, ...env }));

describe('the deployment tag on LiveKit rooms', () => {
	it('is the same for every process of a deployment: other hosts, ports, machines', () => {
		const production = {
			PUBLIC_URL: 'https://mend.example.org',
			DATABASE_URL: 'postgres://mend:pw@db.internal:5432/mend'
		};
		expect(tagOf({ ...production, HOST: '10.0.0.1', PORT: '3000' })).toBe(
			tagOf({ ...production, HOST: '10.0.0.2', PORT: '3001' })
		);
	});

	it('outlives a rotation of the LiveKit key or the database password', () => {
		const before = tagOf({
			PUBLIC_URL: 'https://mend.example.org',
			DATABASE_URL: 'postgres://mend:old@db.internal/mend'
		});
		expect(
			tagOf({
				PUBLIC_URL: 'https://mend.example.org/',
				DATABASE_URL: 'postgres://mend:new@db.internal/mend',
				LIVEKIT_API_KEY: 'APInewkey',
				LIVEKIT_API_SECRET: 'a-new-secret-that-is-long-enough-for-livekit'
			})
		).toBe(before);
	});

	it('differs between deployments on one LiveKit server', () => {
		expect(tagOf({ PUBLIC_URL: 'https://mend.example.org' })).not.toBe(
			tagOf({ PUBLIC_URL: 'https://staging.mend.example.org' })
		);
	});

	it('without PUBLIC_URL, is the database: the same across processes on it, not beside it', () => {
		const on = (DATABASE_URL: string, PORT = '0') => tagOf({ DATABASE_URL, PORT });
		expect(on('postgres://a:x@db:5432/mend', '3000')).toBe(
			on('postgresql://b:y@db/mend?sslmode=require', '3001')
		);
		expect(on('postgres://db/mend')).not.toBe(on('postgres://db/mend_staging'));
		expect(tagOf({ DATA_DIR: '/srv/mend-a' })).not.toBe(tagOf({ DATA_DIR: '/srv/mend-b' }));
	});

	it('names no address: room metadata reaches every browser in the room', () => {
		const metadata = roomMetadata(
			tagOf({ PUBLIC_URL: 'https://mend.example.org', DATABASE_URL: 'postgres://db/mend' })
		);
		expect(metadata).toMatch(/^\{"mendDeployment":"[0-9a-f]{32}"\}$/);
	});
});

describe('a room of this deployment', () => {
	const tag = tagOf({ PUBLIC_URL: 'https://mend.example.org' });
	const other = tagOf({ PUBLIC_URL: 'https://staging.mend.example.org' });

	it('is named mend-… and carries its tag', () => {
		expect(isRoomOf(tag, { name: 'mend-abc-def', metadata: roomMetadata(tag) })).toBe(true);
	});

	it('is not another deployment’s, other software’s, nor a room with a borrowed name', () => {
		expect(isRoomOf(tag, { name: 'mend-abc-def', metadata: roomMetadata(other) })).toBe(false);
		expect(isRoomOf(tag, { name: 'standup', metadata: roomMetadata(tag) })).toBe(false);
		for (const metadata of ['', 'null', '5', '"x"', '{"mendDeployment":1}', '{'])
			expect(isRoomOf(tag, { name: 'mend-abc-def', metadata }), metadata).toBe(false);
	});
});
