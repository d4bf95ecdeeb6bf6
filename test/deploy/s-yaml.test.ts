// Validates s.yaml against sources we did not write (test/conformance/fc3/, README.md
// there names them): every resource's props against the fc3 component's JSON Schema, and
// every trigger and async-invoke field against FC 3.0's API structures as the official SDK
// declares them; plus the deployment facts the pipeline depends on (runtimes, triggers,
// queues, environment variables).
//
// Serverless Devs resolves `${…}` expressions at deploy time, so before validating, the
// test resolves them the same way with sample values: `env('X')` from SAMPLE_ENV (an
// env lookup without a sample fails the test, so every variable s.yaml reads is one the
// docs list), `config('AccountID')` from SAMPLE_ACCOUNT_ID, `vars.x` from s.yaml's own
// vars, and `resources.<name>.output.<path>` from SAMPLE_OUTPUTS. Every expression in
// s.yaml sits inside a string-typed field (names, ARNs, URLs, environment variables),
// so a sample string is a value of the right type; numbers and booleans are literals.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import Ajv, { type ValidateFunction } from 'ajv';
import { DEFAULT_TIMEOUT_MS, storeConfigFromEnv } from '../../lib/store/config';
import { loadFcApiStructures, structureErrors } from '../support/fc-api-structures';
import { ticketConfigFromEnv } from '../../lib/ticket/config';
import { FUNCTIONS as BUNDLES } from '../../tools/bundle';
import { CALLBACK_INSTANCE_CONCURRENCY } from '../../local/stack';

const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const SAMPLE_ENV: Record<string, string> = {
  FC_REGION: 'cn-shanghai',
  OSS_BUCKET: 'sample-upload-bucket',
  TABLESTORE_INSTANCE: 'sampleinst',
  LOG_PROJECT: 'sample-log-project',
  CALLBACK_TOKEN_SECRET: 'sample-token-secret',
  TICKET_JWK_KID: 'app-2026-12',
  TICKET_JWK_N: 'sample-modulus-base64url',
};
const SAMPLE_ACCOUNT_ID = '1234567890123456';
const SAMPLE_OUTPUTS: Record<string, string> = {
  'resources.callback.output.url.system_url': 'https://oss-upload-callback-abcdefghij.cn-shanghai.fcapp.run',
};

/** The variables each function reads in the cloud (README.md, Configuration). */
const REQUIRED_ENV: Record<string, string[]> = {
  uploader: ['OSS_REGION', 'OSS_BUCKET', 'CALLBACK_URL', 'CALLBACK_TOKEN_SECRET', 'TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE', 'TABLESTORE_TABLE'],
  callback: ['CALLBACK_TOKEN_SECRET', 'CALLBACK_ALLOWED_BUCKETS', 'TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE', 'TABLESTORE_TABLE'],
  // lib/ticket/config.ts
  ticket: ['OSS_REGION', 'OSS_BUCKET', 'CALLBACK_URL', 'CALLBACK_TOKEN_SECRET', 'TICKET_KEY_PREFIX', 'TICKET_USER_HEADER', 'TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE', 'TABLESTORE_TABLE'],
};
const FUNCTIONS = ['callback', 'ticket', 'uploader'];
/** Local-stack overrides and static keys: in FC the role's STS credentials are used instead. */
const FORBIDDEN_IN_CLOUD = [
  'OSS_ENDPOINT',
  'CALLBACK_PUBKEY_URL_PREFIXES',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

function resolveExpression(expression: string, vars: Obj | undefined, resources: Obj): string {
  const env = /^env\(\s*'([A-Za-z0-9_]+)'\s*(?:,\s*'([^']*)'\s*)?\)$/.exec(expression);
  if (env) {
    const [, name, fallback] = env;
    if (name in SAMPLE_ENV) return SAMPLE_ENV[name];
    if (fallback !== undefined) return fallback;
    throw new Error(`s.yaml reads env('${name}'), which has no sample value here (and so is not documented)`);
  }
  if (/^config\(\s*'AccountID'\s*\)$/.test(expression)) return SAMPLE_ACCOUNT_ID;
  const variable = /^vars\.([A-Za-z0-9_]+)$/.exec(expression);
  if (variable) {
    if (!vars) throw new Error(`\${${expression}} used inside vars, which Serverless Devs does not resolve there`);
    const value = vars[variable[1]];
    if (typeof value !== 'string') throw new Error(`\${${expression}} is not a string var`);
    return value;
  }
  const output = /^resources\.([A-Za-z0-9_-]+)\.output\..+$/.exec(expression);
  if (output) {
    if (!(output[1] in resources)) throw new Error(`\${${expression}} names a resource s.yaml does not have`);
    if (!(expression in SAMPLE_OUTPUTS)) throw new Error(`no sample output for \${${expression}}`);
    return SAMPLE_OUTPUTS[expression];
  }
  throw new Error(`unsupported expression \${${expression}}`);
}

/** Replaces every `${…}` in every string of `value`, recursively. */
function resolve(value: Json, vars: Obj | undefined, resources: Obj): Json {
  if (typeof value === 'string') {
    const resolved = value.replace(/\$\{([^{}]+)\}/g, (_, expression: string) => resolveExpression(expression.trim(), vars, resources));
    assert.ok(!resolved.includes('${'), `unresolved expression left in ${JSON.stringify(value)}`);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((item) => resolve(item, vars, resources));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, vars, resources)]));
  }
  return value;
}

