import { sql } from 'drizzle-orm';
import {
	bigserial,
	boolean,
	customType,
	index,
	integer,
	json,
	jsonb,
	numeric,
	pgTable,
	primaryKey,
	serial,
	text,
	timestamp,
	unique,
	uniqueIndex,
	uuid,
	type AnyPgColumn
} from 'drizzle-orm/pg-core';
import type {
	CaseStatus,
	MeetingKind,
	MeetingStatus,
	OffenseCategory,
	ReferralSource,
	ReferralStage
} from '../../cases/vocabulary.ts';
import type {
	AttendanceMode,
	CaseClosure,
	ConcernLevel,
	FollowUpKind,
	FollowUpResult,
	GateMode,
	NotificationChannel,
	NotificationStatus,
	PlanRecordKind,
	Readiness,
	RecordedVia,
	RestitutionUpdates,
	ScreeningOutcome
} from '../../cases/casework.ts';
import type { AgreementStatus, PlanItemKind, SignerRole } from '../../agreement/status.ts';
import type { PartyRole, StaffInvitationStatus, StaffRole } from '../../protocol/roles.ts';
import type { SessionState } from '../../session/model.ts';
import { user } from './auth-schema.ts';

export { account, session, twoFactor, user, verification } from './auth-schema.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).defaultNow().notNull();
const updatedAt = () =>
	timestamp('updated_at', { withTimezone: true })
		.defaultNow()
		.$onUpdate(() => new Date())
		.notNull();

/** A restorative-justice program: the unit of isolation. No program ever sees another's rows. */
export const programs = pgTable('programs', {
	id: uuid('id').primaryKey().defaultRandom(),
	slug: text('slug').notNull().unique(),
	name: text('name').notNull(),
	/** IANA zone in which meetings are scheduled and shown, e.g. America/Chicago. */
	timeZone: text('time_zone').notNull(),
	/** ISO 4217 code for losses and restitution. */
	currency: text('currency').notNull(),
	contactEmail: text('contact_email'),
	contactPhone: text('contact_phone'),
	/** Whether a coordinator may open a joint session before the readiness gate is met. */
	readinessGate: text('readiness_gate').$type<GateMode>().notNull().default('strict'),
	/** Months after the joint meeting at which reoffending is looked up. */
	reoffendingMonths: jsonb('reoffending_months').$type<number[]>().notNull().default([6, 30]),
	/** Days after the joint meeting at which each party is contacted. */
	checkInDays: jsonb('check_in_days').$type<number[]>().notNull().default([14, 90]),
	createdAt: createdAt()
});

export const memberships = pgTable(
	'memberships',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		programId: uuid('program_id')
			.notNull()
			.references(() => programs.id, { onDelete: 'cascade' }),
		userId: text('user_id')
			.notNull()
			.references(() => user.id, { onDelete: 'cascade' }),
		role: text('role').$type<StaffRole>().notNull(),
		createdAt: createdAt()
	},
	(table) => [unique('memberships_program_user').on(table.programId, table.userId)]
);

/**
 * An invitation to join a program's staff, addressed to an e-mail address. It grants nothing
 * until the owner of that address accepts it — signed in to their account, or making one with
 * the link — and it is never matched against accounts before then: inviting reveals nothing
 * about who has an account. Only the SHA-256 of its link's token is stored.
 */
export const staffInvitations = pgTable(
	'staff_invitations',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		programId: uuid('program_id')
			.notNull()
			.references(() => programs.id, { onDelete: 'cascade' }),
		/** As the admin typed it (lower-cased). */
		email: text('email').notNull(),
		/** As the admin typed it: offered as the name of a new account, never shown as anyone's. */
		name: text('name').notNull(),
		role: text('role').$type<StaffRole>().notNull(),
		tokenHash: text('token_hash').notNull().unique(),
		status: text('status').$type<StaffInvitationStatus>().notNull().default('pending'),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		/** When it was accepted, declined or revoked. */
		answeredAt: timestamp('answered_at', { withTimezone: true }),
		/** The account that accepted it. */
		userId: text('user_id').references(() => user.id, { onDelete: 'set null' }),
		createdByUserId: text('created_by_user_id').references(() => user.id, {
			onDelete: 'set null'
		}),
		createdAt: createdAt()
	},
	(table) => [
		index('staff_invitations_program_idx').on(table.programId, table.status),
		index('staff_invitations_email_idx').on(table.email, table.status)
	]
);

