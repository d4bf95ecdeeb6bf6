/* global document, fetch, XMLHttpRequest, FormData, DOMParser */
// The upload page's script (plain browser JavaScript, no build step): ticket → form post
// straight to OSS with a progress bar → the record, read back from the ticket function.
'use strict';

const $ = (id) => document.getElementById(id);
let config;

function say(text, isError) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
}

function show(record) {
  $('record-job').textContent = record.jobId || '';
  $('record-status').textContent = record.status || '';
  $('record-etag').textContent = record.etag || '';
  $('record-size').textContent = record.size === undefined ? '' : String(record.size);
  $('record-object').textContent = record.object || '';
}

async function api(path, init) {
  const response = await fetch(path, { ...init, headers: { Authorization: `Bearer ${config.token}`, ...(init && init.headers) } });
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

async function getTicket(file) {
  const { status, body } = await api('tickets', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ filename: file.name, contentType: file.type || 'application/octet-stream', maxBytes: Math.max(file.size, 1) }),
  });
  if (status !== 200) throw new Error(`no ticket: ${body.error || status} ${body.message || ''}`);
  return body;
}

function ossError(xhr) {
  try {
    const doc = new DOMParser().parseFromString(xhr.responseText, 'application/xml');
    const code = doc.querySelector('Code');
    const message = doc.querySelector('Message');
    if (code) return `${code.textContent}: ${message ? message.textContent : ''}`;
  } catch {
    // not XML
  }
  return `HTTP ${xhr.status}`;
}

function postForm(ticket, file) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append('file', file); // the file goes last
    const xhr = new XMLHttpRequest();
    xhr.open('POST', ticket.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) $('progress').value = Math.round((event.loaded / event.total) * 100);
    };
    xhr.onload = () => (xhr.status === 200 ? resolve(xhr.responseText) : reject(new Error(`OSS refused the upload: ${ossError(xhr)}`)));
    xhr.onerror = () => reject(new Error('the upload could not reach OSS'));
    xhr.send(form);
  });
}

async function waitForRecord(jobId) {
  for (let i = 0; i < 120; i++) {
    const { status, body } = await api(`tickets/${encodeURIComponent(jobId)}`);
    if (status === 200) return body;
    if (status !== 404) throw new Error(`reading the record failed: ${body.error || status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('no record after 30 s');
}

async function upload() {
  const file = $('file').files[0];
  if (!file) return say('Choose a file first.', true);
  $('upload').disabled = true;
  $('progress').value = 0;
  show({});
  try {
    say('Getting a ticket…');
    const ticket = await getTicket(file);
    say(`Uploading ${file.name} (${file.size} bytes)…`);
    await postForm(ticket, file);
    $('progress').value = 100;
    say('Uploaded; waiting for the record…');
    const record = await waitForRecord(ticket.jobId);
    show(record);
    say(`Done: ${record.status}.`);
  } catch (error) {
    say(error.message, true);
  } finally {
    $('upload').disabled = false;
  }
}

async function main() {
  config = await (await fetch('config.json')).json();
  $('upload').addEventListener('click', () => void upload());
  $('upload').disabled = false;
  say('Choose a file and press Upload.');
}

main().catch((error) => say(`The page could not start: ${error.message}`, true));
