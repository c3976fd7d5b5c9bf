import { describe, expect, it } from 'vitest';
import { Supervisor, type Stage } from '../../src/lib/run/supervisor.js';
import { sleep } from '../../src/lib/wait.js';

const until = (s: AbortSignal) => new Promise<void>((resolve) => (s.aborted ? resolve() : s.addEventListener('abort', () => resolve(), { once: true })));

describe('Supervisor', () => {
  it('restarts a failing stage alone, after backoff, with its error visible; the others run on; abort stops all', async () => {
    const log: string[] = [];
    let fails = 2;
    const steady: Stage = { name: 'steady', run: async (s) => { log.push('steady start'); await until(s); log.push('steady stop'); } };
    const flaky: Stage = {
      name: 'flaky',
      run: async (s) => {
        log.push('flaky start');
        if (fails-- > 0) throw new Error(`boom ${fails}`);
        await until(s);
        log.push('flaky stop');
      },
    };
    const quitter: Stage = { name: 'quitter', run: async () => { log.push('quitter start'); } };
    const sup = new Supervisor([steady, flaky, quitter], 30);
    const stop = new AbortController();
    const started = Date.now();
    const running = sup.run(stop.signal);
    await sleep(100);
    const early = sup.snapshot();
    expect(early.find((s) => s.name === 'flaky')).toMatchObject({ state: 'restarting', restarts: 1, lastError: 'boom 1' });
    expect(early.find((s) => s.name === 'steady')).toMatchObject({ state: 'running', restarts: 0, lastError: null });
    // 1 s, then 2 s: the second restart of flaky comes no sooner than 3 s after the start.
    while (sup.snapshot().find((s) => s.name === 'flaky')!.state !== 'running' || fails > -1) await sleep(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    const later = sup.snapshot();
    expect(later.find((s) => s.name === 'flaky')).toMatchObject({ state: 'running', restarts: 2 });
    expect(later.find((s) => s.name === 'steady')).toMatchObject({ state: 'running', restarts: 0 });
    expect(later.find((s) => s.name === 'quitter')!.lastError).toBe('ended by itself');
    stop.abort();
    await running;
    expect(sup.snapshot().map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(log.filter((l) => l === 'steady start')).toHaveLength(1);
    expect(log.filter((l) => l === 'flaky start')).toHaveLength(3);
    expect(log).toContain('steady stop');
    expect(log).toContain('flaky stop');
  }, 20_000);

  it("merges what a stage knows of itself: a recorder's own restarts and state", async () => {
    const stop = new AbortController();
    const sup = new Supervisor([{ name: 'record front', run: until, inner: () => ({ state: 'waiting', restarts: 3, camera: 'front', recording: false, lastError: 'camera gone' }) }]);
    const running = sup.run(stop.signal);
    await sleep(20);
    expect(sup.snapshot()[0]).toMatchObject({ name: 'record front', state: 'waiting', restarts: 3, camera: 'front', recording: false, lastError: 'camera gone' });
    stop.abort();
    await running;
    expect(sup.snapshot()[0]!.state).toBe('stopped');
  });
});

describe('readiness (/readyz)', () => {
  it('ready when the catalog answers and every stage runs; else 503 with the reasons', async () => {
    const Database = (await import('better-sqlite3')).default;
    const { readiness } = await import('../../src/lib/serve/health-routes.js');
    const db = new Database(':memory:');
    const stage = (name: string, state: string) => ({ name, state, restarts: 0 });
    expect(readiness(db, [stage('serve', 'running')])).toMatchObject({ ready: true, problems: [] });
    expect(readiness(db, [stage('serve', 'running'), stage('record front', 'waiting')])).toMatchObject({ ready: false, problems: ['record front: waiting'] });
    db.close();
    expect(readiness(db, []).problems[0]).toMatch(/^catalog: /);
  });
});
