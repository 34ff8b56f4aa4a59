import { UsageError, runCredentialsCli } from './credentials-cli.ts';

// `npm run credentials -- add|remove|list`: the MQTT accounts of the embedded broker.
try {
  process.stdout.write(`${await runCredentialsCli(process.argv.slice(2))}\n`);
} catch (err) {
  process.stderr.write(`credentials: ${(err as Error).message}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
