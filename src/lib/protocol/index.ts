export { ERROR_CODES, type ErrorCode } from './errors.ts';
export type { ClientToServerEvents, ServerToClientEvents } from './events.ts';
export { HandshakeSchema, type THandshake } from './handshake.ts';
export type { Identity } from './identity.ts';
export { ok, err, type ProtocolError, type Result } from './result.ts';
export { PARTY_ROLES, STAFF_ROLES, type PartyRole, type StaffRole } from './roles.ts';
export { PROTOCOL_VERSION, REALTIME_PATH } from './version.ts';
