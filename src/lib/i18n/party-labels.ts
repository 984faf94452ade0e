import * as m from '../paraglide/messages.js';
import type { AttendanceMode, RestitutionUpdates } from '../cases/casework.ts';
import type { MeetingKind } from '../cases/vocabulary.ts';
import type { PartyRole } from '../protocol/roles.ts';
import type { AgendaStepName, PrivateRoomPurpose, ViewRole } from '../protocol/session-view.ts';

/**
 * The labels a party's own pages show (the join page, the session on their phone). Kept apart
 * from labels.ts, which re-exports them, so that those pages do not load every label of the
 * staff's pages: a module goes to the browser whole.
 */

export const partyRoleLabel = (v: PartyRole): string =>
	({
		victim: m.party_role_victim,
		offender: m.party_role_offender,
		guardian: m.party_role_guardian,
		support: m.party_role_support
	})[v]();

export const meetingKindLabel = (v: MeetingKind): string =>
	({ preparation: m.meeting_kind_preparation, joint: m.meeting_kind_joint })[v]();

export const attendanceModeLabel = (v: AttendanceMode): string =>
	({ remote: m.attendance_remote, in_person: m.attendance_in_person })[v]();

export const restitutionUpdatesLabel = (v: RestitutionUpdates): string =>
	({
		every: m.restitution_updates_every,
		completion: m.restitution_updates_completion,
		none: m.restitution_updates_none
	})[v]();

export const agendaStepLabel = (v: AgendaStepName): string =>
	({
		opening: m.step_opening,
		victim_account: m.step_victim_account,
		offender_account: m.step_offender_account,
		dialogue: m.step_dialogue,
		drafting: m.step_drafting,
		signing: m.step_signing,
		closing: m.step_closing
	})[v]();

export const roomPurposeLabel = (v: 'joint' | PrivateRoomPurpose): string =>
	({
		joint: m.room_joint,
		caucus: m.room_caucus,
		break: m.room_break,
		shuttle: m.room_shuttle,
		separation: m.room_separation
	})[v]();

export const viewRoleLabel = (v: ViewRole): string =>
	v === 'mediator' ? m.staff_role_mediator() : partyRoleLabel(v);
