/**
 * Instances of registered classes as task arguments: encoded as handles at the call site,
 * revived in the worker at the places recorded beside the arguments and nowhere else, with
 * the worker importing the module that registers the class when the task module did not.
 */
import { describe, expect, it } from 'vitest'

import { DataCloneError, taskModule } from '@concurrent/worker'
import {
  decodeValue,
  encodeValue,
  hasCodecs,
  isHandleList,
  loadCodecs,
  prepareCall,
  prepareChunk,
  type CallOutcome,
  type PreparedCall,
} from '@concurrent/worker/internal'

import { parseParentMessage } from '../src/internal/protocol.js'
import { LocalPoint, Point } from './fixtures/point.js'
import { listened, sharedBackend, startAll } from './started.js'

const tasks = taskModule<typeof import('./fixtures/tasks.js')>(
  new URL('./fixtures/tasks.ts', import.meta.url),
)

/** A deep copy, as a value that arrived from another thread is. */
const copy = <T>(value: T): T => structuredClone(value)

function encoded(value: unknown, destination: 'thread' | 'process' | 'channel' = 'thread') {
  return encodeValue(
    value,
    destination,
    () => undefined,
    () => 'the value',
  )
}

describe('encodeValue and decodeValue', () => {
  it('turns a registered instance into a handle and back, wherever it sits', () => {
    expect(hasCodecs()).toBe(true)
    const point = new Point(3, 4)
    const value = { list: [1, point], map: new Map([['p', point]]), set: new Set([point]) }
    const { value: sent, handles } = encoded(value)
    expect(handles).toEqual([
      ['list', 1],
      ['map', 0],
      ['set', 0],
    ])
    // The caller's value is left as it was.
    expect(value.list[1]).toBe(point)
    const arrived = decodeValue(copy(sent), handles) as typeof value
    expect(arrived.list[1]).toBeInstanceOf(Point)
    expect((arrived.list[1] as Point).norm()).toBe(5)
    expect(arrived.map.get('p')).toBeInstanceOf(Point)
    expect([...arrived.set][0]).toBeInstanceOf(Point)
  })

  it('encodes instances held by a codec’s data as handles of their own, revived first', () => {
    const point = new Point(4, 6, new Point(1, 2))
    const { value: sent, handles } = encoded([point])
    expect(handles).toEqual([[0, 'data', 'origin'], [0]])
    const [arrived] = decodeValue(copy(sent), handles) as [Point]
    expect(arrived.origin).toBeInstanceOf(Point)
    expect(arrived.norm()).toBe(5)
  })

  it('leaves plain data shaped like a handle as plain data', () => {
    const forged = { id: 'test:Point', module: undefined, data: { at: [3, 4] } }
    const { value: sent, handles } = encoded([forged, new Point(0, 1)])
    expect(handles).toEqual([[1]])
    const [plain, point] = decodeValue(copy(sent), handles) as [unknown, Point]
    expect(plain).toEqual(forged)
    expect(point).toBeInstanceOf(Point)
  })

  it('names the place when a codec refuses the destination, or shared memory leaves threads', () => {
    expect(() => encoded({ at: [new LocalPoint(1, 1)] }, 'process')).toThrow(
      /^The value\.at\[0\] is a LocalPoint, which stays in this process: use a thread$/,
    )
    expect(() => encoded({ at: [new LocalPoint(1, 1)] }, 'process')).toThrow(DataCloneError)
    expect(encoded(new LocalPoint(1, 1), 'thread').handles).toEqual([[]])
    expect(() => encoded({ buffer: new SharedArrayBuffer(8) }, 'process')).toThrow(
      /^The value\.buffer is a SharedArrayBuffer, which lives in shared memory/,
    )
    expect(() => encoded([new Int32Array(new SharedArrayBuffer(8))], 'channel')).toThrow(
      /^The value\[0\] is a Int32Array over a SharedArrayBuffer .*Queue or a Pipe/,
    )
  })

  it('refuses a handle it cannot revive, and a malformed list of places', () => {
    expect(() => decodeValue([{ id: 'test:Nobody', data: 1 }], [[0]])).toThrow(
      /Cannot revive a `test:Nobody` here/,
    )
    expect(() => decodeValue([1], [[0]])).toThrow(/not a handle/)
    expect(() => decodeValue([1], [[5, 'x']])).toThrow(/not in the value/)
    expect(isHandleList([[0, 'a'], []])).toBe(true)
    for (const bad of ['x', [['a', -1]], [[1.5]], [[{}]], [Array.from({ length: 40 }, () => 0)]]) {
      expect(isHandleList(bad)).toBe(false)
    }
  })

  it('loads the module a handle names, only when its class is not known here', async () => {
    const known = encoded([new Point(1, 0)])
    expect(loadCodecs(known.value, known.handles)).toBeUndefined()
    const loaded: string[] = []
    const unknown = [{ id: 'test:Elsewhere', module: 'file:///elsewhere.js', data: 0 }]
    await loadCodecs(unknown, [[0]], async (url) => {
      loaded.push(url)
    })
    expect(loaded).toEqual(['file:///elsewhere.js'])
    await expect(
      loadCodecs(unknown, [[0]], () => Promise.reject(new Error('missing'))),
    ).rejects.toThrow(/file:\/\/\/elsewhere\.js\) could not be loaded/)
  })

  it('checks the places a run message carries', () => {
    const run = { type: 'run', id: 1, task: { kind: 'inline', source: 'x', name: 'x' } }
    const message = { ...run, packing: 'call', args: [] }
    expect(parseParentMessage({ ...message, handles: [[0]] })).toBeDefined()
    expect(parseParentMessage({ ...message, handles: 'everything' })).toBeUndefined()
    expect(parseParentMessage({ ...message, handles: [[-1]] })).toBeUndefined()
  })
})

