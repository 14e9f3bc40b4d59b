// node:test reporter: one JSON line per skipped test ({ file, name, reason }).
// scripts/run-tests.mjs reads it to print a summary and, in strict mode, fail.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const { skip, name, file } = event.data
    if (skip === undefined || skip === false) continue
    yield `${JSON.stringify({ file: file ?? '', name, reason: typeof skip === 'string' ? skip : '' })}\n`
  }
}
