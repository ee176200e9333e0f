import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient, sumVcpuStats } from './qmp.js';

test('QMP client: greeting, capabilities, events, commands and errors against a fake QEMU', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-test-'));
  const path = join(dir, 'qmp.sock');
  const seen: string[] = [];
  const server = createServer((sock) => {
    sock.setEncoding('utf8');
    sock.write(JSON.stringify({ QMP: { version: { qemu: { major: 7 } }, capabilities: [] } }) + '\n');
    let buf = '';
    sock.on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string };
        buf = buf.slice(nl + 1);
        seen.push(cmd.execute);
        if (cmd.execute === 'qmp_capabilities') {
          sock.write(JSON.stringify({ return: {} }) + '\n');
          // an event arriving before anyone waits for it must not be lost
          sock.write(JSON.stringify({ event: 'STOP', data: {} }) + '\n');
        } else if (cmd.execute === 'query-stats') {
          sock.write(
            // two vCPUs, split across writes
            '{"return": [{"provider": "kvm", "stats": [{"name": "exits", "value": 5}, {"name": "blocking", "value": false}]},' +
              ' {"provider": "kvm", "stats": [{"name": "exits", "value": 7}, {"name": "halt_wait_hist", "value": [1, 2]}]}]}\n',
          );
        } else {
          sock.write(JSON.stringify({ error: { class: 'CommandNotFound', desc: `no ${cmd.execute}` } }) + '\n');
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  try {
    const qmp = await QmpClient.open(path, 2000);
    const ev = await qmp.waitEvent(['STOP'], 1000);
    assert.equal(ev.event, 'STOP');
    const stats = sumVcpuStats(await qmp.execute('query-stats', { target: 'vcpu' }));
    assert.deepEqual(stats, { exits: 12 });
    await assert.rejects(qmp.execute('frobnicate'), /CommandNotFound: no frobnicate/);
    await assert.rejects(qmp.waitEvent(['SHUTDOWN'], 50), /no answer within 50 ms/);
    qmp.close();
    assert.deepEqual(seen, ['qmp_capabilities', 'query-stats', 'frobnicate']);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('QMP open gives up with one line when nothing listens', async () => {
  await assert.rejects(QmpClient.open('/nonexistent/qmp.sock', 200), /cannot open QMP at \/nonexistent\/qmp.sock/);
});
