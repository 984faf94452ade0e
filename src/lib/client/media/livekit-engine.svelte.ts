import {
	AudioPresets,
	ExternalE2EEKeyProvider,
	isE2EESupported,
	LocalAudioTrack,
	LocalVideoTrack,
	Room,
	RoomEvent,
	Track,
	VideoPresets,
	type LocalTrackPublication,
	type RemoteParticipant
} from 'livekit-client';
import type { MediaUpdate } from '../../protocol/media.ts';
import type { MediaEngine, RemotePeer } from './engine.ts';

/**
 * LiveKit in the browser — its own chunk, loaded only when the server assigns a LiveKit
 * transport. The server decides which room (one token each) and what may be published; this
 * publishes accordingly, subscribes to no video when audio-only, and plays no audio from a peer
 * the policy does not let speak.
 */
export class LiveKitEngine implements MediaEngine {
	#room: Room | null = null;
	#roomName: string | null = null;
	#update: MediaUpdate | null = null;
	#local: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } = {
		audio: null,
		video: null
	};
	#published: { audio?: LocalTrackPublication; video?: LocalTrackPublication } = {};
	#peers = $state<RemotePeer[]>([]);
	#connecting: Promise<void> | null = null;

	get peers(): RemotePeer[] {
		return this.#peers;
	}

	async apply(update: MediaUpdate): Promise<void> {
		this.#update = update;
		const transport = update.transport?.kind === 'livekit' ? update.transport : null;
		if (!transport) {
			await this.#leave();
		} else if (transport.roomName !== this.#roomName) {
			await this.#leave();
			this.#roomName = transport.roomName;
			this.#connecting = this.#join(transport.url, transport.token, transport.e2eeKey);
			await this.#connecting;
		}
		await this.#publish();
		this.#refresh();
	}

	async #join(url: string, token: string, e2eeKey: string | null): Promise<void> {
		const encryption =
			e2eeKey && isE2EESupported()
				? {
						keyProvider: new ExternalE2EEKeyProvider(),
						// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a module URL for the bundler
						worker: new Worker(new URL('livekit-client/e2ee-worker', import.meta.url), {
							type: 'module'
						})
					}
				: undefined;
		const room = new Room({
			adaptiveStream: true,
			dynacast: true,
			publishDefaults: {
				simulcast: true,
				videoEncoding: VideoPresets.h360.encoding,
				videoSimulcastLayers: [VideoPresets.h180],
				audioPreset: AudioPresets.speech,
				dtx: true,
				stopMicTrackOnMute: false
			},
			encryption
		});
		this.#room = room;
		const refresh = () => this.#refresh();
		for (const event of [
			RoomEvent.TrackSubscribed,
			RoomEvent.TrackUnsubscribed,
			RoomEvent.ParticipantConnected,
			RoomEvent.ParticipantDisconnected,
			RoomEvent.Reconnected,
			RoomEvent.TrackMuted,
			RoomEvent.TrackUnmuted
		])
			room.on(event, refresh);
		if (encryption && e2eeKey) {
			await encryption.keyProvider.setKey(e2eeKey);
			await room.setE2EEEnabled(true);
		}
		await room.connect(url, token, { autoSubscribe: true });
	}

	async #leave(): Promise<void> {
		const room = this.#room;
		this.#room = null;
		this.#roomName = null;
		this.#published = {};
		if (room) await room.disconnect(false);
	}

	setLocalTracks(audio: MediaStreamTrack | null, video: MediaStreamTrack | null): void {
		this.#local = { audio, video };
		void this.#publish();
	}

	/** Publishes what the assignment allows, and unpublishes the rest. */
	async #publish(): Promise<void> {
		const room = this.#room;
		const update = this.#update;
		if (!room || !update) return;
		await this.#connecting;
		const participant = room.localParticipant;
		const wantAudio = update.canSpeak ? this.#local.audio : null;
		const wantVideo = update.sendsVideo && !update.audioOnly ? this.#local.video : null;
		for (const [kind, want] of [
			['audio', wantAudio],
			['video', wantVideo]
		] as const) {
			const current = this.#published[kind];
			if (current?.track?.mediaStreamTrack === want) continue;
			if (current?.track) await participant.unpublishTrack(current.track, false);
			this.#published[kind] = undefined;
			if (!want) continue;
			const track =
				kind === 'audio'
					? new LocalAudioTrack(want, undefined, true)
					: new LocalVideoTrack(want, undefined, true);
			this.#published[kind] = await participant.publishTrack(track, {
				source: kind === 'audio' ? Track.Source.Microphone : Track.Source.Camera
			});
		}
	}

	#refresh(): void {
		const update = this.#update;
		const room = this.#room;
		this.#peers = (update?.room ? update.peers : []).map((peer) => {
			const remote: RemoteParticipant | undefined = room?.remoteParticipants.get(peer.id);
			const track = (source: Track.Source) =>
				remote?.getTrackPublication(source)?.track?.mediaStreamTrack ?? null;
			// Audio-only: do not even receive video (saves the link).
			remote?.getTrackPublication(Track.Source.Camera)?.setEnabled(!update?.audioOnly);
			return {
				...peer,
				audio: peer.canSpeak ? track(Track.Source.Microphone) : null,
				video: peer.sendsVideo && !update?.audioOnly ? track(Track.Source.Camera) : null,
				connection: remote ? 'connected' : 'connecting'
			};
		});
	}

	close(): void {
		void this.#leave();
		this.#peers = [];
	}
}
