import type { AgreementContent } from '#lib/agreement/model.ts';
import type { AgendaStep } from '#lib/session/model.ts';

/**
 * What the pages and use cases need from the realtime planes, which live in the host process
 * (server/): the agreement documents held in memory by the collab server, and the live
 * sessions held by the control plane. Provided by `attachRealtime`; in a cluster, each call is
 * made on the process that holds the case (server/cluster/peer-calls.ts).
 */
export interface AgreementDocuments {
	/** The draft as the server holds it: exactly what every peer has been sent. */
	content(agreementId: string): Promise<AgreementContent>;
	/**
	 * Runs `use` while the document accepts no edit, once every edit already accepted is
	 * durable, with the content as it then stands: what is checked is what gets frozen.
	 */
	exclusive<T>(agreementId: string, use: (content: AgreementContent) => Promise<T>): Promise<T>;
	/** The agreement's records changed (status, acceptances, signatures): tell everyone. */
	changed(agreementId: string): Promise<void>;
	/** Closes a party's connections to every document (they withdrew from the mediation). */
	closeParty(partyId: string): void | Promise<void>;
	/**
	 * Who may open what changed (a link revoked or replaced, a meeting ended): every open
	 * connection is checked again now, and those no longer allowed close.
	 */
	recheckAccess(): Promise<void>;
}

export interface LiveSessions {
	/** The agenda step of a meeting's live session; null when it is not live. */
	stepOf(meetingId: string): Promise<AgendaStep | null>;
	/** The last hash of the session's log, everything logged so far included. */
	logHead(meetingId: string): Promise<string | null>;
	/** A party withdrew from the mediation: out of these meetings' live sessions at once. */
	withdrawEverywhere(meetingIds: readonly string[], partyId: string): Promise<void>;
	/**
	 * A party's link to a meeting stopped working (revoked, replaced): the browsers connected
	 * with it are let go at once, and cannot come back with it.
	 */
	letGo(meetingId: string, partyId: string): Promise<void>;
}

export interface Planes {
	agreements: AgreementDocuments;
	sessions: LiveSessions;
}

// On globalThis for the same reason as deps (src/lib/server/deps.ts).
const KEY = Symbol.for('mend.planes');
type Holder = { [KEY]?: Planes };

export function providePlanes(planes: Planes | undefined): void {
	(globalThis as Holder)[KEY] = planes;
}

export function getPlanes(): Planes {
	const planes = (globalThis as Holder)[KEY];
	if (!planes) throw new Error('The realtime planes are not attached (server/realtime.ts)');
	return planes;
}
