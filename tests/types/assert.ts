/**
 * Type assertions for tests/types: these files are only type-checked (`bunx tsc --noEmit`), never
 * run. `expectType<Exact<A, B>>(true)` fails to compile unless A and B are the same type.
 */
export type Exact<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

export const expectType = <T extends true>(_proof: T) => {}
