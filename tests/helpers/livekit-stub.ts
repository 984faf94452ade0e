import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
	CreateRoomRequest,
	DeleteRoomRequest,
	ListParticipantsRequest,
	ListParticipantsResponse,
	ListRoomsRequest,
	ListRoomsResponse,
	ParticipantInfo,
	ParticipantInfo_State,
	RoomParticipantIdentity,
	Room,
	UpdateParticipantRequest,
	type WebhookEvent
} from '@livekit/protocol';
import { AccessToken, TokenVerifier, type ClaimGrants, type VideoGrant } from 'livekit-server-sdk';

/**
 * A stand-in for LiveKit's RoomService at its HTTP boundary (twirp over JSON), for contract
 * tests: no LiveKit server can be installed on these machines. It checks what LiveKit checks
 * — the request's JWT, signed with the API secret — and parses each body with LiveKit's own
 * protocol classes, strictly (an unknown field is an error, as it would be a bug on our side).
 * Like LiveKit, it holds the rooms created and deleted, and refuses a call whose token lacks
 * the grant LiveKit asks of it. It sends webhooks as LiveKit does (`sendWebhook`).
 */

const PARSERS = {
	CreateRoom: CreateRoomRequest,
	DeleteRoom: DeleteRoomRequest,
	ListParticipants: ListParticipantsRequest,
	ListRooms: ListRoomsRequest,
	RemoveParticipant: RoomParticipantIdentity,
	UpdateParticipant: UpdateParticipantRequest
} as const;
export type StubMethod = keyof typeof PARSERS;

/** The grant LiveKit's RoomService requires of each call's token. */
const ALLOWED: Record<StubMethod, (video: VideoGrant, body: { room?: string }) => boolean> = {
	CreateRoom: (video) => video.roomCreate === true,
	DeleteRoom: (video) => video.roomCreate === true,
	ListRooms: (video) => video.roomList === true,
	ListParticipants: (video, body) => video.roomAdmin === true && video.room === body.room,
	RemoveParticipant: (video, body) => video.roomAdmin === true && video.room === body.room,
	UpdateParticipant: (video, body) => video.roomAdmin === true && video.room === body.room
};

export interface StubCall {
	method: StubMethod;
	/** The stub's address the call came to: `url`, or one of `anotherAddress()`. */
	via: string;
	grants: ClaimGrants;
	body: InstanceType<(typeof PARSERS)[StubMethod]>;
}

export class LiveKitStub {
	readonly apiKey = 'APIstubkey';
	readonly apiSecret = 'stub-secret-that-is-long-enough-for-hs256';
	readonly calls: StubCall[] = [];
	/** The rooms that exist, as ListRooms reports them: created, or seeded by a test. */
	readonly rooms = new Map<string, Room>();
	/** Who LiveKit says is in each room (for ListParticipants), e.g. an intruder. */
	readonly present = new Map<string, string[]>();
	/**
	 * Answers held back, after they took effect: for this long (ms), or until the promise
	 * settles — e.g. a slow ListRooms.
	 */
	readonly delays = new Map<StubMethod, number | Promise<unknown>>();
	/**
	 * What reached the stub that was not a RoomService call: a browser's LiveKit client trying
	 * to connect (`upgrade /rtc?…`, `GET /rtc/validate?…`), which the stub does not serve.
	 */
	readonly visits: string[] = [];
	readonly #verifier = new TokenVerifier(this.apiKey, this.apiSecret);
	readonly #servers: http.Server[] = [];
	url = '';

	async start(): Promise<this> {
		this.url = await this.anotherAddress();
		return this;
	}

