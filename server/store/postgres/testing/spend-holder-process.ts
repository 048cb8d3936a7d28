/**
 * A process that holds a spend reservation and then hangs, for the test that a reservation of a
 * killed process does not block the cap forever (spend-ledger-postgres.test.ts):
 * `node --import tsx spend-holder-process.ts <url> <leaseMs> <request JSON>` reserves, prints
 * "held" (or "refused"), and keeps renewing its lease until it is killed.
 */
import { openDatabase } from '../database.ts';
import { PostgresSpendLedger } from '../spend-ledger-postgres.ts';

const [url, leaseMs, requestText] = process.argv.slice(2);
const database = await openDatabase(url!, { log: () => undefined });
const ledger = new PostgresSpendLedger({
  database,
  leaseMs: Number(leaseMs),
  logs: { spentIn: async () => 0, spentByStep: async () => 0 },
  log: () => undefined,
});
const request = JSON.parse(requestText!);
const reservation = await ledger.reserve({ ...request, at: new Date(request.at) });
process.stdout.write(reservation.ok ? 'held\n' : 'refused\n');
// Keeps the event loop (and the lease renewals, whose timer is unref'd) alive until killed.
setInterval(() => undefined, 60_000);
