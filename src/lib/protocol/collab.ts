import type { AgreementStatus, SignerRole } from '../agreement/status.ts';
import type { PartyRole } from './roles.ts';

/**
 * The collaborative documents' wire format: y-websocket's protocol (y-protocols sync,
 * awareness and auth messages) on `COLLAB_PATH/<document>`, plus one message of Mend's own
 * that carries the agreement's state (status, who may edit, acceptances, signatures) as JSON.
 * The server decides everything in it; the browser only shows it.
 */
export const COLLAB_PATH = '/collab';

/** y-websocket's message types, and Mend's. */
export const COLLAB_MESSAGES = {
	sync: 0,
	awareness: 1,
	auth: 2,
	queryAwareness: 3,
	/** Server → client: `AgreementState` or `NotesState`, JSON. */
	state: 100
} as const;

/** Why an edit was refused (sent in y-protocols' auth "permission denied" message). */
export const EDIT_REFUSALS = {
	/** The person may read this document, never edit it (a support person). */
	readOnlyRole: 'read-only-role',
	/** The mediator set the draft read-only for everyone. */
	readOnly: 'read-only',
	/** The draft is frozen for signature (or signed). */
	frozen: 'frozen',
	/** Parties edit only while the session is at the drafting step. */
	notDrafting: 'not-drafting',
	/** The edit depends on something the server never accepted: start again from its copy. */
	resync: 'resync',
	tooLarge: 'too-large'
} as const;
export type EditRefusal = (typeof EDIT_REFUSALS)[keyof typeof EDIT_REFUSALS];

/** Close codes: 4400–4499 tell y-websocket not to reconnect (the decision is final). */
export const COLLAB_CLOSE = {
	/** A message that is not the protocol: this connection ends, nothing else is touched. */
	malformed: 1007,
	/** Too many messages: reconnecting (with backoff) resynchronises without losing edits. */
	tooFast: 1008,
	/** The document is being unloaded or the server is stopping: reconnect. */
	goingAway: 1001,
	/** Access ended while connected (link revoked, party withdrew). */
	accessEnded: 4403,
	/**
	 * Too many connections of this person (tabs, devices) or to this document: refused at
	 * the upgrade, for good — the page says so (closing another tab and reloading helps).
	 */
	tooManyConnections: 4429,
	/**
	 * What waited to be sent to this connection passed its ceiling (it stopped reading, or its
	 * link cannot keep up): reconnecting resynchronises (4500–4599: try again later).
	 */
	notReading: 4500
} as const;

/** Inbound messages larger than this close the connection (the transport refuses them). */
export const COLLAB_MAX_MESSAGE_BYTES = 512 * 1024;

/** Document names: the agreement's draft, and one private-notes document per side. */
export type CollabDocName =
	{ kind: 'agreement'; agreementId: string } | { kind: 'notes'; caseId: string; partyId: string };

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const AGREEMENT_DOC = new RegExp(`^agreement-(${UUID})$`);
const NOTES_DOC = new RegExp(`^notes-(${UUID})-(${UUID})$`);

export const agreementDocName = (agreementId: string): string => `agreement-${agreementId}`;
export const notesDocName = (caseId: string, partyId: string): string =>
	`notes-${caseId}-${partyId}`;

export function parseDocName(name: string): CollabDocName | null {
	const agreement = AGREEMENT_DOC.exec(name);
	if (agreement) return { kind: 'agreement', agreementId: agreement[1] as string };
	const notes = NOTES_DOC.exec(name);
	if (notes) return { kind: 'notes', caseId: notes[1] as string, partyId: notes[2] as string };
	return null;
}

/** Whether the person may edit now, and if not, why (for the page to say so). */
export type EditRight = { canEdit: true } | { canEdit: false; reason: EditRefusal };

export interface AgreementParty {
	id: string;
	name: string;
	role: Exclude<PartyRole, 'support'>;
}

export interface AgreementSignatureView {
	id: string;
	role: SignerRole;
	name: string;
	signedAt: string;
	/** Voided signatures stay visible: the draft was reopened after they were given. */
	voided: boolean;
}

/** What every connection to an agreement document is told, whenever any of it changes. */
export interface AgreementState {
	kind: 'agreement';
	agreementId: string;
	version: number;
	/** Whether this version amends an earlier signed one. */
	amends: boolean;
	/** The program's currency (ISO 4217), for new payments. */
	currency: string;
	/** Today in the program's time zone: dates in the agreement must come after it. */
	today: string;
	status: AgreementStatus;
	readOnly: boolean;
	/** SHA-256 of the canonical form, once frozen: what a signature names. */
	hash: string | null;
	/** The parties to the agreement (never contact details). */
	parties: AgreementParty[];
	/** Who must accept every clause: the victims and the offenders. */
	acceptors: string[];
	/** clause id → party id → the clause's fingerprint when that party accepted it. */
	acceptances: Record<string, Record<string, string>>;
	/** Who must sign, and whether they have (not counting voided signatures). */
	signers: { role: SignerRole; partyId: string | null; name: string; signed: boolean }[];
	signatures: AgreementSignatureView[];
	executedAt: string | null;
	you: {
		/** A party id, or `staff:<user id>`. */
		id: string;
		role: PartyRole | 'staff';
		edit: EditRight;
		/** Whether you accept clauses (victims and offenders do). */
		accepts: boolean;
		/** Whether you still have to sign the frozen text. */
		mustSign: boolean;
		/** The role you sign in, if you sign at all. */
		signsAs: SignerRole | null;
		/** Staff of the case may set read-only, freeze and reopen. */
		manages: boolean;
	};
}

export interface NotesState {
	kind: 'notes';
	edit: EditRight;
}

export type CollabState = AgreementState | NotesState;

/** What a person's cursor shows to others (awareness); the server fills `user` itself. */
export interface CollabPresence {
	user: { id: string; name: string; role: PartyRole | 'staff'; color: string };
	/** The field being edited, and the selection in it as Yjs relative positions (JSON). */
	cursor: { field: string; anchor: unknown; head: unknown } | null;
}
