import type { Identity } from '#lib/protocol/identity.ts';
import { ALWAYS_ALLOWED, type SessionCommand } from '#lib/protocol/session-commands.ts';
import { DatabaseUnavailableError } from '#lib/server/db/connection-errors.ts';
import { OwnershipLostError, sessionResource, takeOwnerships } from '#lib/server/db/ownership.ts';
import type { Deps } from '#lib/server/deps.ts';
import {
	liveMeetingIds,
	loadSessionSetups,
	markSessionEnded,
	markSessionStarted,
	recordWithdrawal,
	staffParticipantId,
	type SessionSetup
} from '#lib/server/sessions/session-records.ts';
import type { AgendaStep } from '#lib/session/model.ts';
import {
	initialState,
	needsConnectionsReset,
	RULES_VERSION,
	SYSTEM,
	transition,
	type Envelope,
	type ParticipantSeed,
	type SessionEvent,
	type SessionState,
	type SystemCommand
} from '#lib/session/index.ts';
import { refuse, type Refusal } from '#lib/session/refusals.ts';
import type { MediaBackend } from '../media/backend.ts';
import { SessionLog } from './session-log.ts';
import { BatchedLoader } from '../batched-loader.ts';
import { recoverSessions, type Recovered } from './session-recovery.ts';
import { SessionSnapshots, SNAPSHOT_EVERY_ENTRIES } from './session-snapshots.ts';
import {
	forgetSent,
	newSentState,
	SessionSender,
	type Audience,
	type SentState
} from './session-sender.ts';

export interface LiveSession {
	setup: SessionSetup;
	/** This process's epoch of the session (ownership.ts): every append is fenced by it. */
	epoch: number;
	state: SessionState;
	lastHash: string | null;
	/**
	 * Set when a write to its log failed: the state holds what the log does not, so nothing
	 * more is applied, logged or shown from it (the next connection loads the log again).
	 */
	unloaded: boolean;
	/** Open connections per participant, as this process counts them. */
	connections: Map<string, number>;
	/** What each participant was last sent (session-sender.ts). */
	sent: SentState;
	/** The write of the last entry logged: the state is durable once it has settled. */
	lastWrite: Promise<void>;
}

export type Dispatched = { ok: true; seq: number } | Refusal;

export type StepListener = (
	setup: SessionSetup,
	step: AgendaStep | null,
	actorUserId: string | null
) => Promise<void>;

/**
 * Leaving (a break, withdrawing) is shown at the latest this long after it was applied, durable
 * or not: a database that hangs must not keep someone where they asked to leave.
 */
export const LEAVING_SHOWN_WITHIN_MS = 500;

/** A record that failed to follow its log entry is tried again after this (#mend). */
const MEND_RETRY_MS = 5_000;

/** A session nobody is connected to is dropped from memory after this; its log remains. */
export const IDLE_UNLOAD_MS = 10 * 60_000;

/**
 * The participant a connection speaks for, and who they are to the session, from its identity
 * alone (a party's seat is read with their identity: server/identity.ts).
 */
export function seatOf(identity: Identity): ParticipantSeed {
	if (identity.kind === 'staff')
		return {
			id: staffParticipantId(identity.userId),
			role: 'mediator',
			name: identity.name,
			side: null
		};
	return {
		id: identity.partyId,
		role: identity.role,
		name: identity.displayName,
		side: identity.partyId
	};
}

/**
 * Owns the live sessions of this process: loads each from its log on first use, applies
 * commands through the pure `transition`, appends them to the log, and sends each person
 * their own view. Thin on purpose: the rules are in src/lib/session.
 */
