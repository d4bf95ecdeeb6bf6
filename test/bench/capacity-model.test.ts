// The capacity and cost model (bench/capacity-model.ts) and the bench's gate
// (bench/measure.ts): prices applied as bench/prices.ts cites them, limits loaded and
// ordered, per-round ratios and the verdict that fails a run only for a missed target.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingLimit, callbackFcCostPerMillion, costPerMillion, fcBudgetSeconds, fcComputeUnits, limitsAt, PK_HASH_VALUES, type JobCounts } from '../../bench/capacity-model';
import { EVENTBRIDGE, FC, LIMITS, OSS } from '../../bench/prices';
import { goal, pairedRow, verdict } from '../../bench/measure';

const ONE_KIB_JOB: JobCounts = {
  bytes: 1024,
  ossPut: 1,
  ossGet: 0,
  tablestoreReadCu: 3,
  tablestoreWriteCu: 3,
  tablestoreRequests: 1.1,
  mnsRequests: 1.2,
  mnsMessages: 3,
  events: 1,
  uploaderInvocations: 0.1,
  callbackInvocations: 1,
  uploaderActiveSeconds: 0.005,
  callbackActiveSeconds: 0.002,
};

describe('capacity model', () => {
  test('FC CUs: invocations, active vCPU-seconds and GB-seconds with the s.yaml sizes', () => {
    // 1.1 invocations × 0.0075 CU + (0.005 × 1 + 0.002 × 0.5) vCPU-s × 1 CU + (0.005 × 1 + 0.002 × 0.5) GB-s × 0.15 CU
    const expected = 1.1 * 0.0075 + 0.006 * 1 + 0.006 * 0.15;
    assert.ok(Math.abs(fcComputeUnits(ONE_KIB_JOB) - expected) < 1e-12);
    const fc = costPerMillion(ONE_KIB_JOB).find((l) => l.service === 'FC')!;
    assert.ok(Math.abs(fc.usd - 1e6 * expected * FC.cuPrice.value) < 1e-9);
  });

  test('each service line uses its cited price; stand-in prices are marked', () => {
    const lines = Object.fromEntries(costPerMillion(ONE_KIB_JOB).map((l) => [l.service, l]));
    assert.ok(Math.abs(lines['EventBridge']!.usd - 1e6 * EVENTBRIDGE.event.value) < 1e-9);
    assert.equal(lines['EventBridge']!.standIn, false);
    assert.equal(lines['OSS requests']!.standIn, !OSS.putRequest.found);
    assert.ok(Math.abs(lines['OSS storage (1 month)']!.usd - ((1e6 * 1024) / 1024 ** 3) * OSS.storageGbMonth.value) < 1e-9);
    assert.equal(lines['OSS storage (1 month)']!.standIn, false);
  });

  test('the callback on the custom runtime costs less when its instance time is shared', () => {
    const builtin = { ...ONE_KIB_JOB, callbackActiveSeconds: 0.02 };
    assert.ok(callbackFcCostPerMillion(ONE_KIB_JOB) < callbackFcCostPerMillion(builtin));
    // The invocation fee is the same either way: with no active time, only it remains.
    const idle = callbackFcCostPerMillion({ ...ONE_KIB_JOB, callbackActiveSeconds: 0 });
    assert.ok(Math.abs(idle - 1e6 * FC.cuPerInvocation.value * FC.cuPrice.value) < 1e-9);
  });

  test('limits at 10,000 jobs/s: quotas first, by load; MNS counts three messages per job', () => {
    const loads = limitsAt(ONE_KIB_JOB, 10_000);
    const quotas = loads.filter((l) => l.kind === 'quota');
    assert.deepEqual(
      quotas.map((l) => l.load),
      [...quotas.map((l) => l.load)].sort((a, b) => b - a),
    );
    assert.equal(loads.at(-1)!.kind, 'sizing', 'EventBridge CUs are a setting, listed after the quotas');
    const mns = loads.find((l) => l.limit.startsWith('MNS'))!;
    assert.equal(mns.demand, 30_000);
    assert.equal(mns.load, 30_000 / LIMITS.mnsTpsPerAccount.value);
    assert.equal(quotas[0]!.limit, mns.limit, 'for 1 KiB jobs MNS is the first quota reached');
    const tablestore = loads.find((l) => l.limit.startsWith('Tablestore'))!;
    assert.equal(tablestore.demand, (10_000 * 6) / PK_HASH_VALUES);
    const fc = loads.find((l) => l.limit.startsWith('FC'))!;
    assert.equal(fc.demand, 10_000 * 0.007, "Little's law: rate × instance-seconds per job");
    assert.equal(fc.basis, 'time');
  });

  test('the binding limit is taken from counts; FC instances bind only past their time budget', () => {
    const slow = { ...ONE_KIB_JOB, uploaderActiveSeconds: 0.05 };
    assert.equal(limitsAt(slow, 10_000)[0]!.limit, 'FC concurrent instances (region)', 'local busy time can put FC on top');
    assert.equal(bindingLimit(slow, 10_000).limit, 'MNS messages per second (account, region)', 'but the named limit follows from counts');
    assert.equal(fcBudgetSeconds(10_000), 0.03, '300 instances / 10,000 jobs/s');
  });

  test('large jobs hit OSS bandwidth first', () => {
    const big = { ...ONE_KIB_JOB, bytes: 1024 * 1024 };
    assert.equal(limitsAt(big, 10_000)[0]!.limit, 'OSS upload bandwidth (account, region)');
  });
});

describe('bench gate', () => {
  test('pairedRow: medians of each side, the median of per-round ratios, and their spread', () => {
    const row = pairedRow({ values: [90, 100, 80], references: [300, 310, 290] });
    assert.equal(row.value, 90);
    assert.equal(row.reference, 300);
    assert.equal(row.ratio, 0.3);
    assert.equal(row.rounds, 3);
    assert.deepEqual(row.spread, [80 / 290, 100 / 310]);
  });

  test('only a missed target fails the run; a missed aim is reported', () => {
    const target = { name: 't', value: 1, unit: 'x', ...goal('target', 0.4, 0.35) };
    const aimMissed = { name: 'a', value: 1, unit: 'x', ...goal('aim', 2, 1, { atMost: true }) };
    assert.equal(verdict([target, aimMissed]).failed, false);
    assert.match(verdict([target, aimMissed]).lines.join('\n'), /a not reached/);
    const missed = { name: 'm', value: 1, unit: 'x', ...goal('target', 0.3, 0.35) };
    assert.equal(verdict([target, missed, aimMissed]).failed, true);
    assert.match(verdict([missed]).lines[0]!, /MISSED: m/);
  });
});
