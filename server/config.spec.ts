import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
	it('runs with nothing set: embedded database in ./data, demo seeded, ephemeral secret', () => {
		const config = loadConfig({});
		expect(config.database).toMatchObject({ kind: 'pglite' });
		expect(config.database.kind === 'pglite' && config.database.dataDir).toMatch(/\/data$/);
		expect(config.seedDemo).toBe(true);
		expect(config.authSecretIsEphemeral).toBe(true);
		expect(config.port).toBe(3000);
	});

	it('uses PostgreSQL when DATABASE_URL is set, and then does not seed a demo by default', () => {
		const config = loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/mend' });
		expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://127.0.0.1:5432/mend' });
		expect(config.seedDemo).toBe(false);
	});

	it('names every bad setting in one message', () => {
		const attempt = () =>
			loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PUBLIC_URL: 'not a url' });
		expect(attempt).toThrow(ConfigError);
		try {
			attempt();
		} catch (error) {
			const { problems, message } = error as ConfigError;
			expect(problems).toHaveLength(3);
			expect(message).toContain('PORT: must be a port number');
			expect(message).toContain('DATABASE_URL: must be a postgres:// connection URL');
			expect(message).toContain('PUBLIC_URL');
		}
	});

	it('shares limits through Redis only when REDIS_URL is set, under the key prefix asked for', () => {
		expect(loadConfig({}).redis).toBeNull();
		const secret = 'a-secret-that-is-long-enough-for-everything';
		expect(
			loadConfig({ REDIS_URL: 'rediss://:pw@redis.internal:6380/2', AUTH_SECRET: secret }).redis
		).toEqual({ url: 'rediss://:pw@redis.internal:6380/2', keyPrefix: 'mend' });
		expect(
			loadConfig({
				REDIS_URL: 'redis://127.0.0.1:6379',
				REDIS_KEY_PREFIX: 'mend-staging',
				AUTH_SECRET: secret
			}).redis
		).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'mend-staging' });
		expect(() => loadConfig({ REDIS_URL: 'http://redis.internal', AUTH_SECRET: secret })).toThrow(
			/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/
		);
		expect(() => loadConfig({ REDIS_KEY_PREFIX: 'mend prod' })).toThrow(/REDIS_KEY_PREFIX/);
	});

	it('refuses REDIS_URL without an AUTH_SECRET: the processes that share limits need the same one', () => {
		expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
			/AUTH_SECRET: required with REDIS_URL/
		);
	});

	it('refuses to start in production without an AUTH_SECRET, and refuses a short one', () => {
		expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_SECRET: required/);
		expect(() => loadConfig({ AUTH_SECRET: 'short' })).toThrow(/at least 32 characters/);
	});

	it('refuses to start in production without a PUBLIC_URL: links are never made from a request', () => {
		const production = { NODE_ENV: 'production', AUTH_SECRET: 'x'.repeat(32) };
		expect(() => loadConfig(production)).toThrow(ConfigError);
		expect(() => loadConfig(production)).toThrow(/PUBLIC_URL: required in production/);
		expect(() => loadConfig({ ...production, PUBLIC_URL: '' })).toThrow(/PUBLIC_URL/);
		expect(loadConfig({ ...production, PUBLIC_URL: 'https://mend.example.org' }).publicUrl).toBe(
			'https://mend.example.org'
		);
		// Outside production it may stay unset: Mend then uses the address it listens on.
		expect(loadConfig({ NODE_ENV: 'development' }).publicUrl).toBeUndefined();
	});

	it('never seeds the demo in production: refused when asked for, off on the embedded database', () => {
		const production = {
			NODE_ENV: 'production',
			AUTH_SECRET: 'x'.repeat(32),
			PUBLIC_URL: 'https://mend.example.org'
		};
		expect(() => loadConfig({ ...production, SEED_DEMO: 'true' })).toThrow(
			/SEED_DEMO: never in production/
		);
		expect(loadConfig(production)).toMatchObject({
			database: { kind: 'pglite' },
			seedDemo: false
		});
		expect(loadConfig({ ...production, SEED_DEMO: 'false' }).seedDemo).toBe(false);
	});

	it('treats an empty variable as unset and reads flags as a person writes them', () => {
		const config = loadConfig({ PORT: '', TRUST_PROXY: 'yes', SEED_DEMO: '0' });
		expect(config.port).toBe(3000);
		expect(config.trustProxy).toBe(1);
		expect(config.seedDemo).toBe(false);
		expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
	});

	it('reads TRUST_PROXY as the number of proxies in front of Mend: false 0, true 1, or a count', () => {
		expect(loadConfig({}).trustProxy).toBe(0);
		expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
		expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
		expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
		expect(() => loadConfig({ TRUST_PROXY: '-1' })).toThrow(/TRUST_PROXY/);
		expect(() => loadConfig({ TRUST_PROXY: '1.5' })).toThrow(/TRUST_PROXY/);
	});

	it('drops a trailing slash from PUBLIC_URL so that links are built one way', () => {
		expect(loadConfig({ PUBLIC_URL: 'https://mend.example.org/' }).publicUrl).toBe(
			'https://mend.example.org'
		);
	});
});

