import { eq, sql } from 'drizzle-orm';
import { PROCESS_LOCK_SPACE } from '#lib/server/db/advisory-locks.ts';
import type { Database } from '#lib/server/db/client.ts';
import { agreements, caseOwners, clusterProcesses, meetings } from '#lib/server/db/schema.ts';
import { parseDocName } from '#lib/protocol/collab.ts';

/**
 * Which process of a cluster holds each case (`case_owners`): its live sessions, their
 * agreement documents, everything the pages ask of them. A case is held by the first process
 * that needs it while no live process does, and stays with it while it is alive — so two
 * processes never hold the same case, and a connection or a page action that lands elsewhere
 * is forwarded to the one that does (dispatch.ts, peer-calls.ts). A process is alive while it
 * holds its lock (PROCESS_LOCK_SPACE, id) (server/active-role.ts); once it is gone, the next
 * process that needs one of its cases takes it over, under that very lock, so that the old
 * process, if it was only cut off, cannot come back to it unseen (`stillHolds`).
 *
 * The unit is the case, not the meeting: a party's withdrawal reaches every meeting of their
 * case, and a meeting's agreement may be continued from another — held together, all of it
 * stays on one process.
 */

export type Route = { local: true } | { local: false; processId: number; address: string };

const LOCAL: Route = { local: true };

/**
 * Whether the process with this id holds its lock — exclusively: alive. (A process taking one
 * of its cases holds the same lock shared for a moment, which says nothing of it.)
 */
const alive = (processId: unknown) => sql`exists (
	select 1 from pg_locks
	where locktype = 'advisory' and classid = ${PROCESS_LOCK_SPACE} and objsubid = 2
		and objid = ${processId} and mode = 'ExclusiveLock' and granted
		and database = (select oid from pg_database where datname = current_database()))`;

const idList = (ids: readonly string[]) =>
	sql.join(
		ids.map((id) => sql`${id}::uuid`),
		sql`, `
	);

/** Both drivers answer `execute` with `rows`. */
const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Cases of meetings and documents never change: remembered, up to this many. */
const REMEMBERED_CASES = 10_000;

export class CaseOwners {
	readonly #db: Database;
	readonly processId: number;
	/** Cases this process holds: until it stops, no other can take them. */
	readonly #held = new Set<string>();
	readonly #cases = new Map<string, string | null>();
	/** Cases taken from a dead process whose live meetings are not yet looked for. */
	readonly #takenFromTheDead = new Set<string>();

	/** Called when this process took a case from a process that died. */
	onTakeover: (from: number) => void = () => {};

	constructor(db: Database, processId: number) {
		this.#db = db;
		this.processId = processId;
	}

	/** The address the others forward to: known once this process listens. */
	async announce(address: string): Promise<void> {
		await this.#db
			.update(clusterProcesses)
			.set({ address })
			.where(eq(clusterProcesses.id, this.processId));
	}

	holds(caseId: string): boolean {
		return this.#held.has(caseId);
	}

