import type { MediaConfig } from '../config.ts';
import type { Logger } from '#lib/server/log.ts';
import type { MediaBackend } from './backend.ts';

/** Placeholder until the LiveKit backend lands: refuses to start rather than pretend. */
export function createLiveKitBackend(
	config: Extract<MediaConfig, { kind: 'livekit' }>,
	log: Logger
): MediaBackend {
	log.error(`LiveKit (${config.url}) is configured but not supported by this build`);
	throw new Error('LiveKit media is not implemented yet');
}
