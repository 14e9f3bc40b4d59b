// Small wording helpers shared by the commands.

/** "1 service", "2 services"; the plural form when it is not word + s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/**
 * How the user runs decnet, for hints: `npx decnet` when this process was
 * started by npx (npm exec sets npm_command=exec), else `decnet`.
 */
export function invokedAs(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_command === 'exec' || env.npm_lifecycle_event === 'npx' ? 'npx decnet' : 'decnet'
}
