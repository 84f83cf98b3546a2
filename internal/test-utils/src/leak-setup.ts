// A setup file for suites that run real workers: every test file must shut down every executor
// it creates, so no worker outlives its file.
import { afterAll, expect } from 'vitest'

import { liveBackends } from './executors.js'

afterAll(() => {
  expect(liveBackends(), 'worker pools left running (shut every executor down)').toBe(0)
})
