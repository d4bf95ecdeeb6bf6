/**
 * The capacity and cost model: from what one job costs each service (counted by the
 * emulators in `npm run bench -- capacity`) and the cited prices and quotas
 * (bench/prices.ts), the cost of a million jobs per service, and what each limit sees at
 * a given rate of jobs.
 */
import { EVENTBRIDGE, FC, FUNCTION_SIZES, LIMITS, MNS, OSS, TABLESTORE, type Cited } from './prices';

/** Per job, as measured. */
export interface JobCounts {
  /** Object bytes stored. */
  bytes: number;
  ossPut: number;
  ossGet: number;
  tablestoreReadCu: number;
  tablestoreWriteCu: number;
  tablestoreRequests: number;
  /** Queue requests (producer's send, the trigger's receives, deletes, visibility changes). */
  mnsRequests: number;
  /** Messages touched per job by MNS operations, as MNS throttling counts them (batch operations count each message). */
  mnsMessages: number;
  events: number;
  uploaderInvocations: number;
  callbackInvocations: number;
  /** Billed active instance-seconds (overlapping requests on one instance counted once). */
  uploaderActiveSeconds: number;
  callbackActiveSeconds: number;
}

export type Service = 'FC' | 'OSS requests' | 'OSS storage (1 month)' | 'Tablestore' | 'MNS' | 'EventBridge';

export interface CostLine {
  service: Service;
  usd: number;
  /** True when a price behind it is a stand-in (bench/prices.ts `found: false`). */
  standIn: boolean;
}

const GIB = 1024 ** 3;

function line(service: Service, parts: Array<[number, Cited]>): CostLine {
  return { service, usd: parts.reduce((sum, [amount, price]) => sum + amount * price.value, 0), standIn: parts.some(([amount, price]) => amount > 0 && !price.found) };
}

/** FC's CUs for one job: invocations, and active vCPU-seconds and GB-seconds of both functions. */
export function fcComputeUnits(c: JobCounts): number {
  const vcpuSeconds = c.uploaderActiveSeconds * FUNCTION_SIZES.uploader.vcpu + c.callbackActiveSeconds * FUNCTION_SIZES.callback.vcpu;
  const gbSeconds = c.uploaderActiveSeconds * FUNCTION_SIZES.uploader.memoryGb + c.callbackActiveSeconds * FUNCTION_SIZES.callback.memoryGb;
  return (c.uploaderInvocations + c.callbackInvocations) * FC.cuPerInvocation.value + vcpuSeconds * FC.cuPerActiveVcpuSecond.value + gbSeconds * FC.cuPerGbSecond.value;
}

/** What FC bills for the callback alone, per million jobs (USD): its invocations and its active instance time. */
export function callbackFcCostPerMillion(c: JobCounts): number {
  const size = FUNCTION_SIZES.callback;
  const cu = c.callbackInvocations * FC.cuPerInvocation.value + c.callbackActiveSeconds * (size.vcpu * FC.cuPerActiveVcpuSecond.value + size.memoryGb * FC.cuPerGbSecond.value);
  return 1_000_000 * cu * FC.cuPrice.value;
}

/**
 * The cost of a million jobs, split by service.
 *
 * @example costPerMillion(counts).find((l) => l.service === 'FC')!.usd
 */
export function costPerMillion(c: JobCounts): CostLine[] {
  const m = 1_000_000;
  return [
    { service: 'FC', usd: m * fcComputeUnits(c) * FC.cuPrice.value, standIn: false },
    line('OSS requests', [
      [m * c.ossPut, OSS.putRequest],
      [m * c.ossGet, OSS.getRequest],
    ]),
    line('OSS storage (1 month)', [[(m * c.bytes) / GIB, OSS.storageGbMonth]]),
    line('Tablestore', [
      [m * c.tablestoreReadCu, TABLESTORE.readCu],
      [m * c.tablestoreWriteCu, TABLESTORE.writeCu],
    ]),
    line('MNS', [[m * c.mnsRequests, MNS.request]]),
    line('EventBridge', [[m * c.events, EVENTBRIDGE.event]]),
  ];
}

