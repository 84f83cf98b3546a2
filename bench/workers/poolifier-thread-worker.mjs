// poolifier's thread worker: the bench tasks as named task functions.
import { ThreadWorker } from 'poolifier'

import * as tasks from './tasks.mjs'

export default new ThreadWorker({ ...tasks })
