import type { invitations } from '../db/schema.ts';

export const INVITATION_STATUSES = {
	active: 'active',
	revoked: 'revoked',
	reissued: 'reissued',
	withdrawn: 'withdrawn',
	expired: 'expired'
} as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[keyof typeof INVITATION_STATUSES];

type InvitationRow = Pick<
	typeof invitations.$inferSelect,
	'revokedAt' | 'revokedReason' | 'expiresAt'
>;

/** Whether a link still opens, and if not, why: the reason decides what the party is told. */
export function invitationStatus(row: InvitationRow, now: Date): InvitationStatus {
	if (row.revokedAt) return row.revokedReason ?? INVITATION_STATUSES.revoked;
	if (row.expiresAt <= now) return INVITATION_STATUSES.expired;
	return INVITATION_STATUSES.active;
}