	/**
	 * Where the case is served: here (held now, or taken now because no live process holds
	 * it), or by the live process that holds it.
	 */
	async route(caseId: string): Promise<Route> {
		if (this.#held.has(caseId)) return LOCAL;
		for (let attempt = 0; attempt < 3; attempt += 1) {
			const [owner] = rowsOf<{ process_id: number; address: string; alive: boolean }>(
				await this.#db.execute(sql`
					select o.process_id, p.address, ${alive(sql`o.process_id`)} as alive
					from ${caseOwners} o join ${clusterProcesses} p on p.id = o.process_id
					where o.case_id = ${caseId}`)
			);
			if (owner?.process_id === this.processId) {
				this.#held.add(caseId);
				return LOCAL;
			}
			// An address not yet announced: the process is starting, and holds nothing yet.
			if (owner?.alive && owner.address)
				return { local: false, processId: owner.process_id, address: owner.address };
			if (await this.#take(caseId, owner?.process_id ?? null)) {
				this.#held.add(caseId);
				if (owner) this.onTakeover(owner.process_id);
				return LOCAL;
			}
			// Another process took it meanwhile: it serves it.
		}
		throw new Error(`case ${caseId}: its owner changed three times in a row`);
	}

	/**
	 * Takes the case from no one, or from a process that is gone — with every other case of
	 * that process (its people come back all at once: one statement, not one per case). Under
	 * the dead process's own lock, held shared, which it cannot take back meanwhile — so it
	 * cannot be alive again and still think the case its own; processes taking its cases at
	 * once do not hold each other up, nor make it look alive to anyone.
	 */
	async #take(caseId: string, from: number | null): Promise<boolean> {
		if (from === null) {
			const taken = await this.#db
				.insert(caseOwners)
				.values({ caseId, processId: this.processId })
				.onConflictDoNothing()
				.returning({ caseId: caseOwners.caseId });
			return taken.length === 1;
		}
		const taken = rowsOf<{ case_id: string }>(
			await this.#db.execute(sql`
				with free as (
					select pg_try_advisory_xact_lock_shared(${PROCESS_LOCK_SPACE}, ${from}) as got
				)
				update ${caseOwners} set process_id = ${this.processId}, since = now()
				where process_id = ${from} and (select got from free)
				returning case_id`)
		);
		for (const row of taken) {
			this.#held.add(row.case_id);
			this.#takenFromTheDead.add(row.case_id);
		}
		return taken.some((row) => row.case_id === caseId);
	}

	/** After the role's connection came back: whether every case held is still this one's. */
	async stillHolds(): Promise<boolean> {
		if (this.#held.size === 0) return true;
		const [row] = rowsOf<{ lost: number }>(
			await this.#db.execute(sql`
				select count(*)::int as lost from ${caseOwners}
				where case_id in (${idList([...this.#held])}) and process_id <> ${this.processId}`)
		);
		return Number(row?.lost ?? 0) === 0;
	}

	/** Whether the process with this id is alive (holds its lock). */
	async isAlive(processId: number): Promise<boolean> {
		const [row] = rowsOf<{ alive: boolean }>(
			await this.#db.execute(sql`select ${alive(processId)} as alive`)
		);
		return Boolean(row?.alive);
	}

	/** The other processes alive now, with their addresses. */
	async peers(): Promise<{ processId: number; address: string }[]> {
		const rows = rowsOf<{ id: number; address: string }>(
			await this.#db.execute(sql`
				select id, address from ${clusterProcesses}
				where id <> ${this.processId} and address <> '' and ${alive(sql`id`)}`)
		);
		return rows.map((row) => ({ processId: row.id, address: row.address }));
	}

	/**
	 * Live meetings whose case no live process holds (its process died), or that this process
	 * took from a dead one since it last asked: to be taken and loaded, which mends their
	 * records from their logs (session-host.ts #mend).
	 */
	async orphanedMeetings(
		meetingIds: readonly string[]
	): Promise<{ meetingId: string; caseId: string }[]> {
		// Forgotten only once answered: a query that fails leaves them for the next look.
		const taken = [...this.#takenFromTheDead];
		if (meetingIds.length === 0) {
			this.#takenFromTheDead.clear();
			return [];
		}
		const rows = rowsOf<{ id: string; case_id: string }>(
			await this.#db.execute(sql`
				select m.id, m.case_id from ${meetings} m
				left join ${caseOwners} o on o.case_id = m.case_id
				where m.id in (${idList(meetingIds)})
					and (o.process_id is null or not ${alive(sql`o.process_id`)}
						${taken.length > 0 ? sql`or m.case_id in (${idList(taken)})` : sql``})`)
		);
		for (const caseId of taken) this.#takenFromTheDead.delete(caseId);
		for (const row of rows) this.#keep(`m:${row.id}`, row.case_id);
		return rows.map((row) => ({ meetingId: row.id, caseId: row.case_id }));
	}

	/** The case of a meeting; null if there is no such meeting. */
	caseOfMeeting(meetingId: string): Promise<string | null> {
		return this.#remember(`m:${meetingId}`, async () => {
			const [row] = await this.#db
				.select({ caseId: meetings.caseId })
				.from(meetings)
				.where(eq(meetings.id, meetingId));
			return row?.caseId ?? null;
		});
	}

	/** The case of a shared document (collab.ts names); null if there is none. */
	caseOfDocument(name: string): Promise<string | null> {
		const target = parseDocName(name);
		if (!target) return Promise.resolve(null);
		if (target.kind === 'notes') return Promise.resolve(target.caseId);
		return this.caseOfAgreement(target.agreementId);
	}

	caseOfAgreement(agreementId: string): Promise<string | null> {
		return this.#remember(`a:${agreementId}`, async () => {
			const [row] = await this.#db
				.select({ caseId: agreements.caseId })
				.from(agreements)
				.where(eq(agreements.id, agreementId));
			return row?.caseId ?? null;
		});
	}

	async #remember(key: string, find: () => Promise<string | null>): Promise<string | null> {
		// Whatever a request put there: not an id, no case (and no query that fails on it).
		if (!UUID.test(key.slice(2))) return null;
		if (this.#cases.has(key)) return this.#cases.get(key) ?? null;
		const caseId = await find();
		// Not found is not remembered: it may exist in a moment.
		if (caseId) this.#keep(key, caseId);
		return caseId;
	}

	#keep(key: string, caseId: string): void {
		if (this.#cases.size >= REMEMBERED_CASES) this.#cases.clear();
		this.#cases.set(key, caseId);
	}
}