/** Per-program, per-year counter behind human case references such as 2026-0007. */
export const caseCounters = pgTable(
	'case_counters',
	{
		programId: uuid('program_id')
			.notNull()
			.references(() => programs.id, { onDelete: 'cascade' }),
		year: integer('year').notNull(),
		last: integer('last').notNull()
	},
	(table) => [primaryKey({ columns: [table.programId, table.year] })]
);

export const cases = pgTable(
	'cases',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		programId: uuid('program_id')
			.notNull()
			.references(() => programs.id, { onDelete: 'cascade' }),
		reference: text('reference').notNull(),
		referralSource: text('referral_source').$type<ReferralSource>().notNull(),
		referralStage: text('referral_stage').$type<ReferralStage>().notNull(),
		offenseCategory: text('offense_category').$type<OffenseCategory>().notNull(),
		description: text('description').notNull(),
		offenderIsJuvenile: boolean('offender_is_juvenile').notNull(),
		/** In minor units of the program's currency. */
		lossesClaimedMinor: integer('losses_claimed_minor').notNull().default(0),
		status: text('status').$type<CaseStatus>().notNull(),
		mediatorUserId: text('mediator_user_id').references(() => user.id, { onDelete: 'set null' }),
		createdByUserId: text('created_by_user_id').references(() => user.id, {
			onDelete: 'set null'
		}),
		/** A coordinator opened the joint session before the gate was met (logged, with reason). */
		gateOverriddenAt: timestamp('gate_overridden_at', { withTimezone: true }),
		gateOverrideReason: text('gate_override_reason'),
		closedAt: timestamp('closed_at', { withTimezone: true }),
		closure: text('closure').$type<CaseClosure>(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(table) => [
		unique('cases_program_reference').on(table.programId, table.reference),
		index('cases_program_idx').on(table.programId),
		index('cases_mediator_idx').on(table.mediatorUserId)
	]
);

/** A person of the case. Parties never hold an account; contact details are staff-only. */
export const parties = pgTable(
	'parties',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		role: text('role').$type<PartyRole>().notNull(),
		displayName: text('display_name').notNull(),
		email: text('email'),
		phone: text('phone'),
		address: text('address'),
		/** A guardian or support person accompanies one victim or offender. */
		accompaniesPartyId: uuid('accompanies_party_id').references((): AnyPgColumn => parties.id, {
			onDelete: 'set null'
		}),
		/** Withdrawn from the mediation (by their own link or recorded by staff): final. */
		withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
		withdrawnVia: text('withdrawn_via').$type<RecordedVia>(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(table) => [index('parties_case_idx').on(table.caseId)]
);

export const meetings = pgTable(
	'meetings',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<MeetingKind>().notNull(),
		/** The one party a preparation meeting is held with; null for a joint session. */
		partyId: uuid('party_id').references(() => parties.id, { onDelete: 'cascade' }),
		scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
		durationMinutes: integer('duration_minutes').notNull(),
		status: text('status').$type<MeetingStatus>().notNull(),
		/** Whose account comes first in a joint session: the victim's choice. */
		firstSpeaker: text('first_speaker').$type<'victim' | 'offender'>().notNull().default('victim'),
		endedAt: timestamp('ended_at', { withTimezone: true }),
		/** A preparation meeting counts once held: through Mend, or recorded as held in person. */
		heldAt: timestamp('held_at', { withTimezone: true }),
		heldMode: text('held_mode').$type<AttendanceMode>(),
		createdAt: createdAt()
	},
	(table) => [index('meetings_case_idx').on(table.caseId)]
);

/**
 * A single-person link to one meeting. Only the SHA-256 of the token is stored: a database
 * leak does not yield working links, and a lost link is reissued, never shown again.
 */
export const invitations = pgTable(
	'invitations',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		meetingId: uuid('meeting_id')
			.notNull()
			.references(() => meetings.id, { onDelete: 'cascade' }),
		partyId: uuid('party_id')
			.notNull()
			.references(() => parties.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull().unique(),
		/** scrypt hash of the optional access code sent separately; null when none. */
		accessCodeHash: text('access_code_hash'),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		revokedReason: text('revoked_reason').$type<'revoked' | 'reissued' | 'withdrawn'>(),
		failedCodeAttempts: integer('failed_code_attempts').notNull().default(0),
		codeLockedUntil: timestamp('code_locked_until', { withTimezone: true }),
		lastOpenedAt: timestamp('last_opened_at', { withTimezone: true }),
		createdByUserId: text('created_by_user_id').references(() => user.id, {
			onDelete: 'set null'
		}),
		createdAt: createdAt()
	},
	(table) => [index('invitations_meeting_idx').on(table.meetingId)]
);

/** What a party's browser holds after opening its link (and entering the code): a cookie. */
export const partySessions = pgTable(
	'party_sessions',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		invitationId: uuid('invitation_id')
			.notNull()
			.references(() => invitations.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull().unique(),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		createdAt: createdAt()
	},
	(table) => [index('party_sessions_invitation_idx').on(table.invitationId)]
);

/**
 * Who did what, written in the same transaction as the change it records. Append-only: rows
 * are never updated or deleted by the application.
 */
export const auditEvents = pgTable(
	'audit_events',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		programId: uuid('program_id').references(() => programs.id, { onDelete: 'cascade' }),
		caseId: uuid('case_id').references(() => cases.id, { onDelete: 'cascade' }),
		actorKind: text('actor_kind').$type<'staff' | 'party' | 'system'>().notNull(),
		/** user id for staff, party id for parties, null for the system. */
		actorId: text('actor_id'),
		action: text('action').notNull(),
		detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
		ipAddress: text('ip_address'),
		at: timestamp('at', { withTimezone: true }).defaultNow().notNull()
	},
	(table) => [
		index('audit_events_case_idx').on(table.caseId, table.at),
		index('audit_events_program_idx').on(table.programId, table.at)
	]
);

