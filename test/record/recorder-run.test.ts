import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecorderRun } from '../../src/lib/record/recorder-run.js';

/** The recorder's per-run state and steps, driven as ffmpeg would drive them, without ffmpeg. */
const T = Date.UTC(2024, 4, 1, 12);
const dataDir = '/data';
const dir = '/data/recordings/front';
const listFile = `${dir}/.segments.csv`;
const run = (o: { gapReason?: string | null; lastEndMs?: number | null } = {}) =>
  new RecorderRun({ camera: 'front', dataDir, listFile, gapReason: o.gapReason ?? null, lastEndMs: o.lastEndMs ?? null, stallSeconds: 10, mono: T });
/** A moment whose wall and monotonic clocks agree (no step). */
const at = (ms: number) => ({ wall: ms, mono: ms });
/** A segment ffmpeg writes in its run folder (numbered there; the same name here for reading) and its time-named link. */
const files = (name: string) => ({ written: `${dir}/.run-x/${name}`, final: `${dir}/2024-05-01/${name}` });
const opening = (name: string) => `[segment @ 0x55d] Opening '${dir}/2024-05-01/${name}' for writing`;
const progress = (seconds: number) => `frame=  250 fps= 25 q=-1.0 size=    1024kB time=00:00:${seconds.toFixed(2).padStart(5, '0')} bitrate=4000kbits/s speed=1x`;

