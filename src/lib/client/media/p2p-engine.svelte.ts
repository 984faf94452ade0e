import type { IceServer, MediaPeer, MediaUpdate, SignalPayload } from '../../protocol/media.ts';
import type { RealtimeSocket } from '../realtime.ts';
import { QUALITY_STEPS, nextQuality } from './quality.ts';
import type { MediaEngine, RemotePeer } from './engine.ts';

const fingerprint = (sdp: string | undefined) => sdp?.match(/a=fingerprint:\S+ (\S+)/)?.[1];

interface Link {
	peer: MediaPeer;
	pc: RTCPeerConnection;
	/** Made to reach the peer only through a TURN relay (the server's `relayOnly`). */
	relayOnly: boolean;
	/** The one who makes offers: the smaller participant id. The other only answers. */
	offerer: boolean;
	audio: RTCRtpTransceiver | null;
	video: RTCRtpTransceiver | null;
	pendingCandidates: RTCIceCandidateInit[];
	quality: number;
	goodChecks: number;
	openedAt: number;
}

/** An offer unanswered this long is made again (the answer may have crossed a reconnection). */
const OFFER_RETRY_MS = 10_000;

/** How often the link quality is checked, to step video down on a weak link and back up. */
const QUALITY_CHECK_MS = 4000;

/**
 * Browser-to-browser media for one media room: a connection to each other person in it.
 * It obeys the server's assignment — it connects only to the peers listed, sends audio only
 * while allowed to speak and video only while seen, and plays no audio from a peer the policy
 * does not let speak (so one modified browser cannot break the floor for the others).
 */
