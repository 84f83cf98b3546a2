import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: '@concurrent/fp',
    setupFiles: ['./test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
