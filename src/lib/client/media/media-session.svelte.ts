import type { MediaUpdate } from '../../protocol/media.ts';
import type { MeetingConnection } from '../connection.svelte.ts';
import type { MediaEngine, RemotePeer } from './engine.ts';
import type { LocalMedia } from './local-media.svelte.ts';

/**
 * A person's audio and video in a meeting: their devices and choices, and the transport the
 * server assigns (LiveKit is loaded only when the server says LiveKit).
 */
export class MediaSession {
	readonly local: LocalMedia;
	readonly #connection: MeetingConnection;
	#engine = $state<MediaEngine | null>(null);
	#update = $state<MediaUpdate | null>(null);
	#joined = $state(false);
	#selfMuted = $state(false);

	/** `local` carries the devices and choices made in the check before joining. */
	constructor(connection: MeetingConnection, local: LocalMedia) {
		this.#connection = connection;
		this.local = local;
		const socket = connection.socket;
		const onMedia = (update: MediaUpdate) => {
			this.#update = update;
			if (this.#joined) this.#enqueue(update);
		};
		socket.on('media', onMedia);
		socket.on('view', (_view, update) => {
			if (update) onMedia(update);
		});
		socket.on('signal', ({ from, payload }) => void this.#engine?.onSignal?.(from, payload));
		// Back after a dropped connection: start every media link afresh.
		socket.io.on('reconnect', () => this.#engine?.reset?.());
	}

	get joined(): boolean {
		return this.#joined;
	}
	get update(): MediaUpdate | null {
		return this.#update;
	}
	get peers(): RemotePeer[] {
		return this.#engine?.peers ?? [];
	}
	/** Whether this person's microphone reaches the room now (by the policy, and not self-muted). */
	get heard(): boolean {
		return Boolean(this.#update?.canSpeak) && !this.#selfMuted;
	}
	get selfMuted(): boolean {
		return this.#selfMuted;
	}

	/** Joins with the devices and choices made in the check before joining. */
	async join(): Promise<void> {
		this.local.stopMeter();
		this.#joined = true;
		if (this.#update) await this.#enqueue(this.#update);
		// Sent once the connection is seated (a command before that would be refused).
		const send = () => void this.#sendPreferences();
		if (this.#connection.state.kind === 'connected') send();
		else this.#connection.onceConnected(send);
	}

	#engineKind: 'p2p' | 'livekit' | null = null;
	#applying: Promise<void> = Promise.resolve();

	/**
	 * Updates are applied one after the other: the first one loads the engine, and an update
	 * arriving meanwhile must not make a second engine (it would offer a second link).
	 */
	#enqueue(update: MediaUpdate): Promise<void> {
		this.#applying = this.#applying.then(() => this.#apply(update)).catch(() => {});
		return this.#applying;
	}

	async #apply(update: MediaUpdate): Promise<void> {
		const kind = update.transport?.kind ?? 'p2p';
		if (!this.#engine || this.#engineKind !== kind) {
			this.#engine?.close();
			this.#engineKind = kind;
			// Each transport is its own chunk, loaded when the server assigns it: the page a
			// party first opens carries neither.
			this.#engine =
				kind === 'livekit'
					? new (await import('./livekit-engine.svelte.ts')).LiveKitEngine()
					: new (await import('./p2p-engine.svelte.ts')).P2PEngine(
							this.#connection.socket,
							update.you
						);
		}
		this.#syncTracks();
		await this.#engine.apply(update);
	}

	#syncTracks(): void {
		const audio = this.local.audioTrack;
		if (audio) audio.enabled = !this.#selfMuted;
		this.#engine?.setLocalTracks(audio, this.local.sendsVideo ? this.local.videoTrack : null);
	}

	async #sendPreferences(): Promise<void> {
		await this.#connection.send({
			type: 'setMediaPreferences',
			cameraOff: this.local.cameraOff,
			audioOnly: this.local.audioOnly
		});
	}

	async setCameraOff(off: boolean): Promise<void> {
		await this.local.setCameraOff(off);
		this.#syncTracks();
		if (this.#joined) await this.#sendPreferences();
	}

	async setAudioOnly(on: boolean): Promise<void> {
		await this.local.setAudioOnly(on);
		this.#syncTracks();
		if (this.#joined) await this.#sendPreferences();
	}

	/** One's own mute, on top of the policy: nobody hears this microphone while set. */
	setSelfMuted(muted: boolean): void {
		this.#selfMuted = muted;
		this.#syncTracks();
	}

	close(): void {
		this.#engine?.close();
		this.local.stop();
	}
}
