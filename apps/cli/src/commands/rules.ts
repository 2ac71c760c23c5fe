import { formatRuleTestResult, ruleTestPassed, runRuleTestFile } from '@opsight/logstore/ruler';

/**
 * `opsight rules test <file>…`: runs unit tests of LogQL rules (promtool's test-file shape, input streams
 * instead of series; the format is in observability/logstore/README.md) against an in-memory log store.
 * Prints promtool's report per file; 0 when every test passed, 1 otherwise.
 */
export async function rulesTest(options: {
  files: readonly string[];
  write?: (text: string) => void;
}): Promise<number> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  let failed = false;
  for (const file of options.files) {
    const result = await runRuleTestFile(file);
    write(formatRuleTestResult(result));
    if (!ruleTestPassed(result)) failed = true;
  }
  return failed ? 1 : 0;
}
