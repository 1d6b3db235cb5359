// Black-box tests of durable writes through the group-commit writer:
// batching under concurrent clients, reply only after fsync, no
// acknowledged write lost on SIGTERM or kill -9.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, startDaemon } from '../lib/daemon.mjs';

const put = (d, key, value = 'v') =>
  request(`${d.url}/api/v1/test/probe`, { method: 'POST', body: { key, value } });

const stats = async (d) => (await request(`${d.url}/api/v1/test/writer`)).json;

test('concurrent writes are batched into fewer transactions', async () => {
  const d = await startDaemon();
  try {
    const before = await stats(d);
    const n = 300;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => put(d, `c${i}`)));
    for (const r of replies)
      assert.equal(r.status, 201);
    const after = await stats(d);
    const jobs = after.jobs - before.jobs;
    const txns = after.transactions - before.transactions;
    test.diagnostic?.(`${jobs} writes in ${txns} transactions`);
    assert.equal(jobs, n);
    assert.ok(txns < n / 2, `${txns} transactions for ${n} concurrent writes`);
    assert.ok(after.max_batch > 1);
    for (const i of [0, 150, 299]) {
      const r = await request(`${d.url}/api/v1/test/probe/c${i}`);
      assert.equal(r.status, 200);
    }
  } finally {
    await d.cleanup();
  }
});

test('the reply to a write is sent only after the write-ahead log is synced', async () => {
  const d = await startDaemon();
  const trace = `${d.dataDir}/strace.out`;
  const st = spawn('strace', ['-f', '-qq', '-s', '32', '-o', trace, '-p', String(d.proc.pid),
    '-e', 'trace=fsync,fdatasync,write,writev,sendto,sendmsg'], { stdio: 'ignore' });
  try {
    await sleep(800);  // let strace attach to every thread
    const walFds = new Set(fs.readdirSync(`/proc/${d.proc.pid}/fd`).filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/${d.proc.pid}/fd/${fd}`).endsWith('assidu.db-wal');
      } catch {
        return false;
      }
    }));
    assert.ok(walFds.size > 0, 'the server has no WAL open');
    const r = await put(d, 'durable-1');
    assert.equal(r.status, 201);
    await sleep(200);
    st.kill('SIGINT');
    await new Promise((resolve) => st.once('exit', resolve));
    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    // Completed syncs of the write-ahead log, and the first reply write.
    const isWalSync = (l) => {
      const m = /f(?:data)?sync\((\d+)/.exec(l) ?? /<\.\.\. f(?:data)?sync resumed>/.exec(l);
      return m && / = 0$/.test(l) && (m[1] === undefined || walFds.has(m[1]));
    };
    const synced = lines.findIndex(isWalSync);
    const replied = lines.findIndex((l) =>
      /(writev?|sendto|sendmsg)\(\d+, .*HTTP\/1\.1 201/.test(l));
    assert.ok(replied >= 0, 'no 201 reply in the trace');
    assert.ok(synced >= 0, `no completed fsync of the WAL in the trace:\n${lines.join('\n')}`);
    assert.ok(synced < replied,
      `reply at trace line ${replied} before the WAL sync at line ${synced}`);
  } finally {
    st.kill('SIGKILL');
    await d.cleanup();
  }
});

async function load(d, prefix, stopWhen) {
  const acked = [];
  let i = 0;
  const worker = async () => {
    while (!stopWhen()) {
      const key = `${prefix}${i++}`;
      try {
        const r = await put(d, key);
        if (r.status === 201)
          acked.push(key);
      } catch {
        return;  // refused or reset: the server is going away
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return acked;
}

test('SIGTERM during load loses no acknowledged write', async () => {
  const d = await startDaemon();
  let stopping = false;
  let exited = null;
  try {
    const running = load(d, 't', () => exited !== null);
    await sleep(600);
    stopping = true;
    const stopped = d.stop('SIGTERM').then((st) => { exited = st; return st; });
    const [acked, st] = await Promise.all([running, stopped]);
    assert.ok(stopping);
    assert.equal(st.code, 0, d.log().slice(-2000));
    assert.match(d.log(), /event=stopping signal=TERM/);
    assert.match(d.log(), /event=drained/);
    // A clean stop checkpoints: the database file alone holds every write.
    const wal = `${d.dataDir}/assidu.db-wal`;
    assert.ok(!fs.existsSync(wal) || fs.statSync(wal).size === 0, 'WAL left behind');
    assert.ok(acked.length > 50, `only ${acked.length} writes acknowledged`);

    const again = await startDaemon({ dataDir: d.dataDir });
    try {
      let missing = 0;
      for (const key of acked) {
        const r = await request(`${again.url}/api/v1/test/probe/${key}`);
        if (r.status !== 200)
          missing++;
      }
      assert.equal(missing, 0, `${missing} of ${acked.length} acknowledged writes lost`);
    } finally {
      await again.stop();
    }
  } finally {
    await d.cleanup();
  }
});

test('kill -9 right after acknowledgements loses none of them', async () => {
  const d = await startDaemon();
  try {
    let done = false;
    const running = load(d, 'k', () => done);
    await sleep(500);
    done = true;
    const acked = await running;
    await d.kill9();
    assert.ok(acked.length > 20);
    const again = await startDaemon({ dataDir: d.dataDir });
    try {
      for (const key of acked) {
        const r = await request(`${again.url}/api/v1/test/probe/${key}`);
        assert.equal(r.status, 200, `acknowledged ${key} lost after kill -9`);
      }
    } finally {
      await again.stop();
    }
  } finally {
    await d.cleanup();
  }
});
