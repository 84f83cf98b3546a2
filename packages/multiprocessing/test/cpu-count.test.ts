import { availableParallelism } from 'node:os'

import { describe, expect, it } from 'vitest'

import { cpuCount } from '@concurrent/multiprocessing'

describe('cpuCount', () => {
  it('is the number of CPUs available, at least 1 (test_cpu_count)', () => {
    expect(cpuCount()).toBe(availableParallelism())
    expect(cpuCount()).toBeGreaterThanOrEqual(1)
  })
})
