import type { PartyRole, StaffRole } from './roles.ts';

/** Who the server recognised on a realtime connection, as answered to `hello`. */
export type Identity =
	| {
			kind: 'staff';
			userId: string;
			name: string;
			programId: string;
			role: StaffRole;
			meetingId: string;
	  }
	| {
			kind: 'party';
			partyId: string;
			meetingId: string;
			displayName: string;
			role: PartyRole;
	  };
