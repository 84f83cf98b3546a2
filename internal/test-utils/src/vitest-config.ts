/**
 * The vitest settings of a package whose tests run real workers: generous timeouts, a check
 * after each file that no pool is left running, and one after the run that no worker process
 * is left alive.
 */
import { fileURLToPath } from 'node:url'

export function workerSuiteConfig(name: string): {
  test: {
    name: string
    setupFiles: string[]
    globalSetup: string[]
    testTimeout: number
    hookTimeout: number
  }
} {
  return {
    test: {
      name,
      setupFiles: [fileURLToPath(new URL('./leak-setup.js', import.meta.url))],
      globalSetup: [fileURLToPath(new URL('./orphan-check.js', import.meta.url))],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  }
}
