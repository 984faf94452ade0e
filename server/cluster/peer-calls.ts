import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AgreementContent } from '#lib/agreement/model.ts';
import { DatabaseUnavailableError } from '#lib/server/db/connection-errors.ts';
import type { Logger } from '#lib/server/log.ts';
import type { Planes } from '#lib/server/planes.ts';
import type { MediaBackend } from '../media/backend.ts';
import type { CaseOwners, Route } from './owners.ts';
import { PEER_HEADERS, signPeer, verifyPeer } from './peer-auth.ts';

/**
 * What the pages ask of the live sessions and documents (planes.ts), in a cluster: asked of
 * the process that holds the case, wherever the page was served — a link revoked on one
 * process lets the person go from the session another one holds, at once. The call is an
 * HTTP request between processes, signed with the peers' key; the answer comes back the same
 * way. What concerns every process (a party's connections to documents, access to check
 * again) is asked of all of them.
 *
 * Holding a document while a page freezes it (`exclusive`) spans two calls: `hold` answers
 * with the content once no edit can come in, and the document stays held until `release` —
 * or until the lease runs out, if the page's process dies meanwhile.
 */

export const PEER_PATH = '/_mend/peer';

/** A page's process that died while holding a document lets it go after this long. */
export const HOLD_LEASE_MS = 30_000;
/** A peer that does not answer a call within this long is taken for gone. */
const CALL_TIMEOUT_MS = 15_000;
const MAX_CALL_BYTES = 256 * 1024;

const CallSchema = z.object({ method: z.string().max(64), args: z.array(z.unknown()).max(4) });

type Handler = (...args: never[]) => Promise<unknown>;

/** The calls a process answers for the cases it holds, and its own copies of the broadcasts. */
function handlersOf(local: Planes, media: MediaBackend) {
	const held = new Map<string, { release(): Promise<void> }>();
	const handlers = {
		'agreements.content': (agreementId: string) => local.agreements.content(agreementId),
		'agreements.changed': (agreementId: string) => local.agreements.changed(agreementId),
		'agreements.closeParty': async (partyId: string) => local.agreements.closeParty(partyId),
		'agreements.recheckAccess': () => local.agreements.recheckAccess(),
		'agreements.hold': (agreementId: string) =>
			new Promise<{ token: string; content: AgreementContent }>((answer, fail) => {
				const done = local.agreements.exclusive(
					agreementId,
					(content) =>
						new Promise<void>((letGo) => {
							const token = randomUUID();
							const lease = setTimeout(() => void release(), HOLD_LEASE_MS);
							const release = async () => {
								clearTimeout(lease);
								held.delete(token);
								letGo();
								await done.catch(() => {});
							};
							held.set(token, { release });
							answer({ token, content });
						})
				);
				done.catch(fail);
			}),
		'agreements.release': async (token: string) => {
			await held.get(token)?.release();
		},
		'media.webhook': async (body: string, authorization: string | null) => {
			await media.handleWebhook?.(body, authorization);
		},
		'sessions.stepOf': (meetingId: string) => local.sessions.stepOf(meetingId),
		'sessions.logHead': (meetingId: string) => local.sessions.logHead(meetingId),
		'sessions.withdrawEverywhere': (meetingIds: string[], partyId: string) =>
			local.sessions.withdrawEverywhere(meetingIds, partyId),
		'sessions.letGo': (meetingId: string, partyId: string) =>
			local.sessions.letGo(meetingId, partyId)
	} satisfies Record<string, Handler>;
	return handlers;
}

type Handlers = ReturnType<typeof handlersOf>;
type Method = keyof Handlers;

async function readBody(req: IncomingMessage): Promise<string | null> {
	let size = 0;
	const chunks: Buffer[] = [];
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > MAX_CALL_BYTES) return null;
		chunks.push(chunk);
	}
	return Buffer.concat(chunks).toString('utf8');
}

export class PeerCalls {
	readonly #owners: CaseOwners;
	readonly #key: Buffer;
	readonly #log: Logger;
	readonly #handlers: Handlers;
	readonly #local: Planes;

	constructor(owners: CaseOwners, key: Buffer, local: Planes, media: MediaBackend, log: Logger) {
		this.#owners = owners;
		this.#key = key;
		this.#local = local;
		this.#log = log;
		this.#handlers = handlersOf(local, media);
	}