	/**
	 * One more address of this same LiveKit, e.g. one per Mend process of a cluster: each
	 * call records the address it came to (`via`), which tells apart the processes making them.
	 */
	async anotherAddress(): Promise<string> {
		const server = http.createServer((req, res) => void this.#handle(req, res));
		server.on('upgrade', (req, socket) => {
			this.visits.push(`upgrade ${req.url}`);
			socket.destroy();
		});
		this.#servers.push(server);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		await Promise.all(
			this.#servers.map(
				(server) =>
					new Promise<void>((resolve) => {
						server.close(() => resolve());
						// A browser's kept-alive connections would hold the close open.
						server.closeAllConnections();
					})
			)
		);
	}

	/**
	 * Posts `event` to Mend's webhook endpoint at `mendUrl` as LiveKit does: its JSON, signed
	 * with the API key over the body's hash. Resolves with the HTTP status of the answer.
	 */
	async sendWebhook(mendUrl: string, event: WebhookEvent): Promise<number> {
		const body = event.toJsonString();
		const token = new AccessToken(this.apiKey, this.apiSecret, { ttl: '5m' });
		token.sha256 = createHash('sha256').update(body).digest('base64');
		const response = await fetch(new URL('/api/livekit/webhook', mendUrl), {
			method: 'POST',
			headers: { 'content-type': 'application/webhook+json', authorization: await token.toJwt() },
			body
		});
		await response.arrayBuffer();
		return response.status;
	}

	/**
	 * A room Mend's process did not create here: another deployment's, other software's, or one
	 * a process that died left behind — with people in it.
	 */
	seedRoom(name: string, metadata: string, people: string[]): void {
		this.rooms.set(name, new Room({ sid: `RM_${name}`, name, metadata }));
		this.present.set(name, [...people]);
	}

	callsOf<M extends StubMethod>(
		method: M
	): (StubCall & { body: InstanceType<(typeof PARSERS)[M]> })[] {
		return this.calls.filter((c) => c.method === method) as never;
	}

	async #handle(req: http.IncomingMessage, res: http.ServerResponse) {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const method = req.url?.match(/^\/twirp\/livekit\.RoomService\/(\w+)$/)?.[1] as
			StubMethod | undefined;
		const reply = (status: number, body: unknown) => {
			const send = () => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(body));
			};
			const delay = method && this.delays.get(method);
			if (typeof delay === 'number') setTimeout(send, delay);
			else if (delay) void delay.then(send, send);
			else send();
		};
		if (req.method !== 'POST' || !method || !(method in PARSERS)) {
			this.visits.push(`${req.method} ${req.url}`);
			return reply(404, { code: 'bad_route', msg: `no handler for ${req.url}` });
		}
		let grants: ClaimGrants;
		try {
			grants = await this.#verifier.verify(
				(req.headers.authorization ?? '').replace(/^Bearer /, '')
			);
		} catch {
			return reply(401, { code: 'unauthenticated', msg: 'invalid authorization token' });
		}
		const body = PARSERS[method].fromJson(JSON.parse(Buffer.concat(chunks).toString('utf8')));
		const via = `http://127.0.0.1:${req.socket.localPort}`;
		this.calls.push({ method, via, grants, body } as StubCall);
		if (!ALLOWED[method](grants.video ?? {}, body as { room?: string }))
			return reply(403, { code: 'permission_denied', msg: 'permissions denied' });
		const json = { useProtoFieldName: true, emitDefaultValues: true };

		if (method === 'CreateRoom') {
			const request = body as CreateRoomRequest;
			const room =
				this.rooms.get(request.name) ??
				new Room({ sid: `RM_${request.name}`, name: request.name, metadata: request.metadata });
			this.rooms.set(request.name, room);
			this.present.set(request.name, this.present.get(request.name) ?? []);
			return reply(200, room.toJson(json));
		}
		if (method === 'ListRooms') {
			const { names } = body as ListRoomsRequest;
			const rooms = [...this.rooms.values()].filter(
				(room) => !names.length || names.includes(room.name)
			);
			return reply(200, new ListRoomsResponse({ rooms }).toJson(json));
		}
		if (method === 'DeleteRoom') {
			// Everyone in it is disconnected at once.
			const { room } = body as DeleteRoomRequest;
			if (!this.rooms.delete(room))
				return reply(404, { code: 'not_found', msg: 'requested room does not exist' });
			this.present.delete(room);
			return reply(200, {});
		}
		if (method === 'ListParticipants') {
			const identities = this.present.get((body as ListParticipantsRequest).room) ?? [];
			return reply(
				200,
				new ListParticipantsResponse({
					participants: identities.map(
						(identity) =>
							new ParticipantInfo({
								sid: `PA_${identity}`,
								identity,
								state: ParticipantInfo_State.ACTIVE
							})
					)
				}).toJson(json)
			);
		}
		if (method === 'RemoveParticipant') {
			const { room, identity } = body as RoomParticipantIdentity;
			const here = this.present.get(room) ?? [];
			if (!here.includes(identity))
				return reply(404, { code: 'not_found', msg: 'participant does not exist' });
			this.present.set(
				room,
				here.filter((i) => i !== identity)
			);
			return reply(200, {});
		}
		if (method === 'UpdateParticipant') {
			const { room, identity } = body as UpdateParticipantRequest;
			if (!(this.present.get(room) ?? []).includes(identity))
				return reply(404, { code: 'not_found', msg: 'participant does not exist' });
			return reply(200, new ParticipantInfo({ identity }).toJson());
		}
		return reply(200, {});
	}
}
