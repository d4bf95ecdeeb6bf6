// `npm run deploy [-- <s deploy options>]`: deploys s.yaml with Serverless Devs.
// Runs `s deploy` with the extra arguments when the `s` command is installed; otherwise
// says how to install and configure it and fails. Walkthrough: docs/deploy.md.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const USAGE = `Usage: npm run deploy [-- <options for "s deploy">]

Deploys s.yaml (both functions, their triggers and async-invocation config) with
Serverless Devs: runs "s deploy" with the options given, e.g.
  npm run deploy -- -y                 # no confirmation prompts
  npm run deploy -- -a prod            # use the access key alias "prod"
  npm run deploy -- callback           # deploy only the callback resource

s.yaml reads these from the environment (see docs/deploy.md):
  OSS_BUCKET, TABLESTORE_INSTANCE, LOG_PROJECT, CALLBACK_TOKEN_SECRET (required)
  FC_REGION (optional, default cn-hangzhou)
Create the results table once with: npx tsx scripts/ensure-table.ts`;

const INSTALL = `Serverless Devs (the "s" command) is not installed or not on PATH.
Install it and add an access key, then run npm run deploy again:
  npm install -g @serverless-devs/s
  s config add          # choose Alibaba Cloud, enter AccessKey ID and secret (alias "default")
Docs: https://docs.serverless-devs.com/ and docs/deploy.md in this repository.`;

/** Variables s.yaml reads with env('…') and no default. */
const REQUIRED_DEPLOY_ENV = ['OSS_BUCKET', 'TABLESTORE_INSTANCE', 'LOG_PROJECT', 'CALLBACK_TOKEN_SECRET'] as const;

/**
 * Absolute path of the first executable named `command` on `pathVariable`, or undefined.
 *
 * @example
 * findOnPath('s', process.env.PATH) // '/usr/local/bin/s'
 */
function findOnPath(command: string, pathVariable: string | undefined, platform: NodeJS.Platform = process.platform): string | undefined {
  const names = platform === 'win32' ? [`${command}.cmd`, `${command}.exe`, command] : [command];
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not there or not executable: keep looking.
      }
    }
  }
  return undefined;
}

/** Names of REQUIRED_DEPLOY_ENV that are unset or blank in `env`. */
function missingDeployEnv(env: NodeJS.ProcessEnv): string[] {
  return REQUIRED_DEPLOY_ENV.filter((name) => (env[name] ?? '').trim() === '');
}

function usesOtherTemplate(args: string[]): boolean {
  return args.some((arg) => arg === '-t' || arg === '--template' || arg.startsWith('--template='));
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const s = findOnPath('s', process.env.PATH);
  if (!s) {
    console.error(INSTALL);
    return 1;
  }
  // Only s.yaml's variables are known here; another template may read others.
  if (!usesOtherTemplate(args)) {
    const missing = missingDeployEnv(process.env);
    if (missing.length > 0) {
      console.error(`s.yaml needs these environment variables, which are not set: ${missing.join(', ')}\nSee docs/deploy.md ("Settings").`);
      return 1;
    }
  }
  console.error(`> ${s} deploy ${args.join(' ')}`.trimEnd());
  return new Promise<number>((resolve) => {
    const child = spawn(s, ['deploy', ...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`could not run ${s}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

process.exitCode = await main(process.argv.slice(2));
