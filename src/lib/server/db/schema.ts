import {
	bigserial,
	boolean,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	text,
	timestamp,
	unique,
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
import type { PartyRole, StaffRole } from '../../protocol/roles.ts';
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
		hash: text('hash').notNull()
	},
	(table) => [primaryKey({ columns: [table.meetingId, table.seq] })]
);
