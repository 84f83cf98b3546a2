import { defineConfig } from 'vitest/config'
import { workerSuiteConfig } from '@concurrent/test-utils/vitest-config'

export default defineConfig(workerSuiteConfig('@concurrent/distributed'))
