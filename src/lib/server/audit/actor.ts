import type { PartyRole, StaffRole } from '#lib/protocol/roles.ts';

/** Who is acting, as every use case receives it. Staff actors are always bound to one program. */
export type Actor =
	| { kind: 'staff'; userId: string; name: string; programId: string; role: StaffRole; ip?: string }
	| { kind: 'party'; partyId: string; role: PartyRole; ip?: string }
	| { kind: 'system' };
