import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreditbookError } from '../domain/errors.ts';
import { CreateApiKeyBody, CreateTestEnvironmentBody } from '../http/security-schemas.ts';
import { checkOperatorName, MAX_OPERATOR_NAME_LENGTH } from './operator-names.ts';

describe('checkOperatorName', () => {
  it('holds the limit of the API schemas that take a key name and an environment name', () => {
    for (const body of [CreateApiKeyBody, CreateTestEnvironmentBody]) {
      const name = body.properties.name.anyOf[0];
      assert.deepEqual([name.minLength, name.maxLength], [1, MAX_OPERATOR_NAME_LENGTH]);
    }
  });

  it('takes names of 1 to 100 characters, counted as code points, and absent names', () => {
    for (const ok of [undefined, null, 'ci', 'staging — é', 'n'.repeat(100), '🙂'.repeat(100), 'a\u00a0b']) checkOperatorName(ok, 'name');
  });

  it('refuses an empty or over-long name and any control character, naming the parameter and where', () => {
    const refusals: Array<[string, string]> = [
      ['', "'--name' must be a string of 1 to 100 characters; it has 0."],
      ['🙂'.repeat(101), "'--name' must be a string of 1 to 100 characters; it has 101."],
      ['🙂\tx', "'--name' must not contain control characters (U+0000 to U+001F, U+007F to U+009F); it has U+0009 at character 2."],
      ['\u0000', "'--name' must not contain control characters (U+0000 to U+001F, U+007F to U+009F); it has U+0000 at character 1."],
      ['ab\u009f', "'--name' must not contain control characters (U+0000 to U+001F, U+007F to U+009F); it has U+009F at character 3."],
    ];
    for (const [bad, message] of refusals) {
      assert.throws(
        () => checkOperatorName(bad, '--name'),
        (error: unknown) => error instanceof CreditbookError && error.code === 'validation_error' && error.param === '--name' && error.message === message,
        JSON.stringify(bad),
      );
    }
  });
});