describe('prepareCall and prepareChunk with registered instances', () => {
  it('record the handles of a call and of a chunk, and release what encoding opened', () => {
    const call = prepareCall(tasks.describePoints, [1, new Point(3, 4)], 'thread')
    expect(call.handles).toEqual([[1]])
    const chunk = prepareChunk(tasks.describePoints, [[new Point(1, 1)], [2]], false, 'thread')
    expect(chunk.handles).toEqual([[0]])
    const plain = prepareCall(tasks.describePoints, [1, { x: 2 }], 'thread')
    expect(plain.handles).toBeUndefined()
    expect(plain.release).toBeUndefined()
  })

  it('throw DataCloneError at the call site, naming the argument and its index', () => {
    let error: unknown
    try {
      prepareCall(tasks.describePoints, [1, { p: new LocalPoint(1, 1) }], 'process')
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(DataCloneError)
    expect((error as DataCloneError).message).toMatch(
      /^Argument 2 of `describePoints`\.p is a LocalPoint/,
    )
    expect((error as DataCloneError).argumentIndex).toBe(1)
    expect(() =>
      prepareChunk(tasks.describePoints, [[1], [new LocalPoint(1, 1)]], false, 'process'),
    ).toThrow(/^Item 1 of a chunk of the map over `describePoints` is a LocalPoint/)
  })
})

describe.each(['thread', 'process'] as const)(
  'registered instances reaching a task (%s)',
  { timeout: 20_000 },
  (runtime) => {
    const backend = sharedBackend(runtime)

    const run = (prepared: PreparedCall): Promise<CallOutcome> =>
      startAll(backend(), [listened(prepared)])[0]!.outcome

    it('are revived in a worker whose task module imports only their type', async () => {
      const origin = new Point(1, 1)
      const outcome = await run(
        prepareCall(tasks.describePoints, [new Point(4, 5, origin), { x: 1 }, origin], runtime),
      )
      expect(outcome).toMatchObject({ kind: 'value', value: [5, '[object Object]', Math.SQRT2] })
    })

    it('are revived in every item of a chunk', async () => {
      const chunk = prepareChunk(
        tasks.describePoints,
        [new Point(3, 4), new Point(6, 8), 7],
        true,
        runtime,
      )
      const outcome = await run(chunk)
      expect(outcome).toMatchObject({
        kind: 'value',
        value: { values: [[5], [10], ['[object Number]']] },
      })
    })

    it('stay plain data when they only look like handles', async () => {
      const forged = { id: 'test:Point', module: undefined, data: { at: [3, 4] } }
      const outcome = await run(prepareCall(tasks.describePoints, [forged], runtime))
      expect(outcome).toMatchObject({ kind: 'value', value: ['[object Object]'] })
    })
  },
)
