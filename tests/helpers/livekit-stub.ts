import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
	CreateRoomRequest,
	DeleteRoomRequest,
	ListParticipantsRequest,
	ListParticipantsResponse,
	ParticipantInfo,
	ParticipantInfo_State,
	RoomParticipantIdentity,
	Room,
	UpdateParticipantRequest
} from '@livekit/protocol';
import { TokenVerifier, type ClaimGrants } from 'livekit-server-sdk';

/**
 * A stand-in for LiveKit's RoomService at its HTTP boundary (twirp over JSON), for contract
 * tests: no LiveKit server can be installed on these machines. It checks what LiveKit checks
 * — the request's JWT, signed with the API secret — and parses each body with LiveKit's own
 * protocol classes, strictly (an unknown field is an error, as it would be a bug on our side).
 */

const PARSERS = {
	CreateRoom: CreateRoomRequest,
	DeleteRoom: DeleteRoomRequest,
	ListParticipants: ListParticipantsRequest,
	RemoveParticipant: RoomParticipantIdentity,
	UpdateParticipant: UpdateParticipantRequest
} as const;
export type StubMethod = keyof typeof PARSERS;

export interface StubCall {
	method: StubMethod;
	grants: ClaimGrants;
	body: InstanceType<(typeof PARSERS)[StubMethod]>;
}

export class LiveKitStub {
	readonly apiKey = 'APIstubkey';
	readonly apiSecret = 'stub-secret-that-is-long-enough-for-hs256';
	readonly calls: StubCall[] = [];
	/** Who LiveKit says is in each room (for ListParticipants), e.g. an intruder. */
	readonly present = new Map<string, string[]>();
	/**
	 * What reached the stub that was not a RoomService call: a browser's LiveKit client trying
	 * to connect (`upgrade /rtc?…`, `GET /rtc/validate?…`), which the stub does not serve.
	 */
	readonly visits: string[] = [];
	readonly #verifier = new TokenVerifier(this.apiKey, this.apiSecret);
	#server = http.createServer((req, res) => void this.#handle(req, res));
	url = '';

	async start(): Promise<this> {
		this.#server.on('upgrade', (req, socket) => {
			this.visits.push(`upgrade ${req.url}`);
			socket.destroy();
		});
		await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
		return this;
	}

	stop(): Promise<void> {
		return new Promise((resolve) => {
			this.#server.close(() => resolve());
			// A browser's kept-alive connections would hold the close open.
			this.#server.closeAllConnections();
		});
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
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
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
		this.calls.push({ method, grants, body } as StubCall);

		if (method === 'CreateRoom') {
			const request = body as CreateRoomRequest;
			this.present.set(request.name, this.present.get(request.name) ?? []);
			return reply(
				200,
				new Room({ sid: `RM_${request.name}`, name: request.name }).toJson({
					useProtoFieldName: true,
					emitDefaultValues: true
				})
			);
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
				}).toJson({ useProtoFieldName: true, emitDefaultValues: true })
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