const raw = parse(readFileSync(root('s.yaml'), 'utf8')) as Obj;
const rawResources = raw.resources as Obj;
const vars = resolve(raw.vars, undefined, rawResources) as Obj;
const resolved = resolve(raw, vars, rawResources) as Obj;
const resources = resolved.resources as Record<string, { component: string; props: Obj }>;
const rawProps = (name: string): Obj => (rawResources[name] as Obj).props as Obj;
const props = (name: string): Obj => resources[name].props;
const env = (name: string): Record<string, string> => props(name).environmentVariables as Record<string, string>;
const triggers = (name: string): Obj[] => props(name).triggers as Obj[];

const schema = JSON.parse(readFileSync(root('test/conformance/fc3/schema.json'), 'utf8')) as Obj;
// strict: false because the upstream schema uses draft-07 tuple forms ("items": [..]
// with min/maxItems) that Ajv's strict mode only warns about.
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(schema, 'fc3');
const validateProps = ajv.getSchema('fc3') as ValidateFunction;
// The props schema types triggerConfig as anyOf(...) including IOtsConfig, which is
// any object, so it accepts every triggerConfig; each trigger is therefore also
// checked against the definition of its own type.
const triggerConfigSchemas: Record<string, ValidateFunction> = {
  http: ajv.compile({ $ref: 'fc3#/definitions/IHttpTriggerConfig' }),
  eventbridge: ajv.compile({ $ref: 'fc3#/definitions/IEventBridge' }),
};

function schemaErrors(validate: ValidateFunction, value: Json): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

function triggerConfigErrors(trigger: Obj): string[] {
  const validate = triggerConfigSchemas[trigger.triggerType as string];
  assert.ok(validate, `no trigger-type schema for ${String(trigger.triggerType)}`);
  return schemaErrors(validate, trigger.triggerConfig);
}

const clone = <T>(value: T): T => structuredClone(value);

