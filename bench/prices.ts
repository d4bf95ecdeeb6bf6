/**
 * List prices and quotas the capacity model uses, each with where it was read and when
 * (2026-12-02). Pay-as-you-go, China mainland where the page distinguishes regions, USD,
 * first tier, free quotas ignored. A figure we could not find on a page we could read is
 * marked `found: false` and shown with † wherever it is used; its `source` says what
 * stands in for it.
 */

/** One price or limit and its provenance. */
export interface Cited {
  value: number;
  unit: string;
  source: string;
  /** False when the figure is a stand-in, not read from the source (shown with †). */
  found: boolean;
}

export const READ_ON = '2026-12-02';

const FC_PAYG = 'https://alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1';

/** FC 3.0 bills everything in CUs: usage × conversion factor × the CU price. */
export const FC = {
  cuPrice: { value: 0.00002, unit: 'USD per CU (tier 1, up to 100 million CU a month)', source: FC_PAYG, found: true },
  cuPerInvocation: { value: 75 / 10_000, unit: 'CU per invocation (75 per 10,000)', source: FC_PAYG, found: true },
  cuPerActiveVcpuSecond: { value: 1, unit: 'CU per active vCPU-second', source: FC_PAYG, found: true },
  cuPerGbSecond: { value: 0.15, unit: 'CU per GB-second of memory', source: FC_PAYG, found: true },
} satisfies Record<string, Cited>;

/** What s.yaml gives each function (cpu, memorySize): what FC bills per second of active instance. */
export const FUNCTION_SIZES = {
  uploader: { vcpu: 1, memoryGb: 1 },
  callback: { vcpu: 0.5, memoryGb: 0.5 },
} as const;

export const OSS = {
  putRequest: {
    value: 0.01 / 10_000,
    unit: 'USD per PUT-type request',
    source:
      'not found: the request-fee page (https://www.alibabacloud.com/help/en/oss/product-overview/api-operation-calling-fees) defers the unit price to the OSS pricing page, which we could not read; USD 0.01 per 10,000 stands in',
    found: false,
  },
  getRequest: {
    value: 0.01 / 10_000,
    unit: 'USD per GET-type request',
    source: 'not found (as PUT requests); USD 0.01 per 10,000 stands in',
    found: false,
  },
  storageGbMonth: {
    value: 0.0173,
    unit: 'USD per GB-month, Standard LRS',
    source: 'https://alibabacloud.com/help/en/oss/product-overview/storage-fees (its worked example: "USD 0.0173 per GB-month")',
    found: true,
  },
} satisfies Record<string, Cited>;

export const TABLESTORE = {
  readCu: {
    value: 0.003 / 10_000,
    unit: 'USD per metered read CU',
    source: 'https://www.alibabacloud.com/help/en/tablestore/latest/billing-examples ("Additional read throughput USD 0.0030 per 10,000 CUs", high-performance instance, US, prices of 2018-08-01)',
    found: true,
  },
  writeCu: {
    value: 0.003 / 10_000,
    unit: 'USD per metered write CU',
    source: 'not found: the billing pages defer to the pricing page; the read CU price stands in',
    found: false,
  },
} satisfies Record<string, Cited>;

export const MNS = {
  request: {
    value: 2 / 7.1 / 1_000_000,
    unit: 'USD per queue request (64 KB)',
    source:
      'not found in USD: the billing page (https://www.alibabacloud.com/help/en/mns/product-overview/billing-overview) bills "per million requests" but its price table did not come through; CNY 2.00 per million from an undated copy of the old price page (wohugb.gitbooks.io/aliyun/content/mns/price-summary.html), at 7.1 CNY per USD, stands in',
    found: false,
  },
} satisfies Record<string, Cited>;

export const EVENTBRIDGE = {
  event: {
    value: 0.41 / 1_000_000,
    unit: 'USD per event (64 KB), event streams billed by volume',
    source: 'https://www.alibabacloud.com/help/en/eventbridge/product-overview/billing-of-event-streams',
    found: true,
  },
} satisfies Record<string, Cited>;

/** Quotas and service limits that bound throughput. */
export const LIMITS = {
  ossQpsPerAccount: {
    value: 10_000,
    unit: 'requests/s per account (non-sequential keys; 2,000 with sequential key prefixes)',
    source: 'https://www.alibabacloud.com/help/en/doc-detail/283216.htm ("Does OSS throttle bandwidth and QPS?")',
    found: true,
  },
  ossBandwidthGbit: {
    value: 10,
    unit: 'Gbit/s upload per account and region (China mainland default; 20 in some regions, more on request)',
    source: 'https://www.alibabacloud.com/help/en/object-storage-service/latest/usage-notes and https://www.alibabacloud.com/help/doc-detail/54464.htm',
    found: true,
  },
  fcInstancesPerRegion: {
    value: 300,
    unit: 'concurrent instances per account and region (default; raise in Quota Center)',
    source: 'https://www.alibabacloud.com/help/en/functioncompute/fc/overview-of-configuring-the-maximum-number-of-on-demand-instances',
    found: true,
  },
  tablestoreCuPerPartitionKey: {
    value: 10_000,
    unit: 'CU/s on one partition key before OTSCapacityUnitExhausted may be returned',
    source: 'https://www.alibabacloud.com/help/ja/tablestore/read-and-write-throughput (important note on metered throughput)',
    found: true,
  },
  mnsTpsPerAccount: {
    value: 20_000,
    unit: 'messages/s per account and region (batch operations count each message), guaranteed; more on request',
    source: 'https://www.alibabacloud.com/help/en/mns/developer-reference/flow-limiting-policy',
    found: true,
  },
  eventBridgeEpsPerCu: {
    value: 5_000,
    unit: 'events/s per CU of an event stream billed by CU (volume billing states no limit)',
    source: 'https://www.alibabacloud.com/help/en/eventbridge/product-overview/billing-of-event-streams',
    found: true,
  },
} satisfies Record<string, Cited>;

/** `value` with a † when the figure is a stand-in. */
export function mark(cited: Cited, text: string): string {
  return cited.found ? text : `${text} †`;
}
