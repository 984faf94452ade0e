import { formatMoney } from '../../money.ts';
import { baseLocale } from '../../paraglide/runtime.js';
import * as m from '../../paraglide/messages.js';
import { formatDay, formatMeetingTime } from '../../format-time.ts';
import { staffRoleLabel } from '../../i18n/labels.ts';
import type { StaffRole } from '../../protocol/roles.ts';
import { dateIn } from '../../time.ts';
import type { Message } from './enqueue.ts';
import { meetingIcs } from './ics.ts';

/**
 * The words of what Mend sends. Parties' messages never name the case, the offence or the
 * other people: an e-mail or a text can be read by others on the person's device.
 */

const LOCALE = baseLocale;

export interface ProgramForMessages {
	name: string;
	timeZone: string;
	currency: string;
	contactEmail: string | null;
	contactPhone: string | null;
}

const contactLine = (program: ProgramForMessages) => {
	const contact = [program.contactEmail, program.contactPhone].filter(Boolean).join(', ');
	return contact ? m.notify_contact({ program: program.name, contact }) : '';
};

const paragraphs = (...parts: string[]) => parts.filter(Boolean).join('\n\n');

/** YYYY-MM-DD as a message reads it, e.g. "March 14, 2026". */
const dayText = (day: string) => formatDay(day, LOCALE, 'long');

export function meetingMessage(input: {
	kind: 'invitation' | 'reminder';
	program: ProgramForMessages;
	partyName: string;
	meeting: { id: string; scheduledAt: Date; durationMinutes: number };
	link: string;
	withAccessCode: boolean;
	now: Date;
}): Message {
	const time = formatMeetingTime(input.meeting.scheduledAt, input.program.timeZone, LOCALE);
	const invitation = input.kind === 'invitation';
	return {
		subject: invitation
			? m.notify_invitation_subject({ time })
			: m.notify_reminder_subject({ time }),
		body: paragraphs(
			m.notify_greeting({ name: input.partyName }),
			invitation
				? m.notify_invitation_intro({ program: input.program.name, time })
				: m.notify_reminder_intro({ program: input.program.name, time }),
			m.notify_join_link({ link: input.link }),
			input.withAccessCode ? m.notify_access_code_separately() : '',
			contactLine(input.program)
		),
		ics: meetingIcs({
			uid: `${input.meeting.id}@mend`,
			start: input.meeting.scheduledAt,
			durationMinutes: input.meeting.durationMinutes,
			stamp: input.now,
			// Nothing about the case: calendars are shared and synced.
			summary: m.notify_calendar_summary(),
			description: m.notify_join_link({ link: input.link }),
			url: input.link
		})
	};
}

export interface PlanItemForMessages {
	kind: string;
	description: string;
	dueDate: string | null;
	amountMinor: number | null;
	hours: number | null;
}

/** What is due, in words: the amount or hours when there are some, else the description. */
function what(item: PlanItemForMessages, program: ProgramForMessages): string {
	if (item.amountMinor != null)
		return m.notify_what_payment({
			amount: formatMoney(item.amountMinor, program.currency, LOCALE)
		});
	if (item.hours != null) return m.notify_what_hours({ hours: String(item.hours) });
	return item.description;
}

export function planReminderMessage(input: {
	program: ProgramForMessages;
	partyName: string;
	item: PlanItemForMessages & { dueDate: string };
}): Message {
	const date = dayText(input.item.dueDate);
	return {
		subject: m.notify_plan_reminder_subject({ date }),
		body: paragraphs(
			m.notify_greeting({ name: input.partyName }),
			m.notify_plan_reminder_intro({ what: what(input.item, input.program), date }),
			contactLine(input.program)
		)
	};
}

export function overdueMessage(input: {
	program: ProgramForMessages;
	staffName: string;
	caseReference: string;
	item: PlanItemForMessages & { dueDate: string };
	caseLink: string;
}): Message {
	const date = dayText(input.item.dueDate);
	return {
		subject: m.notify_overdue_subject({ reference: input.caseReference }),
		body: paragraphs(
			m.notify_greeting({ name: input.staffName }),
			m.notify_overdue_intro({
				reference: input.caseReference,
				item: input.item.description,
				date
			}),
			input.caseLink
		)
	};
}

/** To the victim: what was recorded, never who recorded it or how to reach the offender. */
export function victimRecordMessage(input: {
	program: ProgramForMessages;
	partyName: string;
	record: { kind: string; amountMinor: number | null; hours: number | null; occurredOn: string };
	itemDescription: string;
}): Message {
	const date = dayText(input.record.occurredOn);
	const recorded =
		input.record.kind === 'payment' && input.record.amountMinor != null
			? m.notify_victim_payment({
					amount: formatMoney(input.record.amountMinor, input.program.currency, LOCALE),
					date
				})
			: input.record.kind === 'hours' && input.record.hours != null
				? m.notify_victim_hours({ hours: String(input.record.hours), date })
				: m.notify_victim_done({ item: input.itemDescription, date });
	return {
		subject: m.notify_victim_update_subject(),
		body: paragraphs(
			m.notify_greeting({ name: input.partyName }),
			recorded,
			contactLine(input.program)
		)
	};
}

export function victimCompletionMessage(input: {
	program: ProgramForMessages;
	partyName: string;
}): Message {
	return {
		subject: m.notify_victim_completion_subject(),
		body: paragraphs(
			m.notify_greeting({ name: input.partyName }),
			m.notify_victim_completion_intro(),
			contactLine(input.program)
		)
	};
}

/** A party's own link to the short survey after the meeting. */
export function surveyMessage(input: {
	program: ProgramForMessages;
	partyName: string;
	url: string;
}): Message {
	return {
		subject: m.notify_survey_subject({ program: input.program.name }),
		body: paragraphs(
			m.notify_greeting({ name: input.partyName }),
			m.notify_survey_intro(),
			input.url,
			contactLine(input.program)
		)
	};
}

/**
 * An invitation to a program's staff. The same words whether or not the address has a Mend
 * account (the inviting program's staff read it in their outbox): the link says the rest.
 */
export function staffInvitationMessage(input: {
	program: ProgramForMessages;
	name: string;
	role: StaffRole;
	link: string;
	expiresAt: Date;
}): Message {
	const role = staffRoleLabel(input.role);
	return {
		subject: m.notify_staff_invitation_subject({ program: input.program.name }),
		body: paragraphs(
			m.notify_greeting({ name: input.name }),
			m.notify_staff_invitation_intro({ program: input.program.name, role }),
			m.notify_staff_invitation_link({
				link: input.link,
				date: dayText(dateIn(input.expiresAt, input.program.timeZone))
			}),
			m.notify_staff_invitation_ignore()
		)
	};
}
