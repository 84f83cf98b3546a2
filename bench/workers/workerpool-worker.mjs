// workerpool's worker script: registers the bench tasks by name.
import workerpool from 'workerpool'

import * as tasks from './tasks.mjs'

workerpool.worker({ ...tasks })
