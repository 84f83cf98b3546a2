// Every test file must shut down every executor it creates: no worker may outlive its file.
import { afterAll, expect } from 'vitest'
import { liveBackends } from '@concurrent/test-utils'

afterAll(() => {
  expect(liveBackends(), 'worker pools left running (shut every executor down)').toBe(0)
})
