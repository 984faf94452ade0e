import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { PEER_HEADERS } from './peer-auth.ts';

/**
 * Hands a request to the process that holds its case, byte for byte: a WebSocket upgrade (the
 * control plane's and the documents') becomes a pipe between the client and that process, an
 * ordinary request (socket.io's long-polling) is sent on and its answer sent back. The process
 * it lands on authenticates the person itself, from the same cookies; `extra` says who
 * forwarded it and where from (peer-auth.ts). Peer headers a client sent are dropped first.
 */

const OWN = new Set<string>(Object.values(PEER_HEADERS));

/** How long connecting to a peer may take before the client is told to come back. */
const CONNECT_TIMEOUT_MS = 5_000;

function withoutPeerHeaders(rawHeaders: readonly string[]): [string, string][] {
	const pairs: [string, string][] = [];
	for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
		const name = rawHeaders[i] as string;
		if (!OWN.has(name.toLowerCase())) pairs.push([name, rawHeaders[i + 1] as string]);
	}
	return pairs;
}

const unavailable = (socket: Duplex) =>
	socket.end(
		'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n'
	);

export function forwardUpgrade(
	req: IncomingMessage,
	socket: Duplex,
	head: Buffer,
	to: URL,
	extra: Record<string, string>
): void {
	const upstream = net.connect({
		host: to.hostname.replace(/^\[|\]$/g, ''),
		port: Number(to.port)
	});
	upstream.setNoDelay(true);
	const timeout = setTimeout(
		() => upstream.destroy(new Error('peer did not answer')),
		CONNECT_TIMEOUT_MS
	);
	let piped = false;
	upstream.once('connect', () => {
		clearTimeout(timeout);
		const lines = [`${req.method} ${req.url} HTTP/1.1`];
		for (const [name, value] of withoutPeerHeaders(req.rawHeaders)) lines.push(`${name}: ${value}`);
		for (const [name, value] of Object.entries(extra)) lines.push(`${name}: ${value}`);
		upstream.write(lines.join('\r\n') + '\r\n\r\n');
		if (head.length > 0) upstream.write(head);
		piped = true;
		socket.pipe(upstream).pipe(socket);
	});
	upstream.on('error', () => {
		clearTimeout(timeout);
		// Before the pipe, the client is answered; after, both ends go (it reconnects).
		if (!piped && socket.writable) unavailable(socket);
		else socket.destroy();
	});
	socket.on('error', () => upstream.destroy());
	socket.on('close', () => upstream.destroy());
	upstream.on('close', () => socket.destroy());
}

export function forwardRequest(
	req: IncomingMessage,
	res: ServerResponse,
	to: URL,
	extra: Record<string, string>
): void {
	const headers: Record<string, string | string[]> = {};
	for (const [name, value] of withoutPeerHeaders(req.rawHeaders)) {
		const key = name.toLowerCase();
		const before = headers[key];
		headers[key] = before === undefined ? value : [before, value].flat();
	}
	Object.assign(headers, extra);
	const outgoing = http.request(
		{
			host: to.hostname.replace(/^\[|\]$/g, ''),
			port: Number(to.port),
			method: req.method,
			path: req.url,
			headers
		},
		(answer) => {
			res.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(res);
		}
	);
	// Only the connection is timed: a long-poll waits for news as long as socket.io lets it.
	const timeout = setTimeout(
		() => outgoing.destroy(new Error('peer did not answer')),
		CONNECT_TIMEOUT_MS
	);
	outgoing.on('socket', (socket) => {
		if (!socket.connecting) clearTimeout(timeout);
		else socket.once('connect', () => clearTimeout(timeout));
	});
	outgoing.on('error', () => {
		clearTimeout(timeout);
		if (!res.headersSent) {
			res.writeHead(503, { 'retry-after': '1', 'content-length': '0' });
			res.end();
		} else res.destroy();
	});
	req.pipe(outgoing);
}
