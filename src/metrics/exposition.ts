/**
 * @module metrics/exposition
 * The Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines, then one
 * `name{label="value",…} number` line per series. Only what Tessera's metrics need: counters,
 * gauges and cumulative histograms.
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Readonly<Record<string, string>>

export interface Sample {
	labels: Labels
	value: number
}

export interface HistogramSample {
	labels: Labels
	/** Upper bounds, ascending, without +Inf. */
	bounds: readonly number[]
	/** Per-bucket counts (not cumulative), one more than `bounds`: the last is above every bound. */
	counts: ArrayLike<number>
	sum: number
}

/** Label values escape backslash, double quote and line feed; nothing else needs it. */
const escapeValue = (value: string) => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))

/** HELP text escapes backslash and line feed. */
const escapeHelp = (help: string) => help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))

/** Go's float syntax, which Prometheus parses: +Inf, -Inf, NaN and JavaScript's own numbers. */
function number(value: number): string {
	if (value === Infinity) return '+Inf'
	if (value === -Infinity) return '-Inf'
	return String(value)
}

function series(name: string, labels: Labels, value: number): string {
	const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeValue(text)}"`)
	return `${name}${pairs.length === 0 ? '' : `{${pairs.join(',')}}`} ${number(value)}`
}

function header(name: string, type: string, help: string): string[] {
	return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`]
}

export function counter(name: string, help: string, samples: readonly Sample[]): string[] {
	return [...header(name, 'counter', help), ...samples.map((s) => series(name, s.labels, s.value))]
}

export function gauge(name: string, help: string, samples: readonly Sample[]): string[] {
	return [...header(name, 'gauge', help), ...samples.map((s) => series(name, s.labels, s.value))]
}

export function histogram(name: string, help: string, samples: readonly HistogramSample[]): string[] {
	const lines = header(name, 'histogram', help)
	for (const { labels, bounds, counts, sum } of samples) {
		let cumulative = 0
		bounds.forEach((bound, i) => {
			cumulative += counts[i]!
			lines.push(series(`${name}_bucket`, { ...labels, le: number(bound) }, cumulative))
		})
		cumulative += counts[bounds.length]!
		lines.push(series(`${name}_bucket`, { ...labels, le: '+Inf' }, cumulative))
		lines.push(series(`${name}_sum`, labels, sum))
		lines.push(series(`${name}_count`, labels, cumulative))
	}
	return lines
}

/**
 * The whole document: families in order, one line each, ending with a line feed; `constant`
 * labels are put first on every sample line.
 */
export function document(families: readonly string[][], constant: Labels = {}): string {
	const lines = families.flat()
	const prefix = Object.entries(constant)
		.map(([label, text]) => `${label}="${escapeValue(text)}"`)
		.join(',')
	if (prefix === '') return `${lines.join('\n')}\n`
	// A sample line is `name value` or `name{labels} value`; the name never holds a space or a brace.
	const labelled = lines.map((line) =>
		line.startsWith('#')
			? line
			: line.replace(/^([^{ ]+)(\{)?/, (_, name: string, brace?: string) =>
					brace ? `${name}{${prefix},` : `${name}{${prefix}}`
				)
	)
	return `${labelled.join('\n')}\n`
}
