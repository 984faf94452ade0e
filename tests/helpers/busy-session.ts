import { and, asc, eq } from 'drizzle-orm';
import { expect, vi } from 'vitest';
import { agreementDocName } from '#lib/protocol/collab.ts';
import type { SessionCommand } from '#lib/protocol/session-commands.ts';
import type { MediatorView, PartyView, SessionView } from '#lib/protocol/session-view.ts';
import { loadDocument } from '#lib/server/collab/document-store.ts';
import { openDatabase, type DatabaseHandle } from '#lib/server/db/client.ts';
import { sessionEvents } from '#lib/server/db/schema.ts';
import { createLogger } from '#lib/server/log.ts';
import { SessionLog, verifyChain } from '#server/control/session-log.ts';
import { agreementOfMeeting, credentialsOf, staffActor } from './agreement.ts';
import { CollabClient } from './collab.ts';
import {
	demoMediator,
	openDemoLink,
	type DemoBrowser,
	type DemoMend,
	type DemoParty
} from './demo-mend.ts';
import type { HttpClient } from './http.ts';
import { SessionClient } from './session-client.ts';

/*
 * A live session of the demo at its drafting step, kept busy: everyone sends commands, three
 * people type in the agreement and pages are asked for, all at once and without pause — while
 * a test cuts the database away under Mend. It records every answer, so that the test can
 * check afterwards that everything Mend acknowledged is in the database.
 */

type Typist = 'v' | 'o' | 'm';

/** A command acknowledged by Mend: its seq, who sent it and the value it set. */
interface Acknowledged {
	seq: number;
	actor: string;
	audioOnly: boolean;
}

export interface BusySession {
	meetingId: string;
	staff: HttpClient;
	browsers: Record<DemoParty, DemoBrowser>;
	mediator: SessionClient<MediatorView>;
	parties: Record<DemoParty, SessionClient<PartyView>>;
	/** The agreement's document name. */
	doc: string;
	typists: Record<Typist, CollabClient>;
	/** Every command answered ok. */
	acknowledged: Acknowledged[];
	/** The code of every command refused. */
	refused: string[];
	/** Commands that got no answer in time (not acknowledged: either outcome is allowed). */
	unanswered: number;
	/** The status of every page and health check answered. */
	pages: number[];
	/** How often a control connection dropped. */
	drops: number;
	/** Starts the commands, the typing and the page requests. */
	busy(): void;
	/** Stops them, and waits until everything in flight has been answered. */
	calm(): Promise<void>;
	close(): void;
}

/**
 * Waits until Mend has said its database is back — or died trying (issue 17: an unhandled
 * `error` event of the pool ended the process) — and fails in the second case.
 */
export async function expectReconnected(demo: DemoMend, times = 1): Promise<void> {
	const output = () => demo.process.output();
	const reconnections = () => output().match(/database reconnected/g)?.length ?? 0;
	await vi.waitFor(
		() => expect(reconnections() >= times || demo.process.child.exitCode !== null).toBe(true),
		{ timeout: 60_000, interval: 100 }
	);
	expect(output()).not.toMatch(/Unhandled 'error' event/);
	expect(demo.process.child.exitCode).toBeNull();
}

/** Every marker a typist wrote in the draft's text: `<typist><n>;` */
export const markers = (text: string): Set<string> => new Set(text.match(/[vom]\d+;/g) ?? []);

