import { validationError } from '../errors.js'
import type { LogEvent, LogLevel, QueryEvent, Telemetry } from './telemetry.js'

/** `db.$on`: listeners of the levels `log` enables with `emit: 'event'` (others: VALIDATION), as Prisma. */
export interface EventMethods {
  $on(event: 'query', listener: (e: QueryEvent) => void): void
  $on(event: 'info' | 'warn' | 'error', listener: (e: LogEvent) => void): void
}

/** The client's `$on` (refusing every level when the client has no `log`). */
export function eventMethods(telemetry: Telemetry | undefined): EventMethods {
  const $on = (event: LogLevel, listener: (e: never) => void): void => {
    if (!telemetry)
      throw validationError(
        '$on',
        `'${event}' events are not enabled: create the client with log: [{ emit: 'event', level: '${event}' }]`,
      )
    telemetry.on(event, listener)
  }
  return { $on: $on as EventMethods['$on'] }
}

/** Whether the telemetry takes tandem's own messages (any of info, warn, error in `log`). */
function takesMessages(telemetry: Telemetry | undefined): telemetry is Telemetry {
  return telemetry !== undefined && (['info', 'warn', 'error'] as const).some((l) => telemetry.has(l))
}

/**
 * The ScyllaDB options with their `logger` (driver warnings and errors, failures tandem recovered from, the
 * fallback's and `$push`'s notes; levels 'warning' | 'error' | 'info') also reporting to `log` as warn/error/info
 * with target 'scylla'. The user's own `scylla.logger` still gets everything. Unchanged without such a `log`.
 */
export function scyllaWithEvents<O extends { logger?: (level: string, message: string) => void }>(
  options: O | undefined,
  telemetry: Telemetry | undefined,
): O | undefined {
  if (!takesMessages(telemetry)) return options
  const own = options?.logger
  return {
    ...(options ?? ({} as O)),
    logger: (level: string, message: string) => {
      own?.(level, message)
      const l = level === 'warning' ? 'warn' : level
      if (l === 'info' || l === 'warn' || l === 'error') telemetry.log(l, message, 'scylla')
    },
  }
}

/**
 * Dual mode's settings with their `logger` (switches, health failures, mismatches) also reporting to `log` with
 * target 'dual'. Without a `dual.logger`, what `log` does not take still goes to stderr, as before.
 */
export function dualWithEvents<
  D extends { logger: ((level: 'info' | 'warn' | 'error', message: string) => void) | undefined },
>(settings: D, telemetry: Telemetry | undefined): D {
  if (!takesMessages(telemetry)) return settings
  const own = settings.logger
  return {
    ...settings,
    logger: (level: 'info' | 'warn' | 'error', message: string) => {
      if (own) own(level, message)
      else if (!telemetry.has(level) && level !== 'info') process.stderr.write(`tandem ${level}: ${message}\n`)
      telemetry.log(level, message, 'dual')
    },
  }
}