export class P2PEngine implements MediaEngine {
	readonly #socket: RealtimeSocket;
	readonly #selfId: string;
	#iceServers: IceServer[] = [];
	/** Peers to reach only through a relay, as the server says (the other side of the case). */
	#relayOnly: readonly string[] = [];
	// Plain Maps on purpose: the connections are not rendered; `peers` is the reactive view.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#links = new Map<string, Link>();
	#update: MediaUpdate | null = null;
	#local: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } = {
		audio: null,
		video: null
	};
	#peers = $state<RemotePeer[]>([]);
	#timer: ReturnType<typeof setInterval>;

	constructor(socket: RealtimeSocket, selfId: string) {
		this.#socket = socket;
		this.#selfId = selfId;
		this.#timer = setInterval(() => void this.#checkQuality(), QUALITY_CHECK_MS);
	}

	get peers(): RemotePeer[] {
		return this.#peers;
	}

	setLocalTracks(audio: MediaStreamTrack | null, video: MediaStreamTrack | null): void {
		this.#local = { audio, video };
		for (const link of this.#links.values()) this.#applySending(link);
	}

	apply(update: MediaUpdate): void {
		this.#update = update;
		if (update.transport?.kind === 'p2p') {
			this.#iceServers = update.transport.iceServers;
			this.#relayOnly = update.transport.relayOnly;
		}
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup, not state
		const wanted = new Map(update.room ? update.peers.map((p) => [p.id, p]) : []);
		// Whoever the policy no longer puts with us, or a link made otherwise than the server now
		// says (relays only, or not): the connection closes now.
		for (const [id, link] of this.#links)
			if (!wanted.has(id) || link.relayOnly !== this.#relayOnly.includes(id)) {
				link.pc.close();
				this.#links.delete(id);
			}
		for (const peer of wanted.values()) {
			const link = this.#links.get(peer.id);
			if (link) {
				link.peer = peer;
				this.#applySending(link);
			} else if (this.#selfId < peer.id) this.#open(peer);
			// The other side offers; its offer creates our end of the link.
		}
		this.#publish();
	}

	#open(peer: MediaPeer, offerer = this.#selfId < peer.id): Link {
		const relayOnly = this.#relayOnly.includes(peer.id);
		// Relays only: this browser sends nothing from its own addresses toward that peer,
		// whatever candidates it is given, so the peer cannot learn where it is.
		const pc = new RTCPeerConnection({
			iceServers: this.#iceServers,
			iceTransportPolicy: relayOnly ? 'relay' : 'all'
		});
		// Names the peer on the connection object, for diagnostics (and the browser tests).
		(pc as RTCPeerConnection & { mendPeerId?: string }).mendPeerId = peer.id;
		const link: Link = {
			peer,
			pc,
			relayOnly,
			offerer,
			audio: null,
			video: null,
			pendingCandidates: [],
			quality: 0,
			goodChecks: 0,
			openedAt: Date.now()
		};
		this.#links.set(peer.id, link);
		pc.onicecandidate = ({ candidate }) =>
			this.#signal(peer.id, {
				candidate: candidate
					? {
							candidate: candidate.candidate,
							sdpMid: candidate.sdpMid,
							sdpMLineIndex: candidate.sdpMLineIndex,
							usernameFragment: candidate.usernameFragment
						}
					: null
			});
		pc.ontrack = () => this.#publish();
		pc.onconnectionstatechange = () => {
			if (pc.connectionState === 'failed') {
				if (link.offerer) pc.restartIce();
				else this.#signal(peer.id, { restart: true });
			}
			this.#publish();
		};
		if (offerer) {
			link.audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
			link.video = pc.addTransceiver('video', { direction: 'sendrecv' });
			this.#applySending(link);
			pc.onnegotiationneeded = async () => {
				try {
					await pc.setLocalDescription();
					this.#signal(peer.id, { description: pc.localDescription!.toJSON() });
				} catch {
					// A newer negotiation superseded this one.
				}
			};
		}
		return link;
	}

	/** Sending follows the assignment: audio only with the right to speak, video only when seen. */
	#applySending(link: Link): void {
		const update = this.#update;
		const audio = update?.canSpeak ? this.#local.audio : null;
		const video =
			update?.sendsVideo && !link.peer.audioOnly && !update.audioOnly ? this.#local.video : null;
		if (link.audio && link.audio.sender.track !== audio) void link.audio.sender.replaceTrack(audio);
		if (link.video && link.video.sender.track !== video) void link.video.sender.replaceTrack(video);
	}

	async onSignal(from: string, payload: SignalPayload): Promise<void> {
		const peer = this.#update?.peers.find((p) => p.id === from);
		if (!peer) return;
		if ('restart' in payload) {
			const link = this.#links.get(from);
			if (link?.offerer) link.pc.restartIce();
			return;
		}
		let link = this.#links.get(from);
		if ('description' in payload) {
			const description = payload.description as RTCSessionDescriptionInit;
			if (description.type === 'offer') {
				// An offer from a new connection on their side (they reconnected, or reopened after
				// a separation) carries a new certificate: it needs a new link on ours too.
				const current = link?.pc.remoteDescription?.sdp;
				if (link && (!current || fingerprint(current) !== fingerprint(description.sdp))) {
					link.pc.close();
					this.#links.delete(from);
					link = undefined;
				}
				link ??= this.#open(peer, false);
				await link.pc.setRemoteDescription(description);
				for (const transceiver of link.pc.getTransceivers()) {
					const kind = transceiver.receiver.track.kind;
					transceiver.direction = 'sendrecv';
					if (kind === 'audio') link.audio = transceiver;
					if (kind === 'video') link.video = transceiver;
				}
				this.#applySending(link);
				await link.pc.setLocalDescription();
				this.#signal(from, { description: link.pc.localDescription!.toJSON() });
			} else if (link) await link.pc.setRemoteDescription(description);
			for (const candidate of link?.pendingCandidates.splice(0) ?? [])
				await link?.pc.addIceCandidate(candidate).catch(() => {});
			this.#publish();
			return;
		}
		if (!link || !payload.candidate) return;
		const candidate = payload.candidate as RTCIceCandidateInit;
		if (link.pc.remoteDescription) await link.pc.addIceCandidate(candidate).catch(() => {});
		else link.pendingCandidates.push(candidate);
	}

	#signal(to: string, payload: SignalPayload): void {
		this.#socket.emit('signal', { to, payload }, () => {});
	}

	/** Steps video quality down when the link is starved, and back up once it recovers. */
	async #checkQuality(): Promise<void> {
		for (const link of [...this.#links.values()])
			if (
				link.offerer &&
				!link.pc.remoteDescription &&
				Date.now() - link.openedAt > OFFER_RETRY_MS
			) {
				link.pc.close();
				this.#links.delete(link.peer.id);
				this.#open(link.peer);
			}
		for (const link of this.#links.values()) {
			const sender = link.video?.sender;
			if (!sender?.track) continue;
			let limited = false;
			let loss = 0;
			const stats = await link.pc.getStats(sender.track).catch(() => null);
			stats?.forEach((report) => {
				if (report.type === 'outbound-rtp' && report.qualityLimitationReason === 'bandwidth')
					limited = true;
				if (report.type === 'remote-inbound-rtp' && typeof report.fractionLost === 'number')
					loss = report.fractionLost;
			});
			const step = nextQuality(link.quality, limited || loss > 0.05, link.goodChecks);
			link.goodChecks = limited || loss > 0.05 ? 0 : link.goodChecks + 1;
			if (step === link.quality) continue;
			link.quality = step;
			link.goodChecks = 0;
			const parameters = sender.getParameters();
			if (!parameters.encodings?.length) parameters.encodings = [{}];
			Object.assign(parameters.encodings[0], QUALITY_STEPS[step]);
			await sender.setParameters(parameters).catch(() => {});
		}
	}

	#publish(): void {
		const update = this.#update;
		this.#peers = (update?.room ? update.peers : []).map((peer) => {
			const link = this.#links.get(peer.id);
			const tracks =
				link?.pc
					.getReceivers()
					.map((r) => r.track)
					.filter((t) => t.readyState === 'live') ?? [];
			return {
				...peer,
				audio: peer.canSpeak ? (tracks.find((t) => t.kind === 'audio') ?? null) : null,
				video:
					peer.sendsVideo && !update?.audioOnly
						? (tracks.find((t) => t.kind === 'video') ?? null)
						: null,
				connection:
					link?.pc.connectionState === 'connected'
						? 'connected'
						: link?.pc.connectionState === 'failed'
							? 'failed'
							: 'connecting'
			};
		});
	}

	/** After this browser's own reconnection: every link starts over. */
	reset(): void {
		for (const link of this.#links.values()) link.pc.close();
		this.#links.clear();
		if (this.#update) this.apply(this.#update);
	}

	close(): void {
		clearInterval(this.#timer);
		for (const link of this.#links.values()) link.pc.close();
		this.#links.clear();
		this.#peers = [];
	}
}