	/** Calls `method` on the live process `processId` (what concerns it, not a case). */
	async onProcess<M extends Method>(
		processId: number,
		method: M,
		args: Parameters<Handlers[M]>
	): Promise<Awaited<ReturnType<Handlers[M]>>> {
		const peer = (await this.#owners.peers()).find((p) => p.processId === processId);
		if (!peer) throw new Error(`cluster: process ${processId} is gone`);
		return this.#call({ local: false, ...peer }, method, args);
	}

	/** Answers a call from a peer (dispatch.ts): refused unless signed for this very process. */
	async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const reply = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		const body = req.method === 'POST' ? await readBody(req) : null;
		const signature = req.headers[PEER_HEADERS.signature];
		const to = String(this.#owners.processId);
		if (
			body === null ||
			typeof signature !== 'string' ||
			!verifyPeer(this.#key, [to, body], signature)
		)
			return reply(404, { error: 'not found' });
		let call;
		try {
			call = CallSchema.parse(JSON.parse(body));
		} catch {
			return reply(400, { error: 'invalid call' });
		}
		const handler = (this.#handlers as Record<string, Handler>)[call.method];
		if (!handler) return reply(400, { error: 'no such call' });
		try {
			const value = await (handler as (...args: unknown[]) => Promise<unknown>)(...call.args);
			reply(200, { value: value ?? null });
		} catch (error) {
			const code = (error as { code?: unknown }).code;
			this.#log.warn('cluster: a peer call failed', { method: call.method, error });
			reply(500, {
				error: String((error as Error).message),
				code: typeof code === 'string' ? code : null
			});
		}
	}

	/** Calls `method` on the process of `route`. */
	async #call<M extends Method>(
		route: Extract<Route, { local: false }>,
		method: M,
		args: Parameters<Handlers[M]>
	): Promise<Awaited<ReturnType<Handlers[M]>>> {
		const body = JSON.stringify({ method, args });
		let response: Response;
		try {
			response = await fetch(new URL(PEER_PATH, route.address), {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					[PEER_HEADERS.signature]: signPeer(this.#key, [String(route.processId), body])
				},
				body,
				signal: AbortSignal.timeout(CALL_TIMEOUT_MS)
			});
		} catch (error) {
			throw new PeerUnreachableError(route, error);
		}
		const answer = (await response.json().catch(() => null)) as {
			value?: unknown;
			error?: string;
			code?: string | null;
		} | null;
		// Another process answers at that address now: the one called is gone.
		if (response.status === 404) throw new PeerUnreachableError(route, null);
		if (!response.ok || !answer || !('value' in answer)) {
			if (answer?.code === new DatabaseUnavailableError().code)
				throw new DatabaseUnavailableError();
			throw new Error(`cluster: ${method} failed on process ${route.processId}: ${answer?.error}`);
		}
		return answer.value as Awaited<ReturnType<Handlers[M]>>;
	}

	/**
	 * Runs here if this process holds the case (or takes it now), or on the process that holds
	 * it; a process gone meanwhile is replaced by the next one to hold the case.
	 */
	async onOwner<M extends Method>(
		caseId: string | null,
		method: M,
		args: Parameters<Handlers[M]>
	): Promise<Awaited<ReturnType<Handlers[M]>>> {
		const local = () =>
			(this.#handlers[method] as (...args: unknown[]) => Promise<unknown>)(...args) as Promise<
				Awaited<ReturnType<Handlers[M]>>
			>;
		if (!caseId) return local();
		for (let attempt = 0; ; attempt += 1) {
			const route = await this.#owners.route(caseId);
			if (route.local) return local();
			try {
				return await this.#call(route, method, args);
			} catch (error) {
				if (!(error instanceof PeerUnreachableError) || attempt >= 3) throw error;
				// Gone: its lock is let go in a moment, and the case taken by whoever needs it.
				await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
			}
		}
	}

	/** Runs here and on every other live process; one that does not answer is let be. */
	async everywhere<M extends Method>(method: M, args: Parameters<Handlers[M]>): Promise<void> {
		const peers = await this.#owners.peers();
		const results = await Promise.allSettled([
			(this.#handlers[method] as (...args: unknown[]) => Promise<unknown>)(...args),
			...peers.map((peer) => this.#call({ local: false, ...peer }, method, args))
		]);
		for (const result of results)
			if (result.status === 'rejected')
				this.#log.warn('cluster: a call to every process failed on one', {
					method,
					error: result.reason
				});
	}

	/** The planes as the pages use them, each call made where its case is held. */
	planes(): Planes {
		const owners = this.#owners;
		const local = this.#local;
		return {
			agreements: {
				content: async (agreementId) =>
					this.onOwner(await owners.caseOfAgreement(agreementId), 'agreements.content', [
						agreementId
					]),
				changed: async (agreementId) =>
					this.onOwner(await owners.caseOfAgreement(agreementId), 'agreements.changed', [
						agreementId
					]),
				closeParty: (partyId) => this.everywhere('agreements.closeParty', [partyId]),
				recheckAccess: () => this.everywhere('agreements.recheckAccess', []),
				exclusive: async (agreementId, use) => {
					const caseId = await owners.caseOfAgreement(agreementId);
					if (!caseId || (await owners.route(caseId)).local)
						return local.agreements.exclusive(agreementId, use);
					const { token, content } = await this.onOwner(caseId, 'agreements.hold', [agreementId]);
					try {
						return await use(content);
					} finally {
						await this.onOwner(caseId, 'agreements.release', [token]).catch((error: unknown) =>
							this.#log.warn('cluster: letting go of a held document failed (its lease will)', {
								agreementId,
								error
							})
						);
					}
				}
			},
			sessions: {
				stepOf: async (meetingId) =>
					this.onOwner(await owners.caseOfMeeting(meetingId), 'sessions.stepOf', [meetingId]),
				logHead: async (meetingId) =>
					this.onOwner(await owners.caseOfMeeting(meetingId), 'sessions.logHead', [meetingId]),
				withdrawEverywhere: async (meetingIds, partyId) => {
					// A party's meetings are all of one case.
					const [first] = meetingIds;
					const caseId = first ? await owners.caseOfMeeting(first) : null;
					return this.onOwner(caseId, 'sessions.withdrawEverywhere', [[...meetingIds], partyId]);
				},
				letGo: async (meetingId, partyId) =>
					this.onOwner(await owners.caseOfMeeting(meetingId), 'sessions.letGo', [
						meetingId,
						partyId
					])
			}
		};
	}
}

/** The process that holds a case did not answer: gone, or cut off. */
export class PeerUnreachableError extends DatabaseUnavailableError {
	constructor(route: Extract<Route, { local: false }>, cause: unknown) {
		super(`process ${route.processId} of the cluster (${route.address}) does not answer`);
		this.name = 'PeerUnreachableError';
		this.cause = cause;
	}
}
