/**
 * What an executor can run. A task is either a function, or a reference that stands for one
 * (a {@link TaskReference}, such as the export of a task module that worker pools load by URL).
 * Either way its type carries the argument and result types, so `submit` is typed end to end.
 */

/**
 * A reference to a function that lives elsewhere (for example an export of a module that a
 * worker loads), typed by the signature it stands for. The property is a type-level marker
 * only: it never exists at run time. Packages that create references (such as
 * `@concurrent/worker`'s `taskModule`) extend this interface with what they need to find the
 * function.
 *
 * @typeParam A - the function's parameter types.
 * @typeParam R - the function's return type (a promise for async functions).
 *
 * @example
 * ```ts
 * import type { TaskReference } from '@concurrent/future'
 *
 * // What `taskModule()` hands out for `export function add(a: number, b: number): number`:
 * declare const add: TaskReference<[number, number], number>
 * const sum: number = await pool.submit(add, 1, 2)
 * ```
 * @category Executors
 */
export interface TaskReference<A extends readonly unknown[], R> {
  /** Type-level marker for the signature; never present at run time. */
  readonly '~signature'?: ((...args: A) => R) | undefined
}

/**
 * Anything an executor can run: a function, or a {@link TaskReference} to one.
 *
 * @example
 * ```ts
 * import type { Task } from '@concurrent/future'
 *
 * const double: Task<[number], number> = (n: number) => n * 2
 * console.log(await pool.submit(double, 21)) // 42
 * ```
 * @category Executors
 */
export type Task<A extends readonly unknown[], R> = ((...args: A) => R) | TaskReference<A, R>
