/**
 * The address of a cluster in bench:cluster (tests/bench/cluster.ts): a TCP balancer in front
 * of its processes, as an IT team puts one there — each new connection to the next process in
 * turn, no stickiness, a process that refuses the connection (killed) skipped at once, as a
 * health check would take it out. Bytes only: what a process sees is what the client sent.
 *
 * The clients reconnect through it; they first connect to the process the bench chose for them.
 */
import net from 'node:net';

export class Balancer {
	readonly #server = net.createServer((client) => this.#accept(client));
	readonly #sockets = new Set<net.Socket>();
	readonly #ports: readonly number[];
	#next = 0;

	private constructor(ports: readonly number[]) {
		this.#ports = ports;
	}

	/** A balancer on a free port of 127.0.0.1 in front of the processes listening on `ports`. */
	static async start(ports: readonly number[]): Promise<Balancer> {
		const balancer = new Balancer(ports);
		await new Promise<void>((resolve) =>
			balancer.#server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve)
		);
		return balancer;
	}

	get url(): string {
		return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
	}

	#accept(client: net.Socket): void {
		this.#track(client);
		// Nothing is read from the client until a process has taken the connection.
		client.pause();
		const first = this.#next++;
		const tryFrom = (attempt: number) => {
			if (client.destroyed) return;
			if (attempt >= this.#ports.length) return void client.destroy();
			const upstream = net.connect({
				host: '127.0.0.1',
				port: this.#ports[(first + attempt) % this.#ports.length]!
			});
			upstream.setNoDelay(true);
			upstream.once('error', () => tryFrom(attempt + 1));
			upstream.once('connect', () => {
				upstream.removeAllListeners('error');
				this.#track(upstream);
				// Either side closing closes the other: a killed process's clients notice at once.
				upstream.once('close', () => client.destroy());
				client.once('close', () => upstream.destroy());
				client.pipe(upstream).pipe(client);
				client.resume();
			});
		};
		tryFrom(0);
	}

	#track(socket: net.Socket): void {
		this.#sockets.add(socket);
		socket.on('error', () => socket.destroy());
		socket.once('close', () => this.#sockets.delete(socket));
	}

	/** Stops listening and closes every connection it holds. */
	async close(): Promise<void> {
		const closed = new Promise((resolve) => this.#server.close(resolve));
		for (const socket of this.#sockets) socket.destroy();
		await closed;
	}
}