describe('s.yaml against the fc3 schema', () => {
  test('has exactly the three resources, all on component fc3', () => {
    assert.deepEqual(Object.keys(resources).sort(), FUNCTIONS);
    for (const [name, resource] of Object.entries(resources)) assert.equal(resource.component, 'fc3', name);
  });

  for (const name of FUNCTIONS) {
    test(`${name}: props are valid`, () => {
      assert.deepEqual(schemaErrors(validateProps, props(name)), []);
    });

    test(`${name}: every trigger config is valid for its trigger type`, () => {
      for (const trigger of triggers(name)) assert.deepEqual(triggerConfigErrors(trigger), [], String(trigger.triggerName));
    });
  }

  test('the validation catches broken props (so the checks above can fail)', () => {
    const base = props('uploader');
    const mutations: Array<[string, (p: Obj) => void]> = [
      ['unknown runtime', (p) => (p.runtime = 'nodejs99')],
      ['no handler', (p) => delete p.handler],
      ['no code', (p) => delete p.code],
      ['no functionName', (p) => delete p.functionName],
      ['unknown region', (p) => (p.region = 'moon-base-1')],
      ['memory not a multiple of 64', (p) => (p.memorySize = 1000)],
      ['timeout of zero', (p) => (p.timeout = 0)],
      ['too many async retries', (p) => ((p.asyncInvokeConfig as Obj).maxAsyncRetryAttempts = 9)],
      ['non-string environment value', (p) => ((p.environmentVariables as Obj).OSS_BUCKET = 42)],
      ['unknown trigger type', (p) => ((p.triggers as Obj[])[0].triggerType = 'queue')],
      ['instanceConcurrency over 200', (p) => (p.instanceConcurrency = 201)],
      ['customRuntimeConfig command not a list', (p) => (p.customRuntimeConfig = { command: 'node server.js' })],
    ];
    for (const [label, mutate] of mutations) {
      const broken = clone(base);
      mutate(broken);
      assert.notDeepEqual(schemaErrors(validateProps, broken), [], `schema accepted props with ${label}`);
    }
  });

  test('the ticket trigger\'s JWT config is checked: no jwks, two keys, an unknown read position or a key without n fail', () => {
    const base = triggers('ticket')[0];
    const mutations: Array<[string, (auth: Obj) => void]> = [
      ['no jwks', (a) => delete a.jwks],
      ['no tokenLookup', (a) => delete a.tokenLookup],
      ['a key without n', (a) => delete (((a.jwks as Obj).keys as Obj[])[0] as Obj).n],
      ['two keys (the schema allows one)', (a) => ((a.jwks as Obj).keys as Obj[]).push({ ...((a.jwks as Obj).keys as Obj[])[0] })],
      ['token read from the body', (a) => (((a.tokenLookup as Obj[])[0] as Obj).readPosition = 'body')],
      ['claim passed as a query parameter', (a) => (((a.claimPassBy as Obj[])[0] as Obj).mappingParameterPosition = 'query')],
    ];
    for (const [label, mutate] of mutations) {
      const broken = clone(base);
      mutate((broken.triggerConfig as Obj).authConfig as Obj);
      assert.notDeepEqual(triggerConfigErrors(broken), [], `trigger check accepted ${label}`);
    }
  });

  test('the trigger-type check catches what the props schema lets through', () => {
    const http = clone(triggers('callback')[0]);
    (http.triggerConfig as Obj).authType = 'none';
    const eventbridge = clone(triggers('uploader')[0]);
    delete (eventbridge.triggerConfig as Obj).runOptions;
    for (const [label, trigger, owner] of [
      ['http authType none', http, 'callback'],
      ['eventbridge without runOptions', eventbridge, 'uploader'],
    ] as const) {
      const withBroken = { ...clone(props(owner)), triggers: [trigger] };
      assert.deepEqual(schemaErrors(validateProps, withBroken), [], `props schema now rejects ${label}; the extra check may be redundant`);
      assert.notDeepEqual(triggerConfigErrors(trigger), [], `trigger check accepted ${label}`);
    }
  });
});

