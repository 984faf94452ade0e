import type { MediaPeer, MediaUpdate, SignalPayload } from '../../protocol/media.ts';

/** Another person in the same media room, with what the policy lets us play of them. */
export interface RemotePeer extends MediaPeer {
	/** Their microphone, only while they may be heard. */
	audio: MediaStreamTrack | null;
	/** Their camera, only while they are seen and we are not audio-only. */
	video: MediaStreamTrack | null;
	connection: 'connecting' | 'connected' | 'failed';
}

/** One media transport in the browser: LiveKit, or WebRTC between the browsers. */
export interface MediaEngine {
	readonly peers: RemotePeer[];
	apply(update: MediaUpdate): void | Promise<void>;
	setLocalTracks(audio: MediaStreamTrack | null, video: MediaStreamTrack | null): void;
	onSignal?(from: string, payload: SignalPayload): void | Promise<void>;
	/** This browser reconnected to Mend. */
	reset?(): void;
	close(): void;
}
