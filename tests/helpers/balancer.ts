import net from 'node:net';

/**
 * A load balancer in front of the processes of one deployment, standing for whichever one an
 * IT team puts there: TCP (layer 4), round robin, no stickiness — each new connection goes to
 * the next process in turn, so a page's requests, a socket.io connection and its reconnections
 * and a document's WebSocket land wherever they land. A process that refuses the connection
 * (stopped, killed, or a standby not listening) is skipped for that connection, as a balancer's
 * health check would take it out. It forwards bytes and nothing else: the Host header a process
 * sees is the balancer's own, as behind any TCP balancer.
 */
export class Balancer {
	readonly #server = net.createServer((socket) => this.#accept(socket));
	readonly #sockets = new Set<net.Socket>();
	#targets: number[];
	#next = 0;
	#port = 0;
	/** How many connections each process's port was given: to see that they were spread. */
	readonly given = new Map<number, number>();

	private constructor(targets: number[]) {
		this.#targets = [...targets];
	}

	/** A balancer on a free port of 127.0.0.1 in front of the processes listening on `ports`. */
	static async start(ports: number[]): Promise<Balancer> {
		const balancer = new Balancer(ports);
		await new Promise<void>((resolve) => balancer.#server.listen(0, '127.0.0.1', resolve));
		balancer.#port = (balancer.#server.address() as net.AddressInfo).port;
		return balancer;
	}

	/** Where people reach the deployment. */
	get url(): string {
		return `http://127.0.0.1:${this.#port}`;
	}

	/** The processes it sends new connections to from now on (open connections stay). */
	set targets(ports: number[]) {
		this.#targets = [...ports];
	}

	get targets(): number[] {
		return [...this.#targets];
	}

	#accept(client: net.Socket): void {
		this.#sockets.add(client);
		client.on('error', () => {});
		client.on('close', () => this.#sockets.delete(client));
		// Nothing is read from the client until a process has taken the connection.
		client.pause();
		const ports = this.#targets;
		const first = this.#next++;
		const tryFrom = (attempt: number) => {
			if (client.destroyed) return;
			if (attempt >= ports.length) {
				client.destroy();
				return;
			}
			const port = ports[(first + attempt) % ports.length]!;
			const upstream = net.connect({ host: '127.0.0.1', port });
			let connected = false;
			upstream.once('connect', () => {
				connected = true;
				if (client.destroyed) {
					upstream.destroy();
					return;
				}
				this.given.set(port, (this.given.get(port) ?? 0) + 1);
				this.#join(client, upstream);
			});
			upstream.once('error', () => {
				// Refused (or reset before it was taken): the next process in turn.
				if (!connected) {
					upstream.destroy();
					tryFrom(attempt + 1);
				}
			});
		};
		tryFrom(0);
	}

	#join(client: net.Socket, upstream: net.Socket): void {
		this.#sockets.add(upstream);
		upstream.on('error', () => {});
		const closeBoth = () => {
			this.#sockets.delete(upstream);
			client.destroy();
			upstream.destroy();
		};
		// A side that ends or fails ends the other: a killed process's connections close at once.
		client.on('close', closeBoth);
		upstream.on('close', closeBoth);
		client.pipe(upstream);
		upstream.pipe(client);
		client.resume();
	}

	/** Stops listening and closes every connection it holds. */
	async close(): Promise<void> {
		const closed = new Promise((resolve) => this.#server.close(resolve));
		for (const socket of this.#sockets) socket.destroy();
		await closed;
	}
}
