/**
 * Progress of a long data-movement run (migrate, verify, sync), for the CLI's bars and for logs: rows done
 * so far in the model's current phase (absolute), and the expected total when known.
 */
export interface MoveProgress {
  readonly phase: 'backup' | 'copy' | 'retry' | 'verify' | 'sync' | 'deletes'
  readonly model: string
  readonly done: number
  readonly total: number | undefined
}

export type ProgressListener = (event: MoveProgress) => void
