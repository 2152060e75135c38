/**
 * @module clock
 * Unix time in whole seconds: every stored time holds this. An instance takes its clock as a
 * value, so tests move time instead of sleeping.
 */
export type Clock = () => number

export const systemClock: Clock = () => Math.floor(Date.now() / 1000)

/** A time as the API shows it (RFC 3339). */
export const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString()