/** Brings the demo's session to its drafting step, everyone connected and in the joint room. */
export async function startBusySession(demo: DemoMend): Promise<BusySession> {
	const base = demo.url;
	const staff = await demoMediator(base);
	const browsers = {} as Record<DemoParty, DemoBrowser>;
	for (const role of ['victim', 'offender', 'guardian'] as const)
		browsers[role] = await openDemoLink(base, demo.links[role]);
	const meetingId = browsers.victim.meetingId;
	const closers: { close(): void }[] = [];
	let drops = 0;
	const connect = async <V extends SessionView>(cookie: string, as: 'party' | 'staff') => {
		const client = new SessionClient<V>(base, { cookie, meetingId, as, reconnection: true });
		closers.push(client);
		await client.connected();
		client.socket.on('disconnect', () => drops++);
		return client;
	};
	const mediator = await connect<MediatorView>(staff.cookieHeader, 'staff');
	const parties = {
		victim: await connect<PartyView>(browsers.victim.http.cookieHeader, 'party'),
		offender: await connect<PartyView>(browsers.offender.http.cookieHeader, 'party'),
		guardian: await connect<PartyView>(browsers.guardian.http.cookieHeader, 'party')
	};
	await mediator.until((v) => v.participants.filter((p) => p.present).length === 4, 15_000);
	const idOf = (role: string) => mediator.view.participants.find((p) => p.role === role)!.id;
	await mediator.do({ type: 'startSession' });
	for (const role of ['victim', 'offender', 'guardian'] as const) {
		await mediator.do({ type: 'admit', participantId: idOf(role) });
		await parties[role].until((v) => v.place.kind === 'joint');
		await parties[role].do({ type: 'confirmVoluntary' });
	}
	await mediator.do({ type: 'goToStep', step: 'drafting' });
	const agreementId = (await agreementOfMeeting(staffActor(staff), meetingId))!;
	const doc = agreementDocName(agreementId);
	const typists: Record<Typist, CollabClient> = {
		v: new CollabClient(base, doc, credentialsOf(browsers.victim)),
		o: new CollabClient(base, doc, credentialsOf(browsers.offender)),
		m: new CollabClient(base, doc, credentialsOf(staffActor(staff)))
	};
	closers.push(...Object.values(typists).map((t) => ({ close: () => t.destroy() })));
	await Promise.all(Object.values(typists).map((t) => t.synced(10_000)));

	const session: BusySession = {
		meetingId,
		staff,
		browsers,
		mediator,
		parties,
		doc,
		typists,
		acknowledged: [],
		refused: [],
		unanswered: 0,
		pages: [],
		get drops() {
			return drops;
		},
		busy,
		calm,
		close: () => closers.forEach((c) => c.close())
	};

	let running = false;
	const inFlight: Promise<void>[] = [];
	const timers: NodeJS.Timeout[] = [];
	const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

	// Each person flips their "audio only" preference, again and again: a change every time, so
	// every answered command is one log entry (or, after an unanswered one that went through
	// meanwhile, none — then the entry that set it before is what must be stored).
	const commands = async (client: { send: SessionClient['send'] }, actor: () => string) => {
		let audioOnly = false;
		while (running) {
			audioOnly = !audioOnly;
			const command: SessionCommand = { type: 'setMediaPreferences', audioOnly };
			try {
				const result = await client.send(command);
				if (result.ok)
					session.acknowledged.push({ seq: result.value.seq, actor: actor(), audioOnly });
				else session.refused.push(result.error.code);
			} catch {
				session.unanswered++;
			}
			// Under the limit of 10 commands a second per person.
			await pause(120);
		}
	};
	const pages = async (http: HttpClient, path: string) => {
		while (running) {
			try {
				const response = await http.fetch(path);
				await response.arrayBuffer();
				session.pages.push(response.status);
			} catch {
				session.pages.push(0);
			}
			await pause(50);
		}
	};

	function busy(): void {
		running = true;
		inFlight.push(
			commands(mediator, () => mediator.view.youId),
			...Object.values(parties).map((party) => commands(party, () => party.view.you.id)),
			pages(staff, '/staff/riverside'),
			pages(browsers.victim.http, demo.links.victim),
			pages(staff, '/api/health')
		);
		let count = 0;
		for (const [who, typist] of Object.entries(typists))
			timers.push(
				setInterval(() => {
					const field = typist.doc.getText('harm');
					field.insert(field.length, `${who}${count++};`);
				}, 15)
			);
	}

	async function calm(): Promise<void> {
		running = false;
		for (const timer of timers.splice(0)) clearInterval(timer);
		await Promise.all(inFlight.splice(0));
	}

	return session;
}

/** What a typist saw of the others' typing: only what Mend had made durable reaches them. */
export function seenFromOthers(session: BusySession): Set<string> {
	return new Set(
		Object.entries(session.typists).flatMap(([who, client]) =>
			[...markers(client.text('harm'))].filter((marker) => !marker.startsWith(who))
		)
	);
}

/**
 * Checks, in the database itself, that everything acknowledged is there: the entry (or the
 * one before it that set the same) of every command answered ok, a session log whose chain
 * holds, and every edit any typist received from another. Then that everyone's copy of the
 * draft has come together with what is stored, each one's own typing included.
 */
export async function expectNothingLost(session: BusySession, databaseUrl: string): Promise<void> {
	const database: DatabaseHandle = await openDatabase({ kind: 'postgres', url: databaseUrl });
	try {
		const { db } = database;
		const entries = await new SessionLog(db, database.log, createLogger('silent')).load(
			session.meetingId
		);
		expect(verifyChain(session.meetingId, entries)).toBeNull();
		const lastSet = (actor: string, seq: number) =>
			entries.findLast(
				(e) =>
					e.seq <= seq &&
					e.envelope.actor === actor &&
					e.envelope.command.type === 'setMediaPreferences'
			)?.envelope.command as { audioOnly?: boolean } | undefined;
		const missing = session.acknowledged.filter(
			(ack) => lastSet(ack.actor, ack.seq)?.audioOnly !== ack.audioOnly
		);
		expect(missing).toEqual([]);
		const stored = await db
			.select({ seq: sessionEvents.seq })
			.from(sessionEvents)
			.where(and(eq(sessionEvents.meetingId, session.meetingId)))
			.orderBy(asc(sessionEvents.seq));
		expect(stored.map((row) => row.seq)).toEqual(entries.map((e) => e.seq));

		// Everything any peer saw from another is stored...
		const seen = seenFromOthers(session);
		const storedText = async () => {
			const { state } = await loadDocument(db, session.doc);
			const { Doc, applyUpdate } = await import('yjs');
			const copy = new Doc();
			if (state) applyUpdate(copy, state);
			return copy.getText('harm').toString();
		};
		await vi.waitFor(
			async () => {
				const text = await storedText();
				expect([...seen].filter((marker) => !markers(text).has(marker))).toEqual([]);
				// ...and everyone's copy, their own typing included, is what is stored.
				const typed = new Set(
					Object.values(session.typists).flatMap((client) => [...markers(client.text('harm'))])
				);
				expect(markers(text).size).toBe(typed.size);
				for (const client of Object.values(session.typists)) expect(client.text('harm')).toBe(text);
			},
			{ timeout: 30_000, interval: 200 }
		);
	} finally {
		await database.close();
	}
}
