/**
 * The collaboration plane's limits, in one place. Each bounds what one person, connection or
 * message can make the server hold or do; docs/SECURITY.md names the test of each.
 */
export const COLLAB_LIMITS = {
	/**
	 * A document's stored size beyond which edits that add to it are refused (deleting is
	 * always possible). An agreement is a few KB; the largest realistic one measured — every
	 * text at its field's limit, a dozen clauses, payment schedules of 60 instalments made
	 * again and again, three people typing into the same texts — stores ~200 KB
	 * (docs/ARCHITECTURE.md). Whatever the server answers or holds per document is at most
	 * about this.
	 */
	maxDocumentBytes: 512 * 1024,
	/** Messages per connection: a burst of this many… */
	burstMessages: 400,
	/** …then this many a second (typing sends an update and a cursor per key). */
	messagesPerSecond: 200,
	/** Bytes per connection: a burst of this many (a long text pasted, a copy sent back)… */
	burstBytes: 1024 * 1024,
	/** …then this many a second. */
	bytesPerSecond: 256 * 1024,
	/**
	 * Sync requests per person and document, all their tabs together: a burst of this many (a
	 * page asks once when it connects)…
	 */
	syncBurst: 10,
	/** …then this many a second. */
	syncPerSecond: 1,
	/**
	 * What may wait to be sent to one connection (`ws.bufferedAmount`) before it is closed as
	 * not reading: twice the largest document, so that a whole answer and a lot of typing fit
	 * behind a slow link.
	 */
	maxBufferedBytes: 1024 * 1024,
	/** A connection asked to close that has not answered after this long loses its socket. */
	closeTimeoutMs: 10_000,
	/**
	 * Open connections of one person to one document (tabs and devices). Not counted across
	 * documents: a party reaches only their own meeting's two, and a member of staff may have
	 * many meetings' open at once (the benchmarks run one mediator in 50 and in 1000).
	 */
	connectionsPerPersonPerDocument: 4,
	/** Open connections to one document, everyone's together. */
	connectionsPerDocument: 32,
	/**
	 * Each connection is pinged this often, and its socket destroyed when it has not answered
	 * the last ping: a browser that lost its network gives its place back (see the quotas).
	 */
	heartbeatMs: 15_000,
	/** Refused Yjs clients remembered per person and document (see LiveDocument.refused). */
	refusedClientsPerPerson: 64,
	/** How often an open connection's right to the document is checked again. */
	revalidateMs: 60_000
} as const;
