// A stand-in for worker-main.ts that misbehaves on request, to test how the pool
// treats workers that hang, crash or run out of heap. The job's source picks the act.
import { parentPort } from 'node:worker_threads';

const hoard = [];
parentPort.on('message', (message) => {
  switch (message.source) {
    case 'hang':
      for (;;) {}
    case 'crash':
      throw new Error('fixture crash');
    case 'exit':
      process.exit(7);
    case 'heap':
      for (;;) hoard.push(new Array(1e5).fill({ filler: hoard.length }));
    default:
      parentPort.postMessage({
        type: 'done',
        jobId: message.jobId,
        outcome: { ok: true, outputsJson: JSON.stringify({ echoed: message.source }) },
        logs: [],
        logsTruncated: false,
        logsDropped: { lines: 0, bytes: 0 },
      });
  }
});
parentPort.postMessage({ type: 'ready' });
