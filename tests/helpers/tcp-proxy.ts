/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL, to make outages without touching the
 * server (never stop the machine's PostgreSQL): `cut()` resets every connection and refuses new
 * ones; `stall()` keeps connections open but passes nothing (a network that drops packets);
 * `restore()` lets traffic through again, on the same port.
 */
import type { Socket, TCPSocketListener } from 'bun'

type Side = { peer: Socket<Side> | null; pending: Uint8Array[]; closed: boolean }

export interface TcpProxy {
	port: number
	cut(): void
	stall(): void
	restore(): void
	stop(): void
}

export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
	let mode: 'open' | 'stalled' | 'cut' = 'open'
	const sockets = new Set<Socket<Side>>()
	const send = (to: Socket<Side> | null, data: Uint8Array, from: Side) => {
		if (mode === 'stalled') return
		if (to) to.write(data)
		else from.pending.push(data)
	}
	const close = (socket: Socket<Side>) => {
		sockets.delete(socket)
		socket.data.closed = true
		const peer = socket.data.peer
		if (peer && !peer.data.closed) peer.end()
	}
	let listener: TCPSocketListener<Side> | null = null
	const listen = (port: number) =>
		Bun.listen<Side>({
			hostname: '127.0.0.1',
			port,
			socket: {
				async open(client) {
					client.data = { peer: null, pending: [], closed: false }
					sockets.add(client)
					if (mode === 'cut') return void client.terminate()
					try {
						const upstream = await Bun.connect<Side>({
							...target,
							socket: {
								open(server) {
									server.data = { peer: client, pending: [], closed: false }
									sockets.add(server)
								},
								data: (server, data) => send(client, data, server.data),
								close: (server) => close(server),
								error: (server) => close(server)
							}
						})
						client.data.peer = upstream
						for (const chunk of client.data.pending.splice(0)) upstream.write(chunk)
					} catch {
						client.terminate()
					}
				},
				data: (client, data) => send(client.data.peer, data, client.data),
				close: (client) => close(client),
				error: (client) => close(client)
			}
		})
	listener = listen(0)
	const port = listener.port
	return {
		port,
		cut() {
			mode = 'cut'
			listener?.stop(true)
			listener = null
			for (const socket of [...sockets]) socket.terminate()
		},
		stall() {
			mode = 'stalled'
		},
		restore() {
			mode = 'open'
			listener ??= listen(port)
		},
		stop() {
			mode = 'cut'
			listener?.stop(true)
			for (const socket of [...sockets]) socket.terminate()
		}
	}
}
