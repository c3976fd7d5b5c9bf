import { Box, Text, render } from 'ink';
import type { RecorderStatus } from '../lib/record/recorder.js';
import { useTick } from './use-tick.js';
import { paint } from './color.js';

const COLORS: Record<RecorderStatus['state'], string> = { starting: 'yellow', recording: 'green', waiting: 'red', stopped: 'gray' };

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

function RecordView({ statuses, notice }: { statuses: () => RecorderStatus[]; notice: () => string | null }) {
  useTick(1000);
  const now = Date.now();
  return (
    <Box flexDirection="column">
      {statuses().map((s) => (
        <Box key={s.camera} gap={2}>
          <Text bold>{s.camera.padEnd(12)}</Text>
          <Text color={paint(COLORS[s.state])}>{s.state.padEnd(9)}</Text>
          <Text>{(s.segment ?? '-').padEnd(44)}</Text>
          <Text>{`${s.bitrateKbps} kb/s`.padEnd(11)}</Text>
          <Text>{`up ${s.since ? duration(now - s.since) : '-'}`.padEnd(11)}</Text>
          <Text>{`restarts ${s.restarts}`}</Text>
          {s.lastError ? <Text color={paint('red')}> {s.lastError.slice(0, 60)}</Text> : null}
        </Box>
      ))}
      {notice() ? <Text color={paint('yellow')}>{notice()}</Text> : null}
    </Box>
  );
}

/**
 * The live status of `cctv record` on a terminal: rendered to stderr, one row per camera, then `notice` (upload work
 * that does not move, rows waiting for the catalog) when there is one.
 */
export function showRecordView(statuses: () => RecorderStatus[], notice: () => string | null): () => void {
  const app = render(<RecordView statuses={statuses} notice={notice} />, { stdout: process.stderr, patchConsole: false });
  return () => app.unmount();
}
