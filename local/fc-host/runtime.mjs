// One FC function instance: the child process the local FC host forks per instance.
//
// It plays the part of FC's nodejs20 built-in runtime bootstrap: load the deployed code
// once (a cold start), then run one request at a time, calling `handler(event, context)`
// with the event as a Buffer. Plain JavaScript on purpose: it runs under plain `node`, as
// FC's own bootstrap does, with no TypeScript loader inflating the instance's memory.
//
// Protocol (IPC, advanced serialization so Buffers pass as Buffers):
//   host → instance  {type:'init', codeFile, exportName}
//                    {type:'invoke', id, event: Buffer, context: {requestId, credentials, function, service, region, accountId}}
//   instance → host  {type:'ready'} | {type:'init-error', error}
//                    {type:'log', requestId, level, message}
//                    {type:'result', id, ok: true, value: {kind, data}, maxRssBytes}
//                    {type:'result', id, ok: false, error: {errorMessage, errorType, stackTrace}, maxRssBytes}
// An uncaught exception or process.exit ends the process, which the host reports the way
// FC does ("Process exited unexpectedly before completing request").
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

let handler;
let currentRequestId = '';

function send(message) {
  if (process.connected) process.send(message);
}

/** FC's Node.js error JSON: {errorMessage, errorType, stackTrace} (error-handling-nodejs). */
function errorJson(err) {
  if (err instanceof Error) {
    return {
      errorMessage: err.message,
      errorType: err.name || err.constructor?.name || 'Error',
      stackTrace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  return { errorMessage: typeof err === 'string' ? err : format('%o', err), errorType: 'Error', stackTrace: [] };
}

function maxRssBytes() {
  return process.resourceUsage().maxRSS * 1024;
}

function emit(level, args, requestId = currentRequestId) {
  send({ type: 'log', requestId, level, message: format(...args) });
}

// FC's runtime routes console output into the function's log with the request id; so do we.
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['debug', 'DEBUG'], ['warn', 'WARN'], ['error', 'ERROR']]) {
  console[method] = (...args) => emit(level, args);
}

function makeLogger(requestId) {
  return {
    debug: (...args) => emit('DEBUG', args, requestId),
    info: (...args) => emit('INFO', args, requestId),
    warn: (...args) => emit('WARN', args, requestId),
    error: (...args) => emit('ERROR', args, requestId),
    log: (...args) => emit('INFO', args, requestId),
  };
}

/** The handler's result in a form that crosses IPC whatever it is. */
function encodeValue(value) {
  if (value === undefined || value === null) return { kind: 'empty' };
  if (Buffer.isBuffer(value)) return { kind: 'bytes', data: value };
  if (value instanceof Uint8Array) return { kind: 'bytes', data: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
  if (typeof value === 'string') return { kind: 'string', data: value };
  return { kind: 'json', data: JSON.stringify(value) };
}

/** Calls the handler in either style FC's nodejs runtimes accept: promise or callback. */
function callHandler(event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    const returned = handler(event, context, done);
    if (returned && typeof returned.then === 'function') {
      returned.then((r) => done(null, r), (e) => done(e ?? new Error('handler rejected')));
    } else if (handler.length < 3) {
      done(null, returned);
    }
  });
}

async function load(codeFile, exportName) {
  const mod = codeFile.endsWith('.mjs') ? await import(pathToFileURL(codeFile).href) : createRequire(codeFile)(codeFile);
  const fn = mod?.[exportName] ?? (exportName === 'handler' ? mod?.default?.handler : undefined);
  if (typeof fn !== 'function') {
    const err = new Error(`${exportName} is undefined or not exported`);
    err.name = 'HandlerNotFound';
    throw err;
  }
  return fn;
}

process.on('message', (msg) => {
  if (msg.type === 'init') {
    load(msg.codeFile, msg.exportName).then(
      (fn) => {
        handler = fn;
        send({ type: 'ready' });
      },
      (err) => {
        send({ type: 'init-error', error: errorJson(err) });
      },
    );
    return;
  }
  if (msg.type === 'invoke') {
    const { id, event, context } = msg;
    currentRequestId = context.requestId;
    const ctx = { ...context, logger: makeLogger(context.requestId) };
    callHandler(Buffer.from(event.buffer, event.byteOffset, event.byteLength), ctx).then(
      (value) => {
        let encoded;
        try {
          encoded = encodeValue(value);
        } catch (err) {
          send({ type: 'result', id, ok: false, error: errorJson(err), maxRssBytes: maxRssBytes() });
          return;
        }
        send({ type: 'result', id, ok: true, value: encoded, maxRssBytes: maxRssBytes() });
      },
      (err) => send({ type: 'result', id, ok: false, error: errorJson(err), maxRssBytes: maxRssBytes() }),
    );
  }
});

process.on('disconnect', () => process.exit(0));
