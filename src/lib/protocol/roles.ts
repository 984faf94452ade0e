/** Roles of staff within one program. */
export const STAFF_ROLES = {
	admin: 'admin',
	coordinator: 'coordinator',
	mediator: 'mediator'
} as const;
export type StaffRole = (typeof STAFF_ROLES)[keyof typeof STAFF_ROLES];

/** Where an invitation to a program's staff stands; a pending one also ends when it expires. */
export const STAFF_INVITATION_STATUSES = {
	pending: 'pending',
	accepted: 'accepted',
	declined: 'declined',
	revoked: 'revoked'
} as const;
export type StaffInvitationStatus =
	(typeof STAFF_INVITATION_STATUSES)[keyof typeof STAFF_INVITATION_STATUSES];

/** Roles of the people of a case, who never hold an account. */
export const PARTY_ROLES = {
	victim: 'victim',
	offender: 'offender',
	guardian: 'guardian',
	support: 'support'
} as const;
export type PartyRole = (typeof PARTY_ROLES)[keyof typeof PARTY_ROLES];