/** One limit at a rate of jobs: what it would have to carry against what it allows. */
export interface LimitLoad {
  limit: string;
  demand: number;
  allowed: number;
  unit: string;
  /** demand / allowed: over 1 means the limit is passed. */
  load: number;
  /** `quota`: a limit of the service or account; `sizing`: a setting of ours that scales with load (load = units to configure). */
  kind: 'quota' | 'sizing';
  /**
   * `count`: the demand follows from counted requests, bytes and CUs, as in the cloud;
   * `time`: it follows from how long instances were busy here, which a loaded local machine
   * inflates (FC instances), so it is an upper bound.
   */
  basis: 'count' | 'time';
  source: Cited;
}

/** Distinct values of pk_hash: the first 4 hex digits of MD5(jobId) (lib/records/record.ts). */
export const PK_HASH_VALUES = 16 ** 4;

/**
 * The first quota reached at `jobsPerSecond` among those whose demand follows from counts
 * (FC instances follow from local busy times, reported beside it: fcBudgetSeconds).
 */
export function bindingLimit(c: JobCounts, jobsPerSecond: number): LimitLoad {
  return limitsAt(c, jobsPerSecond).find((l) => l.kind === 'quota' && l.basis === 'count')!;
}

/** Instance-seconds per job (both functions) at which FC's instance quota is reached at `jobsPerSecond`. */
export function fcBudgetSeconds(jobsPerSecond: number): number {
  return LIMITS.fcInstancesPerRegion.value / jobsPerSecond;
}

/**
 * What each limit carries at `jobsPerSecond`: the quotas, highest load first (the first
 * one reached), then the sizings of ours. FC instances follow Little's law: busy
 * instances = rate × billed instance-seconds per job.
 */
export function limitsAt(c: JobCounts, jobsPerSecond: number): LimitLoad[] {
  const r = jobsPerSecond;
  const rows: Omit<LimitLoad, 'load'>[] = [
    { kind: 'quota', basis: 'count', limit: 'OSS requests per second (account)', demand: r * (c.ossPut + c.ossGet), allowed: LIMITS.ossQpsPerAccount.value, unit: 'requests/s', source: LIMITS.ossQpsPerAccount },
    { kind: 'quota', basis: 'count', limit: 'OSS upload bandwidth (account, region)', demand: (r * c.bytes * 8) / 1e9, allowed: LIMITS.ossBandwidthGbit.value, unit: 'Gbit/s', source: LIMITS.ossBandwidthGbit },
    {
      kind: 'quota',
      basis: 'time',
      limit: 'FC concurrent instances (region)',
      demand: r * (c.uploaderActiveSeconds + c.callbackActiveSeconds),
      allowed: LIMITS.fcInstancesPerRegion.value,
      unit: 'instances',
      source: LIMITS.fcInstancesPerRegion,
    },
    {
      kind: 'quota',
      basis: 'count',
      limit: 'Tablestore CU/s on one partition key (pk_hash spread)',
      demand: (r * (c.tablestoreReadCu + c.tablestoreWriteCu)) / PK_HASH_VALUES,
      allowed: LIMITS.tablestoreCuPerPartitionKey.value,
      unit: 'CU/s per key',
      source: LIMITS.tablestoreCuPerPartitionKey,
    },
    { kind: 'quota', basis: 'count', limit: 'MNS messages per second (account, region)', demand: r * c.mnsMessages, allowed: LIMITS.mnsTpsPerAccount.value, unit: 'messages/s', source: LIMITS.mnsTpsPerAccount },
    { kind: 'sizing', basis: 'count', limit: 'EventBridge events per second (one CU of a CU-billed stream)', demand: r * c.events, allowed: LIMITS.eventBridgeEpsPerCu.value, unit: 'events/s', source: LIMITS.eventBridgeEpsPerCu },
  ];
  return rows
    .map((row) => ({ ...row, load: row.demand / row.allowed }))
    .sort((a, b) => (a.kind === b.kind ? b.load - a.load : a.kind === 'quota' ? -1 : 1));
}
