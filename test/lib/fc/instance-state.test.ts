// lib/fc/instance-state.ts, the per-instance state both functions keep (lib/uploader/instance.ts,
// lib/callback/instance.ts): reused while the credentials stay, rebuilt and the old one
// closed when FC rotates them (after the requests still using it), nothing kept when building fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialsKey, InstanceState } from '../../../lib/fc/instance-state';
import { ConfigError } from '../../../lib/errors';

const A = { accessKeyId: 'STS.a', accessKeySecret: 'secret-a', securityToken: 'token-a' };
const B = { accessKeyId: 'STS.b', accessKeySecret: 'secret-b', securityToken: 'token-b' };

test('the same credentials reuse the state; new ones build anew and close the old state once', () => {
  const closed: number[] = [];
  let built = 0;
  const state = new InstanceState<number>(() => ++built, (n) => closed.push(n));
  assert.equal(state.get({}, A), 1);
  assert.equal(state.get({}, { ...A }), 1);
  assert.deepEqual(closed, []);
  assert.equal(state.get({}, B), 2);
  assert.deepEqual(closed, [1]);
  state.forget();
  state.forget();
  assert.deepEqual(closed, [1, 2]);
  assert.equal(state.get({}, B), 3);
});

test('a failed build keeps the state there was, and the next call tries again', () => {
  const closed: string[] = [];
  let broken = true;
  const state = new InstanceState<string>(
    (_env, credentials) => {
      if (credentials === B && broken) throw new ConfigError('missing_setting', 'X', 'X is not set');
      return credentials === A ? 'a' : 'b';
    },
    (s) => closed.push(s),
  );
  state.get({}, A);
  assert.throws(() => state.get({}, B), ConfigError);
  assert.deepEqual(closed, []);
  assert.equal(state.get({}, A), 'a', 'the state there was is kept');
  broken = false;
  assert.equal(state.get({}, B), 'b');
  assert.deepEqual(closed, ['a']);
});

test('the key: the context pair when usable, else the environment; no secret in it', () => {
  const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret' };
  assert.equal(credentialsKey(env, { accessKeyId: '', accessKeySecret: '' }), credentialsKey(env, undefined), 'FC passes empty strings without a role');
  assert.notEqual(credentialsKey(env, A), credentialsKey(env, undefined));
  assert.notEqual(credentialsKey(env, A), credentialsKey(env, { ...A, securityToken: 'other' }));
  assert.match(credentialsKey(env, A), /^[0-9a-f]{64}$/);
});

test('use(): keys rotated by another request while one is in flight close the old state only when that request ends', async () => {
  const closed: number[] = [];
  let built = 0;
  const state = new InstanceState<number>(() => ++built, (n) => closed.push(n));
  let finish: () => void = () => undefined;
  const slow = state.use({}, A, async (n) => {
    await new Promise<void>((resolve) => (finish = resolve));
    return `done with ${n}`;
  });
  assert.equal(await state.use({}, B, async (n) => n), 2, 'the rotated keys get a new state at once');
  assert.deepEqual(closed, [], 'the old state is still in use');
  await state.use({}, B, async () => undefined);
  finish();
  assert.equal(await slow, 'done with 1');
  assert.deepEqual(closed, [1], 'closed when its last request ended, once');
  state.forget();
  assert.deepEqual(closed, [1, 2], 'an idle state closes at once');
});

test('use(): a failing request still releases the state, and forget() while in use defers the close', async () => {
  const closed: number[] = [];
  const state = new InstanceState<number>(() => 7, (n) => closed.push(n));
  await assert.rejects(state.use({}, A, async () => { throw new Error('boom'); }), /boom/);
  let finish: () => void = () => undefined;
  const held = state.use({}, A, () => new Promise<void>((resolve) => (finish = resolve)));
  state.forget();
  state.forget();
  assert.deepEqual(closed, []);
  finish();
  await held;
  assert.deepEqual(closed, [7]);
});
