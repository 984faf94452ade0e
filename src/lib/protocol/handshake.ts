import { z } from 'zod';

/** What a browser sends in the socket.io handshake `auth` field. */
export const HandshakeSchema = z.object({
	protocol: z.number().int(),
	meetingId: z.uuid(),
	/** Which credential to use when a browser holds both (a staff member testing a party link). */
	as: z.enum(['party', 'staff'])
});
export type THandshake = z.infer<typeof HandshakeSchema>;
