import type { MediaUpdate } from '../../protocol/media.ts';
import type { MediaEngine, RemotePeer } from './engine.ts';

/** LiveKit in the browser: loaded only when the server assigns a LiveKit transport. */
export class LiveKitEngine implements MediaEngine {
	#peers = $state<RemotePeer[]>([]);
	get peers(): RemotePeer[] {
		return this.#peers;
	}
	apply(update: MediaUpdate): void {
		void update;
	}
	setLocalTracks(): void {}
	close(): void {}
}
