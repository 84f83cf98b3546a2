import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { isTaskRef, taskModule, TaskNotFoundError } from '@concurrent/worker'

type Tasks = typeof import('./fixtures/tasks.js')

const url = new URL('./fixtures/tasks.ts', import.meta.url)

describe('taskModule', () => {
  it('gives a reference per export name: the module URL and the name', () => {
    const tasks = taskModule<Tasks>(url)
    expect(tasks.add).toEqual({ moduleUrl: url.href, exportName: 'add' })
    expect(tasks.greet.exportName).toBe('greet')
    expect(Object.isFrozen(tasks.add)).toBe(true)
  })

  it('gives the same reference for the same name every time', () => {
    const tasks = taskModule<Tasks>(url)
    expect(tasks.add).toBe(tasks.add)
  })

  it('does not import the module, and is not thenable (so awaiting it does not hang)', async () => {
    const tasks = taskModule<Tasks>(url)
    expect(Reflect.get(tasks, 'then')).toBeUndefined()
    await expect(Promise.resolve(tasks)).resolves.toBe(tasks)
  })

  it('accepts a URL string', () => {
    expect(taskModule<Tasks>(url.href).add.moduleUrl).toBe(url.href)
  })

  it('accepts an absolute path, as a file URL', () => {
    expect(taskModule<Tasks>(fileURLToPath(url)).add.moduleUrl).toBe(url.href)
  })

  it('accepts a `.js` URL whose file is its `.ts` twin, keeping the URL as given', () => {
    const js = new URL('./fixtures/tasks.js', import.meta.url)
    expect(taskModule<Tasks>(js).add.moduleUrl).toBe(js.href)
  })

  it.each(['./fixtures/tasks.ts', 'fixtures/tasks.ts', 'tasks'])(
    'throws a TypeError naming the fix for the relative string %j',
    (relative) => {
      expect(() => taskModule<Tasks>(relative)).toThrow(TypeError)
      expect(() => taskModule<Tasks>(relative)).toThrow(
        /^Expected `url` to be a URL or an absolute path, got `'.+'` \(string\): build it with `new URL\('\.\/tasks\.js', import\.meta\.url\)`$/,
      )
    },
  )

  it('throws a TypeError for a value that is not a URL or a string', () => {
    expect(() => taskModule<Tasks>(42 as unknown as string)).toThrow(
      'Expected `url` to be a URL or an absolute path, got `42` (number)',
    )
  })

  it('throws TaskNotFoundError at the call when the file does not exist', () => {
    const missing = new URL('./fixtures/missing.ts', import.meta.url)
    let thrown: unknown
    try {
      taskModule<Tasks>(missing)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TaskNotFoundError)
    const error = thrown as TaskNotFoundError
    expect(error.moduleUrl).toBe(missing.href)
    expect(error.exportName).toBeUndefined()
    expect(error.message).toContain(fileURLToPath(missing))
    expect(error.message).toContain('does not exist')
  })

  it('throws TaskNotFoundError for a `.js` URL with no file and no TypeScript twin', () => {
    expect(() => taskModule<Tasks>(new URL('./fixtures/missing.js', import.meta.url))).toThrow(
      TaskNotFoundError,
    )
  })

  it('accepts a URL that is not a file without checking it', () => {
    const remote = 'data:text/javascript,export const add = (a, b) => a + b'
    expect(taskModule<Tasks>(remote).add.moduleUrl).toBe(remote)
  })
})

describe('isTaskRef', () => {
  it('is true for a reference from taskModule', () => {
    expect(isTaskRef(taskModule<Tasks>(url).add)).toBe(true)
  })

  it.each<[string, unknown]>([
    ['a function', (n: number) => n],
    ['null', null],
    ['a string', 'add'],
    ['an object missing exportName', { moduleUrl: url.href }],
    ['an object with a non-string exportName', { moduleUrl: url.href, exportName: 1 }],
  ])('is false for %s', (_label, value) => {
    expect(isTaskRef(value)).toBe(false)
  })
})
