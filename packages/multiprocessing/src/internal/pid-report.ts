/** The key of the progress report in which a `Process` target's worker tells its pid. */
export const PID_REPORT = '@concurrent/multiprocessing:pid'