describe('media settings', () => {
	it('default to browser-to-browser media with no ICE servers', () => {
		expect(loadConfig({}).media).toEqual({
			kind: 'p2p',
			iceServers: [],
			turnRest: null,
			turnUrls: []
		});
	});

	it('read STUN/TURN servers as JSON, and refuse anything else with an example', () => {
		const config = loadConfig({
			ICE_SERVERS: '[{"urls":"turn:turn.example.org:3478","username":"u","credential":"p"}]'
		});
		expect(config.media).toMatchObject({
			kind: 'p2p',
			iceServers: [{ urls: 'turn:turn.example.org:3478' }],
			turnUrls: ['turn:turn.example.org:3478']
		});
		expect(() => loadConfig({ ICE_SERVERS: 'stun.example.org' })).toThrow(
			/ICE_SERVERS: must be a JSON array/
		);
		expect(() => loadConfig({ ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow(/ICE_SERVERS/);
		// A TURN URL whose host cannot be read: its address could not be told from another's.
		expect(() => loadConfig({ ICE_SERVERS: '[{"urls":"turn:u@x"}]' })).toThrow(/ICE_SERVERS/);
	});

	it('read TURN servers with a shared secret, to mint credentials per participant', () => {
		const config = loadConfig({
			ICE_SERVERS: '[{"urls":["stun:stun.example.org","turn:198.51.100.9"]}]',
			TURN_URLS:
				'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349?transport=tcp',
			TURN_SECRET: 'a-long-shared-secret'
		});
		expect(config.media).toMatchObject({
			kind: 'p2p',
			turnRest: {
				urls: [
					'turn:turn.example.org:3478?transport=udp',
					'turns:turn.example.org:5349?transport=tcp'
				],
				secret: 'a-long-shared-secret'
			},
			// Every TURN URL of both settings: their addresses are the only ones between the sides.
			turnUrls: [
				'turn:198.51.100.9',
				'turn:turn.example.org:3478?transport=udp',
				'turns:turn.example.org:5349?transport=tcp'
			]
		});
		expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.org' })).toThrow(
			/TURN_URLS, TURN_SECRET: set both/
		);
		expect(() => loadConfig({ TURN_SECRET: 'a-long-shared-secret' })).toThrow(
			/TURN_URLS, TURN_SECRET: set both/
		);
		expect(() =>
			loadConfig({ TURN_URLS: 'stun:turn.example.org', TURN_SECRET: 'a-long-shared-secret' })
		).toThrow(/TURN_URLS.*is not a TURN URL/);
		expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.org', TURN_SECRET: 'short' })).toThrow(
			/TURN_SECRET: must be at least 16/
		);
		expect(() =>
			loadConfig({
				TURN_URLS: 'turn:turn.example.org',
				TURN_SECRET: 'a-long-shared-secret',
				LIVEKIT_URL: 'wss://lk.example.org',
				LIVEKIT_API_KEY: 'key',
				LIVEKIT_API_SECRET: 'secret'
			})
		).toThrow(/LiveKit brings its own TURN/);
	});

	it('use LiveKit only with all three of its settings', () => {
		const config = loadConfig({
			LIVEKIT_URL: 'wss://lk.example.org',
			LIVEKIT_API_KEY: 'key',
			LIVEKIT_API_SECRET: 'secret'
		});
		expect(config.media).toMatchObject({ kind: 'livekit', e2ee: false, tokenTtlS: 300 });
		expect(() => loadConfig({ LIVEKIT_URL: 'wss://lk.example.org' })).toThrow(/set all three/);
	});

	it('send e-mail only with SMTP_URL and MAIL_FROM, and text messages only through a gateway', () => {
		expect(loadConfig({}).notifications).toEqual({ smtp: null, smsWebhook: null });
		const config = loadConfig({
			SMTP_URL: 'smtp://u:p@mail.example.org:587',
			MAIL_FROM: 'Mend <mend@example.org>',
			SMS_WEBHOOK_URL: 'https://sms.example.org/send'
		});
		expect(config.notifications).toEqual({
			smtp: { url: 'smtp://u:p@mail.example.org:587', from: 'Mend <mend@example.org>' },
			smsWebhook: { url: 'https://sms.example.org/send', token: null, from: null }
		});
		expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.org' })).toThrow(/MAIL_FROM/);
		expect(() => loadConfig({ SMTP_URL: 'http://mail.example.org', MAIL_FROM: 'x@y.z' })).toThrow(
			/SMTP_URL/
		);
	});
});
