/**
 * Many requests arriving at once: one TCP connection each, all opened and written together,
 * each closed after its response. Returns the status codes answered (0: no answer).
 */
export async function burst(
	host: string,
	port: number,
	requests: string[],
	timeoutMs = 60_000
): Promise<number[]> {
	return Promise.all(
		requests.map(
			(request) =>
				new Promise<number>((resolve) => {
					let head = ''
					const timer = setTimeout(() => resolve(0), timeoutMs)
					const answer = (status: number) => {
						clearTimeout(timer)
						resolve(status)
					}
					Bun.connect({
						hostname: host,
						port,
						socket: {
							open: (socket) => void socket.write(request),
							data(socket, chunk) {
								head += chunk.toString('latin1')
								const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]
								if (status) {
									answer(Number(status))
									socket.end()
								}
							},
							close: () => answer(0),
							error: () => answer(0),
							connectError: () => answer(0)
						}
					}).catch(() => answer(0))
				})
		)
	)
}

/** An HTTP/1.1 form POST, closing the connection after the response. */
export function formRequest(host: string, port: number, path: string, body: string): string {
	return (
		`POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n` +
		`Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
	)
}
