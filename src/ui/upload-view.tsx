import { Box, Text, render, useStdout } from 'ink';
import type { UploadStats } from '../lib/upload/uploader.js';
import { useTick } from './use-tick.js';
import { paint } from './color.js';

function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function UploadView({ stats }: { stats: UploadStats }) {
  useTick(500);
  const { write } = useStdout();
  // Stored items are taken out of stats.recent and printed once above the counters (nothing kept: a week-long
  // upload holds no list of everything it stored).
  for (const r of stats.recent.splice(0)) write(`✔ ${r.key} ${size(r.bytes)}${r.partial ? ' (partial)' : ''}\n`);
  const seconds = Math.max(1, (Date.now() - stats.startedMs) / 1000);
  return (
    <>
      <Box gap={2}>
        <Text>{`queued ${stats.queued}`}</Text>
        <Text>{`in flight ${stats.inFlight}`}</Text>
        <Text color={paint('green')}>{`done ${stats.done}`}</Text>
        {stats.failed > 0 ? <Text color={paint('red')}>{`failed ${stats.failed}`}</Text> : null}
        <Text>{`${size(stats.bytes)} at ${size(stats.bytes / seconds)}/s`}</Text>
        {stats.lastError ? <Text color={paint('red')}>{stats.lastError.slice(0, 60)}</Text> : null}
      </Box>
    </>
  );
}

/** The live progress of `cctv upload` on a terminal (stderr): stored clips above, counters below. */
export function showUploadView(stats: UploadStats): () => void {
  const app = render(<UploadView stats={stats} />, { stdout: process.stderr, patchConsole: false });
  return () => app.unmount();
}