export class SessionHost {
	readonly #deps: Deps;
	readonly #media: MediaBackend;
	readonly #audience: Audience;
	readonly #sender: SessionSender;
	readonly log: SessionLog;
	readonly snapshots: SessionSnapshots;
	readonly #sessions = new Map<string, Promise<LiveSession>>();
	/** The same sessions once loaded, for synchronous reads. */
	readonly #loaded = new Map<string, LiveSession>();
	readonly #startChecks: ((setup: SessionSetup) => Promise<Refusal | null>)[] = [];
	readonly #idleTimers = new Map<string, NodeJS.Timeout>();
	readonly #stepListeners: StepListener[] = [];
	readonly #snapshotsStoring = new Set<Promise<void>>();
	readonly #loader = new BatchedLoader((meetingIds: string[]) => this.#load(meetingIds), {
		missing: (meetingId) => new Error(`no meeting ${meetingId}`)
	});

	constructor(deps: Deps, media: MediaBackend, audience: Audience) {
		this.#deps = deps;
		this.#media = media;
		this.#audience = audience;
		this.#sender = new SessionSender(deps, media, audience);
		this.log = new SessionLog(deps.db, deps.logWriter, deps.log);
		this.snapshots = new SessionSnapshots(deps.db);
	}

	/**
	 * The session of a meeting, loaded (and rebuilt from its log) on first use. Sessions asked
	 * for while others load are loaded together (a process taking up a dead one's meetings).
	 */
	session(meetingId: string): Promise<LiveSession> {
		let loading = this.#sessions.get(meetingId);
		if (!loading) {
			loading = this.#loader.load(meetingId);
			this.#sessions.set(meetingId, loading);
			loading.then(
				(session) => this.#loaded.set(meetingId, session),
				() => this.#sessions.delete(meetingId)
			);
		}
		return loading;
	}

	/**
	 * Called when a command moves a session to another agenda step, or out of the live phase
	 * (step null), after the command is logged and before anyone is told: what the listener
	 * records (the agreement drafted at this step) exists when people learn of the step.
	 */
	onStepChange(listener: StepListener): void {
		this.#stepListeners.push(listener);
	}

	/**
	 * A check run before a session starts (the readiness gate of a joint session): a refusal
	 * leaves the session as it was.
	 */
	beforeStart(check: (setup: SessionSetup) => Promise<Refusal | null>): void {
		this.#startChecks.push(check);
	}

	/**
	 * A party withdrew from the whole mediation (recorded by staff or from their link): in each
	 * of these meetings whose session is live here, they leave as if they had pressed
	 * "withdraw" — out of every room, their connections closed.
	 */
	async withdrawEverywhere(meetingIds: readonly string[], partyId: string): Promise<void> {
		for (const meetingId of meetingIds) {
			const session = this.#loaded.get(meetingId);
			const seat = session?.state.participants[partyId];
			if (!session || !seat || seat.status === 'withdrawn') continue;
			await this.dispatch(session, partyId, { type: 'withdraw' });
		}
	}

	/** Closes the connections of one participant to a meeting's session (their link stopped). */
	letGo(meetingId: string, participantId: string): void {
		this.#audience.disconnect(meetingId, participantId);
	}

	/** The agenda step of a live session in this process; null when not live or not here. */
	stepOf(meetingId: string): AgendaStep | null {
		const state = this.#loaded.get(meetingId)?.state;
		return state?.phase === 'live' ? state.step : null;
	}

	/** The last hash of a meeting's log once everything logged so far is durable. */
	async logHead(meetingId: string): Promise<string | null> {
		// Not durable until the database is back: the caller (signing) fails now, not then.
		if (!this.#deps.database.available) throw new DatabaseUnavailableError();
		await this.log.drain();
		return this.#loaded.get(meetingId)?.lastHash ?? (await this.log.head(meetingId));
	}

	/** The state in memory right now, read synchronously (the media layer, tests). */
	current(meetingId: string): SessionState | undefined {
		return this.#loaded.get(meetingId)?.state;
	}

	/** Loads these sessions together: a few statements, however many they are. */
	async #load(meetingIds: string[]): Promise<Map<string, LiveSession>> {
		const { db, log } = this.#deps;
		const setups = await loadSessionSetups(db, meetingIds);
		// Taken before the logs are read: whatever another process still writes under its older
		// epoch is either in what is read next, or refused.
		const epochs = await takeOwnerships(db, [...setups.keys()].map(sessionResource));
		const recovered = await recoverSessions(
			new Map([...setups].map(([id, setup]) => [id, initialState(id, setup.firstSpeaker)])),
			this.log,
			this.snapshots,
			log
		);
		const sessions = new Map<string, LiveSession>();
		for (const [meetingId, setup] of setups) {
			const epoch = epochs.get(sessionResource(meetingId));
			const { state, lastHash, replayed, entries } = recovered.get(meetingId) as Recovered;
			if (epoch === undefined) throw new Error(`taking session ${meetingId} returned nothing`);
			const session: LiveSession = {
				setup,
				epoch,
				state,
				lastHash,
				unloaded: false,
				connections: new Map(),
				sent: newSentState(),
				lastWrite: Promise.resolve()
			};
			// A long replay (a log from before snapshots, or from before the rules changed) is not
			// made again next time: its state is stored, as its last entry is durable already.
			if (replayed >= SNAPSHOT_EVERY_ENTRIES && lastHash)
				this.#storeSnapshot(meetingId, state, lastHash);
			if (lastHash === null)
				this.#applySystem(session, { type: 'seedParticipants', participants: setup.invitees });
			else if (needsConnectionsReset(session.state))
				// Rebuilt after a restart: nobody is connected to this process yet.
				this.#applySystem(session, { type: 'connectionsReset' });
			sessions.set(meetingId, session);
			// Before anyone is served: what the log says happened is what the records say (who
			// and when from the entries replayed; from before a snapshot, the system and now).
			await this.#mend(session, entries);
		}
		return sessions;
	}

	/** Off the path of every acknowledgement: a snapshot only saves a later load some replay. */
	#storeSnapshot(meetingId: string, state: SessionState, hash: string): void {
		const snapshot = { seq: state.seq, rulesVersion: RULES_VERSION, state, hash };
		const storing = this.snapshots
			.store(meetingId, snapshot, this.#deps.clock.now())
			.catch((error: unknown) =>
				this.#deps.log.warn('session: storing a snapshot failed; the log holds everything', {
					meetingId,
					seq: state.seq,
					error
				})
			)
			.finally(() => this.#snapshotsStoring.delete(storing));
		this.#snapshotsStoring.add(storing);
	}

	/**
	 * What follows a logged command in other records — the meeting started or ended, a
	 * withdrawn party's link revoked — is written once its entry is durable (#record). A crash
	 * or a failed write between the two would leave the records behind the log: a withdrawn
	 * party's link still working. The log is the outbox: whenever a session is loaded (on
	 * first use, after a restart, at start-up for every meeting still live — mendLiveMeetings)
	 * the records are brought up to what its state says, and a failed #record is tried again
	 * the same way. Each write happens once (the records' functions change nothing twice).
	 */
	async #mend(session: LiveSession, entries: readonly { envelope: Envelope }[]): Promise<void> {
		const { state, setup } = session;
		const last = (type: string) =>
			entries.findLast((entry) => entry.envelope.command.type === type)?.envelope;
		const staffOf = (actor: string | undefined) =>
			actor?.startsWith('staff:') ? actor.slice('staff:'.length) : null;
		const { db, log } = this.#deps;
		try {
			if (state.phase !== 'not_started' && setup.status === 'scheduled') {
				await markSessionStarted(db, setup, staffOf(last('startSession')?.actor));
				setup.status = 'live';
			}
			if (state.phase === 'ended' && setup.status !== 'ended') {
				const ended = last('endSession');
				await markSessionEnded(
					db,
					setup,
					staffOf(ended?.actor),
					new Date(ended?.at ?? this.#deps.clock.now().getTime())
				);
				setup.status = 'ended';
				await this.#media.closeMeeting?.(setup.meetingId);
			}
			for (const participant of Object.values(state.participants)) {
				if (participant.status !== 'withdrawn') continue;
				if (!setup.invitees.some((invitee) => invitee.id === participant.id)) continue;
				// Withdrawing is a party's own command (also when staff record it: withdrawEverywhere).
				const withdrew = entries.findLast(
					(entry) =>
						entry.envelope.command.type === 'withdraw' && entry.envelope.actor === participant.id
				)?.envelope;
				await recordWithdrawal(
					db,
					setup,
					participant.id,
					new Date(withdrew?.at ?? this.#deps.clock.now().getTime())
				);
				setup.invitees = setup.invitees.filter((invitee) => invitee.id !== participant.id);
			}
		} catch (error) {
			log.error('session: records behind the log; trying again shortly', { error });
			setTimeout(() => {
				if (!session.unloaded) void this.#mend(session, entries);
			}, MEND_RETRY_MS).unref();
		}
	}

	/**
	 * Start-up: every meeting the records say is live (or that has a log and still says
	 * scheduled) is loaded, which mends its records (#mend) — a process killed between a
	 * withdrawal's log entry and the link's revocation leaves the link working only until the
	 * next process starts serving. Loaded sessions leave memory again when idle.
	 */
	async mendLiveMeetings(
		/** In a cluster: those of the live meetings this process should load (cluster/). */
		choose: (meetingIds: string[]) => Promise<string[]> = async (ids) => ids
	): Promise<void> {
		const ids = await choose(await liveMeetingIds(this.#deps.db));
		// All asked for at once: loaded together (#loader).
		await Promise.all(
			ids.map(async (meetingId) => {
				try {
					const session = await this.session(meetingId);
					if (session.connections.size === 0) this.#unloadWhenIdle(session);
				} catch (error) {
					this.#deps.log.error('session: could not load a live meeting at start-up', {
						meetingId,
						error
					});
				}
			})
		);
	}

	/**
	 * Applies a server observation at once, in this very turn (a mediator's dropped connection
	 * separates people before anything else happens), and logs it behind the commands before it.
	 */
	#applySystem(session: LiveSession, command: SystemCommand): void {
		if (session.unloaded) return;
		const envelope: Envelope = { actor: SYSTEM, at: this.#deps.clock.now().getTime(), command };
		const result = transition(session.state, envelope);
		if (!result.ok) return;
		this.#commit(session, envelope, result.state);
		this.#sender.broadcast(session);
	}

	#commit(session: LiveSession, envelope: Envelope, state: SessionState): Promise<void> {
		session.state = state;
		const { hash, committed } = this.log.append(
			session.setup.meetingId,
			state.seq,
			envelope,
			session.lastHash,
			session.epoch
		);
		session.lastHash = hash;
		session.lastWrite = committed;
		committed.then(
			() => {
				if (state.seq % SNAPSHOT_EVERY_ENTRIES === 0)
					this.#storeSnapshot(session.setup.meetingId, state, hash);
			},
			(error: unknown) => {
				if (error instanceof OwnershipLostError && !session.unloaded)
					this.#deps.log.warn('session: another process took this session over; letting it go', {
						meetingId: session.setup.meetingId
					});
				this.#evict(session);
			}
		);
		return committed;
	}

	/** The log refused a write: forget the in-memory session; reconnecting rebuilds it. */
	#evict(session: LiveSession): void {
		if (session.unloaded) return;
		// First: the disconnections below must not be applied to it, nor its state shown.
		session.unloaded = true;
		const { meetingId } = session.setup;
		this.#sessions.delete(meetingId);
		this.#loaded.delete(meetingId);
		for (const participantId of session.connections.keys())
			this.#audience.disconnect(meetingId, participantId);
	}

	async connect(meetingId: string, seat: ParticipantSeed): Promise<LiveSession> {
		clearTimeout(this.#idleTimers.get(meetingId));
		this.#idleTimers.delete(meetingId);
		const session = await this.session(meetingId);
		// Unloaded while this connection waited for it: the log is loaded again.
		if (session.unloaded) return this.connect(meetingId, seat);
		session.connections.set(seat.id, (session.connections.get(seat.id) ?? 0) + 1);
		// A new connection gets everything, changed or not.
		forgetSent(session.sent, seat.id);
		this.#applySystem(session, { type: 'connected', participant: seat });
		return session;
	}

	/** Synchronous on purpose: see #applySystem. */
	disconnect(session: LiveSession, participantId: string): void {
		const left = (session.connections.get(participantId) ?? 1) - 1;
		if (left > 0) session.connections.set(participantId, left);
		else session.connections.delete(participantId);
		this.#applySystem(session, { type: 'disconnected', participantId });
		if (session.connections.size === 0) this.#unloadWhenIdle(session);
	}

	#unloadWhenIdle(session: LiveSession): void {
		const { meetingId } = session.setup;
		clearTimeout(this.#idleTimers.get(meetingId));
		const timer = setTimeout(async () => {
			this.#idleTimers.delete(meetingId);
			if (session.connections.size > 0 || this.#loaded.get(meetingId) !== session) return;
			// Everything it logged is durable before it is forgotten; the next use replays it.
			await this.log.drain();
			if (session.connections.size > 0) return;
			this.#sessions.delete(meetingId);
			this.#loaded.delete(meetingId);
		}, IDLE_UNLOAD_MS);
		timer.unref();
		this.#idleTimers.set(meetingId, timer);
	}

	/**
	 * A person's command: applied if the rules allow it, then logged; the answer and everyone's
	 * new view go out once the log entry is durable. A view never shows a person's command
	 * before its entry is durable: when a later command was applied meanwhile (it waits for this
	 * one's write), the views wait for that one's. Only the server's own observations are shown
	 * at once (#applySystem), with whatever is still being written before them.
	 *
	 * While the database does not answer, nothing can be made durable: a command is refused
	 * before it changes anything — except leaving (a break, withdrawing), which is never
	 * refused. Separating someone cannot wait for the database: leaving is shown once durable
	 * or after LEAVING_SHOWN_WITHIN_MS, whichever comes first (at once when the database is
	 * known not to answer), like the server's own observations, and answered once durable.
	 */
	async dispatch(
		session: LiveSession,
		actor: string,
		command: SessionCommand
	): Promise<Dispatched> {
		const leaving = ALWAYS_ALLOWED.has(command.type);
		if (!leaving && !this.#deps.database.available) return refuse('databaseUnavailable');
		if (command.type === 'startSession' && session.state.phase === 'not_started')
			for (const check of this.#startChecks) {
				const refusal = await check(session.setup);
				if (refusal) return refusal;
			}
		if (session.unloaded) throw new Error(`session ${session.setup.meetingId} was unloaded`);
		const envelope: Envelope = { actor, at: this.#deps.clock.now().getTime(), command };
		const result = transition(session.state, envelope);
		if (!result.ok) return result;
		if (result.state === session.state) {
			// Nothing changed, nothing to log: done once what the person sees is durable.
			await session.lastWrite;
			return { ok: true, seq: result.state.seq };
		}
		const stepBefore = this.stepOf(session.setup.meetingId);
		const committed = this.#commit(session, envelope, result.state);
		if (leaving) {
			const waitMs = this.#deps.database.available ? LEAVING_SHOWN_WITHIN_MS : 0;
			const shown = setTimeout(() => {
				if (!session.unloaded) this.#sender.broadcast(session);
			}, waitMs);
			void committed.finally(() => clearTimeout(shown)).catch(() => {});
		}
		await committed;
		// Records that decide who may still enter (a link revoked, the meeting ended) are
		// written before anyone is told, so that what people see is already true.
		if (result.events.length > 0) await this.#record(session, result.events, actor, envelope.at);
		const step = this.stepOf(session.setup.meetingId);
		if (step !== stepBefore) await this.#stepChanged(session, step, actor);
		if (!session.unloaded && session.state.seq === result.state.seq)
			this.#sender.broadcast(session);
		// After the answer and the last view have gone out (the next turn), close the doors.
		if (result.events.length > 0) setImmediate(() => this.#closeDoors(session, result.events));
		return { ok: true, seq: result.state.seq };
	}

	/** Closes the connections of whoever withdrew, or of everyone when the session ended. */
	#closeDoors(session: LiveSession, events: SessionEvent[]): void {
		const { meetingId } = session.setup;
		for (const event of events) {
			if (event.type === 'participantWithdrew')
				this.#audience.disconnect(meetingId, event.participantId);
			if (event.type === 'sessionEnded')
				for (const participantId of session.connections.keys())
					this.#audience.disconnect(meetingId, participantId);
		}
	}

	async #record(session: LiveSession, events: SessionEvent[], actor: string, at: number) {
		const { db, log } = this.#deps;
		const staffId = actor.startsWith('staff:') ? actor.slice('staff:'.length) : null;
		try {
			for (const event of events) {
				if (event.type === 'sessionStarted') await markSessionStarted(db, session.setup, staffId);
				if (event.type === 'participantWithdrew')
					await recordWithdrawal(db, session.setup, event.participantId, new Date(at));
				if (event.type === 'sessionEnded') {
					await markSessionEnded(db, session.setup, staffId, new Date(at));
					await this.#media.closeMeeting?.(session.setup.meetingId);
				}
			}
		} catch (error) {
			// The log already holds the event: the records are mended from it (#mend).
			log.error('session: recording an event failed; trying again shortly', { error });
			setTimeout(() => {
				if (!session.unloaded)
					void this.log.load(session.setup.meetingId).then(
						(entries) => this.#mend(session, entries),
						() => {}
					);
			}, MEND_RETRY_MS).unref();
		}
	}

	async #stepChanged(session: LiveSession, step: AgendaStep | null, actor: string) {
		const staffId = actor.startsWith('staff:') ? actor.slice('staff:'.length) : null;
		for (const listener of this.#stepListeners)
			try {
				await listener(session.setup, step, staffId);
			} catch (error) {
				this.#deps.log.error('session: a step listener failed', { error });
			}
	}

	/** Durability of everything logged so far, and of the snapshots it led to (shutdown, tests). */
	async drain(): Promise<void> {
		for (const timer of this.#idleTimers.values()) clearTimeout(timer);
		this.#idleTimers.clear();
		await this.log.drain();
		// A snapshot starts once its entry is durable: after the log's drain, in the turns after it.
		await new Promise((resolve) => setImmediate(resolve));
		await Promise.all([...this.#snapshotsStoring]);
	}
}