/**
 * The live session's log: every accepted command, in order, each entry carrying the hash of
 * the one before. A session is rebuilt by replaying it; its last hash seals its history.
 * Append-only: rows are never updated or deleted.
 */
export const sessionEvents = pgTable(
	'session_events',
	{
		meetingId: uuid('meeting_id')
			.notNull()
			.references(() => meetings.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
		actor: text('actor').notNull(),
		command: jsonb('command').$type<Record<string, unknown>>().notNull(),
		prevHash: text('prev_hash'),
		hash: text('hash').notNull(),
		/**
		 * The version of the rules that applied the entry (RULES_VERSION in src/lib/session):
		 * replay uses that version's rules. Entries written before versions were recorded are 1.
		 */
		rulesVersion: integer('rules_version').notNull().default(1)
	},
	(table) => [primaryKey({ columns: [table.meetingId, table.seq] })]
);

/**
 * A live session's state after entry `seq` of its log, as the rules of `rulesVersion` made it:
 * loading starts from the newest snapshot of the current rules and replays only the entries
 * after it. `hash` is that entry's hash, from which the entries after it must chain. A cache of
 * the log, never its replacement: removing every snapshot loses nothing.
 */
export const sessionSnapshots = pgTable(
	'session_snapshots',
	{
		meetingId: uuid('meeting_id')
			.notNull()
			.references(() => meetings.id, { onDelete: 'cascade' }),
		seq: integer('seq').notNull(),
		rulesVersion: integer('rules_version').notNull(),
		// json, not jsonb: jsonb reorders an object's keys, and the rules iterate over people and
		// rooms in the order they came (who is brought back first after a separation, the default
		// order of turns). json keeps the text, and the order, as written.
		state: json('state').$type<SessionState>().notNull(),
		hash: text('hash').notNull(),
		at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull()
	},
	// The newest of a version is one step down this key.
	(table) => [primaryKey({ columns: [table.meetingId, table.rulesVersion, table.seq] })]
);

/** Binary data (Yjs updates, PDFs, drawn signatures): Buffer from pg, Uint8Array from PGlite. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
	dataType: () => 'bytea'
});

/**
 * One version of a case's agreement. Drafted in a Yjs document (its updates below), frozen
 * into a canonical text whose SHA-256 every signature names, executed once all have signed.
 * An amendment is a new row that names the version it amends.
 */
export const agreements = pgTable(
	'agreements',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		/** The joint session it is drafted in (the live session decides when parties may edit). */
		meetingId: uuid('meeting_id')
			.notNull()
			.references(() => meetings.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		amendsId: uuid('amends_id').references((): AnyPgColumn => agreements.id, {
			onDelete: 'set null'
		}),
		status: text('status').$type<AgreementStatus>().notNull(),
		/** Set by the mediator: nobody but staff may edit, whatever the session's step. */
		readOnly: boolean('read_only').notNull().default(false),
		canonical: text('canonical'),
		hash: text('hash'),
		/** The head of the live session's hash-chained log when the text was frozen. */
		sessionLogHash: text('session_log_hash'),
		frozenAt: timestamp('frozen_at', { withTimezone: true }),
		frozenByUserId: text('frozen_by_user_id').references(() => user.id, { onDelete: 'set null' }),
		executedAt: timestamp('executed_at', { withTimezone: true }),
		pdf: bytea('pdf'),
		/** SHA-256 of the PDF's bytes: what the public verification page looks up. */
		pdfHash: text('pdf_hash').unique(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(table) => [
		unique('agreements_case_version').on(table.caseId, table.version),
		index('agreements_meeting_idx').on(table.meetingId),
		// At most one version of a case is open (being drafted or signed) at a time.
		uniqueIndex('agreements_one_open_per_case')
			.on(table.caseId)
			.where(sql`${table.status} in ('drafting', 'frozen')`)
	]
);

/**
 * Every accepted update of a collaborative document, appended before any other peer receives
 * it. `doc` is the document's name (see src/lib/protocol/collab.ts). A document is its snapshot
 * merged with all its rows here; compaction folds rows into the snapshot and deletes exactly
 * those rows (by id, never by range: ids are not committed in order).
 */
export const collabUpdates = pgTable(
	'collab_updates',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		doc: text('doc').notNull(),
		update: bytea('update').notNull(),
		at: timestamp('at', { withTimezone: true }).defaultNow().notNull()
	},
	(table) => [index('collab_updates_doc_idx').on(table.doc, table.id)]
);

/** A document's updates merged into one, by compaction. */
export const collabSnapshots = pgTable('collab_snapshots', {
	doc: text('doc').primaryKey(),
	state: bytea('state').notNull(),
	at: timestamp('at', { withTimezone: true }).defaultNow().notNull()
});

/**
 * A party's acceptance of one clause, as it read when they accepted (the fingerprint): a later
 * change to the clause shows it as no longer accepted. Made only by the party themselves.
 */
export const agreementAcceptances = pgTable(
	'agreement_acceptances',
	{
		agreementId: uuid('agreement_id')
			.notNull()
			.references(() => agreements.id, { onDelete: 'cascade' }),
		clause: text('clause').notNull(),
		partyId: uuid('party_id')
			.notNull()
			.references(() => parties.id, { onDelete: 'cascade' }),
		fingerprint: text('fingerprint').notNull(),
		at: timestamp('at', { withTimezone: true }).defaultNow().notNull()
	},
	(table) => [primaryKey({ columns: [table.agreementId, table.clause, table.partyId] })]
);

/**
 * A signature: who, how identified, what they saw (the hash), when and from where. Never
 * deleted; unfreezing voids it (voided_at), visibly.
 */
export const agreementSignatures = pgTable(
	'agreement_signatures',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		agreementId: uuid('agreement_id')
			.notNull()
			.references(() => agreements.id, { onDelete: 'cascade' }),
		signedHash: text('signed_hash').notNull(),
		role: text('role').$type<SignerRole>().notNull(),
		partyId: uuid('party_id').references(() => parties.id, { onDelete: 'set null' }),
		userId: text('user_id').references(() => user.id, { onDelete: 'set null' }),
		/** The name the records hold for the signer, at signing. */
		signerName: text('signer_name').notNull(),
		typedName: text('typed_name').notNull(),
		drawing: bytea('drawing'),
		identifiedBy: text('identified_by').notNull(),
		ipAddress: text('ip_address'),
		userAgent: text('user_agent'),
		signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
		voidedAt: timestamp('voided_at', { withTimezone: true }),
		voidedReason: text('voided_reason')
	},
	(table) => [index('agreement_signatures_agreement_idx').on(table.agreementId)]
);

/**
 * The follow-up plan: what an executed agreement asks to be done, item by item (an
 * instalment, service hours, the apology letter…). Replaced when an amendment is executed.
 */
export const planItems = pgTable(
	'plan_items',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		agreementId: uuid('agreement_id')
			.notNull()
			.references(() => agreements.id, { onDelete: 'cascade' }),
		/** The obligation of the agreement it comes from (null for the apology letter). */
		obligationId: text('obligation_id'),
		kind: text('kind').$type<PlanItemKind>().notNull(),
		responsiblePartyId: uuid('responsible_party_id').references(() => parties.id, {
			onDelete: 'set null'
		}),
		description: text('description').notNull(),
		/** `YYYY-MM-DD` in the program's time zone; null when the agreement sets no date. */
		dueDate: text('due_date'),
		amountMinor: integer('amount_minor'),
		hours: numeric('hours', { precision: 7, scale: 2, mode: 'number' }),
		/** Set when an amendment's plan replaced this one. */
		supersededAt: timestamp('superseded_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(table) => [index('plan_items_case_idx').on(table.caseId)]
);

/** A party's screening: one current record per party (changes are in the audit log). */
export const screenings = pgTable('screenings', {
	partyId: uuid('party_id')
		.primaryKey()
		.references(() => parties.id, { onDelete: 'cascade' }),
	caseId: uuid('case_id')
		.notNull()
		.references(() => cases.id, { onDelete: 'cascade' }),
	readiness: text('readiness').$type<Readiness>().notNull(),
	safetyConcerns: text('safety_concerns').$type<ConcernLevel>().notNull(),
	/** Staff-only words on the concerns: never exported, never shown to a party. */
	safetyNotes: text('safety_notes').notNull().default(''),
	powerImbalance: text('power_imbalance').$type<ConcernLevel>().notNull(),
	needsInterpreter: boolean('needs_interpreter').notNull().default(false),
	interpreterLanguage: text('interpreter_language'),
	needsSupportPerson: boolean('needs_support_person').notNull().default(false),
	/** The offender's motivation, 1–5 (MOTIVATION_SCALE); null for other parties. */
	motivation: integer('motivation'),
	outcome: text('outcome').$type<ScreeningOutcome>().notNull(),
	outcomeReason: text('outcome_reason'),
	screenedByUserId: text('screened_by_user_id').references(() => user.id, {
		onDelete: 'set null'
	}),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

/** Informed consent, against the exact version (and hash) of the text the party was shown. */
export const consents = pgTable(
	'consents',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		partyId: uuid('party_id')
			.notNull()
			.references(() => parties.id, { onDelete: 'cascade' }),
		textVersion: text('text_version').notNull(),
		textHash: text('text_hash').notNull(),
		via: text('via').$type<RecordedVia>().notNull(),
		recordedByUserId: text('recorded_by_user_id').references(() => user.id, {
			onDelete: 'set null'
		}),
		givenAt: timestamp('given_at', { withTimezone: true }).notNull(),
		withdrawnAt: timestamp('withdrawn_at', { withTimezone: true })
	},
	(table) => [index('consents_party_idx').on(table.partyId)]
);

/** The victim's choices about the joint meeting, asked and respected. */
export const victimChoices = pgTable('victim_choices', {
	partyId: uuid('party_id')
		.primaryKey()
		.references(() => parties.id, { onDelete: 'cascade' }),
	caseId: uuid('case_id')
		.notNull()
		.references(() => cases.id, { onDelete: 'cascade' }),
	/** Times the program proposes (ISO instants); the victim picks one. */
	proposedTimes: jsonb('proposed_times').$type<string[]>().notNull().default([]),
	chosenTime: timestamp('chosen_time', { withTimezone: true }),
	mode: text('mode').$type<AttendanceMode>(),
	/** Who else the victim wants there (names and roles, in their words). */
	attendees: text('attendees').notNull().default(''),
	firstSpeaker: text('first_speaker').$type<'victim' | 'offender'>(),
	/** Whether the victim is seen on camera in the joint session. */
	onCamera: boolean('on_camera'),
	restitutionUpdates: text('restitution_updates').$type<RestitutionUpdates>(),
	updatedVia: text('updated_via').$type<RecordedVia>().notNull(),
	updatedAt: updatedAt()
});

/** A payment, hours worked, or a letter passed on, recorded against a plan item. */
export const planRecords = pgTable(
	'plan_records',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		planItemId: uuid('plan_item_id')
			.notNull()
			.references(() => planItems.id, { onDelete: 'cascade' }),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<PlanRecordKind>().notNull(),
		amountMinor: integer('amount_minor'),
		hours: numeric('hours', { precision: 7, scale: 2, mode: 'number' }),
		/** `YYYY-MM-DD` in the program's time zone. */
		occurredOn: text('occurred_on').notNull(),
		note: text('note').notNull().default(''),
		recordedByUserId: text('recorded_by_user_id').references(() => user.id, {
			onDelete: 'set null'
		}),
		createdAt: createdAt()
	},
	(table) => [index('plan_records_item_idx').on(table.planItemId)]
);

/** Check-ins, satisfaction surveys and reoffending look-ups, due at set times. */
export const followUps = pgTable(
	'follow_ups',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		caseId: uuid('case_id')
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		partyId: uuid('party_id').references(() => parties.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<FollowUpKind>().notNull(),
		/** `YYYY-MM-DD` in the program's time zone. */
		dueOn: text('due_on').notNull(),
		/** A survey's own link: only its SHA-256 is kept. */
		tokenHash: text('token_hash').unique(),
		doneAt: timestamp('done_at', { withTimezone: true }),
		result: jsonb('result').$type<FollowUpResult>(),
		recordedByUserId: text('recorded_by_user_id').references(() => user.id, {
			onDelete: 'set null'
		}),
		createdAt: createdAt()
	},
	(table) => [index('follow_ups_case_idx').on(table.caseId)]
);

/**
 * Everything Mend would send — invitations, reminders, updates — kept in one outbox: sent by
 * e-mail (SMTP) or text message when a transport is configured, shown to staff otherwise.
 */
export const notifications = pgTable(
	'notifications',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		programId: uuid('program_id')
			.notNull()
			.references(() => programs.id, { onDelete: 'cascade' }),
		caseId: uuid('case_id').references(() => cases.id, { onDelete: 'cascade' }),
		partyId: uuid('party_id').references(() => parties.id, { onDelete: 'cascade' }),
		userId: text('user_id').references(() => user.id, { onDelete: 'cascade' }),
		channel: text('channel').$type<NotificationChannel>().notNull(),
		recipient: text('recipient').notNull(),
		subject: text('subject').notNull(),
		body: text('body').notNull(),
		/** An iCalendar file to attach, when it is about a meeting. */
		ics: text('ics'),
		/** Makes a reminder once only (e.g. `reminder:<meeting>:<party>:24h`). */
		dedupeKey: text('dedupe_key').unique(),
		status: text('status').$type<NotificationStatus>().notNull(),
		sendAfter: timestamp('send_after', { withTimezone: true }).notNull(),
		sentAt: timestamp('sent_at', { withTimezone: true }),
		attempts: integer('attempts').notNull().default(0),
		lastError: text('last_error'),
		createdAt: createdAt()
	},
	(table) => [
		index('notifications_program_idx').on(table.programId),
		index('notifications_due_idx').on(table.status, table.sendAfter)
	]
);

/**
 * Who holds each live session and agreement document in memory, and since which takeover: the
 * fencing token of the cluster (src/lib/server/db/ownership.ts). A process raises a resource's
 * epoch when it loads it, before reading its log; every append and compaction names the
 * epoch it was loaded under and is refused once it is no longer the newest, so a process that
 * lost a resource can never write it again.
 */
export const liveOwners = pgTable('live_owners', {
	/** `session:<meeting id>` or `doc:<document name>`. */
	resource: text('resource').primaryKey(),
	epoch: integer('epoch').notNull(),
	/** The process that took it last (host, pid and a random part): for people reading it. */
	process: text('process').notNull(),
	since: timestamp('since', { withTimezone: true }).defaultNow().notNull()
});

/**
 * The processes of a clustered deployment (DATABASE_URL and REDIS_URL): one row per process
 * started, with the address its peers reach it at. A process is alive while it holds the
 * advisory lock (PROCESS_LOCK_SPACE, id) on a connection of its own (server/cluster/).
 */
export const clusterProcesses = pgTable('cluster_processes', {
	id: serial('id').primaryKey(),
	/** Host, pid and a random part (ownership.ts PROCESS_NAME): for people reading it. */
	name: text('name').notNull(),
	/** e.g. http://10.0.0.5:3000 — where the other processes forward to this one. */
	address: text('address').notNull(),
	startedAt: timestamp('started_at', { withTimezone: true }).defaultNow().notNull()
});

/**
 * Which process holds each case's live sessions and documents: connections and page actions
 * for the case that reach another process are forwarded to it. A row naming a process that is
 * no longer alive is taken over by the next process that needs the case.
 */
export const caseOwners = pgTable('case_owners', {
	caseId: uuid('case_id')
		.primaryKey()
		.references(() => cases.id, { onDelete: 'cascade' }),
	processId: integer('process_id').notNull(),
	since: timestamp('since', { withTimezone: true }).defaultNow().notNull()
});
