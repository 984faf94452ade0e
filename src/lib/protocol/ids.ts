import { z } from 'zod';

/**
 * The id of a participant, room or notice of a live session, as a browser names it. The
 * session keeps these in objects keyed by id, where a name every object already has
 * (`__proto__`, `constructor`, `toString`…) would find something that is not a participant or
 * a room: such names are refused here, before any rule runs (and the rules look ids up as
 * their own keys only, see `own` in session/model.ts).
 */
export const sessionId = z
	.string()
	.min(1)
	.max(80)
	.refine((value) => !(value in Object.prototype), 'Not an id.');
