// node --test reporter: one JSON line per test that reported, with its file and outcome.
// Suites are left out (their tests report themselves) except a skipped one, which counts once,
// and a failed one, which marks its file (a hook failed, or the suite timed out).
export default async function* reporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, name, details = {}, skip, todo } = event.data;
    const suite = details.type === 'suite';
    const outcome = skip !== undefined || todo !== undefined ? 'skipped' : event.type === 'test:pass' ? 'passed' : 'failed';
    if (suite && outcome === 'passed') continue;
    yield `${JSON.stringify({ file, name, outcome, suite })}\n`;
  }
}
