// `npm start` will run the whole pipeline locally (emulators, FC host, queue, sample jobs).
// Until those parts land, say plainly what exists and what does not, and fail.
console.error(
  [
    'npm start: the local pipeline is not built yet.',
    'What exists today: the callback protocol library (lib/callback) and its tests (`npm test`).',
    'Still to come: the OSS, Tablestore and queue emulators, the FC host and the two functions.',
  ].join('\n'),
);
process.exit(1);
