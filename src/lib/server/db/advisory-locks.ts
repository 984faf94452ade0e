/**
 * PostgreSQL advisory locks Mend takes, as (space, key) pairs: `space` is Mend's own ("mend"
 * in ASCII), so that another application sharing the database cannot collide with them. They
 * are per database: two deployments on one server do not see each other's.
 */
export const LOCK_SPACE = 0x6d656e64;

export const LOCK_KEYS = {
	/** Held while migrations run: processes starting together apply them one after the other. */
	migrations: 1,
	/** Held by the process that serves alone, or shared by a cluster's (server/active-role.ts). */
	active: 2
} as const;

/**
 * Each process of a cluster holds (PROCESS_LOCK_SPACE, its id in `cluster_processes`) on its
 * role's connection while it is alive ("menp"): its cases may be taken only once it is free.
 */
export const PROCESS_LOCK_SPACE = 0x6d656e70;
