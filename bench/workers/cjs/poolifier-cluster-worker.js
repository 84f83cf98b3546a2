// poolifier's cluster (process) worker: the bench tasks as named task functions. CommonJS,
// because a cluster worker must register its task functions before the first message arrives:
// an ESM worker (loaded asynchronously) never answers its first task.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, see above */
'use strict'
const { ClusterWorker } = require('poolifier')

const tasks = require('./tasks.js')

module.exports = new ClusterWorker({ ...tasks })