describe('s.yaml deployment facts', () => {
  test('every function runs its built bundle: the uploader and the ticket function on nodejs20, the callback as its HTTP server on the custom runtime', () => {
    for (const name of FUNCTIONS) {
      assert.equal(props(name).handler, 'index.handler', name);
      assert.equal(props(name).code, `./dist/${name}`, name);
    }
    assert.equal(props('uploader').runtime, 'nodejs20');
    assert.equal(props('ticket').runtime, 'nodejs20');
    assert.equal(props('callback').runtime, 'custom.debian10');
    // custom.debian10 ships Node.js 20 at /var/fc/lang/nodejs20; FC unpacks the code at /code
    // (FC "Custom runtimes": https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/overview-10-2).
    assert.deepEqual(props('callback').customRuntimeConfig, { command: ['/var/fc/lang/nodejs20/bin/node'], args: ['/code/server.js'], port: 9000 });
    const built = BUNDLES['callback-server']!;
    assert.equal(`/code/${built.file}`, '/code/server.js', 'the command starts the bundle npm run build writes into dist/callback');
    assert.equal(built.dir, 'callback');
    const concurrency = props('callback').instanceConcurrency as number;
    assert.ok(concurrency > 1, 'the point of the custom runtime: instances shared by callbacks');
    assert.equal(concurrency, CALLBACK_INSTANCE_CONCURRENCY, 'the local stack runs the callback as deployed');
    assert.equal(props('uploader').instanceConcurrency, undefined, 'a built-in runtime would ignore it');
  });

  test('npm run build runs once before deploying', () => {
    const actions = resolved.actions as Obj;
    assert.deepEqual(actions['pre-deploy'], [{ run: 'npm run build', path: './' }]);
    const pkg = JSON.parse(readFileSync(root('package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.ok(pkg.scripts.build, 'package.json has no build script');
  });

  test('callback: one anonymous POST-only HTTP trigger on LATEST', () => {
    const list = triggers('callback');
    assert.equal(list.length, 1);
    const [trigger] = list;
    assert.equal(trigger.triggerType, 'http');
    assert.equal(trigger.qualifier, 'LATEST');
    const config = trigger.triggerConfig as Obj;
    assert.equal(config.authType, 'anonymous');
    assert.deepEqual(config.methods, ['POST']);
    assert.notEqual(config.disableURLInternet, true, 'OSS must reach the callback over the internet');
  });

  test('ticket: one JWT-protected HTTP trigger for POST and GET; the Bearer token is verified with the app\'s RS256 key and its sub reaches the function as the header the function reads', () => {
    const list = triggers('ticket');
    assert.equal(list.length, 1);
    const [trigger] = list;
    assert.equal(trigger.triggerType, 'http');
    assert.equal(trigger.qualifier, 'LATEST');
    const config = trigger.triggerConfig as Obj;
    assert.equal(config.authType, 'jwt');
    assert.deepEqual(config.methods, ['POST', 'GET']);
    const auth = config.authConfig as Obj;
    assert.deepEqual((auth.jwks as Obj).keys, [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid: SAMPLE_ENV.TICKET_JWK_KID, n: SAMPLE_ENV.TICKET_JWK_N, e: 'AQAB' }]);
    assert.deepEqual(auth.tokenLookup, [{ readPosition: 'header', parameterName: 'Authorization', prefix: 'Bearer ' }]);
    assert.deepEqual(auth.claimPassBy, [{ claimName: 'sub', mappingParameterName: env('ticket').TICKET_USER_HEADER, mappingParameterPosition: 'header' }]);
    assert.equal(env('ticket').CALLBACK_URL, SAMPLE_OUTPUTS['resources.callback.output.url.system_url']);
    assert.equal(env('ticket').OSS_BUCKET, SAMPLE_ENV.OSS_BUCKET);
    assert.ok(Number(env('ticket').TICKET_EXPIRES_SECONDS) <= 600);
    // The function's own reader accepts what s.yaml sets, and reads the header the trigger fills.
    const ticket = ticketConfigFromEnv(env('ticket'), { accessKeyId: 'STS.sample', accessKeySecret: 'sample', securityToken: 'sample' });
    assert.equal(ticket.userHeader, 'x-user-id');
    assert.equal(ticket.region, SAMPLE_ENV.FC_REGION);
    assert.equal(ticket.keyPrefix, vars.ticketKeyPrefix);
    assert.equal(ticket.uploadUrl, `https://${SAMPLE_ENV.OSS_BUCKET}.oss-${SAMPLE_ENV.FC_REGION}.aliyuncs.com`);
  });

  test('callback: its store deadline fits inside the 5 s OSS waits', () => {
    assert.ok(DEFAULT_TIMEOUT_MS < 5000, `store deadline ${DEFAULT_TIMEOUT_MS} ms`);
    const timeout = props('callback').timeout as number;
    assert.ok(timeout >= 5 && timeout <= 30, `callback timeout ${timeout} s`);
  });

  test('uploader: an event-streaming EventBridge trigger on the MNS jobs queue, with retries and a dead-letter queue', () => {
    const list = triggers('uploader');
    assert.equal(list.length, 1);
    const [trigger] = list;
    assert.equal(trigger.triggerType, 'eventbridge');
    const config = trigger.triggerConfig as Obj;
    const source = config.eventSourceConfig as Obj;
    assert.equal(source.eventSourceType, 'MNS');
    const mns = (source.eventSourceParameters as Obj).sourceMNSParameters as Obj;
    assert.equal(mns.QueueName, vars.jobsQueue);
    assert.equal(mns.IsBase64Decode, false);
    const run = config.runOptions as Obj;
    assert.equal(run.mode, 'event-streaming');
    assert.equal(((config.eventSinkConfig as Obj).deliveryOption as Obj).eventSchema, 'CloudEvents', 'lib/fc/mns-event.ts reads CloudEvents');
    // Field names, values and ranges are checked against FC's API structures below.
    assert.ok(run.batchWindow, 'batched delivery');
    // A retried batch must outlast an outage of OSS or Tablestore (s.yaml says why).
    assert.equal((run.retryStrategy as Obj).PushRetryStrategy, 'EXPONENTIAL_DECAY_RETRY');
    assert.equal(run.errorsTolerance, 'ALL');
    assert.equal(
      (run.deadLetterQueue as Obj).Arn,
      `acs:mns:${SAMPLE_ENV.FC_REGION}:${SAMPLE_ACCOUNT_ID}:/queues/${String(vars.deadLetterQueue)}`,
    );
    assert.notEqual(vars.jobsQueue, vars.deadLetterQueue);
  });

  test('uploader: async invocations retry and then go to the dead-letter queue', () => {
    const config = props('uploader').asyncInvokeConfig as Obj;
    const retries = config.maxAsyncRetryAttempts as number;
    assert.ok(retries >= 0 && retries <= 8);
    const onFailure = ((config.destinationConfig as Obj).onFailure as Obj).destination;
    assert.equal(onFailure, `acs:mns:${SAMPLE_ENV.FC_REGION}:${SAMPLE_ACCOUNT_ID}:/queues/${String(vars.deadLetterQueue)}/messages`);
  });

  test('uploader: sized for large uploads', () => {
    assert.ok((props('uploader').memorySize as number) >= 1024);
    assert.ok((props('uploader').timeout as number) >= 300);
  });

  test('each function has its own role in this account and a log store', () => {
    const roles = FUNCTIONS.map((name) => props(name).role as string);
    for (const role of roles) assert.match(role, new RegExp(`^acs:ram::${SAMPLE_ACCOUNT_ID}:role/[A-Za-z0-9.-]+$`));
    assert.equal(new Set(roles).size, roles.length, 'least privilege: one role per function');
    for (const name of FUNCTIONS) {
      const log = props(name).logConfig as Obj;
      assert.equal(log.project, SAMPLE_ENV.LOG_PROJECT);
      assert.equal(typeof log.logstore, 'string');
    }
  });

  for (const name of FUNCTIONS) {
    test(`${name}: has every variable it reads, and no local-only or static-key ones`, () => {
      const vars = env(name);
      for (const key of REQUIRED_ENV[name]) assert.ok(vars[key], `${name} lacks ${key}`);
      for (const key of FORBIDDEN_IN_CLOUD) assert.equal(vars[key], undefined, `${name} sets ${key}`);
      assert.equal(
        (rawProps(name).environmentVariables as Obj).CALLBACK_TOKEN_SECRET,
        "${env('CALLBACK_TOKEN_SECRET')}",
        'the token secret must come from the deployer environment, never from the file',
      );
    });

    test(`${name}: its Tablestore settings are accepted by the store's config reader`, () => {
      const config = storeConfigFromEnv(env(name), { accessKeyId: 'STS.sample', accessKeySecret: 'sample', securityToken: 'sample' });
      assert.equal(config.endpoint, `https://${SAMPLE_ENV.TABLESTORE_INSTANCE}.${SAMPLE_ENV.FC_REGION}.ots.aliyuncs.com`);
      assert.equal(config.table, 'upload_results');
    });
  }

  test('uploader: CALLBACK_URL is the callback function trigger URL, OSS_REGION the oss- region', () => {
    assert.equal(
      (rawProps('uploader').environmentVariables as Obj).CALLBACK_URL,
      '${resources.callback.output.url.system_url}',
    );
    assert.equal(env('uploader').CALLBACK_URL, SAMPLE_OUTPUTS['resources.callback.output.url.system_url']);
    assert.equal(env('uploader').OSS_REGION, `oss-${SAMPLE_ENV.FC_REGION}`);
    assert.equal(env('uploader').OSS_BUCKET, SAMPLE_ENV.OSS_BUCKET);
    assert.equal(env('callback').CALLBACK_ALLOWED_BUCKETS, SAMPLE_ENV.OSS_BUCKET);
  });
});

describe('s.yaml against FC 3.0 API structures (test/conformance/fc3/fc-2023-03-30-trigger-structures.json)', () => {
  const api = loadFcApiStructures();
  const CONFIG_STRUCTURE: Record<string, string> = { http: 'HTTPTriggerConfig', eventbridge: 'EventBridgeTriggerConfig' };

  for (const name of ['callback', 'uploader']) {
    test(`${name}: each trigger uses only CreateTriggerInput fields, and its config only its type's structure`, () => {
      for (const trigger of triggers(name)) {
        assert.deepEqual(structureErrors(api, trigger, 'CreateTriggerInput', String(trigger.triggerName)), []);
        const structure = CONFIG_STRUCTURE[String(trigger.triggerType)];
        assert.ok(structure, `no API structure listed for trigger type ${String(trigger.triggerType)}`);
        assert.deepEqual(structureErrors(api, trigger.triggerConfig, structure), []);
      }
    });
  }

  test('uploader: asyncInvokeConfig uses only PutAsyncInvokeConfigInput fields', () => {
    assert.deepEqual(structureErrors(api, props('uploader').asyncInvokeConfig, 'PutAsyncInvokeConfigInput'), []);
  });

  test('every runOptions key is a RunOptions field, and retryStrategy has only PushRetryStrategy', () => {
    const run = (triggers('uploader')[0].triggerConfig as Obj).runOptions as Obj;
    const fields = Object.keys(api.structures.RunOptions ?? {});
    for (const key of Object.keys(run)) assert.ok(fields.includes(key), `runOptions.${key} is not in RunOptions (${fields.join(', ')})`);
    assert.deepEqual(Object.keys(run.retryStrategy as Obj), Object.keys(api.structures.RetryStrategy ?? {}));
  });

  test('the check refuses what FC 3.0 does not define (so the checks above can fail)', () => {
    const base = triggers('uploader')[0].triggerConfig as Obj;
    const mutations: Array<[string, (c: Obj) => void]> = [
      // FC 2.0 / EventBridge fields the 2023-03-30 RetryStrategy does not have.
      ['MaximumRetryAttempts', (c) => (((c.runOptions as Obj).retryStrategy as Obj).MaximumRetryAttempts = 8)],
      ['MaximumEventAgeInSeconds', (c) => (((c.runOptions as Obj).retryStrategy as Obj).MaximumEventAgeInSeconds = 86400)],
      ['maximumTasks (FC 2.0 RunOptions)', (c) => ((c.runOptions as Obj).maximumTasks = 3)],
      ['deliveryOption.mode (FC 2.0, deprecated)', (c) => (((c.eventSinkConfig as Obj).deliveryOption as Obj).mode = 'event-streaming')],
      ['camel-cased pushRetryStrategy', (c) => ((c.runOptions as Obj).retryStrategy = { pushRetryStrategy: 'BACKOFF_RETRY' })],
      ['lower-cased arn', (c) => ((c.runOptions as Obj).deadLetterQueue = { arn: 'acs:mns:cn-shanghai:1:/queues/q' })],
      ['unknown retry policy', (c) => (((c.runOptions as Obj).retryStrategy as Obj).PushRetryStrategy = 'FOREVER')],
      ['unknown errorsTolerance', (c) => ((c.runOptions as Obj).errorsTolerance = 'SOME')],
      ['unknown mode', (c) => ((c.runOptions as Obj).mode = 'streaming')],
      ['batch window over 15 s', (c) => (((c.runOptions as Obj).batchWindow as Obj).TimeBasedWindow = 16)],
      ['batch of 0 messages', (c) => (((c.runOptions as Obj).batchWindow as Obj).CountBasedWindow = 0)],
      ['batch count as a string', (c) => (((c.runOptions as Obj).batchWindow as Obj).CountBasedWindow = '10')],
      ['misspelt QueueName', (c) => {
        const mns = ((c.eventSourceConfig as Obj).eventSourceParameters as Obj).sourceMNSParameters as Obj;
        mns.queueName = mns.QueueName;
        delete mns.QueueName;
      }],
      ['an unused source structure', (c) => (((c.eventSourceConfig as Obj).eventSourceParameters as Obj).sourceKafkaParameters = {})],
      ['unknown top-level field', (c) => (c.retryStrategy = {})],
    ];
    for (const [label, mutate] of mutations) {
      const broken = clone(base);
      mutate(broken);
      assert.notDeepEqual(structureErrors(api, broken, 'EventBridgeTriggerConfig'), [], `accepted ${label}`);
    }
    const async = clone(props('uploader').asyncInvokeConfig as Obj);
    async.maxAsyncRetryAttempts = 9;
    assert.notDeepEqual(structureErrors(api, async, 'PutAsyncInvokeConfigInput'), [], 'accepted 9 async retries');
  });

  // The fixture is a copy of the SDK's models; once the SDK is a dependency (issue 10, C)
  // this compares the two, so a stale copy fails instead of silently passing.
  test('the fixture lists the same wire names as the installed @alicloud/fc20230330', async (t) => {
    const specifier = '@alicloud/fc20230330';
    let sdk: Record<string, { names?: () => Record<string, string> }>;
    try {
      sdk = (await import(specifier)) as typeof sdk;
    } catch {
      t.skip(`${specifier} is not installed here`);
      return;
    }
    for (const [name, structure] of Object.entries(api.structures)) {
      if (structure === null) continue;
      const model = sdk[name];
      assert.ok(model?.names, `the SDK has no model ${name}`);
      assert.deepEqual(Object.values(model.names()).sort(), Object.keys(structure).sort(), name);
    }
  });
});