describe('RecorderRun', () => {
  it('reads stderr: progress feeds the clock, an opened segment is named, the segment list and plain lines are not', () => {
    const r = run();
    expect(r.stderrLine(progress(1), at(T + 1000))).toBeNull();
    expect(r.stderrLine(opening('120000.mkv'), at(T))).toEqual({ opened: `${dir}/2024-05-01/120000.mkv` });
    expect(r.stderrLine(`[segment @ 0x55d] Opening '${listFile}' for writing`, at(T))).toBeNull();
    expect(r.stderrLine('Input #0, rtsp, from rtsp://cam/x:', at(T))).toBeNull();
  });

  it('the first segment of a run catalogues the gap since the last recording; later ones do not', () => {
    const r = run({ gapReason: 'camera unreachable', lastEndMs: T - 5000 });
    const first = r.segmentOpened(files('120000.mkv'), at(T));
    expect(first).toEqual({
      first: true,
      gap: { camera: 'front', fromMs: T - 5000, toMs: T, reason: 'camera unreachable' },
      row: { camera: 'front', path: 'recordings/front/2024-05-01/120000.mkv', startMs: T, endMs: T, bytes: 0, closed: false },
    });
    expect(r.segmentOpened(files('120010.mkv'), at(T + 10_000))).toMatchObject({ first: false, gap: null });
    expect(run({ gapReason: null, lastEndMs: T - 5000 }).segmentOpened(files('x.mkv'), at(T)).gap).toBeNull(); // nothing to explain
    expect(run({ gapReason: 'x', lastEndMs: null }).segmentOpened(files('x.mkv'), at(T)).gap).toBeNull(); // never recorded before
    expect(run({ gapReason: 'x', lastEndMs: T + 1 }).segmentOpened(files('x.mkv'), at(T)).gap).toBeNull();
  });

  it('closes listed segments in order, with wall-clock times from the stream clock, contiguous within the run', () => {
    const r = run();
    r.segmentOpened(files('120000.mkv'), at(T + 300)); // opened after the connect burst
    r.stderrLine(progress(2), at(T + 2000)); // stream time 2 s written at wall time T + 2 s: stream 0 is at T
    r.segmentOpened(files('120010.mkv'), at(T + 10_050));
    const entries = r.listed('120000.mkv,0.000000,10.000000\n120010.mkv,10.000000,20.000000\n120020.mkv,20.0');
    expect(entries).toEqual([{ name: '120000.mkv', start: 0, end: 10 }, { name: '120010.mkv', start: 10, end: 20 }]);
    const sizes = (abs: string) => (abs.endsWith('120000.mkv') ? 5000 : 6000);
    expect(r.segmentClosed(entries[0]!, sizes)).toEqual({
      camera: 'front', path: 'recordings/front/2024-05-01/120000.mkv', startMs: T, endMs: T + 10_000, bytes: 5000, closed: true, durationSeconds: 10,
    });
    expect(r.segmentClosed(entries[1]!, sizes)).toMatchObject({ startMs: T + 10_000, endMs: T + 20_000, bytes: 6000 });
    expect(r.listed('120000.mkv,0.000000,10.000000\n120010.mkv,10.000000,20.000000\n120020.mkv,20.0')).toEqual([]); // read once
  });

  it('a list entry naming no open segment is out of step and changes nothing; one that overtakes older ones leaves them to the end of the run', () => {
    const r = run();
    r.segmentOpened(files('120000.mkv'), at(T));
    expect(r.segmentClosed({ name: '115950.mkv', start: 0, end: 10 }, () => 0)).toEqual({ outOfStep: { entry: '115950.mkv', expected: '120000.mkv' } });
    // The odd entry did not consume the open segment: its own entry still closes it (0.2 before this: every later entry was out of step).
    expect(r.segmentClosed({ name: '120000.mkv', start: 0, end: 10 }, () => 0)).toMatchObject({ closed: true, path: 'recordings/front/2024-05-01/120000.mkv' });
    r.segmentOpened(files('120010.mkv'), at(T + 10_000));
    r.segmentOpened(files('120020.mkv'), at(T + 20_000));
    r.segmentOpened(files('120030.mkv'), at(T + 30_000));
    // 120010's entry never came: 120020's closes 120020, and 120010 waits for the end of the run with the open one.
    expect(r.segmentClosed({ name: '120020.mkv', start: 20, end: 30 }, () => 0)).toMatchObject({ closed: true, path: 'recordings/front/2024-05-01/120020.mkv' });
    expect(r.current).toMatch(/120030\.mkv$/);
    expect(r.unlisted().map((a) => path.basename(a))).toEqual(['120010.mkv', '120030.mkv']);
  });

  it('the growing file: bitrate on growth, and its catalogued end once the stream clock is known', () => {
    const r = run();
    r.segmentOpened(files('120000.mkv'), at(T));
    expect(r.sizeSeen(50_000, T + 1000)).toEqual({ bitrateKbps: 400, grow: null }); // no progress line yet
    r.stderrLine(progress(2), at(T + 2000));
    expect(r.sizeSeen(50_000, T + 2000)).toBeNull(); // did not grow
    expect(r.sizeSeen(100_000, T + 2000)).toEqual({
      bitrateKbps: 400, grow: { path: 'recordings/front/2024-05-01/120000.mkv', endMs: T + 2000, bytes: 100_000 },
    });
  });

  it('the stall watchdog fires once when the stream time stops advancing for stallSeconds', () => {
    const r = run();
    r.stderrLine(progress(1), at(T + 1000));
    expect(r.stallCheck(T + 11_000)).toBe(false);
    r.stderrLine(progress(1), at(T + 11_000)); // the same stream time again: no advance
    expect(r.stallCheck(T + 11_001)).toBe(true);
    expect(r.stallCheck(T + 30_000)).toBe(false); // once
    expect(r.outcome({ code: 255, signal: 'SIGKILL' })).toBe('stalled: no new frames for 10s');
  });

  it('before the first frame the watchdog gives connecting and probing 10 s more', () => {
    const r = run();
    expect(r.stallCheck(T + 20_000)).toBe(false);
    expect(r.stallCheck(T + 20_001)).toBe(true);
  });

  it('a clock step (NTP) is no stall: the watchdog and the bitrate run on the monotonic clock, the catalogue on the wall clock', () => {
    const r = run();
    const HOUR = 3_600_000;
    r.segmentOpened(files('120000.mkv'), at(T));
    r.stderrLine(progress(1), at(T + 1000));
    // The wall clock jumps an hour forward between two progress lines one second apart.
    r.stderrLine(progress(2), { wall: T + HOUR + 2000, mono: T + 2000 });
    expect(r.stallCheck(T + 2500)).toBe(false);
    expect(r.sizeSeen(250_000, T + 3000)).toMatchObject({ bitrateKbps: 667 }); // 2 Mbit in 3 s, not in an hour
    // ... and a backward step: still no stall while the stream advances.
    r.stderrLine(progress(3), { wall: T - HOUR, mono: T + 3000 });
    expect(r.stallCheck(T + 12_999)).toBe(false);
    expect(r.stallCheck(T + 13_001)).toBe(true); // 10 s (monotonic) after the stream time last advanced
  });

  it('why a run ended; the segments it never listed', () => {
    const r = run();
    expect(r.outcome({ code: 0, signal: null })).toBe('ffmpeg exited with code 0: stream ended');
    r.stderrLine('rtsp://admin:secret@cam/x: Connection refused', at(T));
    expect(r.outcome({ code: 1, signal: null })).toBe('ffmpeg exited with code 1: rtsp://admin:***@cam/x: Connection refused');
    expect(r.outcome({ code: null, signal: 'SIGKILL' })).toBe('ffmpeg killed by SIGKILL');
    r.segmentOpened(files('120000.mkv'), at(T));
    r.segmentOpened(files('120010.mkv'), at(T));
    expect(r.current).toBe('/data/recordings/front/2024-05-01/120010.mkv');
    expect(r.unlisted()).toEqual(['/data/recordings/front/2024-05-01/120000.mkv', '/data/recordings/front/2024-05-01/120010.mkv']);
    expect(r.current).toBeUndefined();
  });
});
